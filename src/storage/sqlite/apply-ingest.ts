import { createHash } from 'node:crypto';
import { timeOrderedId } from '../../core/ids.js';
import type { LeadChange } from '../../core/lead-events.js';
import type { LeadPatch, ProviderId } from '../../core/lead.js';
import { mergeLead } from '../../core/merge-lead.js';
import type { IngestItem, IngestResult, ItemOutcome, RequestStatus } from '../port.js';
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
 */
export function applyItems(st: Statements, target: ApplyTarget, items: readonly IngestItem[]): ItemOutcome[] {
  const outcomes = items.map((item): ItemOutcome => {
    if ('error' in item) return quarantined(item.index, null, item.error);
    st.beginItem.run();
    try {
      const outcome = applyPatch(st, target, item.index, item.patch, item.raw);
      st.releaseItem.run();
      return outcome;
    } catch (error) {
      // A storage fault fails the whole batch (the provider retries); a bug in our mapping must not
      // lose the lead: the item is quarantined with the reason and can be reprocessed once fixed.
      if (isSqliteError(error)) throw error;
      st.rollbackItem.run();
      st.releaseItem.run();
      return quarantined(item.index, item.patch.providerLeadId, `internal error while applying: ${String(error)}`);
    }
  });
  indexQueuedSearchText(st);
  return outcomes;
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

function quarantined(index: number, providerLeadId: string | null, reason: string): ItemOutcome {
  return { index, outcome: 'quarantined', leadId: null, providerLeadId, reason };
}

/** The request's status from its items' outcomes. */
export function requestStatus(kind: 'leads' | 'ping' | 'unparseable', items: readonly ItemOutcome[]): RequestStatus {
  if (kind === 'unparseable') return 'quarantined';
  if (kind === 'ping' || items.length === 0) return 'accepted';
  if (items.every((i) => i.outcome === 'quarantined')) return 'quarantined';
  if (items.every((i) => i.outcome === 'duplicate' || i.outcome === 'quarantined')) {
    return items.some((i) => i.outcome === 'duplicate') ? 'duplicate' : 'quarantined';
  }
  return 'accepted';
}

/** A human summary of the items that did not apply, or null. */
export function requestReason(kind: 'leads' | 'ping' | 'unparseable', reason: string | null, items: readonly ItemOutcome[]): string | null {
  if (kind !== 'leads') return reason;
  const bad = items.filter((i) => i.outcome === 'quarantined');
  if (bad.length === 0) return reason;
  const first = bad[0];
  const detail = bad.length === 1 && first ? `item ${first.index}: ${first.reason}` : `${bad.length} of ${items.length} items quarantined; first, item ${first?.index}: ${first?.reason}`;
  return reason === null ? detail : `${reason}; ${detail}`;
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export type { IngestResult };
