/**
 * How many of the worker's send slots each destination may hold, from how its attempts answer
 * (a slow start): a destination not seen answer yet may hold {@link INITIAL_WINDOW} slots; once an
 * attempt answers quickly (within half the send timeout) its full share; after an attempt that is
 * slow or gets no answer, one. Destinations that are not known to answer quickly together hold at
 * most half of all slots, beyond one probe each. So destinations that never answer cannot take the
 * slots a healthy destination needs: it keeps receiving whatever they do.
 */

/** Slots of a destination that has not answered yet. */
export const INITIAL_WINDOW = 4;

/** What an attempt's outcome says about its destination's speed. */
export interface AttemptSpeed {
  /** HTTP status, or null when no answer came. */
  status: number | null;
  latencyMs: number;
}

export interface SlotShareOptions {
  /** Sends in flight at once, all destinations together. */
  maxInFlight: number;
  /** Sends in flight at once to one destination that answers quickly. */
  perDestinationMaxInFlight: number;
  /** The send timeout, ms: an attempt slower than half of it marks its destination slow. */
  timeoutMs: number;
}

export class SlotShares {
  /** By destination: whether its last attempt answered quickly. Absent: none answered yet. */
  private readonly isQuick = new Map<string, boolean>();

  constructor(private readonly o: SlotShareOptions) {}

  /** Record an attempt's outcome. */
  record(destinationId: string, attempt: AttemptSpeed): void {
    this.isQuick.set(destinationId, attempt.status !== null && attempt.latencyMs < this.o.timeoutMs / 2);
  }

  /** Slots the destination may hold now. */
  limitOf(destinationId: string): number {
    const quick = this.isQuick.get(destinationId);
    if (quick === undefined) return Math.min(INITIAL_WINDOW, this.o.perDestinationMaxInFlight);
    return quick ? this.o.perDestinationMaxInFlight : 1;
  }

  /** Whether the destination may start one more send, given the sends in flight per destination. */
  mayStart(destinationId: string, sending: ReadonlyMap<string, number>): boolean {
    const held = sending.get(destinationId) ?? 0;
    if (held >= this.limitOf(destinationId)) return false;
    if (held === 0 || this.isQuick.get(destinationId) === true) return true;
    let unproven = 0;
    for (const [id, n] of sending) if (this.isQuick.get(id) !== true) unproven += n;
    return unproven < Math.max(1, Math.floor(this.o.maxInFlight / 2));
  }

  /**
   * How many deliveries each destination may have claimed (sending or waiting) at once: two rounds
   * of its slots. `perDestination` applies to every destination not in `overrides`.
   */
  claimLimits(): { perDestination: number; overrides: Record<string, number> } {
    const overrides: Record<string, number> = {};
    for (const id of this.isQuick.keys()) overrides[id] = 2 * this.limitOf(id);
    return { perDestination: 2 * Math.min(INITIAL_WINDOW, this.o.perDestinationMaxInFlight), overrides };
  }
}
