import { createHash } from 'node:crypto';
import { timeOrderedId } from '../../core/ids.js';
import type { LeadChange } from '../../core/lead-events.js';
import type { LeadPatch, ProviderId } from '../../core/lead.js';
import { mergeLead } from '../../core/merge-lead.js';
import { truncate } from '../../core/truncate.js';
import { QuarantineTally } from '../item-tally.js';
import { REQUEST_REASON_LENGTH, type IngestJob, type IngestResult, type ItemCounts, type ItemOutcome, type ItemsOutcome, type RequestStatus } from '../port.js';
import { isSqliteError } from './commit-batcher.js';
import { searchText, toLead } from './rows.js';
import type { Statements } from './statements.js';

interface ApplyTarget {
  requestId: string;
  sourceId: string;
  provider: ProviderId;
  receivedAt: string;
  /** Called inside the transaction for every created or updated lead (the outbox writes here). */
  onChange?: (change: LeadChange & { sourceId: string }) => void;
}

/**
 * Apply a request's items inside the caller's transaction; each item is idempotent on its
 * `(source, idempotencyKey)`. Runs synchronously (better-sqlite3) inside the commit batcher.
 * The job's quarantine summary is copied, not changed: a failed batch can be run again.
 */
export function applyItems(st: Statements, target: ApplyTarget, job: Pick<IngestJob, 'items' | 'quarantined'>): ItemsOutcome {
  const tally = new QuarantineTally(structuredClone(job.quarantined));
  const outcomes: ItemOutcome[] = [];
  for (const item of job.items) {
    if ('error' in item) {
      outcomes.push(quarantined(item.index, null, item.error));
      continue;
    }
    st.beginItem.run();
    try {
      const outcome = applyPatch(st, target, item.index, item.patch, item.raw);
      // Which requests carry a lead: an erasure redacts each of them (migration 0010).
      if (outcome.leadId !== null) st.insertLeadRequest.run(outcome.leadId, target.requestId);
      if (outcome.outcome !== 'quarantined') outcomes.push(outcome);
      else {
        // Held for an erased lead: counted and summarized with the other quarantined items.
        const kept = tally.add(item.index, outcome.reason ?? 'held');
        if (kept !== null) outcomes.push({ ...outcome, reason: kept });
      }
      st.releaseItem.run();
    } catch (error) {
      // A storage fault fails the whole batch (the provider retries); a bug in our mapping must not
      // lose the lead: the item is quarantined with the reason and can be reprocessed once fixed.
      if (isSqliteError(error)) throw error;
      st.rollbackItem.run();
      st.releaseItem.run();
      const kept = tally.add(item.index, `internal error while applying: ${String(error)}`);
      if (kept !== null) outcomes.push(quarantined(item.index, item.patch.providerLeadId, kept));
    }
  }
  indexQueuedSearchText(st);
  outcomes.sort((a, b) => a.index - b.index);
  return { items: outcomes, counts: countOutcomes(outcomes, tally.summary.count), quarantine: tally.summary };
}

/** Counts per outcome: applied ones from `outcomes`, quarantined ones from the tally (most are not in `outcomes`). */
function countOutcomes(outcomes: readonly ItemOutcome[], quarantinedCount: number): ItemCounts {
  const counts: ItemCounts = { total: 0, created: 0, updated: 0, duplicate: 0, stale: 0, quarantined: quarantinedCount };
  for (const o of outcomes) if (o.outcome !== 'quarantined') counts[o.outcome]++;
  counts.total = counts.created + counts.updated + counts.duplicate + counts.stale + counts.quarantined;
  return counts;
}

/** Queued leads indexed together (migration 0004); `q` searches also read the queue, so it stays small. */
const SEARCH_INDEX_BATCH = 64;

/**
 * Add the queued leads' text to the `q` index once enough are queued: one FTS5 segment for many
 * leads instead of one per lead. Runs in the caller's transaction, so it commits or rolls back with it.
 */
function indexQueuedSearchText(st: Statements): void {
  if ((st.countSearchPending.get() as number) < SEARCH_INDEX_BATCH) return;
  st.indexSearchPending.run();
  st.clearSearchPending.run();
}

function applyPatch(st: Statements, t: ApplyTarget, index: number, patch: LeadPatch, raw: unknown): ItemOutcome {
  const seen = st.selectLeadEvent.get(t.sourceId, patch.idempotencyKey) as { lead_id: string } | undefined;
  if (seen !== undefined) {
    return { index, outcome: 'duplicate', leadId: seen.lead_id, providerLeadId: patch.providerLeadId, reason: null };
  }
  const row = st.selectLeadByProviderId.get(t.sourceId, patch.providerLeadId) as
    | { id: string; ordering_ts: string; doc: string }
    | undefined;
  const held = row === undefined ? null : holdForErasure(st, t, index, patch, row.id);
  if (held !== null) return held;
  const existing = row === undefined ? null : { lead: toLead(row.doc), orderingTs: row.ordering_ts };
  const leadId = row?.id ?? timeOrderedId('lead');
  const result = mergeLead(existing, patch, { leadId, sourceId: t.sourceId, provider: t.provider, receivedAt: t.receivedAt });
  const lead = result.lead;
  if (result.outcome !== 'stale') {
    const params = {
      id: lead.id,
      sourceId: lead.sourceId,
      provider: lead.provider,
      providerLeadId: lead.providerLeadId,
      stage: lead.stage,
      phone: lead.person.phone,
      email: lead.person.email,
      searchText: searchText(lead),
      lastEventAt: lead.lastEventAt,
      orderingTs: result.orderingTs,
      version: lead.version,
      isTest: lead.isTest ? 1 : 0,
      doc: JSON.stringify(lead),
    };
    if (result.outcome === 'created') st.insertLead.run(params);
    else st.updateLead.run(params);
  }
  for (const entry of result.timeline) {
    st.insertTimeline.run({
      id: timeOrderedId('tle'),
      leadId: lead.id,
      dedupeKey: entry.dedupeKey,
      kind: entry.kind,
      occurredAt: entry.occurredAt,
      recordedAt: t.receivedAt,
      summary: entry.summary,
      data: JSON.stringify(entry.data),
      requestId: t.requestId,
    });
  }
  st.insertLeadEvent.run(t.sourceId, patch.idempotencyKey, lead.id, t.requestId, result.outcome);
  if (result.outcome !== 'stale' && t.onChange !== undefined) {
    t.onChange({ outcome: result.outcome, lead, changes: result.changes, previousStage: existing?.lead.stage ?? null, payload: raw, sourceId: t.sourceId });
  }
  return { index, outcome: result.outcome, leadId: lead.id, providerLeadId: patch.providerLeadId, reason: null };
}

/**
 * An item for a lead whose personal data was erased (and not released since) is not applied: it is
 * held, kept with its stored request and answered as quarantined with the reason (200: the provider
 * does not retry), until an admin applies or discards the request (erase-lead.ts, held-requests.ts).
 * A retry of what was applied before the erasure never gets here: it is a duplicate.
 */
function holdForErasure(st: Statements, t: ApplyTarget, index: number, patch: LeadPatch, leadId: string): ItemOutcome | null {
  const erasedAt = st.selectHoldingErasure.get(leadId) as string | undefined;
  if (erasedAt === undefined) return null;
  st.insertHeld.run(t.requestId, leadId, t.receivedAt);
  const reason = `held: the personal data of lead ${leadId} was erased on ${erasedAt}; apply or discard request ${t.requestId} (leadhook leads apply-held|discard-held)`;
  return { index, outcome: 'quarantined', leadId, providerLeadId: patch.providerLeadId, reason };
}

function quarantined(index: number, providerLeadId: string | null, reason: string): ItemOutcome {
  return { index, outcome: 'quarantined', leadId: null, providerLeadId, reason };
}

/** The request's status from its items' counts. */
export function requestStatus(kind: 'leads' | 'ping' | 'unparseable', counts: ItemCounts): RequestStatus {
  if (kind === 'unparseable') return 'quarantined';
  if (kind === 'ping' || counts.total === 0) return 'accepted';
  if (counts.duplicate + counts.quarantined === counts.total) return counts.duplicate > 0 ? 'duplicate' : 'quarantined';
  return 'accepted';
}

/** A human summary of the items that did not apply (at most REQUEST_REASON_LENGTH characters), or null. */
export function requestReason(kind: 'leads' | 'ping' | 'unparseable', reason: string | null, outcome: ItemsOutcome): string | null {
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

export type { IngestResult };
