import { QuarantineTally } from '../storage/item-tally.js';
import { ITEM_LIMITS, type ItemCounts, type ItemOutcome, type ItemsOutcome } from '../storage/port.js';

/**
 * How every store keeps a request's item outcomes (column `requests.items`): a JSON object of bounded
 * size whatever the request held, `{counts, quarantine, items}`, where `items` keeps at most
 * ITEM_LIMITS.appliedKept applied and ITEM_LIMITS.quarantinedKept quarantined outcomes one by one.
 * Requests stored (by SQLite) before this format hold a plain JSON array of every outcome; both are read.
 */
export function storedItems(outcome: ItemsOutcome): ItemsOutcome {
  return { counts: outcome.counts, quarantine: outcome.quarantine, items: keptItems(outcome.items) };
}

/** {@link storedItems} as JSON text. */
export function encodeItems(outcome: ItemsOutcome): string {
  return JSON.stringify(storedItems(outcome));
}

/** The first ITEM_LIMITS.appliedKept applied outcomes and every quarantined one given (the caller keeps those few). */
function keptItems(items: readonly ItemOutcome[]): ItemOutcome[] {
  let applied = 0;
  return items.filter((i) => i.outcome === 'quarantined' || ++applied <= ITEM_LIMITS.appliedKept);
}

/** The stored outcomes of one request (either format), bounded as {@link encodeItems} stores them. */
export function decodeItems(text: string): ItemsOutcome {
  return itemsFromStored(JSON.parse(text) as unknown);
}

/** {@link decodeItems} for a value already parsed (a JSON column a driver decoded). */
export function itemsFromStored(value: unknown): ItemsOutcome {
  return Array.isArray(value) ? fromOutcomeList(value as ItemOutcome[]) : (value as ItemsOutcome);
}

/** The {@link ItemsOutcome} of a request stored as an array of every outcome (before this format). */
function fromOutcomeList(all: readonly ItemOutcome[]): ItemsOutcome {
  const tally = new QuarantineTally();
  const counts: ItemCounts = { total: all.length, created: 0, updated: 0, duplicate: 0, stale: 0, quarantined: 0 };
  const items: ItemOutcome[] = [];
  for (const item of all) {
    counts[item.outcome]++;
    if (item.outcome !== 'quarantined') items.push(item);
    else {
      const reason = tally.add(item.index, item.reason ?? 'quarantined');
      if (reason !== null) items.push({ ...item, reason });
    }
  }
  return { items: keptItems(items), counts, quarantine: tally.summary };
}

/** Distinct lead ids of `items`, in item order. */
export function leadIdsOf(items: readonly ItemOutcome[]): string[] {
  return [...new Set(items.flatMap((i) => (i.leadId === null ? [] : [i.leadId])))];
}
