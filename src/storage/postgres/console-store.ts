import pg from 'pg';
import type { Lead } from '../../core/lead.js';
import type { StatsQuery, StatsRows } from '../../core/stats.js';
import { leadFromDocument } from '../../core/stored-lead.js';
import {
  LeadChangeListeners,
  leadsChangedBy,
  withTextName,
  type ConsoleStore,
  type LeadsChanged,
  type RecentEvent,
  type RecentEventQuery,
  type RecentLeadQuery,
  type SourceActivity,
} from '../console-port.js';
import type { PgDatabase } from './database.js';
import { LEADS_CHANNEL_SQL, LeadNotices } from './lead-notices.js';
import { prepareClient } from './pool.js';
import { QUARANTINED_WAITING, selectStats } from './stats-queries.js';

/**
 * Each source's activity in one statement, as on SQLite: per source, the end of its range of real
 * requests (migration 0005), its refusal counter by key, and its range of quarantined requests.
 */
const SOURCE_ACTIVITY = `SELECT s.id AS "sourceId",
    (SELECT received_at FROM requests WHERE source_id = s.id AND NOT is_test_send ORDER BY received_at DESC LIMIT 1) AS "lastReceivedAt",
    coalesce((SELECT total FROM webhook_refusal_counts WHERE source_id = s.id), 0)::float8 AS "refusedCount",
    (SELECT count(*) FROM requests WHERE source_id = s.id AND ${QUARANTINED_WAITING})::int AS "quarantinedCount"
  FROM unnest($1::text[]) AS s(id)`;

/**
 * The console's reads on PostgreSQL, and its lead change notices for every instance on the schema:
 * a commit of this instance is told to its own listeners at once and to the others by NOTIFY
 * (lead-notices.ts), whose LISTEN starts with the first listener.
 */
export class PgConsoleStore implements ConsoleStore {
  private readonly listeners = new LeadChangeListeners();
  private readonly notices: LeadNotices;

  constructor(
    private readonly db: PgDatabase,
    instanceId: string,
  ) {
    this.notices = new LeadNotices({
      newClient: () => new pg.Client(db.clientConfig()),
      prepare: (client) => prepareClient(client, db.connectionOptions),
      // One statement on its own (it writes nothing): not a commit of the store's, which would count
      // as a webhook commit in the metrics and could end a fault episode.
      notify: async (payload) => {
        await db.read((q) => q.query(`SELECT pg_notify(${LEADS_CHANNEL_SQL}, $1)`, [payload]));
      },
      instanceId,
      onNotice: (change) => this.listeners.tell(change),
      log: { warn: (obj, msg) => db.faults.log.warn(obj, msg) },
    });
  }

  async stats(query: StatsQuery): Promise<StatsRows> {
    return this.db.read((q) => selectStats(q, query));
  }

  async leadsByIds(ids: readonly string[]): Promise<Lead[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.read(async (q) => (await q.query<{ doc: string }>('SELECT doc FROM leads WHERE id = ANY($1::text[])', [ids])).rows);
    return rows.map((r) => leadFromDocument(r.doc));
  }

  async recentEvents(query: RecentEventQuery): Promise<RecentEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!query.includeTest) where.push('NOT l.is_test');
    if (query.types !== undefined) where.push(`e.type = ANY($${params.push(query.types)}::text[])`);
    if (query.sourceIds !== undefined) where.push(`e.source_id = ANY($${params.push(query.sourceIds)}::text[])`);
    const sql = `SELECT e.id, e.type, e.lead_id AS "leadId", e.created_at AS "createdAt", e.body, e.payload,
        e.body::json #> '{data,lead,person,fullName}' AS "leadName"
      FROM events e ${query.includeTest ? '' : 'JOIN leads l ON l.id = e.lead_id'}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT $${params.push(query.limit)}`;
    const rows = await this.db.read(async (q) => (await q.query<RecentEvent>(sql, params)).rows);
    return rows.map(withTextName);
  }

  async recentLeads(query: RecentLeadQuery): Promise<Lead[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!query.includeTest) where.push('NOT is_test');
    if (query.sourceIds !== undefined) where.push(`source_id = ANY($${params.push(query.sourceIds)}::text[])`);
    // Walks leads_by_first_seen (migration 0001) from its end.
    const sql = `SELECT doc FROM leads ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY first_seen_at DESC, id DESC LIMIT $${params.push(query.limit)}`;
    const rows = await this.db.read(async (q) => (await q.query<{ doc: string }>(sql, params)).rows);
    return rows.map((r) => leadFromDocument(r.doc));
  }

  async sourceActivity(sourceIds: readonly string[]): Promise<SourceActivity[]> {
    if (sourceIds.length === 0) return [];
    return this.db.read(async (q) => (await q.query<SourceActivity>(SOURCE_ACTIVITY, [sourceIds])).rows);
  }

  onLeadsChanged(listener: (change: LeadsChanged) => void): () => void {
    const off = this.listeners.add(listener);
    this.notices.start();
    return off;
  }

  /** Resolves once this instance hears the others' notices (tests wait for it). */
  whenListening(): Promise<void> {
    this.notices.start();
    return this.notices.whenListening();
  }

  /** After a commit: tell this instance's listeners, and the other instances. */
  committed(items: readonly { outcome: string; leadId: string | null }[]): void {
    const change = leadsChangedBy(items);
    if (change === null) return;
    this.listeners.tell(change);
    this.notices.announce(change);
  }

  /** Send what is announced and stop listening (before the pool ends). */
  async close(): Promise<void> {
    await this.notices.close();
  }
}
