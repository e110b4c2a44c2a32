import { REFUSAL_LIMITS, type NewRefusal } from '../storage/refusal-port.js';

/** Refusals of one source waiting for the next write: at most a ring's worth, the rest counted. */
export interface PendingRefusals {
  /** Time of the first of them (superseded or not). */
  firstAt: string;
  kept: NewRefusal[];
  /** Refusals superseded before they were written (a ring would have overwritten them anyway). */
  superseded: number;
}

/**
 * Coalesces refusals between two writes: per source, the last REFUSAL_LIMITS.keptPerSource are kept
 * and older ones only counted, so a flood costs at most one ring's worth of writes per source per write.
 */
export class RefusalQueue {
  private pending = new Map<string, PendingRefusals>();

  add(refusal: NewRefusal): void {
    const of = this.pending.get(refusal.sourceId) ?? { firstAt: refusal.receivedAt, kept: [], superseded: 0 };
    this.pending.set(refusal.sourceId, of);
    of.kept.push(refusal);
    if (of.kept.length > REFUSAL_LIMITS.keptPerSource) {
      of.kept.shift();
      of.superseded++;
    }
  }

  /** Everything pending, by source; the queue starts empty again. */
  take(): Map<string, PendingRefusals> {
    const pending = this.pending;
    this.pending = new Map();
    return pending;
  }
}

/**
 * The counter update and ring rows of one source's pending refusals: the store adds `added` to the
 * source's total (`webhook_refusal_counts`: first_at kept when set, last_at = lastAt) and, with the
 * total after that, writes each kept refusal at `slotsFor(total)` (insert or replace by (source, slot)).
 */
export function refusalWrites(pending: PendingRefusals): { added: number; firstAt: string; lastAt: string; slotsFor(total: number): { refusal: NewRefusal; seq: number; slot: number }[] } | null {
  const last = pending.kept[pending.kept.length - 1];
  if (last === undefined) return null;
  return {
    added: pending.kept.length + pending.superseded,
    firstAt: pending.firstAt,
    lastAt: last.receivedAt,
    slotsFor: (total) => ringSlots(total, pending.kept),
  };
}

/** Refusal numbers and ring slots: the kept refusals are the last of the total, numbered total - kept … total - 1. */
export function ringSlots(total: number, kept: readonly NewRefusal[]): { refusal: NewRefusal; seq: number; slot: number }[] {
  return kept.map((refusal, i) => {
    const seq = total - kept.length + i;
    return { refusal, seq, slot: seq % REFUSAL_LIMITS.keptPerSource };
  });
}
