import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Lead, TimelineEntry } from '../../core/lead.js';
import type {
  IngestJob,
  IngestResult,
  LeadQuery,
  NewSource,
  Page,
  RequestQuery,
  SourceChanges,
  SourceRecord,
  Store,
  StoredRequest,
  StoredRequestWithBody,
} from '../port.js';
import { applyItems, requestReason, requestStatus, sha256Hex } from './apply-ingest.js';
import { CommitBatcher, storeUnavailable } from './commit-batcher.js';
import { SqliteDeliveryStore } from './delivery-store.js';
import { migrateSqlite } from './migrate.js';
import { listLeads, listRequests } from './queries.js';
import { toLead, toRequestWithBody, toSource, toTimelineEntry, type RequestRow, type SourceRow, type TimelineRow } from './rows.js';
import { prepareStatements, type Statements } from './statements.js';

export interface SqliteOptions {
  /** Most requests per group commit. */
  commitBatchMax?: number;
  /** How long a write waits for a lock held by another process, ms. */
  busyTimeoutMs?: number;
}

/**
 * Open (creating if needed) the SQLite store at `file`: WAL journal, `synchronous=FULL` so that a
 * COMMIT is on disk before any webhook is answered, migrations applied.
 */
export function openSqliteStore(file: string, options: SqliteOptions = {}): SqliteStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
    // Checkpoint every ~40 MB of WAL instead of ~4 MB: fewer checkpoints land inside a COMMIT.
    db.pragma('wal_autocheckpoint = 10000');
    migrateSqlite(db);
  } catch (error) {
    db.close();
    throw storeUnavailable(error);
  }
  return new SqliteStore(db, options.commitBatchMax ?? 512);
}

export class SqliteStore implements Store {
  private readonly st: Statements;
  private readonly batcher: CommitBatcher;
  readonly delivery: SqliteDeliveryStore;
  /**
   * Sources by id, read on every webhook. This process is the only writer of the file (SQLite),
   * so the cache is kept exact by the write methods below.
   */
  private readonly sourceCache = new Map<string, SourceRecord | null>();

  constructor(
    readonly db: Database.Database,
    commitBatchMax: number,
  ) {
    this.st = prepareStatements(db);
    this.batcher = new CommitBatcher(db, commitBatchMax);
    this.delivery = new SqliteDeliveryStore(db, this.batcher);
  }

  async createSource(source: NewSource): Promise<SourceRecord> {
    const created = await this.write(() => {
      this.st.insertSource.run(source);
      return toSource(this.st.selectSource.get(source.id) as SourceRow);
    });
    this.sourceCache.set(created.id, created);
    return created;
  }

  async getSource(id: string): Promise<SourceRecord | null> {
    const cached = this.sourceCache.get(id);
    if (cached !== undefined) return cached;
    const row = this.read(() => this.st.selectSource.get(id) as SourceRow | undefined);
    const source = row === undefined ? null : toSource(row);
    // Unknown ids are not cached: anyone can send requests for random ids.
    if (source !== null) this.sourceCache.set(id, source);
    return source;
  }

  async listSources(): Promise<SourceRecord[]> {
    return this.read(() => (this.st.selectSources.all() as SourceRow[]).map(toSource));
  }

  async updateSource(id: string, changes: SourceChanges, now: string): Promise<SourceRecord | null> {
    return this.write(() => {
      this.sourceCache.delete(id); // inside the transaction: no read can re-cache the old row after this
      const row = this.st.selectSource.get(id) as SourceRow | undefined;
      if (row === undefined || row.deleted_at !== null) return null;
      const current = toSource(row);
      this.st.updateSource.run({
        id,
        now,
        name: changes.name ?? current.name,
        secret: changes.secret ?? current.secret,
        defaultCountry: changes.defaultCountry === undefined ? current.defaultCountry : changes.defaultCountry,
      });
      return toSource(this.st.selectSource.get(id) as SourceRow);
    });
  }

  async deleteSource(id: string, now: string): Promise<boolean> {
    return this.write(() => {
      this.sourceCache.delete(id);
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
      const items = applyItems(this.st, { requestId: r.id, sourceId: r.sourceId, provider: r.provider, receivedAt: r.receivedAt, onChange }, job.items);
      const status = requestStatus(job.kind, items);
      this.st.insertRequest.run({
        id: r.id,
        sourceId: r.sourceId,
        provider: r.provider,
        receivedAt: r.receivedAt,
        status,
        reason: requestReason(job.kind, job.reason, items),
        httpStatus: job.httpStatus,
        contentType: r.contentType,
        headers: JSON.stringify(r.headers),
        body: r.body,
        bodySha256: sha256Hex(r.body),
        authPayload: r.authPayload === undefined ? null : JSON.stringify(r.authPayload),
        items: JSON.stringify(items),
      });
      return { requestId: r.id, status, items };
    });
    if (deliveries > 0) this.delivery.notifyCommitted();
    return result;
  }

  async reprocess(requestId: string, job: Omit<IngestJob, 'request'>, now: string): Promise<IngestResult> {
    let deliveries = 0;
    const result = await this.write(() => {
      const row = this.st.selectRequest.get(requestId) as RequestRow | undefined;
      if (row === undefined) throw new Error(`request ${requestId} vanished`);
      const items = applyItems(
        this.st,
        {
          requestId,
          sourceId: row.source_id,
          provider: row.provider as SourceRecord['provider'],
          receivedAt: row.received_at,
          onChange: (change) => (deliveries += this.delivery.fanOut(change, now)),
        },
        job.items,
      );
      const status = requestStatus(job.kind, items);
      this.st.updateRequestOutcome.run({ id: requestId, status, reason: requestReason(job.kind, job.reason, items), items: JSON.stringify(items), now });
      return { requestId, status, items };
    });
    if (deliveries > 0) this.delivery.notifyCommitted();
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
    if (this.db.open) this.db.close();
  }

  private write<T>(work: () => T): Promise<T> {
    return this.batcher.run(work);
  }

  private read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}
