import type Database from 'better-sqlite3';
import { hubError } from '../../core/errors.js';
import { timeOrderedId } from '../../core/ids.js';
import { buildEvent, type LeadChange } from '../../core/lead-events.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { DELIVERY_STATUSES } from '../delivery-port.js';
import type {
  AttemptCompletion,
  AttemptRecord,
  ClaimedDelivery,
  DeliveryPlanner,
  DeliveryQuery,
  DeliveryRecord,
  DeliveryStatus,
  DeliveryStore,
  DestinationChanges,
  DestinationRecord,
  FilteredCompletion,
  NewDestination,
} from '../delivery-port.js';
import type { Page } from '../port.js';
import { signingSecrets } from '../../delivery/signing.js';
import type { CommitBatcher } from './commit-batcher.js';
import { toAttempt, toDelivery, toDestination, type AttemptRow, type DeliveryRow, type DestinationRow } from './delivery-rows.js';
import type { DeliveryStatements } from './delivery-statements.js';

/** A destination's `last_success_at` is written at most this often while it succeeds. */
const SUCCESS_MARK_EVERY_MS = 1000;

/** A delivery status to inline in SQL, checked against the closed set (never caller text). */
function statusLiteral(status: DeliveryStatus): DeliveryStatus {
  if (!DELIVERY_STATUSES.includes(status)) throw new Error(`not a delivery status: ${String(status)}`);
  return status;
}

/**
 * The ingest store's current connection: it is replaced after a read-only or I/O fault, so
 * statements are looked up on every use, never kept.
 */
export interface SqliteConnectionView {
  readonly db: Database.Database;
  readonly st: DeliveryStatements;
  /** Run a read outside the group commit; storage faults become LH_E_STORE_* errors (503). */
  read<T>(work: () => T): T;
}

/** Outbound delivery on SQLite: shares the connection and the group commit of the ingest store. */
export class SqliteDeliveryStore implements DeliveryStore {
  private planner: DeliveryPlanner | null = null;
  private claimRound = 0;
  private readonly listeners: (() => void)[] = [];
  private readonly reopenListeners: (() => void)[] = [];
  /** When each destination's last_success_at was last written (ms), by this process. */
  private readonly lastSuccessMark = new Map<string, number>();

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
   * Inside the ingest transaction: one event per (change, type), one delivery per candidate
   * destination (enabled, subscribed, listening to the source). Rules are not evaluated here but by
   * the delivery side, before the first attempt: an event with a candidate that has a rule keeps the
   * provider's item for it. Returns the number of deliveries written.
   */
  fanOut(change: LeadChange & { sourceId: string }, now: string): number {
    if (this.planner === null) return 0;
    const planned = this.planner.plan(change);
    const eventIds = new Map<string, string>();
    let payload: string | undefined;
    for (const p of planned) {
      let eventId = eventIds.get(p.type);
      if (eventId === undefined) {
        eventId = timeOrderedId('evt');
        eventIds.set(p.type, eventId);
        const body = JSON.stringify(buildEvent(p.type, eventId, now, change));
        const withRule = planned.some((q) => q.type === p.type && q.hasRule);
        if (withRule) payload ??= JSON.stringify(change.payload ?? null);
        this.st.insertEvent.run({
          id: eventId,
          type: p.type,
          leadId: change.lead.id,
          sourceId: change.sourceId,
          createdAt: now,
          body,
          payload: withRule ? payload : null,
        });
      }
      this.st.insertDelivery.run({ id: timeOrderedId('dlv'), eventId, destinationId: p.destinationId, leadId: change.lead.id, now });
    }
    return planned.length;
  }

  async createDestination(d: NewDestination, maxDestinations: number): Promise<DestinationRecord> {
    return this.batcher.run(() => {
      const { n } = this.st.countDestinations.get() as { n: number };
      if (n >= maxDestinations) throw hubError('LH_E_DESTINATION_LIMIT', maxDestinations);
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
      const next = { ...toDestination(row), ...changes };
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
    const { now, limit, leaseUntil, perDestination, perDestinationOverrides = {}, inFlight } = claim;
    return this.batcher.run(() => {
      // Each destination gets at most its free slots; the starting destination rotates for fairness.
      const ids = (this.st.activeDestinationIds.all() as { id: string }[]).map((r) => r.id);
      const start = ids.length === 0 ? 0 : this.claimRound++ % ids.length;
      const rows: DeliveryRow[] = [];
      for (let i = 0; i < ids.length && rows.length < limit; i++) {
        const destinationId = ids[(start + i) % ids.length] as string;
        const free = Math.min((perDestinationOverrides[destinationId] ?? perDestination) - (inFlight[destinationId] ?? 0), limit - rows.length);
        if (free <= 0) continue;
        rows.push(...(this.st.claimDue.all({ now, leaseUntil, destinationId, limit: free }) as DeliveryRow[]));
      }
      const destinations = new Map<string, DestinationRecord>();
      return rows
        .sort((a, b) => a.seq - b.seq)
        .map((row) => {
          const event = this.st.selectEventBody.get(row.event_id) as { type: string; body: string };
          let dest = destinations.get(row.destination_id);
          if (dest === undefined) {
            dest = toDestination(this.st.selectDestination.get(row.destination_id) as DestinationRow);
            destinations.set(dest.id, dest);
          }
          const claimed: ClaimedDelivery = { delivery: toDelivery(row, event.type), body: event.body, url: dest.url, secrets: signingSecrets(dest, now) };
          // The rule is evaluated once per cycle, before its first attempt, with the rule of today.
          if (dest.filter !== null && row.attempts === 0) {
            const { payload } = this.st.selectEventPayload.get(row.event_id) as { payload: string | null };
            claimed.rule = { expression: dest.filter, payload };
          }
          return claimed;
        });
    }, 'relaxed');
  }

  async completeAttempt(c: AttemptCompletion): Promise<void> {
    await this.batcher.run(() => {
      const row = this.st.selectDeliveryState.get(c.deliveryId) as Pick<DeliveryRow, 'status' | 'destination_id'> | undefined;
      if (row === undefined || row.status !== 'delivering') return;
      const n = (this.st.countAttempts.get(c.deliveryId) as { n: number }).n + 1;
      this.st.insertAttempt.run({ id: timeOrderedId('att'), deliveryId: c.deliveryId, attemptNumber: n, ...c.attempt });
      const d = c.decision;
      const status: DeliveryStatus = d.kind === 'delivered' ? 'succeeded' : d.kind === 'retry' ? 'pending' : 'failed';
      this.st.finishDelivery.run({
        id: c.deliveryId,
        status,
        nextAttemptAt: d.kind === 'retry' ? d.after : null,
        statusCode: c.attempt.statusCode,
        error: c.attempt.error,
        now: c.now,
      });
      const dest = { id: row.destination_id, now: c.now };
      if (d.kind === 'delivered') {
        // last_success_at to the second: one write per destination per second, not one per delivery.
        const at = Date.parse(c.now);
        if (at - (this.lastSuccessMark.get(row.destination_id) ?? Number.NEGATIVE_INFINITY) >= SUCCESS_MARK_EVERY_MS) {
          this.st.markDestinationSuccess.run(dest);
          this.lastSuccessMark.set(row.destination_id, at);
        }
        return;
      }
      // The next success must clear failing_since at once.
      this.lastSuccessMark.delete(row.destination_id);
      this.st.markDestinationFailing.run(dest);
      if (d.kind === 'disable') this.st.disableDestination.run({ ...dest, reason: d.reason });
      if (d.kind === 'give_up') {
        const current = toDestination(this.st.selectDestination.get(row.destination_id) as DestinationRow);
        const failingFor = current.failingSince === null ? 0 : Date.parse(c.now) - Date.parse(current.failingSince);
        if (failingFor >= c.disableAfterMs) {
          const days = Math.round((failingFor / 86_400_000) * 10) / 10;
          this.st.disableDestination.run({ ...dest, reason: `no successful delivery for ${days} days; last error: ${c.attempt.error ?? `HTTP ${c.attempt.statusCode}`}` });
        }
      }
    }, 'relaxed');
  }

  async completeFiltered(f: FilteredCompletion): Promise<void> {
    await this.batcher.run(() => {
      const row = this.st.selectDeliveryState.get(f.deliveryId) as Pick<DeliveryRow, 'status' | 'destination_id'> | undefined;
      if (row === undefined || this.st.filterDelivery.run({ id: f.deliveryId, reason: f.reason, now: f.now }).changes === 0) return;
      this.st.markDestinationFiltered.run({ id: row.destination_id });
      if (f.isRuleFailure) this.st.markDestinationRuleFailure.run({ id: row.destination_id, reason: f.reason, now: f.now, deliveryId: f.deliveryId });
    }, 'relaxed');
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
