import type { LeadChange } from '../../core/lead-events.js';
import { applyRequestItems } from '../../ingest/apply-items.js';
import type { ApplyTarget, IngestLookups, ItemPlan } from '../../ingest/item-plan.js';
import type { IngestJob, ItemsOutcome } from '../port.js';
import { isSqliteError } from './commit-batcher.js';
import { toLead } from './rows.js';
import type { Statements } from './statements.js';

/**
 * Apply a request's items inside the caller's transaction (src/ingest/apply-items.ts decides what
 * each item does; this only reads and writes). Runs synchronously (better-sqlite3) inside the commit
 * batcher. `onChange` is called inside the transaction for every created or updated lead (the
 * outbox writes there).
 */
export function applyItems(
  st: Statements,
  target: ApplyTarget & { onChange?: (change: LeadChange & { sourceId: string }) => void },
  job: Pick<IngestJob, 'items' | 'quarantined'>,
): ItemsOutcome {
  const outcome = applyRequestItems(target, job, sqliteLookups(st, target.sourceId), {
    execute: (plan) => executeItem(st, plan, target.onChange),
    isStorageFault: isSqliteError,
  });
  indexQueuedSearchText(st);
  return outcome;
}

/** The reads of applying an item, in `sourceId`, as prepared statements. */
export function sqliteLookups(st: Statements, sourceId: string): IngestLookups {
  return {
    seenLeadId: (key) => (st.selectLeadEvent.get(sourceId, key) as { lead_id: string } | undefined)?.lead_id,
    storedLead: (providerLeadId) => {
      const row = st.selectLeadByProviderId.get(sourceId, providerLeadId) as { id: string; ordering_ts: string; doc: string } | undefined;
      return row === undefined ? undefined : { id: row.id, lead: toLead(row.doc), orderingTs: row.ordering_ts };
    },
    holdingErasure: (leadId) => st.selectHoldingErasure.get(leadId) as string | undefined,
  };
}

/** Write one item's plan inside its own savepoint: an item that fails leaves no partial writes. */
function executeItem(st: Statements, plan: ItemPlan, onChange: ((change: LeadChange & { sourceId: string }) => void) | undefined): void {
  st.beginItem.run();
  try {
    if (plan.leadWrite !== null) {
      const { lead, isTest, phones, ...columns } = plan.leadWrite.row;
      const params = { ...columns, isTest: isTest ? 1 : 0, doc: JSON.stringify(lead) };
      if (plan.leadWrite.kind === 'insert') st.insertLead.run(params);
      else st.updateLead.run(params);
      // The numbers `?phone=` finds the lead by (migration 0014).
      const numbers = JSON.stringify(phones);
      if (plan.leadWrite.kind === 'update') st.deleteStaleLeadPhones.run(columns.id, numbers);
      st.insertLeadPhones.run(columns.id, numbers);
    }
    for (const entry of plan.timeline) st.insertTimeline.run({ ...entry, data: JSON.stringify(entry.data) });
    const l = plan.ledger;
    if (l !== null) st.insertLeadEvent.run(l.sourceId, l.idempotencyKey, l.leadId, l.requestId, l.outcome);
    if (plan.held !== null) st.insertHeld.run(plan.held.requestId, plan.held.leadId, plan.held.heldAt);
    // Which requests carry a lead: an erasure redacts each of them (migration 0010).
    if (plan.leadRequest !== null) st.insertLeadRequest.run(plan.leadRequest.leadId, plan.leadRequest.requestId);
    if (plan.change !== null) onChange?.(plan.change);
    st.releaseItem.run();
  } catch (error) {
    // A storage fault fails the whole batch (the transaction rolls back); anything else undoes the item.
    if (!isSqliteError(error)) {
      st.rollbackItem.run();
      st.releaseItem.run();
    }
    throw error;
  }
}

/** Queued leads indexed together (migration 0004); `q` searches also read the queue, so it stays small. */
const SEARCH_INDEX_BATCH = 64;

/**
 * Add the queued leads' text to the `q` index once enough are queued: one FTS5 segment for many
 * leads instead of one per lead (an FTS5 detail of this store, not a decision of ingest). Runs in
 * the caller's transaction, so it commits or rolls back with it.
 */
function indexQueuedSearchText(st: Statements): void {
  if ((st.countSearchPending.get() as number) < SEARCH_INDEX_BATCH) return;
  st.indexSearchPending.run();
  st.clearSearchPending.run();
}
