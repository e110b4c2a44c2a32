import type Database from 'better-sqlite3';
import type { StatsQuery, StatsRows } from '../../core/stats.js';

/**
 * The overview counts on SQLite, one grouped statement per figure (src/core/stats.ts says what each
 * counts; migration 0012 adds the indexes they read). Times are ISO UTC text, compared as text.
 */
/**
 * A stored request (`requests`, unaliased) quarantined and never reprocessed, or still quarantined by
 * its last reprocess (the last of the kept ones, oldest first): the overview's `quarantinedWaiting`
 * and each source's `quarantinedCount` (console-store.ts sourceActivity).
 */
export const QUARANTINED_WAITING = `status = 'quarantined' AND (reprocesses IS NULL OR reprocesses ->> '$[#-1].status' IS NOT 'accepted' AND reprocesses ->> '$[#-1].status' IS NOT 'duplicate')`;

const SQL = {
  /** Each day's `[since, until)` walks the covering index of real leads by first sighting. */
  leadsPerDay: `WITH days(day, since, until) AS (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))
    SELECT days.day AS day, leads.provider AS provider, count(*) AS count
    FROM days CROSS JOIN leads INDEXED BY leads_real_by_first_seen
    WHERE leads.is_test = 0 AND leads.first_seen_at >= days.since AND leads.first_seen_at < days.until
    GROUP BY days.day, leads.provider`,
  leadsByStage: `SELECT stage, count(*) AS count FROM leads INDEXED BY leads_real_by_first_seen
    WHERE is_test = 0 AND first_seen_at >= ? AND first_seen_at < ? GROUP BY stage`,
  quarantinedWaiting: `SELECT count(*) FROM requests WHERE ${QUARANTINED_WAITING}`,
  deliveries: `SELECT d.destination_id AS destinationId, d.status AS status, count(*) AS count
    FROM deliveries d INDEXED BY deliveries_by_created JOIN leads l ON l.id = d.lead_id
    WHERE d.created_at >= ? AND d.created_at < ? AND l.is_test = 0
    GROUP BY d.destination_id, d.status`,
  latencies: `SELECT d.destination_id AS destinationId, a.latency_ms AS latencyMs, count(*) AS count
    FROM deliveries d INDEXED BY deliveries_by_created JOIN leads l ON l.id = d.lead_id JOIN delivery_attempts a ON a.delivery_id = d.id
    WHERE d.created_at >= ? AND d.created_at < ? AND l.is_test = 0 AND a.status_code IS NOT NULL
    GROUP BY d.destination_id, a.latency_ms`,
} as const;

/** Every overview count of `query`, read in one read transaction (the figures agree with each other). */
export function selectStats(db: Database.Database, query: StatsQuery): StatsRows {
  const read = db.transaction((): StatsRows => {
    const days = JSON.stringify(query.days.map((d) => [d.day, d.since, d.until]));
    return {
      leadsPerDay: db.prepare(SQL.leadsPerDay).all(days) as StatsRows['leadsPerDay'],
      leadsByStage: db.prepare(SQL.leadsByStage).all(query.since, query.until) as StatsRows['leadsByStage'],
      quarantinedWaiting: db.prepare(SQL.quarantinedWaiting).pluck().get() as number,
      deliveries: db.prepare(SQL.deliveries).all(query.since, query.until) as StatsRows['deliveries'],
      latencies: db.prepare(SQL.latencies).all(query.since, query.until) as StatsRows['latencies'],
    };
  });
  return read.deferred();
}
