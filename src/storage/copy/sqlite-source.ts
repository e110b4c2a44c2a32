import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ADMIN_TOKEN_SETTING, adminTokenFile } from '../../admin-token.js';
import { HubError } from '../../core/errors.js';
import { databaseFile } from '../../server.js';
import { SQLITE_NOT_COPIED, type CopiedTable } from './tables.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations/sqlite');

/** A key of a row: its primary key columns' values, in order (integers as bigint). */
export type RowKey = unknown[];

/** One batch of rows read in key order, and the key of its last row. */
export interface SourceBatch {
  rows: Record<string, unknown>[];
  lastKey: RowKey | null;
}

/** The number of the last SQLite migration this leadhook knows. */
function latestMigration(): number {
  return Math.max(0, ...readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f)).map((f) => Number(f.slice(0, 4))));
}

/**
 * The source of a copy: a stopped installation's SQLite database, opened read-only, and its admin
 * token file. Rows are read in key order (SQLite compares text byte by byte, as PostgreSQL's
 * `COLLATE "C"` does), in batches bounded by a row count and a byte budget.
 */
export class SqliteSource {
  private readonly db: Database.Database;

  /** Open `dataDir`'s database read-only; throws LH_E_STORE_COPY_SOURCE when it is missing, of another version, or has tables or columns this copy does not know. */
  constructor(
    readonly dataDir: string,
    private readonly tables: readonly CopiedTable[],
  ) {
    const file = databaseFile(dataDir);
    if (!existsSync(file)) throw new HubError('LH_E_STORE_COPY_SOURCE', [dataDir, `no leadhook database there (${file} does not exist)`]);
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.checkSchema();
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  private checkSchema(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const latest = latestMigration();
    if (version !== latest) {
      throw new HubError('LH_E_STORE_COPY_SOURCE', [
        this.dataDir,
        `its database is at schema ${version}, this leadhook copies schema ${latest}: ${version < latest ? "start and stop this version's leadhook serve on it once to bring it up to date" : 'use the leadhook version that wrote it'}`,
      ]);
    }
    const known = new Map(this.tables.filter((t) => t.from === 'sqlite').map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
    const names = (this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
    for (const name of names) {
      if ((SQLITE_NOT_COPIED.tables as readonly string[]).includes(name) || SQLITE_NOT_COPIED.tablePrefixes.some((p) => name.startsWith(p))) continue;
      const columns = known.get(name);
      if (columns === undefined) throw new HubError('LH_E_STORE_COPY_SOURCE', [this.dataDir, `it has a table ${name} this copy does not know`]);
      const actual = (this.db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).all(name) as { name: string }[]).map((r) => r.name);
      for (const column of actual) {
        if (!columns.has(column) && !(SQLITE_NOT_COPIED.columns as readonly string[]).includes(`${name}.${column}`)) {
          throw new HubError('LH_E_STORE_COPY_SOURCE', [this.dataDir, `table ${name} has a column ${column} this copy does not know`]);
        }
      }
      for (const column of columns) {
        if (!actual.includes(column)) throw new HubError('LH_E_STORE_COPY_SOURCE', [this.dataDir, `table ${name} has no column ${column}`]);
      }
    }
    for (const name of known.keys()) {
      if (!names.includes(name)) throw new HubError('LH_E_STORE_COPY_SOURCE', [this.dataDir, `it has no table ${name}`]);
    }
  }

  /** The rows of the admin token file, as the `settings` rows PostgreSQL keeps it in (none when no token was generated). */
  private settingsRows(): Record<string, unknown>[] {
    const file = adminTokenFile(this.dataDir);
    if (!existsSync(file)) return [];
    const token = readFileSync(file, 'utf8').trim();
    // The rule of resolveAdminToken: a shorter token is not one leadhook wrote; the server would replace it.
    return token.length >= 16 ? [{ name: ADMIN_TOKEN_SETTING, value: token }] : [];
  }

  /** Rows in `table`. */
  count(table: CopiedTable): number {
    if (table.from === 'admin-token-file') return this.settingsRows().length;
    return Number((this.db.prepare(`SELECT count(*) AS n FROM ${table.name}`).get() as { n: number }).n);
  }

  /** The value SQLite's AUTOINCREMENT would give the next row of `table`, minus one (never less than any seq ever used). */
  lastSequence(table: CopiedTable): bigint {
    const row = this.db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').safeIntegers(true).get(table.name) as { seq: bigint } | undefined;
    return row?.seq ?? 0n;
  }

  /**
   * The next rows of `table` after `after` (from the start when null), in key order: at most
   * `maxRows`, and stopping after the row that reaches `maxBytes` of text and bytes.
   */
  batch(table: CopiedTable, after: RowKey | null, maxRows: number, maxBytes: number): SourceBatch {
    if (table.from === 'admin-token-file') {
      const rows = after === null ? this.settingsRows() : [];
      return { rows, lastKey: rows.length === 0 ? null : keyOf(table, rows[rows.length - 1] as Record<string, unknown>) };
    }
    const keys = table.key.join(', ');
    const where = after === null ? '' : `WHERE (${keys}) > (${table.key.map(() => '?').join(', ')})`;
    const rows: Record<string, unknown>[] = [];
    let bytes = 0;
    for (const row of this.select(table, `${where} ORDER BY ${keys} LIMIT ?`, [...(after ?? []), maxRows])) {
      rows.push(row);
      bytes += rowBytes(row);
      if (bytes >= maxBytes) break;
    }
    return { rows, lastKey: rows.length === 0 ? null : keyOf(table, rows[rows.length - 1] as Record<string, unknown>) };
  }

  /** Every row of `table` in key order (for the checksum), read as it is iterated. */
  rows(table: CopiedTable): Iterable<Record<string, unknown>> {
    if (table.from === 'admin-token-file') return this.settingsRows();
    return this.select(table, `ORDER BY ${table.key.join(', ')}`, []);
  }

  /** The copied columns of `table` (integers as bigint, exactly), with `tail` after the FROM. */
  private select(table: CopiedTable, tail: string, params: unknown[]): IterableIterator<Record<string, unknown>> {
    const sql = `SELECT ${table.columns.map((c) => c.name).join(', ')} FROM ${table.name} ${tail}`;
    return this.db.prepare(sql).safeIntegers(true).iterate(...params) as IterableIterator<Record<string, unknown>>;
  }

  close(): void {
    this.db.close();
  }
}

/** The key of `row` in `table`. */
export function keyOf(table: CopiedTable, row: Record<string, unknown>): RowKey {
  return table.key.map((k) => row[k]);
}

/** A key as stored in the progress table (JSON; integers as decimal text). */
export function encodeKey(key: RowKey): string {
  return JSON.stringify(key.map((v) => (typeof v === 'bigint' ? { int: v.toString() } : v)));
}

/** The key stored by encodeKey, with its integers as bigint again (so SQLite compares them as integers). */
export function decodeKey(text: string): RowKey {
  return (JSON.parse(text) as unknown[]).map((v) => (typeof v === 'object' && v !== null && 'int' in v ? BigInt((v as { int: string }).int) : v));
}

function rowBytes(row: Record<string, unknown>): number {
  let n = 0;
  for (const v of Object.values(row)) n += Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? v.length : 8;
  return n;
}
