import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HubError, isStoreFault } from '../../core/errors.js';
import { ensurePrivateDir, preparePrivateDatabaseFile } from '../../private-files.js';
import type { Lead, TimelineEntry } from '../../core/lead.js';
import { SourceCache } from '../../core/source-cache.js';
import { updatedSourceParams } from '../../core/source-changes.js';
import { planReprocessRecord, planRequestRecord } from '../../ingest/request-record.js';
import { encodeItems } from '../../ingest/stored-items.js';
import type {
  ErasureActor,
  HeldRequest,
  HeldRequestQuery,
  LeadErasure,
  IngestJob,
  IngestResult,
  LeadQuery,
  NewSource,
  Page,
  RequestQuery,
  SourceChanges,
  SourceRecord,
  Store,
  StorageStatus,
  StoredRequest,
  StoredRequestWithBody,
} from '../port.js';
import type { StorageObserver } from '../observer.js';
import { applyItems } from './apply-ingest.js';
import { SqliteAuthStore } from './auth-store.js';
import { CommitBatcher } from './commit-batcher.js';
import { SqliteConsoleStore } from './console-store.js';
import { prepareDeliveryStatements, type DeliveryStatements } from './delivery-statements.js';
import { SqliteDeliveryStore } from './delivery-store.js';
import { classifyStorageError, isSqliteFault, SILENT_LOG, StorageFaults, type StorageLog } from './faults.js';
import { migrateSqlite } from './migrate.js';
import { eraseLead, selectErasure } from './erase-lead.js';
import { discardHeldRequest, listHeldRequests, releaseHeldRequest } from './held-requests.js';
import { listLeads } from './queries.js';
import { listRequests } from './request-queries.js';
import { decodeReprocesses, encodeReprocesses } from './request-reprocesses.js';
import { SqliteRefusalStore } from './refusal-store.js';
import { toLead, toRequestWithBody, toSource, toTimelineEntry, type RequestRow, type SourceRow, type TimelineRow } from './rows.js';
import { prepareStatements, type Statements } from './statements.js';

export interface SqliteOptions {
  /** Most requests per group commit. */
  commitBatchMax?: number;
  /** How long a write waits for a lock held by another process, ms. */
  busyTimeoutMs?: number;
  /** Where storage faults and recoveries are reported (once per episode); silent by default. */
  log?: StorageLog;
  /** How often a failing store checks by itself whether the fault is over, ms. */
  probeIntervalMs?: number;
  /** Told commit batch sizes and storage faults (metrics); none by default. */
  observer?: StorageObserver;
}

const DEFAULT_BUSY_TIMEOUT_MS = 2000;
/** A closed connection is reopened at most this often while the fault lasts. */
const REOPEN_INTERVAL_MS = 250;

/** Open a connection the way leadhook needs it: WAL, `synchronous=FULL`, busy timeout, migrated. */
function configure(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: fewer checkpoints land inside a COMMIT.
  db.pragma('wal_autocheckpoint = 10000');
  migrateSqlite(db);
}

/**
 * Open (creating if needed) the SQLite store at `file`: WAL journal, `synchronous=FULL` so that a
 * COMMIT is on disk before any webhook is answered, migrations applied. A storage fault here is
 * thrown as its LH_E_STORE_* error (the server does not start).
 */
export function openSqliteStore(file: string, options: SqliteOptions = {}): SqliteStore {
  // The file holds every secret: created 0600 (and its -wal/-shm after it) in a 0700 directory.
  ensurePrivateDir(dirname(file));
  preparePrivateDatabaseFile(file);
  let db: Database.Database;
  const fault = (error: unknown) => {
    const f = classifyStorageError(error, file);
    return new HubError(f.code, [f.summary], { cause: error, details: { fault: f.kind, summary: f.summary } });
  };
  try {
    db = new Database(file);
  } catch (error) {
    throw fault(error);
  }
  try {
    configure(db, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  } catch (error) {
    db.close();
    throw fault(error);
  }
  return new SqliteStore(db, options.commitBatchMax ?? 512, options);
}

/**
 * A one-page write: rewrite `user_version` (same value) in its own transaction, without waiting for
 * a lock held by another process (a probe must not stall the process for the busy timeout).
 */
function writeProbe(db: Database.Database, restoreBusyMs: number): void {
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`);
    db.exec('COMMIT');
  } finally {
    try {
      if (db.open && db.inTransaction) db.exec('ROLLBACK');
    } finally {
      if (db.open) db.pragma(`busy_timeout = ${restoreBusyMs}`);
    }
  }
}

/** One open connection and the statements prepared on it. */
interface Connection {
  db: Database.Database;
  st: Statements;
  dst: DeliveryStatements;
}

/**
 * The SQLite store. Storage faults (disk full, read-only, locked by another process, I/O errors)
 * fail the operation with a LH_E_STORE_* error (HTTP 503: nothing acknowledged, providers retry)
 * and start a fault episode, logged once. While it lasts, a probe checks every second whether a
 * write commits again; so does every batch. After a read-only or I/O fault the connection is
 * closed at once (the files are released, so the filesystem can be repaired and remounted) and a
 * new one is opened, with fresh prepared statements, as soon as the database can be written.
 */
export class SqliteStore implements Store {
  private conn: Connection | null;
  private readonly file: string;
  private readonly busyTimeoutMs: number;
  private readonly probeIntervalMs: number;
  private readonly batcher: CommitBatcher;
  private readonly faults: StorageFaults;
  private readonly observer: StorageObserver | undefined;
  private probeTimer: NodeJS.Timeout | null = null;
  private lastReopen = 0;
  private isClosed = false;
  /** busy_timeout set on the connection now: 0 during a "locked" episode (see syncBusyTimeout). */
  private appliedBusyMs: number;
  readonly delivery: SqliteDeliveryStore;
  readonly refusals: SqliteRefusalStore;
  readonly auth: SqliteAuthStore;
  readonly console: SqliteConsoleStore;
  /**
   * Sources by id and by URL token, read on every webhook. This process is the only writer of the
   * file (SQLite), so entries never age: the write methods below keep it exact, and it is emptied
   * when the file is reopened.
   */
  private readonly sources = new SourceCache();

  /** `db` is open and configured (see openSqliteStore); it is reopened by its name after a fault. */
  constructor(db: Database.Database, commitBatchMax: number, options: Omit<SqliteOptions, 'commitBatchMax'> = {}) {
    this.file = db.name;
    this.busyTimeoutMs = options.busyTimeoutMs ?? (db.pragma('busy_timeout', { simple: true }) as number);
    this.appliedBusyMs = this.busyTimeoutMs;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.faults = new StorageFaults(this.file, options.log ?? SILENT_LOG);
    this.conn = { db, st: prepareStatements(db), dst: prepareDeliveryStatements(db) };
    const store = this;
    this.batcher = new CommitBatcher(
      {
        connection: () => this.connection().db,
        failed: (error, jobs) => this.fail(error, jobs),
        // A commit proves the lock is free; the end of other faults needs a commit that wrote.
        committed: (wrote) => {
          if (wrote || this.faults.current?.kind === 'locked') this.wrote('a write committed');
        },
        get watching() {
          return store.faults.current !== null;
        },
      },
      commitBatchMax,
      options.observer,
    );
    this.observer = options.observer;
    this.delivery = new SqliteDeliveryStore(
      {
        get db() {
          return store.connection().db;
        },
        get st() {
          return store.connection().dst;
        },
        read: (work) => this.read(work),
      },
      this.batcher,
    );
    this.refusals = new SqliteRefusalStore(
      {
        get db() {
          return store.connection().db;
        },
        read: (work) => this.read(work),
      },
      this.batcher,
    );
    this.auth = new SqliteAuthStore(
      {
        get db() {
          return store.connection().db;
        },
        read: (work) => this.read(work),
      },
      this.batcher,
    );
    this.console = new SqliteConsoleStore({
      get db() {
        return store.connection().db;
      },
      read: (work) => this.read(work),
    });
  }

  /** The current connection (bench and tests read pragmas through it). */
  get db(): Database.Database {
    return this.connection().db;
  }

  /** Where faults and recoveries are logged (the server passes its logger once it has one). */
  setLog(log: StorageLog): void {
    this.faults.log = log;
  }

  storageStatus(): StorageStatus {
    return this.faults.status();
  }

  private get st(): Statements {
    return this.connection().st;
  }

  async createSource(source: NewSource): Promise<SourceRecord> {
    const created = await this.write(() => {
      this.st.insertSource.run(source);
      return toSource(this.st.selectSource.get(source.id) as SourceRow);
    });
    this.sources.rememberId(created);
    return created;
  }

  async getSource(id: string): Promise<SourceRecord | null> {
    const cached = this.sources.getById(id);
    if (cached !== undefined) return cached;
    const row = this.read(() => this.st.selectSource.get(id) as SourceRow | undefined);
    const source = row === undefined ? null : toSource(row);
    this.sources.rememberId(source);
    return source;
  }

  async findSourceByUrlToken(token: string, at: string): Promise<SourceRecord | null> {
    const cached = this.sources.getByToken(token, at);
    if (cached !== undefined) return cached;
    const row = this.read(() => this.st.selectSourceByUrlToken.get({ token, at }) as SourceRow | undefined);
    const source = row === undefined ? null : toSource(row);
    this.sources.rememberToken(token, source);
    return source;
  }

  async listSources(): Promise<SourceRecord[]> {
    return this.read(() => (this.st.selectSources.all() as SourceRow[]).map(toSource));
  }

  async updateSource(id: string, changes: SourceChanges, now: string): Promise<SourceRecord | null> {
    return this.write(() => {
      // Inside the transaction: no read can re-cache the old row after this.
      this.sources.forget(id);
      const row = this.st.selectSource.get(id) as SourceRow | undefined;
      if (row === undefined || row.deleted_at !== null) return null;
      this.st.updateSource.run(updatedSourceParams(toSource(row), changes, now));
      return toSource(this.st.selectSource.get(id) as SourceRow);
    });
  }

  async deleteSource(id: string, now: string): Promise<boolean> {
    return this.write(() => {
      this.sources.forget(id);
      return this.st.deleteSource.run({ id, now }).changes > 0;
    });
  }

  async ingest(job: IngestJob): Promise<IngestResult> {
    const r = job.request;
    let deliveries = 0;
    const onChange = (change: Parameters<SqliteDeliveryStore['fanOut']>[0]) => {
      deliveries += this.delivery.fanOut(change, r.receivedAt);
    };
    const result = await this.write(() => {
      const outcome = applyItems(this.st, { requestId: r.id, sourceId: r.sourceId, provider: r.provider, receivedAt: r.receivedAt, onChange }, job);
      const plan = planRequestRecord(job, outcome, (leadId) => this.st.selectHoldingErasure.get(leadId) as string | undefined);
      this.st.insertRequest.run({
        id: r.id,
        sourceId: r.sourceId,
        provider: r.provider,
        receivedAt: r.receivedAt,
        status: plan.status,
        reason: plan.reason,
        httpStatus: job.httpStatus,
        contentType: r.contentType,
        headers: JSON.stringify(r.headers),
        body: plan.body,
        bodySha256: plan.bodySha256,
        authPayload: plan.authPayload === undefined ? null : JSON.stringify(plan.authPayload),
        items: encodeItems(plan.items),
        isTestSend: r.isTestSend === true ? 1 : 0,
      });
      return { requestId: r.id, status: plan.status, ...outcome };
    });
    if (deliveries > 0) this.delivery.notifyCommitted();
    this.console.committed(result.items);
    return result;
  }

  async reprocess(requestId: string, job: Omit<IngestJob, 'request'>, now: string): Promise<IngestResult> {
    let deliveries = 0;
    const result = await this.write(() => {
      const row = this.st.selectRequest.get(requestId) as RequestRow | undefined;
      if (row === undefined) throw new Error(`request ${requestId} vanished`);
      const outcome = applyItems(
        this.st,
        {
          requestId,
          sourceId: row.source_id,
          provider: row.provider as SourceRecord['provider'],
          receivedAt: row.received_at,
          onChange: (change) => (deliveries += this.delivery.fanOut(change, now)),
        },
        job,
      );
      const { status, reprocesses } = planReprocessRecord(job, outcome, decodeReprocesses(row.reprocesses), now);
      this.st.recordReprocess.run({ id: requestId, reprocesses: encodeReprocesses(reprocesses), now });
      return { requestId, status, ...outcome };
    });
    if (deliveries > 0) this.delivery.notifyCommitted();
    this.console.committed(result.items);
    return result;
  }

  async listLeads(query: LeadQuery): Promise<Page<Lead>> {
    return this.read(() => listLeads(this.db, query));
  }

  async getLead(id: string): Promise<(Lead & { timeline: TimelineEntry[] }) | null> {
    return this.read(() => {
      const row = this.st.selectLead.get(id) as { doc: string } | undefined;
      if (row === undefined) return null;
      const timeline = (this.st.selectTimeline.all(id) as TimelineRow[]).map(toTimelineEntry);
      return { ...toLead(row.doc), timeline };
    });
  }

  async eraseLead(leadId: string, by: ErasureActor, now: string): Promise<LeadErasure | null> {
    let deliveries = 0;
    const erasure = await this.write(() => eraseLead(this.db, leadId, by, now, (notice) => (deliveries = this.delivery.fanOutErasure(notice, now))));
    if (deliveries > 0) this.delivery.notifyCommitted();
    return erasure;
  }

  async getLeadErasure(leadId: string): Promise<LeadErasure | null> {
    return this.read(() => selectErasure(this.db, leadId));
  }

  async listHeldRequests(query: HeldRequestQuery): Promise<Page<HeldRequest>> {
    return this.read(() => listHeldRequests(this.db, query));
  }

  async releaseHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
    return this.write(() => releaseHeldRequest(this.db, requestId, by, now));
  }

  async discardHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
    return this.write(() => discardHeldRequest(this.db, requestId, by, now));
  }

  async listRequests(query: RequestQuery): Promise<Page<StoredRequest>> {
    return this.read(() => listRequests(this.db, query));
  }

  async getRequest(id: string): Promise<StoredRequestWithBody | null> {
    const row = this.read(() => this.st.selectRequest.get(id) as RequestRow | undefined);
    return row === undefined ? null : toRequestWithBody(row);
  }

  async close(): Promise<void> {
    // Let queued commits finish before closing.
    while (this.batcher.pending > 0) await new Promise((r) => setImmediate(r));
    this.isClosed = true;
    this.stopProbe();
    if (this.conn !== null && this.conn.db.open) this.conn.db.close();
    this.conn = null;
  }

  private write<T>(work: () => T): Promise<T> {
    return this.batcher.run(work);
  }

  /**
   * Run a read; a storage fault (or any failure to get a connection) becomes its LH_E_STORE_*
   * error, other errors (a bad cursor, a bug) pass unchanged.
   */
  private read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isSqliteFault(error) || isStoreFault(error) || this.conn === null) throw this.fail(error);
      throw error;
    }
  }

  /**
   * The open connection. Without one (closed after a read-only or I/O fault), open a new one, at
   * most every REOPEN_INTERVAL_MS; until then the current fault is thrown.
   */
  private connection(): Connection {
    if (this.conn !== null) return this.conn;
    if (this.isClosed) throw new HubError('LH_E_STORE_UNAVAILABLE', ['the store is closed']);
    const now = Date.now();
    if (now - this.lastReopen < REOPEN_INTERVAL_MS) throw this.faults.refusal();
    this.lastReopen = now;
    // fileMustExist: a database file that vanished is a fault to report, not a fresh empty database.
    const db = new Database(this.file, { fileMustExist: true });
    try {
      configure(db, this.busyTimeoutMs);
      // SQLite falls back to a read-only connection when it cannot open the file for writing:
      // only a connection a write commits on replaces the one that was dropped.
      writeProbe(db, this.busyTimeoutMs);
      this.conn = { db, st: prepareStatements(db), dst: prepareDeliveryStatements(db) };
    } catch (error) {
      db.close();
      throw error;
    }
    this.appliedBusyMs = this.busyTimeoutMs;
    this.sources.clear();
    this.faults.log.info({ database: this.file }, 'storage: reopened the database');
    this.wrote('reopened the database');
    // Not from inside the batch that is opening the connection: the listeners write.
    setImmediate(() => this.delivery.notifyReopened());
    return this.conn;
  }

  /** Record a failed operation: log the fault once per episode, drop a connection that cannot be trusted. */
  private fail(error: unknown, operations = 1): HubError {
    if (this.isClosed) return isStoreFault(error) ? error : new HubError('LH_E_STORE_UNAVAILABLE', ['the store is closed'], { cause: error });
    const { fault, error: answer } = this.faults.failed(error, operations);
    this.observer?.storageFault(fault.kind, operations);
    if (fault.needsReopen && this.conn !== null) {
      const old = this.conn;
      this.conn = null;
      this.lastReopen = Date.now();
      try {
        old.db.close();
      } catch {
        // closing a connection whose files fail can fail too; it is dropped either way
      }
    }
    this.syncBusyTimeout();
    this.startProbe();
    return answer;
  }

  private wrote(how: string): void {
    if (!this.faults.wrote(how)) return;
    this.stopProbe();
    this.syncBusyTimeout();
  }

  /**
   * While another process holds the lock past the busy timeout, writes fail at once instead of
   * each batch waiting the busy timeout again: better-sqlite3 waits synchronously, so every wait
   * stalls the whole process, and requests queued behind a series of waits would hang for many
   * timeouts. The probe and every batch still try the lock, so the first free moment ends it.
   */
  private syncBusyTimeout(): void {
    const want = this.faults.current?.kind === 'locked' ? 0 : this.busyTimeoutMs;
    if (this.conn === null || this.appliedBusyMs === want) return;
    try {
      this.conn.db.pragma(`busy_timeout = ${want}`);
      this.appliedBusyMs = want;
    } catch {
      // setting busy_timeout touches no file; a closed connection is reopened with the default
    }
  }

  private startProbe(): void {
    if (this.probeTimer !== null || this.isClosed) return;
    this.probeTimer = setInterval(() => this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  /** While a fault lasts, every probeIntervalMs: reopen if needed, and does a one-page write commit now? */
  private probe(): void {
    if (this.faults.current === null || this.isClosed) {
      this.stopProbe();
      return;
    }
    try {
      const db = this.connection().db;
      // A reopen has just written (and ended the episode); a transaction cannot be open between ticks.
      if (this.faults.current === null || db.inTransaction) return;
      writeProbe(db, this.appliedBusyMs);
      this.wrote('a probe write committed');
    } catch (error) {
      this.fail(error, 0);
    }
  }
}
