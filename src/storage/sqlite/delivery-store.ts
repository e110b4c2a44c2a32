import type Database from 'better-sqlite3';
import { timeOrderedId } from '../../core/ids.js';
import type { LeadChange, LeadErasureNotice } from '../../core/lead-events.js';
import { claimedDelivery, claimSlots, pickClaims, ruleDue } from '../../delivery/claim-plan.js';
import { planCompletion, planFiltered, SuccessMarks, type DeliveryState } from '../../delivery/completion-plan.js';
import { assertDestinationRoom, changedDestination } from '../../delivery/destination-changes.js';
import { planErasureFanOut, planFanOut } from '../../delivery/fan-out.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { DELIVERY_STATUSES } from '../delivery-port.js';
import type {
  AttemptCompletion,
  AttemptRecord,
  ClaimedDelivery,
  DeliveryPlanner,
  DeliveryQuery,
  DeliveryQueueStats,
  DeliveryRecord,
  DeliveryStatus,
  DeliveryStore,
  DestinationChanges,
  DestinationRecord,
  FilteredCompletion,
  NewDestination,
} from '../delivery-port.js';
import type { Page } from '../port.js';
import type { CommitBatcher } from './commit-batcher.js';
import type { ConnectionView } from './connection-view.js';
import { toAttempt, toDelivery, toDestination, type AttemptRow, type DeliveryRow, type DestinationRow } from './delivery-rows.js';
import type { DeliveryStatements } from './delivery-statements.js';

/** A delivery status to inline in SQL, checked against the closed set (never caller text). */
function statusLiteral(status: DeliveryStatus): DeliveryStatus {
  if (!DELIVERY_STATUSES.includes(status)) throw new Error(`not a delivery status: ${String(status)}`);
  return status;
}

/**
 * The ingest store's current connection: it is replaced after a read-only or I/O fault, so
 * statements are looked up on every use, never kept.
 */
export interface SqliteConnectionView extends ConnectionView {
  readonly st: DeliveryStatements;
}

/** Outbound delivery on SQLite: shares the connection and the group commit of the ingest store. */
export class SqliteDeliveryStore implements DeliveryStore {
  private planner: DeliveryPlanner | null = null;
  private claimRound = 0;
  private readonly listeners: (() => void)[] = [];
  private readonly reopenListeners: (() => void)[] = [];
  /** When each destination's last_success_at was last written, by this process. */
  private readonly successMarks = new SuccessMarks();

  constructor(
    private readonly c: SqliteConnectionView,
    private readonly batcher: CommitBatcher,
  ) {}

  private get db(): Database.Database {
    return this.c.db;
  }

  private get st(): DeliveryStatements {
    return this.c.st;
  }

  setPlanner(planner: DeliveryPlanner): void {
    this.planner = planner;
  }

  onDeliveriesCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Tell workers that deliveries were committed. */
  notifyCommitted(): void {
    for (const l of this.listeners) l();
  }

  /**
   * Inside the ingest transaction: write the events and deliveries of a lead change
   * (delivery/fan-out.ts decides them). Returns the number of deliveries written.
   */
  fanOut(change: LeadChange & { sourceId: string }, now: string): number {
    if (this.planner === null) return 0;
    const { events, deliveries } = planFanOut(change, this.planner.plan(change), now);
    for (const e of events) this.st.insertEvent.run(e);
    for (const d of deliveries) this.st.insertDelivery.run({ ...d, now: d.createdAt });
    return deliveries.length;
  }

  /**
   * Inside the erasure's transaction: write the `lead.erased` event and its deliveries
   * (delivery/fan-out.ts planErasureFanOut). Returns the number of deliveries written.
   */
  fanOutErasure(notice: LeadErasureNotice, now: string): number {
    if (this.planner === null) return 0;
    const { events, deliveries } = planErasureFanOut(notice, this.planner.planErasure(notice.lead), now);
    for (const e of events) this.st.insertEvent.run(e);
    for (const d of deliveries) this.st.insertDelivery.run({ ...d, now: d.createdAt });
    return deliveries.length;
  }

  async createDestination(d: NewDestination, maxDestinations: number): Promise<DestinationRecord> {
    return this.batcher.run(() => {
      assertDestinationRoom((this.st.countDestinations.get() as { n: number }).n, maxDestinations);
      this.st.insertDestination.run({ ...d, events: JSON.stringify(d.events), sourceIds: d.sourceIds === null ? null : JSON.stringify(d.sourceIds), includeTest: d.includeTest ? 1 : 0 });
      return toDestination(this.st.selectDestination.get(d.id) as DestinationRow);
    });
  }

  async getDestination(id: string): Promise<DestinationRecord | null> {
    const row = this.c.read(() => this.st.selectDestination.get(id) as DestinationRow | undefined);
    return row === undefined || row.deleted_at !== null ? null : toDestination(row);
  }

  async listDestinations(): Promise<DestinationRecord[]> {
    return this.c.read(() => (this.st.selectDestinations.all() as DestinationRow[]).map(toDestination));
  }

  async updateDestination(id: string, changes: DestinationChanges, now: string): Promise<DestinationRecord | null> {
    return this.batcher.run(() => {
      const row = this.st.selectDestination.get(id) as DestinationRow | undefined;
      if (row === undefined || row.deleted_at !== null) return null;
      const next = changedDestination(toDestination(row), changes);
      this.st.updateDestination.run({
        ...next,
        events: JSON.stringify(next.events),
        sourceIds: next.sourceIds === null ? null : JSON.stringify(next.sourceIds),
        includeTest: next.includeTest ? 1 : 0,
        now,
      });
      return toDestination(this.st.selectDestination.get(id) as DestinationRow);
    });
  }

  async deleteDestination(id: string, now: string): Promise<boolean> {
    return this.batcher.run(() => this.st.deleteDestination.run({ id, now }).changes > 0);
  }

  async claimDueDeliveries(claim: Parameters<DeliveryStore['claimDueDeliveries']>[0]): Promise<ClaimedDelivery[]> {
    const { now, leaseUntil } = claim;
    return this.batcher.run(() => {
      // Which destinations, in which order, with how many slots: delivery/claim-plan.ts.
      const ids = (this.st.activeDestinationIds.all() as { id: string }[]).map((r) => r.id);
      const slots = claimSlots(ids, ids.length === 0 ? 0 : this.claimRound++, claim);
      const rows = pickClaims(slots, claim.limit, (destinationId, limit) => this.st.claimDue.all({ now, leaseUntil, destinationId, limit }) as DeliveryRow[]);
      const destinations = new Map<string, DestinationRecord>();
      return rows.map((row) => {
        const event = this.st.selectEventBody.get(row.event_id) as { type: string; body: string };
        let dest = destinations.get(row.destination_id);
        if (dest === undefined) {
          dest = toDestination(this.st.selectDestination.get(row.destination_id) as DestinationRow);
          destinations.set(dest.id, dest);
        }
        const payload = ruleDue(dest, row.attempts) ? (this.st.selectEventPayload.get(row.event_id) as { payload: string | null }).payload : null;
        return claimedDelivery(toDelivery(row, event.type), event.body, dest, now, payload);
      });
    }, 'relaxed');
  }

  async completeAttempt(c: AttemptCompletion): Promise<void> {
    await this.batcher.run(() => {
      const state = this.deliveryState(c.deliveryId);
      const attemptsSoFar = (this.st.countAttempts.get(c.deliveryId) as { n: number }).n;
      const failingSince =
        state !== undefined && c.decision.kind === 'give_up' ? toDestination(this.st.selectDestination.get(state.destinationId) as DestinationRow).failingSince : null;
      // The completion policy (retry, fail, disable, last success): delivery/completion-plan.ts.
      const plan = planCompletion(state, attemptsSoFar, failingSince, c, this.successMarks);
      if (plan === null) return;
      this.st.insertAttempt.run({ id: timeOrderedId('att'), ...plan.attempt });
      this.st.finishDelivery.run(plan.delivery);
      const dest = { id: plan.destination.id, now: c.now };
      if (plan.destination.markSuccess) this.st.markDestinationSuccess.run(dest);
      if (plan.destination.markFailing) this.st.markDestinationFailing.run(dest);
      if (plan.destination.disableReason !== null) this.st.disableDestination.run({ ...dest, reason: plan.destination.disableReason });
    }, 'relaxed');
  }

  async completeFiltered(f: FilteredCompletion): Promise<void> {
    await this.batcher.run(() => {
      const plan = planFiltered(this.deliveryState(f.deliveryId), f);
      if (plan === null || this.st.filterDelivery.run(plan.delivery).changes === 0) return;
      this.st.markDestinationFiltered.run({ id: plan.destinationId });
      const failure = plan.ruleFailure;
      if (failure !== null) this.st.markDestinationRuleFailure.run({ id: plan.destinationId, reason: failure.reason, now: failure.at, deliveryId: failure.deliveryId });
    }, 'relaxed');
  }

  private deliveryState(id: string): DeliveryState | undefined {
    const row = this.st.selectDeliveryState.get(id) as Pick<DeliveryRow, 'status' | 'destination_id'> | undefined;
    return row === undefined ? undefined : { status: row.status as DeliveryStatus, destinationId: row.destination_id };
  }

  async requeueExpiredClaims(now: string): Promise<number> {
    return this.batcher.run(() => this.st.requeueExpired.run({ now }).changes, 'relaxed');
  }

  async releaseClaims(now: string, which: { except?: readonly string[]; only?: readonly string[] } = {}): Promise<number> {
    const statement = which.only === undefined ? this.st.releaseClaimsExcept : this.st.releaseClaimsOnly;
    const ids = JSON.stringify(which.only ?? which.except ?? []);
    return this.batcher.run(() => statement.run({ now, ids }).changes, 'relaxed');
  }

  onReopened(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  /** Tell workers that the database was reopened after a fault (called outside any transaction). */
  notifyReopened(): void {
    for (const l of this.reopenListeners) l();
  }

  async nextDueAt(): Promise<string | null> {
    return this.c.read(() => {
      let next: string | null = null;
      for (const { id } of this.st.activeDestinationIds.all() as { id: string }[]) {
        const at = (this.st.nextDueOf.get(id) as { at: string | null } | undefined)?.at ?? null;
        if (at !== null && (next === null || at < next)) next = at;
      }
      return next;
    });
  }

  async queueStats(): Promise<DeliveryQueueStats> {
    return this.c.read(() => this.st.queueStats.get() as DeliveryQueueStats);
  }

  async listDeliveries(q: DeliveryQuery): Promise<Page<DeliveryRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.destinationId !== undefined) where.push('d.destination_id = ?'), params.push(q.destinationId);
    // A literal, not a parameter: SQLite uses a partial index (pending, delivering, failed, filtered) only then.
    if (q.status !== undefined) where.push(`d.status = '${statusLiteral(q.status)}'`);
    if (q.leadId !== undefined) where.push('d.lead_id = ?'), params.push(q.leadId);
    if (q.cursor !== undefined) where.push('d.seq < ?'), params.push(Number(decodeCursor(q.cursor).sortKey));
    const rows = this.c.read(() => this.db
      .prepare(
        `SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq DESC LIMIT ?`,
      )
      .all(...params, q.limit + 1) as DeliveryRow[]);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toDelivery(r, r.event_type ?? '')),
      nextCursor: rows.length > q.limit && last ? encodeCursor(String(last.seq), last.id) : null,
    };
  }

  async getDelivery(id: string): Promise<(DeliveryRecord & { attempts: AttemptRecord[]; event: unknown }) | null> {
    return this.c.read(() => {
      const row = this.st.selectDelivery.get(id) as DeliveryRow | undefined;
      if (row === undefined) return null;
      const event = this.st.selectEventBody.get(row.event_id) as { type: string; body: string };
      const attempts = (this.st.selectAttempts.all(id) as AttemptRow[]).map(toAttempt);
      return { ...toDelivery(row, event.type), attempts, event: JSON.parse(event.body) as unknown };
    });
  }

  async retryDelivery(id: string, now: string): Promise<DeliveryRecord | null> {
    const changed = await this.batcher.run(() => this.st.resetDelivery.run({ id, now }).changes);
    if (changed > 0) this.notifyCommitted();
    const row = this.c.read(() => this.st.selectDelivery.get(id) as DeliveryRow | undefined);
    return row === undefined ? null : toDelivery(row, row.event_type ?? '');
  }

  async replayDeliveries(destinationId: string, since: string, status: DeliveryStatus | undefined, now: string): Promise<number> {
    const n = await this.batcher.run(() => this.st.replay.run({ destinationId, since, status: status ?? null, now }).changes);
    if (n > 0) this.notifyCommitted();
    return n;
  }
}
