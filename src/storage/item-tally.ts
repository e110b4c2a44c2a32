import { truncate } from '../core/truncate.js';
import { ITEM_LIMITS, ITEM_REASON_LENGTH, type QuarantineReason, type QuarantineSummary } from './port.js';

/** A summary with nothing quarantined yet. */
export function emptyQuarantine(): QuarantineSummary {
  return { count: 0, kept: 0, reasons: [], otherReasons: { count: 0, firstIndexes: [] } };
}

/**
 * Counts quarantined items into a {@link QuarantineSummary} (plain data, kept in `summary`) in
 * constant time and memory per item: a count per reason for the first few distinct reasons, a few
 * indexes each, and whether the item is one of the first few recorded one by one.
 */
export class QuarantineTally {
  private readonly byReason = new Map<string, QuarantineReason>();

  /** Continue counting into `summary` (a job's, when its items are applied). */
  constructor(readonly summary: QuarantineSummary = emptyQuarantine()) {
    for (const entry of summary.reasons) this.byReason.set(entry.reason, entry);
  }

  /**
   * Count one quarantined item. Returns its reason cut to {@link ITEM_REASON_LENGTH} when the item
   * is to be recorded one by one (the first ITEM_LIMITS.quarantinedKept), null when it is only counted.
   */
  add(index: number, reason: string): string | null {
    const s = this.summary;
    const shown = truncate(reason, ITEM_REASON_LENGTH);
    s.count++;
    let entry = this.byReason.get(shown);
    if (entry === undefined && s.reasons.length < ITEM_LIMITS.reasonsKept) {
      entry = { reason: shown, count: 0, firstIndexes: [] };
      s.reasons.push(entry);
      this.byReason.set(shown, entry);
    }
    const bucket = entry ?? s.otherReasons;
    bucket.count++;
    if (bucket.firstIndexes.length < ITEM_LIMITS.indexesPerReason) bucket.firstIndexes.push(index);
    if (s.kept >= ITEM_LIMITS.quarantinedKept) return null;
    s.kept++;
    return shown;
  }
}
