import { createHash } from 'node:crypto';
import { truncate } from '../core/truncate.js';
import { REPROCESS_LIMITS, REQUEST_REASON_LENGTH, type IngestJob, type ItemCounts, type ItemsOutcome, type RequestReprocess, type RequestStatus } from '../storage/port.js';
import { erasedDuplicateLeads, redactRequestBody } from './erased-copy.js';
import { storedItems } from './stored-items.js';

/** The request's status from its items' counts. */
export function requestStatus(kind: IngestJob['kind'], counts: ItemCounts): RequestStatus {
  if (kind === 'unparseable') return 'quarantined';
  if (kind === 'ping' || counts.total === 0) return 'accepted';
  if (counts.duplicate + counts.quarantined === counts.total) return counts.duplicate > 0 ? 'duplicate' : 'quarantined';
  return 'accepted';
}

/** A human summary of the items that did not apply (at most REQUEST_REASON_LENGTH characters), or null. */
export function requestReason(kind: IngestJob['kind'], reason: string | null, outcome: ItemsOutcome): string | null {
  const q = outcome.counts.quarantined;
  const first = outcome.items.find((i) => i.outcome === 'quarantined');
  if (kind !== 'leads' || q === 0 || first === undefined) return reason;
  const item = `item ${first.index}: ${first.reason}`;
  const detail = q === 1 ? item : `${q} of ${outcome.counts.total} items quarantined; first, ${item}`;
  return truncate(reason === null ? detail : `${reason}; ${detail}`, REQUEST_REASON_LENGTH);
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The `requests` row of a new request, after its items were applied (the columns a store must derive). */
export interface RequestRecordPlan {
  status: RequestStatus;
  reason: string | null;
  /** The body to store: as received, or without the items of leads still erased. */
  body: Buffer;
  /** Of the body as received (a retry of the same bytes is recognized even when the stored copy is redacted). */
  bodySha256: string;
  /** The claims to store (LeadPro), likewise redacted; undefined when there are none (column null). */
  authPayload: unknown;
  /** The bounded outcomes to store (column `items`, see stored-items.ts). */
  items: ItemsOutcome;
}

/**
 * What to store for a new request once its items are applied, in the same transaction. A retry of
 * what an erased lead had before is a duplicate: it is stored without that lead's personal data.
 * `holdingErasure` is the same lookup as for the items (one read per duplicate item's lead).
 */
export function planRequestRecord(job: IngestJob, outcome: ItemsOutcome, holdingErasure: (leadId: string) => string | undefined): RequestRecordPlan {
  const r = job.request;
  const erased = erasedDuplicateLeads(outcome, holdingErasure);
  const copy = erased.length === 0 ? null : redactRequestBody(r.provider, r.body, r.authPayload, erased);
  return {
    status: requestStatus(job.kind, outcome.counts),
    reason: requestReason(job.kind, job.reason, outcome),
    body: copy?.body ?? r.body,
    bodySha256: sha256Hex(r.body),
    authPayload: copy === null ? r.authPayload : copy.authPayload,
    items: storedItems(outcome),
  };
}

/**
 * A reprocess of a stored request, recorded beside it (the request's own status, reason and items
 * stay as answered): its status, and the request's reprocess history with it appended (the last
 * REPROCESS_LIMITS.kept, oldest first, each with at most REPROCESS_LIMITS.itemsPerReprocess items).
 * The store also adds one to the request's reprocess count and sets its reprocessed_at to `at`.
 */
export function planReprocessRecord(
  job: Pick<IngestJob, 'kind' | 'reason'>,
  outcome: ItemsOutcome,
  history: readonly RequestReprocess[],
  at: string,
): { status: RequestStatus; reprocesses: RequestReprocess[] } {
  const status = requestStatus(job.kind, outcome.counts);
  const entry: RequestReprocess = {
    at,
    status,
    reason: requestReason(job.kind, job.reason, outcome),
    itemCounts: outcome.counts,
    quarantine: outcome.quarantine,
    items: outcome.items.slice(0, REPROCESS_LIMITS.itemsPerReprocess),
  };
  return { status, reprocesses: [...history, entry].slice(-REPROCESS_LIMITS.kept) };
}
