import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { HubError } from '../../core/errors.js';
import type { Lead, TimelineEntry } from '../../core/lead.js';
import { leadFromDocument } from '../../core/stored-lead.js';
import type { ApplyTarget } from '../../ingest/item-plan.js';
import { planReprocessRecord } from '../../ingest/request-record.js';
import { SourceCache } from '../../core/source-cache.js';
import type {
  ErasureActor,
  HeldRequest,
  HeldRequestQuery,
  IngestJob,
  IngestResult,
  LeadErasure,
  LeadQuery,
  NewSource,
  Page,
  RequestQuery,
  SourceChanges,
  SourceRecord,
  StorageStatus,
  Store,
  StoredRequest,
  StoredRequestWithBody,
} from '../port.js';
import type { StorageLog } from '../sqlite/faults.js';
import { toTimelineEntry, type TimelineRow } from '../rows/lead-rows.js';
import { toRequestWithBody, type RequestRow } from '../rows/request-rows.js';
import { toSource, type SourceRow } from '../rows/source-rows.js';
import { decodeReprocesses } from '../sqlite/request-reprocesses.js';
import { updatedSourceParams } from '../../core/source-changes.js';
import { PgAuthStore } from './auth-store.js';
import { PgConsoleStore } from './console-store.js';
import { PgDatabase, type PgDatabaseOptions } from './database.js';
import { PostgresDeliveryStore } from './delivery-store.js';
import { discardHeldRequest, eraseLead, releaseHeldRequest, selectErasure } from './erasure.js';
import { PgIngestBatcher, planItems, writePlanned } from './ingest-batcher.js';
import { BatchLookups } from './ingest-writes.js';
import { migratePostgres } from './migrate.js';
import { listHeldRequests, listLeads, listRequests } from './queries.js';
import { PgRefusalStore } from './refusal-store.js';

export interface PostgresStoreOptions extends PgDatabaseOptions {
  /** Names this instance's delivery claims (default: a random id per process). */
  instanceId?: string;
  /** Most webhooks per group commit (default 512). */
  commitBatchMax?: number;
}

/**
 * How long a source looked up by URL token is used without reading it again, ms: a secret revoked
 * or a source deleted through another instance stops working here within this bound.
 */
const SOURCE_CACHE_MAX_AGE_MS = 1000;

/**
 * Open the PostgreSQL store at `options.url` (in `options.schema` when given, which must exist):
 * the numbered migrations are applied first, under an advisory lock (instances starting together
 * migrate once). PostgreSQL unreachable at start is thrown as LH_E_STORE_UNAVAILABLE (the server
 * does not start; a supervisor restarts it).
 */
export async function openPostgresStore(given: PostgresStoreOptions): Promise<PostgresStore> {
  // Each connection names its instance (pg_stat_activity shows which instance runs what).
  const instanceId = given.instanceId ?? randomUUID();
  const options = { applicationName: `leadhook ${instanceId}`.slice(0, 63), ...given, instanceId };
  const db = new PgDatabase(options);
  try {
    await db.read(async (pool) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await migratePostgres(client);
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PostgresStore(db, options);
}

const SOURCE_COLUMNS = `id, provider, name, url_token, previous_url_token, previous_url_token_expires_at, secret, previous_secret,
  previous_secret_expires_at, default_country, created_at, updated_at, deleted_at`;

/**
 * The PostgreSQL store, for one or many leadhook instances on one database. A source looked up by
 * URL token is cached for at most a second (SOURCE_CACHE_MAX_AGE_MS; at once forgotten when changed
 * through this instance), so a change through another instance is seen within that. Concurrent
 * webhooks share one transaction (PgIngestBatcher), committed with synchronous commit before any
 * of them is answered. Storage faults keep the SQLite store's contract (see PgDatabase).
 */
export class PostgresStore implements Store {
  readonly delivery: PostgresDeliveryStore;
  readonly refusals: PgRefusalStore;
  readonly auth: PgAuthStore;
  readonly console: PgConsoleStore;
  private readonly batcher: PgIngestBatcher;
  private readonly sources = new SourceCache({ maxAgeMs: SOURCE_CACHE_MAX_AGE_MS });

  constructor(
    readonly db: PgDatabase,
    options: Pick<PostgresStoreOptions, 'instanceId' | 'commitBatchMax'> = {},
  ) {
    this.delivery = new PostgresDeliveryStore(db, options.instanceId === undefined ? {} : { instanceId: options.instanceId });
    this.refusals = new PgRefusalStore(db);
    this.auth = new PgAuthStore(db);
    this.console = new PgConsoleStore(db, this.delivery.instanceId);
    this.batcher = new PgIngestBatcher(db, this.delivery, options.commitBatchMax ?? 512);
    db.onRecovered(() => this.sources.clear());
  }

  /** Where faults and recoveries are logged (the server passes its logger once it has one). */
  setLog(log: StorageLog): void {
    this.db.faults.log = log;
  }

  storageStatus(): StorageStatus {
    return this.db.storageStatus();
  }

  async createSource(source: NewSource): Promise<SourceRecord> {
    return this.db.transaction(async (c) => {
      const row = await c.query<SourceRow>(
        `INSERT INTO sources (id, provider, name, url_token, secret, default_country, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${SOURCE_COLUMNS}`,
        [source.id, source.provider, source.name, source.urlToken, source.secret, source.defaultCountry, source.createdAt],
      );
      return toSource(row.rows[0]!);
    });
  }

  async getSource(id: string): Promise<SourceRecord | null> {
    const rows = await this.db.read(async (q) => (await q.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources WHERE id = $1`, [id])).rows);
    return rows[0] === undefined ? null : toSource(rows[0]);
  }

  async findSourceByUrlToken(token: string, at: string): Promise<SourceRecord | null> {
    const cached = this.sources.getByToken(token, at);
    if (cached !== undefined) return cached;
    const rows = await this.db.read(
      async (q) =>
        (
          await q.query<SourceRow>(
            `(SELECT ${SOURCE_COLUMNS} FROM sources WHERE url_token = $1 AND deleted_at IS NULL)
             UNION ALL
             (SELECT ${SOURCE_COLUMNS} FROM sources WHERE previous_url_token = $1 AND previous_url_token_expires_at > $2 AND deleted_at IS NULL)
             LIMIT 1`,
            [token, at],
          )
        ).rows,
    );
    const source = rows[0] === undefined ? null : toSource(rows[0]);
    // Only a current token is cached: a previous one is read again until it expires.
    if (source?.urlToken === token) this.sources.rememberToken(token, source);
    return source;
  }

  async listSources(): Promise<SourceRecord[]> {
    return this.db.read(async (q) => (await q.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources WHERE deleted_at IS NULL ORDER BY created_at, id`)).rows.map(toSource));
  }

  async updateSource(id: string, changes: SourceChanges, now: string): Promise<SourceRecord | null> {
    this.sources.forget(id);
    const updated = await this.db.transaction(async (c) => {
      const row = (await c.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources WHERE id = $1 FOR UPDATE`, [id])).rows[0];
      if (row === undefined || row.deleted_at !== null) return null;
      const p = updatedSourceParams(toSource(row), changes, now);
      const updated = await c.query<SourceRow>(
        `UPDATE sources SET name = $2, default_country = $3, updated_at = $4, secret = $5, previous_secret = $6, previous_secret_expires_at = $7,
                url_token = $8, previous_url_token = $9, previous_url_token_expires_at = $10
         WHERE id = $1 RETURNING ${SOURCE_COLUMNS}`,
        [p.id, p.name, p.defaultCountry, p.now, p.secret, p.previousSecret, p.previousSecretExpiresAt, p.urlToken, p.previousUrlToken, p.previousUrlTokenExpiresAt],
      );
      return toSource(updated.rows[0]!);
    });
    // Again after the commit: a lookup running meanwhile may have cached the row as it was.
    this.sources.forget(id);
    return updated;
  }

  async deleteSource(id: string, now: string): Promise<boolean> {
    this.sources.forget(id);
    const deleted = await this.db.transaction(async (c) => ((await c.query('UPDATE sources SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL', [id, now])).rowCount ?? 0) > 0);
    this.sources.forget(id);
    return deleted;
  }

  /** Store a webhook: with the next group commit (PgIngestBatcher), resolved once committed. */
  async ingest(job: IngestJob): Promise<IngestResult> {
    const result = await this.batcher.ingest(job);
    this.console.committed(result.items);
    return result;
  }

  async reprocess(requestId: string, job: Omit<IngestJob, 'request'>, now: string): Promise<IngestResult> {
    let deliveries = 0;
    const result = await this.db.transaction(async (c) => {
      const row = (await c.query<{ source_id: string; provider: string; received_at: string; reprocesses: string | null }>(
        'SELECT source_id, provider, received_at, reprocesses FROM requests WHERE id = $1 FOR UPDATE',
        [requestId],
      )).rows[0];
      if (row === undefined) throw new Error(`request ${requestId} vanished`);
      const target: ApplyTarget = { requestId, sourceId: row.source_id, provider: row.provider as SourceRecord['provider'], receivedAt: row.received_at };
      const lookups = await BatchLookups.read(c, [{ sourceId: target.sourceId, items: job.items }]);
      const { outcome, writes } = planItems(target, job, lookups.forSource(target.sourceId), now, this.delivery);
      await writePlanned(c, writes, this.delivery);
      deliveries = writes.deliveries.length;
      const { status, reprocesses } = planReprocessRecord(job, outcome, decodeReprocesses(row.reprocesses), now);
      await c.query('UPDATE requests SET reprocesses = $2, reprocess_count = reprocess_count + 1, reprocessed_at = $3 WHERE id = $1', [requestId, JSON.stringify(reprocesses), now]);
      return { requestId, status, ...outcome };
    });
    if (deliveries > 0) this.delivery.notifyCommitted();
    this.console.committed(result.items);
    return result;
  }

  async listLeads(query: LeadQuery): Promise<Page<Lead>> {
    return this.db.read((q) => listLeads(q, query));
  }

  async getLead(id: string): Promise<(Lead & { timeline: TimelineEntry[] }) | null> {
    return this.db.read(async (q) => {
      const row = (await q.query<{ doc: string }>('SELECT doc FROM leads WHERE id = $1', [id])).rows[0];
      if (row === undefined) return null;
      // Each entry at its own time; one the provider did not date, at its receipt; a receipt's
      // `first_received` after the history it arrived with (as on SQLite).
      const timeline = await q.query<TimelineRow>(
        `SELECT * FROM timeline WHERE lead_id = $1 ORDER BY COALESCE(occurred_at, recorded_at), recorded_at, kind = 'first_received', id`,
        [id],
      );
      return { ...leadFromDocument(row.doc), timeline: timeline.rows.map(toTimelineEntry) };
    });
  }

  async eraseLead(leadId: string, by: ErasureActor, now: string): Promise<LeadErasure | null> {
    let deliveries = 0;
    const erasure = await this.db.transaction((c) => eraseLead(c, leadId, by, now, async (notice) => (deliveries = await this.delivery.fanOutErasure(c, notice, now))));
    if (deliveries > 0) this.delivery.notifyCommitted();
    return erasure;
  }

  async getLeadErasure(leadId: string): Promise<LeadErasure | null> {
    return this.db.read((q) => selectErasure(q, leadId));
  }

  async listHeldRequests(query: HeldRequestQuery): Promise<Page<HeldRequest>> {
    return this.db.read((q) => listHeldRequests(q, query));
  }

  async releaseHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
    return this.db.transaction((c) => releaseHeldRequest(c, requestId, by, now));
  }

  async discardHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
    return this.db.transaction((c) => discardHeldRequest(c, requestId, by, now));
  }

  async listRequests(query: RequestQuery): Promise<Page<StoredRequest>> {
    return this.db.read((q) => listRequests(q, query));
  }

  async getRequest(id: string): Promise<StoredRequestWithBody | null> {
    const row = await this.db.read(async (q) => (await q.query<RequestRow>('SELECT * FROM requests WHERE id = $1', [id])).rows[0]);
    return row === undefined ? null : toRequestWithBody(row);
  }

  /**
   * The installation's value of setting `name`: the stored one, else `make()`'s, stored now. When
   * instances start together, one value wins and every instance returns it.
   */
  async sharedSetting(name: string, make: () => string): Promise<{ value: string; isNew: boolean }> {
    return this.db.transaction(async (c) => {
      const candidate = make();
      const inserted = await c.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, candidate]);
      if (inserted.rowCount === 1) return { value: candidate, isNew: true };
      const row = (await c.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name])).rows[0];
      if (row === undefined) throw new HubError('LH_E_STORE_UNAVAILABLE', [`setting ${name} vanished`]);
      return { value: row.value, isNew: false };
    });
  }

  async close(): Promise<void> {
    await this.console.close();
    await this.delivery.close();
    await this.db.close();
  }
}
