import { QuarantineTally } from '../storage/item-tally.js';
import type { IngestJob, ItemCounts, ItemOutcome, ItemsOutcome } from '../storage/port.js';
import { planItemApply, type ApplyTarget, type IngestLookups, type ItemPlan, type NewId, type StoredLead } from './item-plan.js';

/** How a store executes the plans of one request's items. */
export interface ItemExecutor {
  /**
   * Perform `plan`'s writes (see {@link ItemPlan} for the order) in the request's transaction. It
   * may throw: a storage fault fails the whole request (the provider retries); any other error
   * quarantines the item, and the executor must have undone the item's own writes first (SQLite:
   * a savepoint per item). A store that only queues writes here to send them in bulk never throws.
   */
  execute(plan: ItemPlan): void;
  /** Whether `error` is a storage fault (fails the request) rather than a bug in one item (quarantines it). */
  isStorageFault(error: unknown): boolean;
}

/**
 * Apply a request's items (the one decision of what each item does, for every store): each item is
 * planned by {@link planItemApply} against `lookups` overlaid with what the request's earlier items
 * wrote (two items of one lead in one request see each other even when the store reads everything
 * first), then executed. Mapping errors and failed items are tallied as quarantined (bounded, see
 * QuarantineTally); the job's own summary is copied, not changed, so a failed batch can run again.
 */
export function applyRequestItems(
  target: ApplyTarget,
  job: Pick<IngestJob, 'items' | 'quarantined'>,
  lookups: IngestLookups,
  executor: ItemExecutor,
  newId?: NewId,
): ItemsOutcome {
  const tally = new QuarantineTally(structuredClone(job.quarantined));
  const outcomes: ItemOutcome[] = [];
  const overlay = new RequestOverlay(lookups);
  for (const item of job.items) {
    if ('error' in item) {
      outcomes.push(quarantined(item.index, null, item.error));
      continue;
    }
    let plan: ItemPlan;
    try {
      plan = planItemApply({ target, index: item.index, patch: item.patch, raw: item.raw, lookups: overlay, ...(newId === undefined ? {} : { newId }) });
      executor.execute(plan);
    } catch (error) {
      // A storage fault fails the whole batch (the provider retries); a bug in our mapping must not
      // lose the lead: the item is quarantined with the reason and can be reprocessed once fixed.
      if (executor.isStorageFault(error)) throw error;
      const kept = tally.add(item.index, `internal error while applying: ${String(error)}`);
      if (kept !== null) outcomes.push(quarantined(item.index, item.patch.providerLeadId, kept));
      continue;
    }
    overlay.record(item.patch.idempotencyKey, item.patch.providerLeadId, plan);
    const outcome = plan.outcome;
    if (outcome.outcome !== 'quarantined') outcomes.push(outcome);
    else {
      // Held for an erased lead: counted and summarized with the other quarantined items.
      const kept = tally.add(item.index, outcome.reason ?? 'held');
      if (kept !== null) outcomes.push({ ...outcome, reason: kept });
    }
  }
  outcomes.sort((a, b) => a.index - b.index);
  return { items: outcomes, counts: countOutcomes(outcomes, tally.summary.count), quarantine: tally.summary };
}

/** The store's lookups, answered first from what this request's earlier items wrote. */
class RequestOverlay implements IngestLookups {
  private readonly seen = new Map<string, string>();
  private readonly leads = new Map<string, StoredLead>();

  constructor(private readonly store: IngestLookups) {}

  seenLeadId(key: string): string | undefined {
    return this.seen.get(key) ?? this.store.seenLeadId(key);
  }

  storedLead(providerLeadId: string): StoredLead | undefined {
    return this.leads.get(providerLeadId) ?? this.store.storedLead(providerLeadId);
  }

  holdingErasure(leadId: string): string | undefined {
    return this.store.holdingErasure(leadId);
  }

  record(key: string, providerLeadId: string, plan: ItemPlan): void {
    if (plan.ledger !== null) this.seen.set(key, plan.ledger.leadId);
    if (plan.stored !== null) this.leads.set(providerLeadId, plan.stored);
  }
}

/** Counts per outcome: applied ones from `outcomes`, quarantined ones from the tally (most are not in `outcomes`). */
function countOutcomes(outcomes: readonly ItemOutcome[], quarantinedCount: number): ItemCounts {
  const counts: ItemCounts = { total: 0, created: 0, updated: 0, duplicate: 0, stale: 0, quarantined: quarantinedCount };
  for (const o of outcomes) if (o.outcome !== 'quarantined') counts[o.outcome]++;
  counts.total = counts.created + counts.updated + counts.duplicate + counts.stale + counts.quarantined;
  return counts;
}

function quarantined(index: number, providerLeadId: string | null, reason: string): ItemOutcome {
  return { index, outcome: 'quarantined', leadId: null, providerLeadId, reason };
}
