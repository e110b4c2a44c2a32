import type { AttemptCompletion, AttemptRecord, DeliveryStatus, FilteredCompletion } from '../storage/delivery-port.js';

/** A destination's `last_success_at` is written at most this often (per process) while it succeeds. */
export const SUCCESS_MARK_EVERY_MS = 1000;

/** The delivery's state as the completion reads it, in the completing transaction. */
export interface DeliveryState {
  status: DeliveryStatus;
  destinationId: string;
}

/** The writes that end one attempt, in the completing transaction (see planCompletion). */
export interface CompletionPlan {
  /** Insert into `delivery_attempts` (`attemptNumber`: the delivery's attempts recorded so far + 1). */
  attempt: Omit<AttemptRecord, 'id'> & { deliveryId: string };
  /**
   * Update the delivery only while it is still `delivering`: this status, attempts + 1, this
   * next_attempt_at, claim cleared, last status code and error from the attempt, updated_at = now,
   * delivered_at = now when `succeeded`.
   */
  delivery: { id: string; status: 'succeeded' | 'pending' | 'failed'; nextAttemptAt: string | null; statusCode: number | null; error: string | null; now: string };
  destination: {
    id: string;
    /** Set last_success_at = now and clear failing_since. */
    markSuccess: boolean;
    /** Set failing_since = now unless already set. */
    markFailing: boolean;
    /** Disable it (disabled_at = now, updated_at = now) with this reason, unless already disabled; null: leave it. */
    disableReason: string | null;
  };
}

/**
 * Per-process memory of when each destination's last success was written, so that a destination
 * that keeps succeeding costs one write per second rather than one per delivery. Any failure forgets
 * it, so the next success clears failing_since at once.
 */
export class SuccessMarks {
  private readonly marks = new Map<string, number>();

  /** Whether a success at `now` must be written (and, if so, it is remembered as written). */
  due(destinationId: string, now: string): boolean {
    const at = Date.parse(now);
    if (at - (this.marks.get(destinationId) ?? Number.NEGATIVE_INFINITY) < SUCCESS_MARK_EVERY_MS) return false;
    this.marks.set(destinationId, at);
    return true;
  }

  forget(destinationId: string): void {
    this.marks.delete(destinationId);
  }
}

/**
 * What an attempt's outcome does (the completion policy): null when the delivery is no longer
 * `delivering` (its lease expired and it was taken over, or it was released): nothing is recorded.
 * Delivered: succeeded, and the destination's success marked (throttled by `marks`). Retry: pending
 * again at the decision's time. Disable or give up: failed, the destination marked failing; a
 * `disable` decision disables it, and a delivery given up disables a destination failing for
 * `disableAfterMs` or longer. The caller reads, in the same transaction: the delivery's state, its
 * attempts so far (`attemptsSoFar`) and, when the decision is `give_up`, the destination's
 * failing_since (else pass null).
 */
export function planCompletion(
  state: DeliveryState | undefined,
  attemptsSoFar: number,
  failingSince: string | null,
  c: AttemptCompletion,
  marks: SuccessMarks,
): CompletionPlan | null {
  if (state === undefined || state.status !== 'delivering') return null;
  const d = c.decision;
  const status = d.kind === 'delivered' ? 'succeeded' : d.kind === 'retry' ? 'pending' : 'failed';
  const plan: CompletionPlan = {
    attempt: { deliveryId: c.deliveryId, attemptNumber: attemptsSoFar + 1, ...c.attempt },
    delivery: { id: c.deliveryId, status, nextAttemptAt: d.kind === 'retry' ? d.after : null, statusCode: c.attempt.statusCode, error: c.attempt.error, now: c.now },
    destination: { id: state.destinationId, markSuccess: false, markFailing: false, disableReason: null },
  };
  if (d.kind === 'delivered') {
    plan.destination.markSuccess = marks.due(state.destinationId, c.now);
    return plan;
  }
  marks.forget(state.destinationId);
  plan.destination.markFailing = true;
  if (d.kind === 'disable') plan.destination.disableReason = d.reason;
  if (d.kind === 'give_up') {
    // failing_since is set by this completion when it was not: failing for 0 ms then.
    const failingFor = failingSince === null ? 0 : Date.parse(c.now) - Date.parse(failingSince);
    if (failingFor >= c.disableAfterMs) {
      const days = Math.round((failingFor / 86_400_000) * 10) / 10;
      plan.destination.disableReason = `no successful delivery for ${days} days; last error: ${c.attempt.error ?? `HTTP ${c.attempt.statusCode}`}`;
    }
  }
  return plan;
}

/**
 * A delivery its rule filtered out: null when it is no longer `delivering` (nothing happens). Else
 * end it `filtered` (no attempt; next_attempt_at and the claim cleared, last_status_code null,
 * last_error = reason, updated_at = now; only while still `delivering`), add one to its destination's
 * filtered_count and, for a rule failure, record it as the destination's last rule error.
 */
export function planFiltered(
  state: DeliveryState | undefined,
  f: FilteredCompletion,
): { delivery: { id: string; reason: string; now: string }; destinationId: string; ruleFailure: { reason: string; at: string; deliveryId: string } | null } | null {
  if (state === undefined || state.status !== 'delivering') return null;
  return {
    delivery: { id: f.deliveryId, reason: f.reason, now: f.now },
    destinationId: state.destinationId,
    ruleFailure: f.isRuleFailure ? { reason: f.reason, at: f.now, deliveryId: f.deliveryId } : null,
  };
}
