/**
 * The overview figures (`GET /api/stats`): what the stores count (grouped rows, no decisions) and
 * how those counts become the answer. Pure: no I/O.
 *
 * What is counted, for a range of whole days in the configured time zone (stats-range.ts):
 * - leads first seen in the range, per day and provider, and by their current stage;
 * - quarantined requests still waiting (never reprocessed, or reprocessed and still quarantined),
 *   whenever they were received: a backlog, not a figure of the range;
 * - deliveries created in the range, per destination and status, and the latency of their attempts
 *   that the receiver answered (any status).
 * Test leads (and their deliveries) are left out everywhere.
 */
import { PROVIDER_IDS, STAGES, type ProviderId, type Stage } from './lead.js';
import type { DayBucket, StatsRange } from './stats-range.js';

/** What a store counts: the range's instants, and its days (each `[since, until)`). */
export type StatsQuery = Pick<StatsRange, 'since' | 'until' | 'days'>;

/** The counts a store reads, grouped; {@link buildStats} turns them into the answer. */
export interface StatsRows {
  /** Leads (not test leads) first seen in each day, per provider; days without leads are absent. */
  leadsPerDay: { day: string; provider: string; count: number }[];
  /** Leads (not test leads) first seen in the range, per current stage. */
  leadsByStage: { stage: string; count: number }[];
  quarantinedWaiting: number;
  /** Deliveries (of leads that are not test leads) created in the range, per destination and status. */
  deliveries: { destinationId: string; status: string; count: number }[];
  /** Attempts of those deliveries that got an HTTP answer: how many took each latency, per destination. */
  latencies: { destinationId: string; latencyMs: number; count: number }[];
}

export interface DestinationStats {
  destinationId: string;
  name: string;
  succeeded: number;
  failed: number;
  filtered: number;
  /** Waiting for an attempt, or being sent. */
  pending: number;
  /** succeeded / (succeeded + failed), 0..1; null when none has ended either way. */
  successRate: number | null;
  latencyMsP50: number | null;
  latencyMsP95: number | null;
}

/** The answer of `GET /api/stats`. */
export interface StatsOut {
  from: string;
  to: string;
  timeZone: string;
  /** Every day of the range × every provider, zeros included (a stacked chart's series). */
  leadsPerDay: { day: string; provider: ProviderId; count: number }[];
  /** Every stage, in pipeline order, zeros included. */
  leadsByStage: { stage: Stage; count: number }[];
  quarantinedWaiting: number;
  /** Every destination that exists (not deleted), in the order given, zeros included. */
  deliveries: DestinationStats[];
}

/** The answer from the range, the counts, and the destinations that exist (id and name, in list order). */
export function buildStats(range: Pick<StatsRange, 'from' | 'to' | 'timeZone' | 'days'>, rows: StatsRows, destinations: readonly { id: string; name: string }[]): StatsOut {
  const perDay = new Map(rows.leadsPerDay.map((r) => [`${r.day} ${r.provider}`, r.count]));
  const perStage = new Map(rows.leadsByStage.map((r) => [r.stage, r.count]));
  return {
    from: range.from,
    to: range.to,
    timeZone: range.timeZone,
    leadsPerDay: range.days.flatMap((d: DayBucket) => PROVIDER_IDS.map((provider) => ({ day: d.day, provider, count: perDay.get(`${d.day} ${provider}`) ?? 0 }))),
    leadsByStage: STAGES.map((stage) => ({ stage, count: perStage.get(stage) ?? 0 })),
    quarantinedWaiting: rows.quarantinedWaiting,
    deliveries: destinations.map((d) => destinationStats(d, rows)),
  };
}

function destinationStats(d: { id: string; name: string }, rows: StatsRows): DestinationStats {
  const count = (...statuses: string[]) =>
    rows.deliveries.filter((r) => r.destinationId === d.id && statuses.includes(r.status)).reduce((n, r) => n + r.count, 0);
  const succeeded = count('succeeded');
  const failed = count('failed');
  const latencies = rows.latencies.filter((r) => r.destinationId === d.id).map((r) => ({ value: r.latencyMs, count: r.count }));
  return {
    destinationId: d.id,
    name: d.name,
    succeeded,
    failed,
    filtered: count('filtered'),
    pending: count('pending', 'delivering'),
    successRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
    latencyMsP50: percentile(latencies, 50),
    latencyMsP95: percentile(latencies, 95),
  };
}

/**
 * The `p`th percentile (0 < p ≤ 100) of values given as counts, by nearest rank: the smallest value
 * with at least p% of all values at or below it. Null when there are none.
 *
 * @example percentile([{ value: 10, count: 3 }, { value: 200, count: 1 }], 50) // 10
 */
export function percentile(counts: readonly { value: number; count: number }[], p: number): number | null {
  const sorted = counts.filter((c) => c.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, c) => n + c.count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const c of sorted) {
    seen += c.count;
    if (seen >= rank) return c.value;
  }
  return sorted[sorted.length - 1]!.value;
}
