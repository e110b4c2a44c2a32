import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError } from '../../core/errors.js';
import { lockDataDir, type DataDirLock } from '../../data-dir-lock.js';
import { databaseFile } from '../../server.js';
import { TableChecksum } from './canonical.js';
import { PgTarget, type CopyInProgress } from './pg-target.js';
import { SILENT_PROGRESS, type CopyProgress } from './progress.js';
import { SqliteSource } from './sqlite-source.js';
import { COPIED_TABLES, type CopiedTable } from './tables.js';

export interface CopyOptions {
  /** The data directory of a stopped SQLite installation. */
  from: string;
  /** `postgres://…` of the target database (its search_path selects the schema). */
  to: string;
  /** Most rows per batch (one transaction each). */
  batchRows?: number;
  /** A batch ends after the row that reaches this many bytes of text and bodies. */
  batchBytes?: number;
  progress?: CopyProgress;
  /** Test hook: throw after this many batches were committed, as an interrupted copy would stop. */
  stopAfterBatches?: number;
}

/** One table's verification: rows and sha256 of the canonical rows on each side. */
export interface TableVerification {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  ok: boolean;
}

export interface CopyReport {
  /** Whether this run continued a copy an earlier run had started. */
  resumed: boolean;
  /** Rows inserted by this run (an interrupted run's rows are not counted again). */
  rowsCopiedNow: number;
  batches: number;
  tables: TableVerification[];
  /** Every table has the same rows and checksum on both sides (the progress table is then dropped). */
  ok: boolean;
}

const DEFAULT_BATCH_ROWS = 1000;
const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/** Thrown by the `stopAfterBatches` test hook. */
export class CopyInterrupted extends Error {
  constructor(batches: number) {
    super(`copy stopped after ${batches} batches (test hook)`);
    this.name = 'CopyInterrupted';
  }
}

/**
 * Copy a stopped SQLite installation to PostgreSQL, then verify it: every table's row count and a
 * sha256 over its rows in key order, in one canonical form, must be equal on both sides.
 *
 * The data directory's lock is held throughout (LH_E_STORE_COPY_SOURCE when a server holds it), so
 * no server can write to the source meanwhile. The target is migrated, then must be empty (else
 * LH_E_STORE_COPY_TARGET_NOT_EMPTY) unless it holds an unfinished copy of the same directory, which
 * is continued after its last committed batch. After a successful verification the progress table
 * is dropped; a failed one leaves it, and the report says which table differs.
 */
export async function copyStore(options: CopyOptions): Promise<CopyReport> {
  const from = resolve(options.from);
  const progress = options.progress ?? SILENT_PROGRESS;
  if (!existsSync(databaseFile(from))) throw new HubError('LH_E_STORE_COPY_SOURCE', [from, `no leadhook database there (${databaseFile(from)} does not exist)`]);
  const lock = lockSource(from);
  let source: SqliteSource | null = null;
  let target: PgTarget | null = null;
  try {
    source = new SqliteSource(from, COPIED_TABLES);
    target = await PgTarget.open(options.to);
    await target.checkSchema(COPIED_TABLES, from);
    const earlier = await target.inProgress();
    await startOrResume(target, earlier, from);
    const copied = await copyTables(source, target, earlier, options, progress);
    for (const table of COPIED_TABLES) await target.continueIdentity(table, source.lastSequence(table));
    const tables: TableVerification[] = [];
    for (const table of COPIED_TABLES) tables.push(await verifyTable(source, target, table, progress));
    progress.end();
    const ok = tables.every((t) => t.ok);
    if (ok) await target.dropProgress();
    return { resumed: earlier !== null, rowsCopiedNow: copied.rows, batches: copied.batches, tables, ok };
  } finally {
    progress.end();
    source?.close();
    await target?.close();
    lock.release();
  }
}

/** The source's lock, so that no server writes to it during the copy. */
function lockSource(from: string): DataDirLock {
  try {
    return lockDataDir(from);
  } catch (error) {
    if (error instanceof HubError && error.code === 'LH_E_DATA_DIR_IN_USE') {
      throw new HubError('LH_E_STORE_COPY_SOURCE', [from, `a leadhook server is running on it (${error.message}); stop it first, so that the copy misses no later webhook`], { cause: error });
    }
    throw error;
  }
}

async function startOrResume(target: PgTarget, earlier: CopyInProgress | null, from: string): Promise<void> {
  if (earlier === null) {
    const holding = await target.nonEmptyTables(COPIED_TABLES);
    if (holding.length > 0) throw new HubError('LH_E_STORE_COPY_TARGET_NOT_EMPTY', [target.label, holding.join(', ')]);
    await target.startCopy(from, COPIED_TABLES);
    return;
  }
  if (earlier.source !== from) throw new HubError('LH_E_STORE_COPY_TARGET_NOT_EMPTY', [target.label, `an unfinished copy of ${earlier.source}`]);
  // A table this version copies that the earlier run did not know gets its progress row.
  await target.startCopy(from, COPIED_TABLES);
}

async function copyTables(
  source: SqliteSource,
  target: PgTarget,
  earlier: CopyInProgress | null,
  options: CopyOptions,
  progress: CopyProgress,
): Promise<{ rows: number; batches: number }> {
  let rows = 0;
  let batches = 0;
  for (const table of COPIED_TABLES) {
    const state = earlier?.tables.get(table.name);
    const total = source.count(table);
    let done = state?.rowsCopied ?? 0;
    progress.copied(table.name, done, total);
    if (state?.done === true) continue;
    let after = state?.lastKey ?? null;
    const maxRows = target.maxBatchRows(table, options.batchRows ?? DEFAULT_BATCH_ROWS);
    for (;;) {
      const batch = source.batch(table, after, maxRows, options.batchBytes ?? DEFAULT_BATCH_BYTES);
      if (batch.lastKey === null) break;
      await target.writeBatch(table, batch.rows, batch.lastKey);
      after = batch.lastKey;
      rows += batch.rows.length;
      done += batch.rows.length;
      batches++;
      progress.copied(table.name, done, total);
      if (options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches) throw new CopyInterrupted(batches);
    }
    await target.finishTable(table);
  }
  return { rows, batches };
}

async function verifyTable(source: SqliteSource, target: PgTarget, table: CopiedTable, progress: CopyProgress): Promise<TableVerification> {
  progress.verifying(table.name);
  const sum = new TableChecksum(table);
  for (const row of source.rows(table)) sum.add(row);
  const sourceChecksum = sum.digest();
  const theirs = await target.checksum(table);
  return {
    table: table.name,
    sourceRows: sum.rows,
    targetRows: theirs.rows,
    sourceChecksum,
    targetChecksum: theirs.digest,
    ok: sum.rows === theirs.rows && sourceChecksum === theirs.digest,
  };
}
