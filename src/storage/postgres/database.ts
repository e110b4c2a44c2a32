import type pg from 'pg';
import { HubError, isStoreFault } from '../../core/errors.js';
import type { StorageStatus } from '../port.js';
import type { StorageLog } from '../sqlite/faults.js';
import { isPgFault, isRetryableConflict, PgFaults } from './faults.js';
import { clientConfig, createPool, withTransaction, type PgConnectionOptions } from './pool.js';

/** Times a transaction is run again after a deadlock or serialization failure. */
const CONFLICT_RETRIES = 5;
/** While a fault lasts, a one-transaction write is tried this often, ms. */
const DEFAULT_PROBE_INTERVAL_MS = 1000;

export interface PgDatabaseOptions extends PgConnectionOptions {
  /** How often a failing store checks by itself whether the fault is over, ms. */
  probeIntervalMs?: number;
}

/**
 * The PostgreSQL store's connections and its storage-fault bookkeeping, shared by the ingest store
 * and the delivery store. Every operation goes through {@link read} or {@link transaction}: a pg
 * error that a storage fault causes (PostgreSQL down or restarting, a connection killed, a statement
 * timeout, disk full, read-only) fails it with its LH_E_STORE_* error (HTTP 503) and starts an
 * episode, logged once; the pool opens new connections on demand, and a probe write every second
 * (and every transaction that commits) ends the episode as soon as PostgreSQL takes writes again.
 */
export class PgDatabase {
  readonly pool: pg.Pool;
  readonly faults: PgFaults;
  private readonly recoveredListeners: (() => void)[] = [];
  private readonly probeIntervalMs: number;
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: PgDatabaseOptions) {
    this.faults = new PgFaults();
    // An idle connection that breaks (server restart, pg_terminate_backend) is dropped by the pool;
    // the next operation opens a new one.
    this.pool = createPool(options, (error) => this.faults.log.warn({ err: error }, 'storage: an idle PostgreSQL connection was lost; the pool opens a new one when needed'));
    this.probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  }

  /** The schema the tables live in, when one was given. */
  get schema(): string | undefined {
    return this.options.schema;
  }

  /** Settings of a dedicated connection (LISTEN): same server and credentials; run prepareClient() on it. */
  clientConfig(): pg.ClientConfig {
    return clientConfig(this.options);
  }

  /** The connection options (the store copy tool and tests open their own connections with them). */
  get connectionOptions(): PgConnectionOptions {
    return this.options;
  }

  storageStatus(): StorageStatus {
    return this.faults.status();
  }

  /** Called after a fault episode ends (PostgreSQL took a write again). */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  /** One read on the pool; storage faults become LH_E_STORE_* errors, other errors pass unchanged. */
  async read<T>(work: (q: pg.Pool) => Promise<T>): Promise<T> {
    this.refuseWhenClosed();
    try {
      return await work(this.pool);
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * `work` in one transaction (BEGIN … COMMIT with synchronous commit: committed on disk when this
   * resolves). Deadlocks and serialization failures run it again; storage faults become LH_E_STORE_*
   * errors; a commit ends a fault episode.
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.refuseWhenClosed();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await withTransaction(this.pool, work);
        this.wrote('a write committed');
        return result;
      } catch (error) {
        if (isRetryableConflict(error) && attempt < CONFLICT_RETRIES) continue;
        throw this.failure(error);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopProbe();
    await this.pool.end();
  }

  private refuseWhenClosed(): void {
    if (this.closed) throw new HubError('LH_E_STORE_UNAVAILABLE', ['the store is closed']);
  }

  /** A storage fault becomes its 503 error (and starts or continues the episode); any other error is returned as is. */
  private failure(error: unknown): unknown {
    if (!isPgFault(error) && !isStoreFault(error)) return error;
    if (this.closed) return isStoreFault(error) ? error : new HubError('LH_E_STORE_UNAVAILABLE', ['the store is closed'], { cause: error });
    const answer = this.faults.failed(error);
    this.startProbe();
    return answer;
  }

  private wrote(how: string): void {
    if (!this.faults.wrote(how)) return;
    this.stopProbe();
    for (const listener of this.recoveredListeners) listener();
  }

  private startProbe(): void {
    if (this.probeTimer !== null || this.closed) return;
    this.probeTimer = setInterval(() => void this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  /** A transaction that takes a transaction id commits: PostgreSQL writes (and flushes) again. */
  private async probe(): Promise<void> {
    if (this.faults.current === null || this.closed) return this.stopProbe();
    try {
      await withTransaction(this.pool, (client) => client.query('SELECT pg_current_xact_id()'));
      this.wrote('a probe write committed');
    } catch (error) {
      if (isPgFault(error)) this.faults.failed(error, 0);
    }
  }
}
