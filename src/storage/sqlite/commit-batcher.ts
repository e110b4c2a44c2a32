import type Database from 'better-sqlite3';
import { HubError } from '../../core/errors.js';
import { isSqliteFault } from './faults.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
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
  private readonly totalChanges = new WeakMap<Database.Database, Database.Statement>();

  constructor(
    private readonly host: BatchHost,
    private readonly maxBatch: number,
  ) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
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
      const watching = this.host.watching;
      const before = watching ? this.changes(db) : 0;
      db.exec('BEGIN IMMEDIATE');
      for (const job of batch) results.push(this.runInSavepoint(db, job));
      db.exec('COMMIT');
      wrote = watching && this.changes(db) > before;
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
    batch.forEach((job, i) => {
      const r = results[i];
      if (r?.ok === true) job.resolve(r.value);
      else job.reject(r?.error);
    });
  }

  private runInSavepoint(db: Database.Database, job: Pending): { ok: true; value: unknown } | { ok: false; error: unknown } {
    db.exec('SAVEPOINT job');
    try {
      const value = job.work();
      db.exec('RELEASE job');
      return { ok: true, value };
    } catch (error) {
      // A storage fault inside a job (disk full, I/O error), or one after which SQLite rolled the
      // whole transaction back, fails the batch: every caller gets the fault and retries.
      if (isSqliteFault(error) || !db.inTransaction) throw error;
      db.exec('ROLLBACK TO job');
      db.exec('RELEASE job');
      return { ok: false, error };
    }
  }

  /** Rows changed by this connection so far (sqlite3_total_changes). */
  private changes(db: Database.Database): number {
    let st = this.totalChanges.get(db);
    if (st === undefined) {
      st = db.prepare('SELECT total_changes()').pluck();
      this.totalChanges.set(db, st);
    }
    return st.get() as number;
  }
}

export function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SqliteError';
}
