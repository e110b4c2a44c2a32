import type pg from 'pg';
import type { StatsQuery, StatsRows } from '../../core/stats.js';

/**
 * The overview counts on PostgreSQL, one grouped statement per figure, as on SQLite
 * (src/storage/sqlite/stats-queries.ts; src/core/stats.ts says what each counts; migration 0004 adds
 * the indexes they read). Times are ISO UTC text, compared as text.
 */
/**
 * A stored request (`requests`, unaliased) quarantined and never reprocessed, or still quarantined by
 * its last reprocess (the last of the kept ones, oldest first): the overview's `quarantinedWaiting`
 * and each source's `quarantinedCount` (console-store.ts sourceActivity).
 */
export const QUARANTINED_WAITING = `status = 'quarantined' AND (reprocesses IS NULL OR coalesce((reprocesses::jsonb -> -1 ->> 'status') NOT IN ('accepted', 'duplicate'), true))`;

const SQL = {
  /** Each day's `[since, until)` is a range of the partial index of real leads by first sighting. */
  leadsPerDay: `SELECT d.day, l.provider, count(*)::int AS count
    FROM unnest($1::text[], $2::text[], $3::text[]) AS d(day, since, until)
    JOIN leads l ON l.first_seen_at >= d.since AND l.first_seen_at < d.until AND NOT l.is_test
    GROUP BY d.day, l.provider`,
  leadsByStage: `SELECT stage, count(*)::int AS count FROM leads
    WHERE NOT is_test AND first_seen_at >= $1 AND first_seen_at < $2 GROUP BY stage`,
  quarantinedWaiting: `SELECT count(*)::int AS n FROM requests WHERE ${QUARANTINED_WAITING}`,
  deliveries: `SELECT d.destination_id AS "destinationId", d.status, count(*)::int AS count
    FROM deliveries d JOIN leads l ON l.id = d.lead_id
    WHERE d.created_at >= $1 AND d.created_at < $2 AND NOT l.is_test
    GROUP BY d.destination_id, d.status`,
  latencies: `SELECT d.destination_id AS "destinationId", a.latency_ms AS "latencyMs", count(*)::int AS count
    FROM deliveries d JOIN leads l ON l.id = d.lead_id JOIN delivery_attempts a ON a.delivery_id = d.id
    WHERE d.created_at >= $1 AND d.created_at < $2 AND NOT l.is_test AND a.status_code IS NOT NULL
    GROUP BY d.destination_id, a.latency_ms`,
} as const;

/** Every overview count of `query` (the statements run side by side on the pool). */
export async function selectStats(q: pg.Pool, query: StatsQuery): Promise<StatsRows> {
  const range = [query.since, query.until];
  const days = [query.days.map((d) => d.day), query.days.map((d) => d.since), query.days.map((d) => d.until)];
  const [perDay, byStage, waiting, deliveries, latencies] = await Promise.all([
    q.query<StatsRows['leadsPerDay'][number]>(SQL.leadsPerDay, days),
    q.query<StatsRows['leadsByStage'][number]>(SQL.leadsByStage, range),
    q.query<{ n: number }>(SQL.quarantinedWaiting),
    q.query<StatsRows['deliveries'][number]>(SQL.deliveries, range),
    q.query<StatsRows['latencies'][number]>(SQL.latencies, range),
  ]);
  return {
    leadsPerDay: perDay.rows,
    leadsByStage: byStage.rows,
    quarantinedWaiting: waiting.rows[0]?.n ?? 0,
    deliveries: deliveries.rows,
    latencies: latencies.rows,
  };
}
