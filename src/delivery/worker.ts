import { isStoreFault } from '../core/errors.js';
import { decideAfterAttempt } from '../core/retry-policy.js';
import type { AttemptDecision, ClaimedDelivery, DeliveryStore } from '../storage/delivery-port.js';
import type { AttemptSender } from './attempt.js';
import { ThreadRuleEvaluator, type RuleEvaluator } from './rule-evaluator.js';
import { isFilteredByRule } from './rule-job.js';
import type { AttemptResult } from './sender.js';
import { SlotShares } from './slot-shares.js';
import { ThreadSender } from './thread-sender.js';

export interface WorkerOptions {
  store: DeliveryStore;
  schedule: readonly number[];
  timeoutMs: number;
  /** Sends in flight at once, all destinations together. */
  maxInFlight: number;
  /**
   * Sends in flight at once to one destination that answers quickly; one that does not holds one
   * slot, and those together at most half of them (see slot-shares.ts).
   */
  perDestinationMaxInFlight: number;
  /** A destination failing this long (ms) when a delivery gives up is disabled. */
  disableAfterMs: number;
  allowPrivateDestinations: boolean;
  /** Upper bound of the idle sleep between looks for due deliveries, ms. */
  pollIntervalMs?: number;
  /** Called when an attempt may have disabled its destination (410, or failing for too long). */
  onDestinationMayBeDisabled?: (destinationId: string) => void;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Runs the attempts; default a {@link ThreadSender} (signing and HTTP on a worker thread). */
  sender?: AttemptSender;
  /** Longest one evaluation of a destination rule may take, ms; then it fails closed. */
  ruleTimeoutMs: number;
  /** Evaluates destination rules; default a {@link ThreadRuleEvaluator} with `ruleTimeoutMs`. */
  rules?: RuleEvaluator;
  random?: () => number;
  /** Told every recorded outcome and attempt (metrics); none by default. */
  observer?: DeliveryObserver;
}

/** How a claimed delivery ended this time: sent (and what the attempt decided), or filtered by its rule. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'give_up' | 'disable' | 'filtered';

/** What the worker reports as it works, for metrics (see src/metrics): closed sets and numbers, never ids. */
export interface DeliveryObserver {
  /** A delivery's outcome was recorded; `attemptLatencyMs` is null when no attempt was made (filtered). */
  completed(outcome: DeliveryOutcome, attemptLatencyMs: number | null): void;
}

/** Why a destination's rule kept a delivery from being sent. */
interface RuleRefusal {
  reason: string;
  /** An error or an overrun, not a plain "no match". */
  isRuleFailure: boolean;
}

type RuleThenAttempt = { kind: 'filtered'; refusal: RuleRefusal } | { kind: 'sent'; result: AttemptResult; startedAt: Date };

/** The error of an attempt cut short by {@link DeliveryWorker.abortInFlight}. */
export const SHUTDOWN_ABORT_ERROR = 'leadhook shut down before the receiver answered';

/**
 * Claims due deliveries, signs and sends them, and records each attempt's outcome. Woken by the
 * store after every commit that wrote deliveries, and by a timer for retries that come due.
 */
export class DeliveryWorker {
  /** Claimed deliveries not yet recorded (sending or recording), by id: stop() waits for them. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Sends waiting for an answer, all destinations together and per destination (recording excluded). */
  private sending = 0;
  private readonly perDestination = new Map<string, number>();
  /**
   * Claimed ahead, not sent yet, oldest first per destination: when a send's answer comes in, the
   * next one starts at once instead of after a round trip through the database.
   */
  private readonly ready = new Map<string, ClaimedDelivery[]>();
  private isRunning = false;
  private isTicking = false;
  private wantsTick = false;
  private timer: NodeJS.Timeout | null = null;
  private lastRequeue = 0;
  /** The tick running or scheduled now; stop() waits for it, as it may still launch what it claimed. */
  private ticking: Promise<void> = Promise.resolve();
  /** Set by abortInFlight(): the attempts that then come back without an answer are due again at once. */
  private isAborting = false;
  /** releaseUnheldClaims() is waiting for the tick or releasing: no tick starts meanwhile. */
  private isReleasing = false;
  private readonly sender: AttemptSender;
  private readonly rules: RuleEvaluator;
  private readonly shares: SlotShares;

  constructor(private readonly o: WorkerOptions) {
    this.sender = o.sender ?? new ThreadSender(o.log);
    this.shares = new SlotShares(o);
    this.rules = o.rules ?? new ThreadRuleEvaluator({ deadlineMs: o.ruleTimeoutMs, ...(o.log ? { log: o.log } : {}) });
    o.store.onDeliveriesCommitted(() => this.wake());
    o.store.onReopened(() => void this.releaseUnheldClaims());
  }

  /**
   * After a storage fault the last claims and outcomes may not have reached the disk: a delivery
   * this worker already finished can be `delivering` again. Release every claim but the sends in
   * flight now, so those go out again at once instead of after their lease.
   */
  private async releaseUnheldClaims(): Promise<void> {
    if (!this.isRunning || this.isReleasing) return;
    // No claim runs meanwhile: one that committed just before the release but was not yet in `ready`
    // would be released while this worker still sends it (sent twice, its outcome not recorded).
    this.isReleasing = true;
    try {
      await this.ticking;
      // Their claims may be among what was lost: claim them again rather than risk sending them twice.
      this.dropReady();
      const released = await this.o.store.releaseClaims(new Date().toISOString(), { except: [...this.inFlight.keys()] });
      if (released > 0) this.o.log?.warn({ released }, `${released} deliveries whose outcome the storage fault may have lost are due again`);
    } catch (error) {
      // Still faulty: the leases bring them back (requeueExpiredClaims).
      if (!isStoreFault(error)) this.o.log?.error({ err: error }, 'delivery worker: could not release claims after a reopen');
    } finally {
      this.isReleasing = false;
      this.wake();
    }
  }

  start(): void {
    this.isRunning = true;
    this.lastRequeue = 0;
    this.isAborting = false;
    this.wake();
  }

  /** Sends in flight now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stop claiming and wait for the sends already claimed to finish and be recorded, including those
   * a tick running at this moment claims. Bounded by the send timeout; abortInFlight() cuts it short.
   */
  async stop(): Promise<void> {
    this.isRunning = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const unsent = this.dropReady();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
    await this.sender.close();
    await this.rules.close();
    if (unsent.length > 0) {
      // Claimed ahead but never sent: pending again for the next start (which would release them anyway).
      await this.o.store.releaseClaims(new Date().toISOString(), { only: unsent }).catch((error: unknown) => {
        if (!isStoreFault(error)) this.o.log?.error({ err: error }, 'delivery worker: could not release unsent claims at stop');
      });
    }
  }

  /** Forget the deliveries claimed ahead; returns their ids. */
  private dropReady(): string[] {
    const ids = [...this.ready.values()].flat().map((c) => c.delivery.id);
    this.ready.clear();
    return ids;
  }

  /**
   * Abort the sends still waiting for an answer (the shutdown grace period is over). Each is recorded
   * as a failed attempt with {@link SHUTDOWN_ABORT_ERROR} and is due again at once, so the next start
   * sends it first; it does not count towards giving up. Returns how many sends were in flight.
   */
  abortInFlight(): number {
    this.isAborting = true;
    this.sender.abortAll(SHUTDOWN_ABORT_ERROR);
    return this.inFlight.size;
  }

  /** Look for due deliveries soon (coalesced). */
  wake(): void {
    if (!this.isRunning) return;
    if (this.isTicking || this.isReleasing) {
      this.wantsTick = true;
      return;
    }
    this.isTicking = true;
    this.ticking = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.tick());
  }

  private async tick(): Promise<void> {
    try {
      do {
        this.wantsTick = false;
        await this.claimAndSend();
      } while (this.wantsTick && this.isRunning && !this.isReleasing);
      await this.armTimer();
    } catch (error) {
      // A storage fault is logged by the store, once per episode; the worker retries each poll.
      if (!isStoreFault(error)) this.o.log?.error({ err: error }, 'delivery worker: could not claim deliveries; retrying');
      this.armFallbackTimer();
    } finally {
      this.isTicking = false;
    }
  }

  private async claimAndSend(): Promise<void> {
    const now = new Date();
    if (now.getTime() - this.lastRequeue > 5_000) {
      this.lastRequeue = now.getTime();
      await this.o.store.requeueExpiredClaims(now.toISOString());
    }
    // Claim up to one more round ahead of the sends in flight (the `ready` queues).
    const held: Record<string, number> = Object.fromEntries(this.perDestination);
    let readyCount = 0;
    for (const [destinationId, queue] of this.ready) {
      held[destinationId] = (held[destinationId] ?? 0) + queue.length;
      readyCount += queue.length;
    }
    const room = 2 * this.o.maxInFlight - (this.sending + readyCount);
    if (room <= 0 || !this.isRunning) return;
    // The lease outlives a wait in `ready` behind a full round of sends plus the send itself, so a
    // crashed worker's claims come back and a live one's never do.
    const leaseUntil = new Date(now.getTime() + 2 * this.o.timeoutMs + 30_000).toISOString();
    const limits = this.shares.claimLimits();
    const claimed = await this.o.store.claimDueDeliveries({
      now: now.toISOString(),
      limit: room,
      leaseUntil,
      perDestination: limits.perDestination,
      perDestinationOverrides: limits.overrides,
      inFlight: held,
    });
    for (const c of claimed) {
      const queue = this.ready.get(c.delivery.destinationId);
      if (queue === undefined) this.ready.set(c.delivery.destinationId, [c]);
      else queue.push(c);
    }
    this.pump();
  }

  /** Start the ready deliveries that have a free slot (all destinations, and their own). */
  private pump(): void {
    if (!this.isRunning) return;
    for (const [destinationId, queue] of this.ready) {
      while (queue.length > 0 && this.sending < this.o.maxInFlight && this.shares.mayStart(destinationId, this.perDestination)) {
        this.launch(queue.shift() as ClaimedDelivery);
      }
      if (queue.length === 0) this.ready.delete(destinationId);
    }
  }

  /**
   * Send one claimed delivery, then record its outcome. Its slot frees as soon as the answer is in and
   * the next ready delivery takes it; the next claim (in the same commit as this outcome, queued after
   * it) refills `ready`. The delivery stays `delivering` until its outcome commits, so it is never
   * claimed twice and its lead's next event still waits for it (hence the wake after recording).
   */
  private launch(c: ClaimedDelivery): void {
    const destinationId = c.delivery.destinationId;
    this.sending++;
    this.perDestination.set(destinationId, (this.perDestination.get(destinationId) ?? 0) + 1);
    const releaseSlot = (): void => {
      this.sending--;
      const n = (this.perDestination.get(destinationId) ?? 1) - 1;
      if (n <= 0) this.perDestination.delete(destinationId);
      else this.perDestination.set(destinationId, n);
      this.pump();
      this.wake();
    };
    const run = this.deliver(c, releaseSlot)
      .catch((error: unknown) => this.o.log?.error({ err: error, deliveryId: c.delivery.id }, 'delivery worker: recording an attempt failed'))
      .finally(() => {
        this.inFlight.delete(c.delivery.id);
        this.wake();
      });
    this.inFlight.set(c.delivery.id, run);
  }

  private async deliver(c: ClaimedDelivery, releaseSlot: () => void): Promise<void> {
    let sent: RuleThenAttempt;
    try {
      sent = await this.evaluateAndSend(c);
    } finally {
      releaseSlot(); // exactly once: the rule and the attempt settle once, whatever happens after
    }
    if (sent.kind === 'filtered') {
      await this.o.store.completeFiltered({ deliveryId: c.delivery.id, ...sent.refusal, now: new Date().toISOString() });
      this.o.observer?.completed('filtered', null);
      return;
    }
    const { result, startedAt } = sent;
    if (!this.isAborting) this.shares.record(c.delivery.destinationId, result);
    const now = new Date();
    const outcome = decideAfterAttempt({
      attemptNumber: c.delivery.attemptCount + 1,
      status: result.status,
      error: result.error,
      retryAfter: result.retryAfter,
      schedule: this.o.schedule,
      now,
      random: this.o.random ?? Math.random,
    });
    let decision: AttemptDecision;
    if (result.status === null && this.isAborting) decision = { kind: 'retry', after: now.toISOString() };
    else if (outcome.kind === 'delivered') decision = { kind: 'delivered' };
    else if (outcome.kind === 'retry') decision = { kind: 'retry', after: outcome.after.toISOString() };
    else if (outcome.kind === 'disable') decision = { kind: 'disable', reason: 'the receiver answered 410 Gone' };
    else decision = { kind: 'give_up' };
    await this.o.store.completeAttempt({
      deliveryId: c.delivery.id,
      attempt: {
        startedAt: startedAt.toISOString(),
        statusCode: result.status,
        latencyMs: result.latencyMs,
        error: result.error,
        responseSnippet: result.responseSnippet,
      },
      decision,
      now: now.toISOString(),
      disableAfterMs: this.o.disableAfterMs,
    });
    this.o.observer?.completed(decision.kind, result.latencyMs);
    if (decision.kind === 'disable' || decision.kind === 'give_up') this.o.onDestinationMayBeDisabled?.(c.delivery.destinationId);
  }

  /**
   * Why the destination's rule keeps this delivery from being sent (no match, an error, over its
   * budget), or null to send it. Evaluated on the rule thread, never here.
   */
  private async ruleRefusal(c: ClaimedDelivery): Promise<RuleRefusal | null> {
    if (c.rule === undefined || !isFilteredByRule(c.delivery.eventType)) return null;
    const verdict = await this.rules.evaluate({ expression: c.rule.expression, eventBody: c.body, payload: c.rule.payload });
    if (verdict.matched) return null;
    return verdict.error === undefined
      ? { reason: 'the rule did not match', isRuleFailure: false }
      : { reason: `the rule failed: ${verdict.error}`, isRuleFailure: true };
  }

  /** The destination's rule first (if any), then the attempt if the rule lets it through. */
  private async evaluateAndSend(c: ClaimedDelivery): Promise<RuleThenAttempt> {
    const refusal = await this.ruleRefusal(c);
    if (refusal !== null) return { kind: 'filtered', refusal };
    const startedAt = new Date();
    return { kind: 'sent', result: await this.attempt(c, startedAt), startedAt };
  }

  private attempt(c: ClaimedDelivery, startedAt: Date): Promise<AttemptResult> {
    return this.sender.send({
      url: c.url,
      body: c.body,
      eventId: c.delivery.eventId,
      startedAtMs: startedAt.getTime(),
      secrets: c.secrets,
      timeoutMs: this.o.timeoutMs,
      allowPrivate: this.o.allowPrivateDestinations,
    });
  }

  private async armTimer(): Promise<void> {
    if (!this.isRunning) return;
    const poll = this.o.pollIntervalMs ?? 1_000;
    const next = await this.o.store.nextDueAt();
    // A due delivery that was not claimed waits behind an earlier one of its lead, or for a free
    // slot: both end with a completion, which wakes the worker. So sleep the poll interval then.
    const untilDue = next === null ? poll : Date.parse(next) - Date.now();
    const wait = untilDue <= 0 ? poll : Math.min(poll, untilDue);
    this.setTimer(wait);
  }

  private armFallbackTimer(): void {
    if (this.isRunning) this.setTimer(this.o.pollIntervalMs ?? 1_000);
  }

  private setTimer(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, ms);
    this.timer.unref();
  }
}
