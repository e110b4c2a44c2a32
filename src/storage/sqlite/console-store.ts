import type { Lead } from '../../core/lead.js';
import type { StatsQuery, StatsRows } from '../../core/stats.js';
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
import type { ConnectionView } from './connection-view.js';
import { toLead } from './rows.js';
import { QUARANTINED_WAITING, selectStats } from './stats-queries.js';

/**
 * Each source's activity in one statement: per source, a seek to the end of its range of real
 * requests (migration 0013), its refusal counter by key, and its range of quarantined requests.
 */
const SOURCE_ACTIVITY = `SELECT s.value AS sourceId,
    (SELECT received_at FROM requests INDEXED BY requests_real_by_source_received WHERE source_id = s.value AND is_test_send = 0
      ORDER BY received_at DESC LIMIT 1) AS lastReceivedAt,
    coalesce((SELECT total FROM webhook_refusal_counts WHERE source_id = s.value), 0) AS refusedCount,
    (SELECT count(*) FROM requests INDEXED BY requests_quarantined_by_source WHERE source_id = s.value AND ${QUARANTINED_WAITING}) AS quarantinedCount
  FROM json_each(?) s`;

/**
 * The console's reads on SQLite, and its lead change notices: one process owns the database file,
 * so the changes it commits are all there are, told to the listeners right after each commit.
 */
export class SqliteConsoleStore implements ConsoleStore {
  private readonly listeners = new LeadChangeListeners();

  constructor(private readonly conn: ConnectionView) {}

  async stats(query: StatsQuery): Promise<StatsRows> {
    return this.conn.read(() => selectStats(this.conn.db, query));
  }

  async leadsByIds(ids: readonly string[]): Promise<Lead[]> {
    if (ids.length === 0) return [];
    return this.conn.read(() =>
      (this.conn.db.prepare('SELECT doc FROM leads WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { doc: string }[]).map((r) => toLead(r.doc)),
    );
  }

  async recentEvents(query: RecentEventQuery): Promise<RecentEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!query.includeTest) where.push('l.is_test = 0');
    if (query.types !== undefined) where.push('e.type IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(query.types));
    if (query.sourceIds !== undefined) where.push('e.source_id IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(query.sourceIds));
    // CROSS JOIN: the newest events first, each one's lead looked up by its key.
    const sql = `SELECT e.id, e.type, e.lead_id AS leadId, e.created_at AS createdAt, e.body, e.payload,
        e.body ->> '$.data.lead.person.fullName' AS leadName
      FROM events e ${query.includeTest ? '' : 'CROSS JOIN leads l ON l.id = e.lead_id'}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT ?`;
    return this.conn.read(() => (this.conn.db.prepare(sql).all(...params, query.limit) as RecentEvent[]).map(withTextName));
  }

  async recentLeads(query: RecentLeadQuery): Promise<Lead[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!query.includeTest) where.push('is_test = 0');
    if (query.sourceIds !== undefined) where.push('source_id IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(query.sourceIds));
    // Walks leads_by_first_seen (migration 0010) from its end.
    const sql = `SELECT doc FROM leads INDEXED BY leads_by_first_seen ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY first_seen_at DESC, id DESC LIMIT ?`;
    return this.conn.read(() => (this.conn.db.prepare(sql).all(...params, query.limit) as { doc: string }[]).map((r) => toLead(r.doc)));
  }

  async sourceActivity(sourceIds: readonly string[]): Promise<SourceActivity[]> {
    if (sourceIds.length === 0) return [];
    return this.conn.read(() => this.conn.db.prepare(SOURCE_ACTIVITY).all(JSON.stringify(sourceIds)) as SourceActivity[]);
  }

  onLeadsChanged(listener: (change: LeadsChanged) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Tell the listeners what a committed ingest or reprocess created or updated. */
  committed(items: readonly { outcome: string; leadId: string | null }[]): void {
    if (this.listeners.size === 0) return;
    const change = leadsChangedBy(items);
    if (change !== null) this.listeners.tell(change);
  }
}
