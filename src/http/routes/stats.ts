import type { FastifyInstance } from 'fastify';
import { HubError } from '../../core/errors.js';
import { buildStats } from '../../core/stats.js';
import { DEFAULT_STATS_DAYS, MAX_STATS_DAYS, readStatsRange } from '../../core/stats-range.js';
import type { Store } from '../../storage/port.js';
import { answer, operation } from '../openapi-schemas.js';

export interface StatsRouteOptions {
  /** IANA zone the days are read in (`LEADHOOK_TIMEZONE`). */
  timeZone: string;
  /** The clock ("today"); the system's by default. */
  now?: () => Date;
}

const day = { type: 'string', minLength: 1, maxLength: 40, description: 'A date YYYY-MM-DD, a day in LEADHOOK_TIMEZONE' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const STATS_OUT = {
  type: 'object',
  required: ['from', 'to', 'timeZone', 'leadsPerDay', 'leadsByStage', 'quarantinedWaiting', 'deliveries'],
  additionalProperties: true,
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    timeZone: { type: 'string' },
    leadsPerDay: {
      type: 'array',
      description: 'Leads first seen each day, per provider: every day of the range × every provider, zeros included',
      items: { type: 'object', required: ['day', 'provider', 'count'], properties: { day: { type: 'string' }, provider: { type: 'string' }, count } },
    },
    leadsByStage: {
      type: 'array',
      description: 'Leads first seen in the range, by their stage now: every stage in pipeline order',
      items: { type: 'object', required: ['stage', 'count'], properties: { stage: { type: 'string' }, count } },
    },
    quarantinedWaiting: { ...count, description: 'Quarantined requests not reprocessed since, or still quarantined by their last reprocess (whenever received)' },
    deliveries: {
      type: 'array',
      description: 'Per destination (every one that exists): its deliveries created in the range',
      items: {
        type: 'object',
        required: ['destinationId', 'name', 'succeeded', 'failed', 'filtered', 'pending', 'successRate', 'latencyMsP50', 'latencyMsP95'],
        properties: {
          destinationId: { type: 'string' },
          name: { type: 'string' },
          succeeded: count,
          failed: count,
          filtered: count,
          pending: count,
          successRate: { ...nullableNumber, description: 'succeeded / (succeeded + failed), 0..1; null when none ended' },
          latencyMsP50: { ...nullableNumber, description: 'Median latency of the attempts the receiver answered, ms' },
          latencyMsP95: nullableNumber,
        },
      },
    },
  },
} as const;

/** `GET /api/stats`: the console's overview figures for a range of days. */
export function statsRoutes(app: FastifyInstance, store: Store, options: StatsRouteOptions): void {
  const now = options.now ?? (() => new Date());
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/stats',
    {
      schema: {
        ...operation('leads', 'getStats', `Overview figures of a range of days (the last ${DEFAULT_STATS_DAYS} by default, at most ${MAX_STATS_DAYS}): leads per day and stage, quarantined requests waiting, deliveries per destination; test leads left out`, {
          200: answer('The figures', STATS_OUT),
        }),
        querystring: { type: 'object', additionalProperties: false, properties: { from: day, to: day } },
      },
    },
    async (request) => {
      const read = readStatsRange(request.query, options.timeZone, now());
      if (!read.ok) throw new HubError('LH_E_VALIDATION', [read.message]);
      const [rows, destinations] = await Promise.all([store.console.stats(read.range), store.delivery.listDestinations()]);
      return buildStats(read.range, rows, destinations);
    },
  );
}
