import { REPROCESS_LIMITS, type ItemsOutcome, type RequestReprocess, type RequestStatus } from '../port.js';

/**
 * How a request's reprocesses are stored (column `requests.reprocesses`, migration 0008): a JSON
 * array of the last REPROCESS_LIMITS.kept, oldest first, each with at most
 * REPROCESS_LIMITS.itemsPerReprocess items; `reprocess_count` counts them all. Null: none kept.
 */
export function decodeReprocesses(text: string | null): RequestReprocess[] {
  return text === null ? [] : (JSON.parse(text) as RequestReprocess[]);
}

/** The stored history with one more reprocess appended, the oldest dropped past REPROCESS_LIMITS.kept. */
export function appendReprocess(stored: string | null, at: string, status: RequestStatus, reason: string | null, outcome: ItemsOutcome): string {
  const entry: RequestReprocess = {
    at,
    status,
    reason,
    itemCounts: outcome.counts,
    quarantine: outcome.quarantine,
    items: outcome.items.slice(0, REPROCESS_LIMITS.itemsPerReprocess),
  };
  return JSON.stringify([...decodeReprocesses(stored), entry].slice(-REPROCESS_LIMITS.kept));
}
