import type { FastifyInstance } from 'fastify';
import { buildEvent, EVENT_TYPES, type EventType } from '../../core/lead-events.js';
import type { Lead } from '../../core/lead.js';
import type { RuleEvaluator } from '../../delivery/rule-evaluator.js';
import type { FilterEvaluation } from '../../delivery/rule-filter.js';
import { isFilteredByRule } from '../../delivery/rule-job.js';
import type { RecentEvent } from '../../storage/console-port.js';
import type { Store } from '../../storage/port.js';
import { answer, operation } from '../openapi-schemas.js';
import { checkedFilter } from './destinations.js';

/** Events a trial reads by default, and at most. */
export const TRIAL_LIMIT = { default: 20, max: 50 } as const;

interface TrialIn {
  filter: string;
  events?: EventType[];
  sourceIds?: string[];
  limit?: number;
  includeTest?: boolean;
}

const TRIAL_OUT = {
  type: 'object',
  required: ['items'],
  additionalProperties: true,
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventId', 'type', 'leadId', 'leadName', 'createdAt', 'matched', 'error', 'sample'],
        properties: {
          eventId: { type: ['string', 'null'], description: 'The stored event; null for a sample' },
          type: { type: 'string', enum: [...EVENT_TYPES] },
          leadId: { type: 'string' },
          leadName: { type: ['string', 'null'] },
          createdAt: { type: 'string' },
          matched: { type: 'boolean' },
          error: { type: ['string', 'null'], description: 'Why the rule failed on this event (it then does not match); null when it ran' },
          sample: {
            type: 'boolean',
            description:
              'true: not a stored event but a recent lead as the lead.created event it would make (its lead as stored now, no provider payload), filling the list when fewer events than limit are stored (e.g. before any destination exists)',
          },
        },
      },
    },
  },
} as const;

/** An event to try the filter on: a stored one, or a sample made from a lead (`id` null). */
type TrialEvent = Omit<RecentEvent, 'id'> & { id: string | null; sample: boolean };

/**
 * A lead as the `lead.created` event it would make, built as fan-out builds every event body
 * (buildEvent, src/delivery/fan-out.ts), with the lead as stored now, at its first sighting. It is
 * stored nowhere and sent nowhere; it keeps no provider payload (only events do).
 */
function sampleEvent(lead: Lead): TrialEvent {
  const body = buildEvent('lead.created', `sample_${lead.id}`, lead.firstSeenAt, { outcome: 'created', lead, changes: {}, previousStage: null, payload: null });
  const name = lead.person.fullName;
  return { id: null, type: 'lead.created', leadId: lead.id, leadName: typeof name === 'string' ? name : null, createdAt: lead.firstSeenAt, body: JSON.stringify(body), payload: null, sample: true };
}

/**
 * Up to `wanted` samples from the most recently first seen leads (of the trial's sources, test leads
 * as asked) that none of the stored events is about. Reading `limit` leads is enough: fewer than
 * `limit` events were found, so at most that many leads are left out.
 */
async function sampleEvents(store: Store, query: { limit: number; includeTest: boolean; sourceIds?: string[] }, skip: ReadonlySet<string>, wanted: number): Promise<TrialEvent[]> {
  const leads = await store.console.recentLeads({ limit: query.limit, includeTest: query.includeTest, ...(query.sourceIds === undefined ? {} : { sourceIds: query.sourceIds }) });
  return leads.filter((l) => !skip.has(l.id)).slice(0, wanted).map(sampleEvent);
}

/**
 * `POST /api/destinations/try-filter`: a filter checked exactly as destinations take it (the same
 * LH_E_FILTER_* errors), then run against the most recent events on the rule thread, with the
 * budget every rule has (LEADHOOK_RULE_TIMEOUT_MS): what a destination with it would have been sent.
 * Events are only stored for destinations, so with fewer events than `limit` (a fresh install) the
 * list is filled with recent leads as the `lead.created` events they would make (`sample: true`).
 */
export function filterTrialRoutes(app: FastifyInstance, store: Store, rules: RuleEvaluator): void {
  app.post<{ Body: TrialIn }>(
    '/api/destinations/try-filter',
    {
      schema: {
        ...operation('destinations', 'tryFilter', 'Check a filter as a destination would take it and run it on the most recent events (newest first)', { 200: answer('Each event, and whether the filter matched it', TRIAL_OUT) }),
        body: {
          type: 'object',
          required: ['filter'],
          additionalProperties: false,
          properties: {
            filter: { type: 'string', maxLength: 4096, description: 'A CEL expression, as a destination\'s filter' },
            events: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...EVENT_TYPES] }, description: 'Only events of these types (all by default)' },
            sourceIds: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Only events of leads of these sources (all by default)' },
            limit: { type: 'integer', minimum: 1, maximum: TRIAL_LIMIT.max, description: `Events to try, newest first (default ${TRIAL_LIMIT.default})` },
            includeTest: { type: 'boolean', description: 'Events of test leads too (as a destination with includeTest receives them)' },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const expression = checkedFilter(b.filter, undefined) as string;
      const limit = b.limit ?? TRIAL_LIMIT.default;
      const includeTest = b.includeTest ?? false;
      const stored = await store.console.recentEvents({
        limit,
        includeTest,
        ...(b.events === undefined ? {} : { types: b.events }),
        ...(b.sourceIds === undefined ? {} : { sourceIds: b.sourceIds }),
      });
      const events: TrialEvent[] = stored.map((e) => ({ ...e, sample: false }));
      if (events.length < limit && (b.events === undefined || b.events.includes('lead.created'))) {
        const query = { limit, includeTest, ...(b.sourceIds === undefined ? {} : { sourceIds: b.sourceIds }) };
        events.push(...(await sampleEvents(store, query, new Set(stored.map((e) => e.leadId)), limit - events.length)));
      }
      // As the worker decides: an event its rule does not filter (lead.erased) would be sent.
      const verdicts = await Promise.all(
        events.map((e) => (isFilteredByRule(e.type) ? rules.evaluate({ expression, eventBody: e.body, payload: e.payload }) : Promise.resolve<FilterEvaluation>({ matched: true }))),
      );
      return {
        items: events.map((e, i) => ({
          eventId: e.id,
          type: e.type,
          leadId: e.leadId,
          leadName: e.leadName,
          createdAt: e.createdAt,
          matched: verdicts[i]?.matched ?? false,
          error: explained(verdicts[i]?.error, e, expression),
          sample: e.sample,
        })),
      };
    },
  );
}

/** The rule's error, with why `payload` may be missing: an event keeps it only when a destination with a rule received it. */
function explained(error: string | undefined, event: TrialEvent, expression: string): string | null {
  if (error === undefined) return null;
  if (event.payload === null && /\bpayload\b/.test(expression)) {
    if (event.sample) return `${error} (a sample made from a stored lead has no provider payload: only events sent to a destination with a rule keep it)`;
    return `${error} (this event kept no provider payload: only events sent to a destination with a rule keep it)`;
  }
  return error;
}
