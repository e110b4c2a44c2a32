import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { timeOrderedId } from '../../core/ids.js';
import type { LeadChange, LeadErasureNotice } from '../../core/lead-events.js';
import { claimedDelivery, claimSlots, pickClaims, type ClaimRequest } from '../../delivery/claim-plan.js';
import { planCompletion, planFiltered, SuccessMarks, SUCCESS_MARK_EVERY_MS, type DeliveryState } from '../../delivery/completion-plan.js';
import { assertDestinationRoom, changedDestination } from '../../delivery/destination-changes.js';
import { planErasureFanOut, planFanOut, type DeliveryWrite, type EventWrite } from '../../delivery/fan-out.js';
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
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from '../rows/delivery-rows.js';
import { toPgDestination, type PgDestinationRow } from './delivery-rows.js';
import { SQL } from './delivery-statements.js';
import { DeliveryWakeups, DestinationsWatch } from './delivery-wakeups.js';
import { prepareClient, type PgConnectionOptions } from './pool.js';

/** What the delivery store needs of the PostgreSQL store's connections (src/storage/postgres/database.ts). */
export interface PgDeliveryDatabase {
  read<T>(work: (q: pg.Pool) => Promise<T>): Promise<T>;
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  clientConfig(): pg.ClientConfig;
  readonly connectionOptions: PgConnectionOptions;
  onRecovered(listener: () => void): void;
}

export interface PgDeliveryOptions {
  /** Names this instance's claims (default: a random UUID, new with every process). */
  instanceId?: string;
  log?: { warn(obj: object, msg: string): void };
  /** How often destinations are compared with the database, ms, for changes whose notification was lost (default 2000). */
  destinationsPollMs?: number;
}

/** A `deliveries` row as node-postgres returns it (seq is a bigint, hence text). */
/** The delivery an outcome is for, while it is this instance's claim (selectOwnClaimForUpdate). */
interface OwnClaimRow {
  destination_id: string;
  attempts_so_far: number;
  failing_since: string | null;
}

/** The state an outcome's plan reads: `delivering` only while the claim is this instance's. */
function claimState(own: OwnClaimRow | undefined): DeliveryState | undefined {
  return own === undefined ? undefined : { status: 'delivering', destinationId: own.destination_id };
}

type PgDeliveryRow = Omit<DeliveryRow, 'seq'> & { seq: string };

/** A row of the claim statement: the delivery, its event and its destination. */
type ClaimedRow = PgDeliveryRow & { event_type: string; event_body: string; event_payload: string | null; destination: PgDestinationRow };

function toRecord(r: PgDeliveryRow & { event_type?: string }): DeliveryRecord {
  return toDelivery({ ...r, seq: Number(r.seq) }, r.event_type ?? '');
}

/** A delivery status to inline in SQL, checked against the closed set (never caller text). */
function checkedStatus(status: DeliveryStatus): DeliveryStatus {
  if (!DELIVERY_STATUSES.includes(status)) throw new Error(`not a delivery status: ${String(status)}`);
  return status;
}

/** Claims and outcomes are the worker's bookkeeping: they may commit without waiting for the WAL flush (see the port). */
async function relaxed(client: pg.PoolClient): Promise<void> {
  await client.query(SQL.relaxCommit);
}

/**
 * Outbound delivery on PostgreSQL, for any number of instances on one schema. Each instance names its
 * claims (`claimed_by`): claims are taken with `FOR UPDATE SKIP LOCKED`, so two instances never claim
 * one delivery; only the instance holding a claim records its outcome or releases it; a dead
 * instance's claims come back when their lease expires (requeueExpiredClaims, by any instance).
 * Per-lead order holds across instances: a lead's delivery is claimable only while no earlier one of
 * the lead to that destination is pending or delivering, whoever holds it.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  /** Several processes share the database: a claim found at startup may be a live peer's. */
  readonly isSingleProcess = false;
  readonly instanceId: string;
  private planner: DeliveryPlanner | null = null;
  private claimRound = 0;
  private readonly listeners: (() => void)[] = [];
  private readonly reopenListeners: (() => void)[] = [];
  private readonly marks = new SuccessMarks();
  private readonly wakeups: DeliveryWakeups;
  private readonly destinationListeners: (() => void)[] = [];
  private readonly destinationsWatch: DestinationsWatch;

  constructor(
    private readonly db: PgDeliveryDatabase,
    options: PgDeliveryOptions = {},
  ) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.wakeups = new DeliveryWakeups({
      newClient: () => new pg.Client(db.clientConfig()),
      prepare: (client) => prepareClient(client, db.connectionOptions),
      notify: (payload) =>
        db.transaction(async (client) => {
          await relaxed(client);
          await client.query(SQL.notify, [payload]);
        }),
      instanceId: this.instanceId,
      onWake: () => this.wakeLocal(),
      onDestinationsChanged: () => this.destinationsChanged(),
      ...(options.log ? { log: options.log } : {}),
    });
    this.destinationsWatch = new DestinationsWatch({
      readVersion: () => db.read(async (q) => (await q.query<{ version: string }>(SQL.destinationsVersion)).rows[0]?.version ?? 'none'),
      onChange: () => this.destinationsChanged(),
      ...(options.destinationsPollMs === undefined ? {} : { intervalMs: options.destinationsPollMs }),
    });
    // PostgreSQL was unreachable: claims and outcomes committed without a flush may be lost.
    db.onRecovered(() => setImmediate(() => this.notifyReopened()));
    // A reload of destinations may have failed with the fault: reload them.
    db.onRecovered(() => setImmediate(() => this.destinationsChanged()));
  }

  setPlanner(planner: DeliveryPlanner): void {
    this.planner = planner;
  }

  /** Workers of this instance wake up after commits of any instance on the schema (LISTEN starts with the first listener). */
  onDeliveriesCommitted(listener: () => void): void {
    this.listeners.push(listener);
    this.wakeups.start();
  }

  /**
   * After a commit that wrote deliveries: wake this instance's workers at once, and the other
   * instances' through NOTIFY. The NOTIFY is sent after the commit, not inside it: inside, it would
   * hold PostgreSQL's global notify lock through the commit's flush, one notifying commit at a time.
   */
  notifyCommitted(): void {
    this.wakeLocal();
    this.wakeups.announce();
  }

  /**
   * Destinations changed through any instance on the schema: told by NOTIFY within moments, and by
   * comparing their version every couple of seconds should a notification be lost (both start with
   * the first listener).
   */
  onDestinationsChanged(listener: () => void): void {
    this.destinationListeners.push(listener);
    this.wakeups.start();
    this.destinationsWatch.start();
  }

  private destinationsChanged(): void {
    for (const l of this.destinationListeners) l();
  }

  /** Resolves once this instance listens for other instances' commits (tests wait for it). */
  whenListening(): Promise<void> {
    this.wakeups.start();
    return this.wakeups.whenListening();
  }

  private wakeLocal(): void {
    for (const l of this.listeners) l();
  }

  onReopened(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  /** Tell workers that the database came back after a fault. */
  notifyReopened(): void {
    for (const l of this.reopenListeners) l();
  }

  /** Stop listening (before the pool ends). */
  async close(): Promise<void> {
    this.destinationsWatch.stop();
    await this.wakeups.close();
  }

  /**
   * Inside the ingest transaction (`client`): the events and deliveries of one lead change (see
   * planFanOut). Call it after the lead's row is locked and written: a lead's deliveries then get
   * increasing seq in commit order. Returns the number of deliveries written; call
   * {@link notifyCommitted} after the commit when it is more than 0.
   */
  async fanOut(client: pg.ClientBase, change: LeadChange & { sourceId: string }, now: string): Promise<number> {
    const { events, deliveries } = this.planFanOut(change, now);
    await this.writeFanOut(client, events, deliveries);
    return deliveries.length;
  }

  /**
   * Inside the erasure's transaction (`client`, the lead's row locked): the `lead.erased` event and
   * its deliveries (see planErasureFanOut). Returns the number of deliveries written; call
   * {@link notifyCommitted} after the commit when it is more than 0.
   */
  async fanOutErasure(client: pg.ClientBase, notice: LeadErasureNotice, now: string): Promise<number> {
    if (this.planner === null) return 0;
    const { events, deliveries } = planErasureFanOut(notice, this.planner.planErasure(notice.lead), now);
    await this.writeFanOut(client, events, deliveries);
    return deliveries.length;
  }

  /** The events and deliveries of `change` at `now` (none before a planner is set): write them with {@link writeFanOut}. */
  planFanOut(change: LeadChange & { sourceId: string }, now: string): { events: EventWrite[]; deliveries: DeliveryWrite[] } {
    if (this.planner === null) return { events: [], deliveries: [] };
    return planFanOut(change, this.planner.plan(change), now);
  }

  /** Insert planned events and deliveries (several changes' at once if wanted), events first. */
  async writeFanOut(client: pg.ClientBase, events: readonly EventWrite[], deliveries: readonly DeliveryWrite[]): Promise<void> {
    if (events.length > 0) {
      const columns = (['id', 'type', 'leadId', 'sourceId', 'createdAt', 'body', 'payload'] as const).map((k) => events.map((e) => e[k]));
      await client.query(SQL.insertEvents, columns);
    }
    if (deliveries.length > 0) {
      const columns = (['id', 'eventId', 'destinationId', 'leadId', 'createdAt'] as const).map((k) => deliveries.map((d) => d[k]));
      await client.query(SQL.insertDeliveries, columns);
    }
  }

  async createDestination(d: NewDestination, maxDestinations: number): Promise<DestinationRecord> {
    const created = await this.db.transaction(async (client) => {
      await client.query(SQL.lockDestinations);
      const { rows } = await client.query<{ n: number }>(SQL.countDestinations);
      assertDestinationRoom(rows[0]?.n ?? 0, maxDestinations);
      const inserted = await client.query<PgDestinationRow>(SQL.insertDestination, [d.id, d.name, d.url, d.events, d.filter, d.sourceIds, d.includeTest, d.secret, d.createdAt]);
      return toPgDestination(inserted.rows[0] as PgDestinationRow);
    });
    this.wakeups.announce('destinations');
    return created;
  }

  async getDestination(id: string): Promise<DestinationRecord | null> {
    const row = await this.db.read(async (q) => (await q.query<PgDestinationRow>(SQL.selectDestination, [id])).rows[0]);
    return row === undefined || row.deleted_at !== null ? null : toPgDestination(row);
  }

  async listDestinations(): Promise<DestinationRecord[]> {
    return this.db.read(async (q) => (await q.query<PgDestinationRow>(SQL.selectDestinations)).rows.map(toPgDestination));
  }

  async updateDestination(id: string, changes: DestinationChanges, now: string): Promise<DestinationRecord | null> {
    const updated = await this.db.transaction(async (client) => {
      const row = (await client.query<PgDestinationRow>(SQL.selectDestinationForUpdate, [id])).rows[0];
      if (row === undefined) return null;
      const n = changedDestination(toPgDestination(row), changes);
      const params = [id, n.name, n.url, n.events, n.filter, n.sourceIds, n.includeTest, n.secret, n.previousSecret, n.previousSecretExpiresAt, n.disabledAt, n.disabledReason, now];
      return toPgDestination((await client.query<PgDestinationRow>(SQL.updateDestination, params)).rows[0] as PgDestinationRow);
    });
    if (updated !== null) this.wakeups.announce('destinations');
    return updated;
  }

  async deleteDestination(id: string, now: string): Promise<boolean> {
    const deleted = await this.db.transaction(async (client) => ((await client.query(SQL.deleteDestination, [id, now])).rowCount ?? 0) > 0);
    if (deleted) this.wakeups.announce('destinations');
    return deleted;
  }

  async claimDueDeliveries(claim: ClaimRequest): Promise<ClaimedDelivery[]> {
    const ids = await this.db.read(async (q) => (await q.query<{ id: string }>(SQL.activeDestinationIds)).rows.map((r) => r.id));
    const slots = claimSlots(ids, this.claimRound++, claim);
    if (slots.length === 0) return [];
    const rows = await this.db.transaction(async (client) => {
      await relaxed(client);
      // Lock each destination's candidates (skipping what another instance holds), choose, then claim the chosen.
      const found = await client.query<{ id: string; seq: string; destination_id: string }>(SQL.lockCandidates, [
        slots.map((s) => s.destinationId),
        slots.map((s) => s.slots),
        claim.now,
      ]);
      const byDestination = new Map<string, { id: string; seq: number }[]>();
      for (const r of found.rows) {
        const list = byDestination.get(r.destination_id) ?? [];
        list.push({ id: r.id, seq: Number(r.seq) });
        byDestination.set(r.destination_id, list);
      }
      const chosen = pickClaims(slots, claim.limit, (destinationId, max) => (byDestination.get(destinationId) ?? []).slice(0, max));
      if (chosen.length === 0) return [];
      return (await client.query<ClaimedRow>(SQL.claim, [chosen.map((c) => c.id), claim.now, claim.leaseUntil, this.instanceId])).rows;
    });
    return rows.map((r) => claimedDelivery(toRecord(r), r.event_body, toPgDestination(r.destination), claim.now, r.event_payload));
  }

  async completeAttempt(c: AttemptCompletion): Promise<void> {
    const disabled = await this.db.transaction(async (client) => {
      await relaxed(client);
      const own = (await client.query<OwnClaimRow>(SQL.selectOwnClaimForUpdate, [c.deliveryId, this.instanceId])).rows[0];
      const state = own === undefined ? undefined : { status: 'delivering' as const, destinationId: own.destination_id };
      const plan = planCompletion(claimState(own), own?.attempts_so_far ?? 0, own?.failing_since ?? null, c, this.marks);
      if (plan === null) return false;
      const a = plan.attempt;
      await client.query(SQL.insertAttempt, [timeOrderedId('att'), a.deliveryId, a.attemptNumber, a.startedAt, a.statusCode, a.latencyMs, a.error, a.responseSnippet]);
      const d = plan.delivery;
      await client.query(SQL.finishDelivery, [d.id, d.status, d.nextAttemptAt, d.statusCode, d.error, d.now]);
      const dest = plan.destination;
      if (dest.markSuccess) {
        // Several instances: the row itself says whether another wrote it within the last second.
        const since = new Date(Date.parse(c.now) - SUCCESS_MARK_EVERY_MS).toISOString();
        await client.query(SQL.markDestinationSuccess, [dest.id, c.now, since]);
      }
      if (dest.markFailing) await client.query(SQL.markDestinationFailing, [dest.id, c.now]);
      if (dest.disableReason === null) return false;
      return ((await client.query(SQL.disableDestination, [dest.id, c.now, dest.disableReason])).rowCount ?? 0) > 0;
    });
    // The other instances stop planning deliveries to it.
    if (disabled) this.wakeups.announce('destinations');
  }

  async completeFiltered(f: FilteredCompletion): Promise<void> {
    await this.db.transaction(async (client) => {
      await relaxed(client);
      const plan = planFiltered(claimState(await this.ownClaim(client, f.deliveryId)), f);
      if (plan === null) return;
      await client.query(SQL.filterDelivery, [plan.delivery.id, plan.delivery.reason, plan.delivery.now]);
      await client.query(SQL.markDestinationFiltered, [plan.destinationId]);
      const failure = plan.ruleFailure;
      if (failure !== null) await client.query(SQL.markDestinationRuleFailure, [plan.destinationId, failure.reason, failure.at, failure.deliveryId]);
    });
  }

  async requeueExpiredClaims(now: string): Promise<number> {
    return this.write(SQL.requeueExpired, [now]);
  }

  /** Only this instance's claims: another instance's are live until their lease expires. */
  async releaseClaims(now: string, which: { except?: readonly string[]; only?: readonly string[] } = {}): Promise<number> {
    if (which.only !== undefined) return which.only.length === 0 ? 0 : this.write(SQL.releaseOwnOnly, [now, this.instanceId, which.only]);
    return this.write(SQL.releaseOwnExcept, [now, this.instanceId, which.except ?? []]);
  }

  /** The delivery an outcome is for, locked; undefined unless it is this instance's claim still. */
  private async ownClaim(client: pg.PoolClient, deliveryId: string): Promise<OwnClaimRow | undefined> {
    return (await client.query<OwnClaimRow>(SQL.selectOwnClaimForUpdate, [deliveryId, this.instanceId])).rows[0];
  }

  private async write(sql: string, params: unknown[]): Promise<number> {
    return this.db.transaction(async (client) => {
      await relaxed(client);
      return (await client.query(sql, params)).rowCount ?? 0;
    });
  }

  async nextDueAt(): Promise<string | null> {
    return this.db.read(async (q) => (await q.query<{ at: string | null }>(SQL.nextDue)).rows[0]?.at ?? null);
  }

  async queueStats(): Promise<DeliveryQueueStats> {
    const row = await this.db.read(async (q) => (await q.query<DeliveryQueueStats>(SQL.queueStats)).rows[0]);
    return row ?? { pending: 0, delivering: 0, failed: 0, oldestPendingAt: null };
  }

  async listDeliveries(q: DeliveryQuery): Promise<Page<DeliveryRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (q.destinationId !== undefined) where.push(`d.destination_id = ${param(q.destinationId)}`);
    // A literal, not a parameter: the planner then uses the status's partial index.
    if (q.status !== undefined) where.push(`d.status = '${checkedStatus(q.status)}'`);
    if (q.leadId !== undefined) where.push(`d.lead_id = ${param(q.leadId)}`);
    if (q.cursor !== undefined) where.push(`d.seq < ${param(decodeCursor(q.cursor).sortKey)}::bigint`);
    const sql = `SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq DESC LIMIT ${param(q.limit + 1)}`;
    const rows = await this.db.read(async (pool) => (await pool.query<PgDeliveryRow & { event_type: string }>(sql, params)).rows);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toRecord),
      nextCursor: rows.length > q.limit && last ? encodeCursor(String(last.seq), last.id) : null,
    };
  }

  async getDelivery(id: string): Promise<(DeliveryRecord & { attempts: AttemptRecord[]; event: unknown }) | null> {
    return this.db.read(async (q) => {
      const row = (await q.query<PgDeliveryRow & { event_type: string; event_body: string }>(SQL.selectDelivery, [id])).rows[0];
      if (row === undefined) return null;
      const attempts = (await q.query<AttemptRow>(SQL.selectAttempts, [id])).rows.map(toAttempt);
      return { ...toRecord(row), attempts, event: JSON.parse(row.event_body) as unknown };
    });
  }

  async retryDelivery(id: string, now: string): Promise<DeliveryRecord | null> {
    // Read in the same transaction: after the commit a worker may already have claimed it (it would read `delivering`).
    const { changed, row } = await this.db.transaction(async (client) => ({
      changed: (await client.query(SQL.resetDelivery, [id, now])).rowCount ?? 0,
      row: (await client.query<PgDeliveryRow & { event_type: string }>(SQL.selectDelivery, [id])).rows[0],
    }));
    if (changed > 0) this.notifyCommitted();
    return row === undefined ? null : toRecord(row);
  }

  async replayDeliveries(destinationId: string, since: string, status: DeliveryStatus | undefined, now: string): Promise<number> {
    const n = await this.db.transaction(async (client) => (await client.query(SQL.replay, [destinationId, since, status ?? null, now])).rowCount ?? 0);
    if (n > 0) this.notifyCommitted();
    return n;
  }
}
