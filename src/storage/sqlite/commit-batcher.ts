import type Database from 'better-sqlite3';
import { HubError } from '../../core/errors.js';
import type { StorageObserver } from '../observer.js';
import { isSqliteFault } from './faults.js';

interface Pending {
  work: () => unknown;
  /** See {@link Durability}. */
  isRelaxed: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * How durable a job's COMMIT must be.
 * - `full` (default): on disk before the promise settles (`synchronous=FULL`, the WAL is fsynced).
 *   Anything answered to a caller as stored: webhooks, API changes.
 * - `relaxed`: written to the WAL (survives a crash of the process, not a power loss) and made durable
 *   by the next `full` commit or checkpoint. For the delivery worker's own bookkeeping (claims, attempt
 *   outcomes): losing the last of those to a power cut means a delivery is sent again with the same
 *   `webhook-id`, never that one is lost. A batch commits `relaxed` only when every job in it is.
 */
export type Durability = 'full' | 'relaxed';

/** The `synchronous` setting a batch of each durability commits with. */
export const SYNCHRONOUS_OF: Readonly<Record<Durability, 'FULL' | 'NORMAL'>> = { full: 'FULL', relaxed: 'NORMAL' };

/** The prepared statements a batch runs on one connection (preparing them once saves a parse each time). */
interface TransactionStatements {
  begin: Database.Statement;
  commit: Database.Statement;
  savepoint: Database.Statement;
  release: Database.Statement;
  rollbackTo: Database.Statement;
  totalChanges: Database.Statement;
  /** The connection's `synchronous` setting now: the store opens it FULL. */
  isRelaxed: boolean;
}

/** What the batcher needs from the store that owns the connection. */
export interface BatchHost {
  /** The connection to write on; throws the current fault when there is none (it may reopen one). */
  connection(): Database.Database;
  /** A batch of `jobs` failed as a whole (after its rollback): record the fault, return what every job is rejected with. */
  failed(error: unknown, jobs: number): HubError;
  /** A batch committed; `wrote` says whether it changed a row (only computed while `watching`). */
  committed(wrote: boolean): void;
  /** Whether a storage fault is being watched for its end (then `wrote` is computed). */
  readonly watching: boolean;
}

/**
 * Group commit: the work of every request that arrives while a transaction is being prepared runs in
 * one `BEGIN IMMEDIATE … COMMIT`, each job inside its own savepoint, and every caller's promise
 * settles only after that COMMIT (one fsync for the batch under `synchronous=FULL`).
 * A job that throws is rolled back to its savepoint alone; a storage fault (disk full, read-only,
 * locked, I/O) or a failed COMMIT fails the whole batch with the fault's LH_E_STORE_* code, so
 * nothing is acknowledged that is not on disk.
 */
export class CommitBatcher {
  private queue: Pending[] = [];
  private isScheduled = false;
  private readonly statements = new WeakMap<Database.Database, TransactionStatements>();

  constructor(
    private readonly host: BatchHost,
    private readonly maxBatch: number,
    /** Told the size of every batch that commits (metrics); none by default. */
    private readonly observer?: Pick<StorageObserver, 'commitBatch'>,
  ) {}

  run<T>(work: () => T, durability: Durability = 'full'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, isRelaxed: durability === 'relaxed', resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Jobs waiting for the next commit. */
  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.isScheduled) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) this.schedule();
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let db: Database.Database | null = null;
    let wrote = false;
    try {
      db = this.host.connection();
      const st = this.statementsOf(db);
      const isRelaxed = batch.every((job) => job.isRelaxed);
      if (isRelaxed !== st.isRelaxed) {
        // Never a prepared statement: SQLite applies `PRAGMA synchronous` when it compiles it.
        db.exec(`PRAGMA synchronous = ${SYNCHRONOUS_OF[isRelaxed ? 'relaxed' : 'full']}`);
        st.isRelaxed = isRelaxed;
      }
      const watching = this.host.watching;
      const before = watching ? (st.totalChanges.get() as number) : 0;
      st.begin.run();
      for (const job of batch) results.push(this.runInSavepoint(db, st, job));
      st.commit.run();
      wrote = watching && (st.totalChanges.get() as number) > before;
    } catch (error) {
      if (db?.open === true && db.inTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // the connection is already out of the transaction
        }
      }
      const failure = this.host.failed(error, batch.length);
      for (const job of batch) job.reject(failure);
      return;
    }
    this.host.committed(wrote);
    this.observer?.commitBatch(batch.length);
    batch.forEach((job, i) => {
      const r = results[i];
      if (r?.ok === true) job.resolve(r.value);
      else job.reject(r?.error);
    });
  }

  private runInSavepoint(db: Database.Database, st: TransactionStatements, job: Pending): { ok: true; value: unknown } | { ok: false; error: unknown } {
    st.savepoint.run();
    try {
      const value = job.work();
      st.release.run();
      return { ok: true, value };
    } catch (error) {
      // A storage fault inside a job (disk full, I/O error), or one after which SQLite rolled the
      // whole transaction back, fails the batch: every caller gets the fault and retries.
      if (isSqliteFault(error) || !db.inTransaction) throw error;
      st.rollbackTo.run();
      st.release.run();
      return { ok: false, error };
    }
  }

  private statementsOf(db: Database.Database): TransactionStatements {
    let st = this.statements.get(db);
    if (st === undefined) {
      st = {
        begin: db.prepare('BEGIN IMMEDIATE'),
        commit: db.prepare('COMMIT'),
        savepoint: db.prepare('SAVEPOINT job'),
        release: db.prepare('RELEASE job'),
        rollbackTo: db.prepare('ROLLBACK TO job'),
        // sqlite3_total_changes: rows changed by this connection so far.
        totalChanges: db.prepare('SELECT total_changes()').pluck(),
        isRelaxed: false,
      };
      this.statements.set(db, st);
    }
    return st;
  }
}

export function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SqliteError';
}
