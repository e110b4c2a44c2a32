import type pg from 'pg';
import { HubError, isStoreFault } from '../../core/errors.js';
import type { StorageObserver } from '../observer.js';
import type { StorageStatus } from '../port.js';
import { DISK_FULL_HEADROOM_BYTES } from '../sqlite/faults.js';
import { isPgFault, isRetryableConflict, PgFaults } from './faults.js';
import { clientConfig, createPool, withTransaction, type PgConnectionOptions } from './pool.js';

/** Times a transaction is run again after a deadlock or serialization failure. */
const CONFLICT_RETRIES = 5;
/** While a fault lasts, a one-transaction write is tried this often, ms. */
const DEFAULT_PROBE_INTERVAL_MS = 1000;
/** The probe of most faults: a transaction that takes a transaction id commits (PostgreSQL writes and flushes again). */
const WRITE_PROBE_SQL = 'SELECT pg_current_xact_id()';
/** Rows of one page each (8 kB, stored as they are) that make up the headroom the disk-full probe writes. */
const SPACE_PROBE_ROWS = Math.ceil(DISK_FULL_HEADROOM_BYTES / 8192);
/**
 * The probe of a full disk: DISK_FULL_HEADROOM_BYTES written to a temporary table (in the database's
 * default tablespace, where its tables are), dropped at commit. A small write that fits does not
 * prove the disk has room for the next webhook; this one does.
 */
const SPACE_PROBE_SQL = `CREATE TEMP TABLE leadhook_space_probe (filler bytea) ON COMMIT DROP;
ALTER TABLE leadhook_space_probe ALTER COLUMN filler SET STORAGE PLAIN;
INSERT INTO leadhook_space_probe SELECT convert_to(repeat('x', 8000), 'UTF8') FROM generate_series(1, ${SPACE_PROBE_ROWS})`;

export interface PgDatabaseOptions extends PgConnectionOptions {
  /** How often a failing store checks by itself whether the fault is over, ms. */
  probeIntervalMs?: number;
  /** Told each commit (one job each) and each operation a storage fault fails (metrics). */
  observer?: StorageObserver;
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
  /** A lost idle connection was logged since the last commit (a restart drops them all: one line, not one per connection). */
  private idleLossLogged = false;

  constructor(private readonly options: PgDatabaseOptions) {
    this.faults = new PgFaults();
    // An idle connection that breaks (server restart, pg_terminate_backend) is dropped by the pool;
    // the next operation opens a new one.
    this.pool = createPool(options, (error) => {
      if (this.idleLossLogged) return;
      this.idleLossLogged = true;
      this.faults.log.warn({ err: error }, 'storage: idle PostgreSQL connections were lost; the pool opens new ones when needed');
    });
    // A connection lost while checked out (mid-transaction) emits 'error' on its client as well as
    // failing the query: the pool listens only to idle ones, and an unheard 'error' would end the
    // process. The failed query reports the fault; the broken client is discarded at its release.
    this.pool.on('connect', (client) => client.on('error', () => {}));
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
   * errors; a commit ends a fault episode. `jobs`: how many callers' work it commits (group commit; metrics).
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, jobs = 1): Promise<T> {
    this.refuseWhenClosed();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await withTransaction(this.pool, work);
        this.options.observer?.commitBatch(jobs);
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
    const { fault, error: answer } = this.faults.failed(error);
    this.options.observer?.storageFault(fault.kind, 1);
    this.startProbe();
    return answer;
  }

  /** A write committed; `proven`: it was the probe made for the current fault (see PgFaults). */
  private wrote(how: string, proven = false): void {
    this.idleLossLogged = false;
    if (this.faults.current === null || !this.faults.wrote(how, proven)) return;
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

  /** Does a write commit now (with room to spare, after a full disk)? Then the episode is over. */
  private async probe(): Promise<void> {
    const fault = this.faults.current;
    if (fault === null || this.closed) return this.stopProbe();
    const diskFull = fault.kind === 'disk_full';
    try {
      await withTransaction(this.pool, (client) => client.query(diskFull ? SPACE_PROBE_SQL : WRITE_PROBE_SQL));
      this.wrote(diskFull ? `a probe wrote ${DISK_FULL_HEADROOM_BYTES} bytes` : 'a probe write committed', diskFull);
    } catch (error) {
      if (isPgFault(error)) this.faults.failed(error, 0);
    }
  }
}
