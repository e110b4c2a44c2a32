/**
 * One rule evaluation as plain data (so it can be posted to the rule thread) and the function that
 * runs it. The event and the provider's item travel as the JSON text the database holds: they are
 * parsed on the rule thread, not on the main one. The filter's `event` is the stored body the
 * destination receives (built once, by buildEvent or buildErasedEvent in lead-events.ts), and `lead`
 * its `data.lead`: a rule never sees an event built apart from the one sent. A `lead.erased` body
 * names the lead by its ids only: its `lead` is the lead as erased, kept beside the event (personal
 * fields null), and its `payload` null (the provider's items were erased).
 */
import type { Lead } from '../core/lead.js';
import { cached } from './lru.js';
import { compileFilter, type CompiledFilter, type FilterEvaluation, type FilterEvent } from './rule-filter.js';

export interface RuleJob {
  /** The destination's rule as stored. */
  expression: string;
  /** The stored event body (`{ type, id, timestamp, data: { lead, … } }`). */
  eventBody: string;
  /**
   * What the event kept for rules, as JSON text (fan-out.ts EventWrite.payload): the provider's item,
   * or for `lead.erased` the lead as erased; null when the event kept none.
   */
  payload: string | null;
}

/**
 * Whether a destination's rule decides if an event of `type` is sent. An erasure notice
 * (`lead.erased`) is never filtered: a rule cannot tell from the erased lead whether an earlier event
 * reached the destination, and a notice held back would leave the person's data there.
 */
export function isFilteredByRule(type: string): boolean {
  return type !== 'lead.erased';
}

/** Compiled rules kept for reuse, least recently used out. */
const CACHE_SIZE = 128;
const compiled = new Map<string, CompiledFilter | string>();

/** The compiled rule, or why it does not compile (a rule stored before today's limits may not). */
function compiledRule(expression: string): CompiledFilter | string {
  return cached(compiled, expression, CACHE_SIZE, () => {
    const result = compileFilter(expression);
    return result.ok ? result.filter : `the rule is no longer accepted: ${result.message}`;
  });
}

/**
 * Evaluate one rule against one event. Never throws: a rule that does not compile, an event that is
 * not what it should be, or a runtime error is "no match" with the error.
 */
export function evaluateRule(job: RuleJob): FilterEvaluation {
  const filter = compiledRule(job.expression);
  if (typeof filter === 'string') return { matched: false, error: filter };
  let event: FilterEvent;
  let kept: unknown;
  try {
    event = JSON.parse(job.eventBody) as FilterEvent;
    kept = job.payload === null ? null : (JSON.parse(job.payload) as unknown);
  } catch (error) {
    return { matched: false, error: `the stored event is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (event?.type === 'lead.erased') return filter.evaluate({ event, lead: kept as Lead, payload: null });
  const lead = ((event.data as { lead?: Lead } | null)?.lead ?? null) as Lead;
  return filter.evaluate({ event, lead, payload: kept });
}
