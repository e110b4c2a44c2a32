import type Database from 'better-sqlite3';
import { HubError } from '../../core/errors.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the work of every request that arrives while a transaction is being prepared runs in
 * one `BEGIN IMMEDIATE … COMMIT`, each job inside its own savepoint, and every caller's promise
 * settles only after that COMMIT (one fsync for the batch under `synchronous=FULL`).
 * A job that throws is rolled back to its savepoint alone; a failed COMMIT fails the whole batch
 * with LH_E_STORE_UNAVAILABLE, so nothing is acknowledged that is not on disk.
 */
export class CommitBatcher {
  private queue: Pending[] = [];
  private isScheduled = false;

  constructor(
    private readonly db: Database.Database,
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
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const job of batch) results.push(this.runInSavepoint(job));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // the connection is already out of the transaction
        }
      }
      const failure = storeUnavailable(error);
      for (const job of batch) job.reject(failure);
      return;
    }
    batch.forEach((job, i) => {
      const r = results[i];
      if (r?.ok === true) job.resolve(r.value);
      else job.reject(r?.error);
    });
  }

  private runInSavepoint(job: Pending): { ok: true; value: unknown } | { ok: false; error: unknown } {
    this.db.exec('SAVEPOINT job');
    try {
      const value = job.work();
      this.db.exec('RELEASE job');
      return { ok: true, value };
    } catch (error) {
      // A storage fault inside a job (disk full, I/O error) fails the batch: rethrow to the caller.
      if (isSqliteError(error)) throw error;
      this.db.exec('ROLLBACK TO job');
      this.db.exec('RELEASE job');
      return { ok: false, error };
    }
  }
}

export function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SqliteError';
}

export function storeUnavailable(error: unknown): HubError {
  if (error instanceof HubError) return error;
  return new HubError('LH_E_STORE_UNAVAILABLE', [], { cause: error });
}
