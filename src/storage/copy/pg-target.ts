import type pg from 'pg';
import { HubError } from '../../core/errors.js';
import { migratePostgres } from '../postgres/migrate.js';
import { createPool, quoteIdent, redactedUrl, withTransaction } from '../postgres/pool.js';
import { TableChecksum, toPgParam } from './canonical.js';
import { decodeKey, encodeKey, type RowKey } from './sqlite-source.js';
import { POSTGRES_NOT_COPIED, type CopiedTable } from './tables.js';

/** Where a copy stands for one table: the last key copied, committed with the rows it ends. */
export interface TableProgress {
  lastKey: RowKey | null;
  rowsCopied: number;
  done: boolean;
}

/** An unfinished copy found in the target: the data directory it copies, and each table's progress. */
export interface CopyInProgress {
  source: string;
  tables: Map<string, TableProgress>;
}

/** Most parameters of one statement (PostgreSQL's limit is 65535). */
const MAX_PARAMS = 60_000;
/** Rows fetched at a time from the checksum cursor. */
const FETCH_ROWS = 1000;

const PROGRESS_TABLE = `CREATE TABLE IF NOT EXISTS copy_progress (
  table_name  TEXT PRIMARY KEY,
  source      TEXT NOT NULL,
  last_key    TEXT,
  rows_copied BIGINT NOT NULL DEFAULT 0,
  done        BOOLEAN NOT NULL DEFAULT false,
  updated_at  TEXT NOT NULL
)`;

/** `ORDER BY` of a table's key: text compared byte by byte, as SQLite does, whatever the column's collation. */
function keyOrder(table: CopiedTable): string[] {
  return table.key.map((k) => (table.columns.find((c) => c.name === k)?.kind === 'int' ? quoteIdent(k) : `${quoteIdent(k)} COLLATE "C"`));
}

/**
 * The target of a copy: a PostgreSQL database (the schema its URL's search_path selects), migrated
 * to this leadhook's schema. Each batch of rows is inserted in one transaction together with the
 * table's progress in `copy_progress`, so a copy stopped at any moment resumes after its last
 * committed batch; rows already there are skipped (ON CONFLICT DO NOTHING).
 */
export class PgTarget {
  private constructor(
    private readonly pool: pg.Pool,
    readonly label: string,
  ) {}

  /** Connect to `url` and apply the PostgreSQL migrations; LH_E_STORE_UNAVAILABLE when it cannot be reached. */
  static async open(url: string): Promise<PgTarget> {
    // No statement timeout: a checksum sorts a whole table once.
    const pool = createPool({ url, max: 2, statementTimeoutMs: 0 });
    const target = new PgTarget(pool, redactedUrl(url));
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      if (error instanceof HubError) throw error;
      throw new HubError('LH_E_STORE_UNAVAILABLE', [`PostgreSQL at ${target.label}: ${error instanceof Error ? error.message : String(error)}`], { cause: error });
    }
    return target;
  }

  /** Refuse a target whose tables have columns the copy would leave empty (a migration this copy does not know yet). */
  async checkSchema(tables: readonly CopiedTable[], sourceDir: string): Promise<void> {
    const { rows } = await this.pool.query<{ table_name: string; column_name: string; is_generated: string }>(
      `SELECT table_name, column_name, is_generated FROM information_schema.columns WHERE table_schema = current_schema()`,
    );
    const known = new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
    for (const r of rows) {
      if ((POSTGRES_NOT_COPIED.tables as readonly string[]).includes(r.table_name)) continue;
      if ((POSTGRES_NOT_COPIED.columns as readonly string[]).includes(`${r.table_name}.${r.column_name}`)) continue;
      const columns = known.get(r.table_name);
      if (columns === undefined || !columns.has(r.column_name)) {
        throw new HubError('LH_E_STORE_COPY_SOURCE', [sourceDir, `the PostgreSQL schema at ${this.label} has ${r.table_name}.${r.column_name}, which this copy does not fill`]);
      }
    }
  }

  /** The unfinished copy recorded in the target, or null when none was started. */
  async inProgress(): Promise<CopyInProgress | null> {
    const exists = await this.pool.query<{ t: string | null }>(`SELECT to_regclass('copy_progress')::text AS t`);
    if (exists.rows[0]?.t === null) return null;
    const { rows } = await this.pool.query<{ table_name: string; source: string; last_key: string | null; rows_copied: string; done: boolean }>(
      'SELECT table_name, source, last_key, rows_copied, done FROM copy_progress',
    );
    if (rows.length === 0) return null;
    const tables = new Map(rows.map((r) => [r.table_name, { lastKey: r.last_key === null ? null : decodeKey(r.last_key), rowsCopied: Number(r.rows_copied), done: r.done }]));
    return { source: (rows[0] as { source: string }).source, tables };
  }

  /** The copied tables that already hold rows, with how many. */
  async nonEmptyTables(tables: readonly CopiedTable[]): Promise<string[]> {
    const found: string[] = [];
    for (const t of tables) {
      const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`);
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) found.push(`${t.name}: ${n} rows`);
    }
    return found;
  }

  /** Record a new copy from `source`: one progress row per table, nothing copied yet. */
  async startCopy(source: string, tables: readonly CopiedTable[]): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(PROGRESS_TABLE);
      const now = new Date().toISOString();
      for (const t of tables) {
        await client.query('INSERT INTO copy_progress (table_name, source, updated_at) VALUES ($1, $2, $3) ON CONFLICT (table_name) DO NOTHING', [t.name, source, now]);
      }
    });
  }

  /** The most rows of `table` one batch can insert in one statement. */
  maxBatchRows(table: CopiedTable, wanted: number): number {
    return Math.max(1, Math.min(wanted, Math.floor(MAX_PARAMS / table.columns.length)));
  }

  /** Insert `rows` (read from SQLite) and move the table's progress to `lastKey`, in one transaction. */
  async writeBatch(table: CopiedTable, rows: readonly Record<string, unknown>[], lastKey: RowKey): Promise<void> {
    const columns = table.columns;
    const params: unknown[] = [];
    const tuples = rows.map((row) => `(${columns.map((c) => `$${params.push(toPgParam(c.kind, row[c.name]))}`).join(', ')})`);
    const sql = `INSERT INTO ${quoteIdent(table.name)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`;
    await withTransaction(this.pool, async (client) => {
      await client.query(sql, params);
      await client.query('UPDATE copy_progress SET last_key = $2, rows_copied = rows_copied + $3, updated_at = $4 WHERE table_name = $1', [
        table.name,
        encodeKey(lastKey),
        rows.length,
        new Date().toISOString(),
      ]);
    });
  }

  /** Mark `table` copied to the end. */
  async finishTable(table: CopiedTable): Promise<void> {
    await this.pool.query('UPDATE copy_progress SET done = true, updated_at = $2 WHERE table_name = $1', [table.name, new Date().toISOString()]);
  }

  /** Continue `table`'s identity column after every copied value, and after `atLeast` (SQLite never reuses a seq, even of a deleted row). */
  async continueIdentity(table: CopiedTable, atLeast: bigint): Promise<void> {
    if (table.identity === undefined) return;
    const column = quoteIdent(table.identity);
    const { rows } = await this.pool.query<{ n: string | null }>(`SELECT max(${column})::text AS n FROM ${quoteIdent(table.name)}`);
    const copied = BigInt(rows[0]?.n ?? '0');
    const last = copied > atLeast ? copied : atLeast;
    if (last <= 0n) return;
    await this.pool.query('SELECT setval(pg_get_serial_sequence($1, $2), $3::bigint)', [quoteIdent(table.name), table.identity, last.toString()]);
  }

  /** Rows and content checksum of `table`, read in key order through one cursor (one sort, however large). */
  async checksum(table: CopiedTable): Promise<{ rows: number; digest: string }> {
    const sum = new TableChecksum(table);
    const select = `SELECT ${table.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(table.name)} ORDER BY ${keyOrder(table).join(', ')}`;
    await withTransaction(this.pool, async (client) => {
      await client.query(`DECLARE copy_checksum NO SCROLL CURSOR FOR ${select}`);
      for (;;) {
        const { rows } = await client.query<Record<string, unknown>>(`FETCH ${FETCH_ROWS} FROM copy_checksum`);
        for (const row of rows) sum.add(row);
        if (rows.length < FETCH_ROWS) break;
      }
    });
    return { rows: sum.rows, digest: sum.digest() };
  }

  /** Forget the copy's progress (it is complete and verified). */
  async dropProgress(): Promise<void> {
    await this.pool.query('DROP TABLE IF EXISTS copy_progress');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
