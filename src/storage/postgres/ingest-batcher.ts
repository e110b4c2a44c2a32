import type pg from 'pg';
import { isStoreFault } from '../../core/errors.js';
import type { DeliveryWrite, EventWrite } from '../../delivery/fan-out.js';
import { applyRequestItems } from '../../ingest/apply-items.js';
import type { ApplyTarget, IngestLookups, ItemPlan } from '../../ingest/item-plan.js';
import { planRequestRecord } from '../../ingest/request-record.js';
import type { IngestJob, IngestResult, ItemsOutcome } from '../port.js';
import type { PgDatabase } from './database.js';
import type { PostgresDeliveryStore } from './delivery-store.js';
import { BatchLookups, insertRequests, writePlans, type RequestRowWrite } from './ingest-writes.js';

/** What applying one request's items queued for its transaction's bulk statements. */
export interface PlannedWrites {
  plans: ItemPlan[];
  events: EventWrite[];
  deliveries: DeliveryWrite[];
}

/** An empty set of queued writes (a batch's, to which each request's are added). */
export function noWrites(): PlannedWrites {
  return { plans: [], events: [], deliveries: [] };
}

/**
 * Decide a request's items against `lookups` (applyRequestItems, the one decision for every store)
 * and plan the fan-out of their changes at `now`. Nothing is written: the writes are returned, to
 * be executed in bulk with a batch's others ({@link writePlanned}). Whatever throws here is a bug
 * in this one request, never a storage fault.
 */
export function planItems(
  target: ApplyTarget,
  job: Pick<IngestJob, 'items' | 'quarantined'>,
  lookups: IngestLookups,
  now: string,
  delivery: Pick<PostgresDeliveryStore, 'planFanOut'>,
): { outcome: ItemsOutcome; writes: PlannedWrites } {
  const writes = noWrites();
  const outcome = applyRequestItems(target, job, lookups, {
    execute: (plan) => void writes.plans.push(plan),
    isStorageFault: () => false,
  });
  for (const plan of writes.plans) {
    if (plan.change === null) continue;
    const fanOut = delivery.planFanOut(plan.change, now);
    writes.events.push(...fanOut.events);
    writes.deliveries.push(...fanOut.deliveries);
  }
  return { outcome, writes };
}

/** Execute queued writes in transaction `client`: the item plans in one statement per table, then events and deliveries. */
export async function writePlanned(client: pg.PoolClient, writes: PlannedWrites, delivery: Pick<PostgresDeliveryStore, 'writeFanOut'>): Promise<void> {
  await writePlans(client, writes.plans);
  await delivery.writeFanOut(client, writes.events, writes.deliveries);
}

interface Pending {
  job: IngestJob;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: IngestResult } | { ok: false; error: unknown };

/**
 * Group commit of webhooks on PostgreSQL: the webhooks that arrive while a batch is being committed
 * wait, then are written together in one transaction (one BEGIN/COMMIT, one advisory-lock statement
 * for all their leads in sorted order, one read per kind, one INSERT per table), each decided in
 * arrival order over what the batch's earlier webhooks wrote. Every caller's promise settles only
 * after the COMMIT (synchronous commit: on disk). A webhook whose planning throws is refused alone;
 * a storage fault fails the whole batch (every webhook gets its 503); a batch whose statements fail
 * otherwise is committed again one webhook at a time, so that only the culprit fails. Deadlocks and
 * ledger races (another instance applied the same key) run the whole batch again.
 */
export class PgIngestBatcher {
  private queue: Pending[] = [];
  private inFlight = false;

  constructor(
    private readonly db: PgDatabase,
    private readonly delivery: Pick<PostgresDeliveryStore, 'planFanOut' | 'writeFanOut' | 'notifyCommitted'>,
    private readonly maxBatch: number,
  ) {}

  /** Store `job` with the next group commit; resolves once it is committed. */
  ingest(job: IngestJob): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    // Requests parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      const batch = this.queue.splice(0, this.maxBatch);
      void this.commit(batch).finally(() => {
        this.inFlight = false;
        this.pump();
      });
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    let settled: Settled[];
    let deliveries = 0;
    try {
      settled = await this.db.transaction(async (client) => {
        const { results, writes } = await this.apply(client, batch);
        await writePlanned(client, writes, this.delivery);
        deliveries = writes.deliveries.length;
        return results;
      }, batch.length);
    } catch (error) {
      if (isStoreFault(error) || batch.length === 1) {
        for (const p of batch) p.reject(error);
        return;
      }
      // Not a storage fault: one webhook's rows broke a statement. Commit each alone.
      for (const p of batch) await this.commit([p]);
      return;
    }
    if (deliveries > 0) this.delivery.notifyCommitted();
    batch.forEach((p, i) => {
      const r = settled[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }

  /** Read for every webhook of the batch at once, then decide each in arrival order; nothing is written yet. */
  private async apply(client: pg.PoolClient, batch: readonly Pending[]): Promise<{ results: Settled[]; writes: PlannedWrites }> {
    const lookups = await BatchLookups.read(
      client,
      batch.map((p) => ({ sourceId: p.job.request.sourceId, items: p.job.items })),
    );
    const writes = noWrites();
    const requests: RequestRowWrite[] = [];
    const results: Settled[] = [];
    for (const { job } of batch) {
      const r = job.request;
      try {
        const target: ApplyTarget = { requestId: r.id, sourceId: r.sourceId, provider: r.provider, receivedAt: r.receivedAt };
        const view = lookups.forSource(r.sourceId);
        const planned = planItems(target, job, view, r.receivedAt, this.delivery);
        const record = planRequestRecord(job, planned.outcome, view.holdingErasure);
        requests.push({
          id: r.id,
          sourceId: r.sourceId,
          provider: r.provider,
          receivedAt: r.receivedAt,
          status: record.status,
          reason: record.reason,
          httpStatus: job.httpStatus,
          contentType: r.contentType,
          headers: JSON.stringify(r.headers),
          body: record.body,
          bodySha256: record.bodySha256,
          authPayload: record.authPayload === undefined ? null : JSON.stringify(record.authPayload),
          items: JSON.stringify(record.items),
          isTestSend: r.isTestSend === true,
        });
        for (const plan of planned.writes.plans) lookups.record(r.sourceId, plan);
        writes.plans.push(...planned.writes.plans);
        writes.events.push(...planned.writes.events);
        writes.deliveries.push(...planned.writes.deliveries);
        results.push({ ok: true, value: { requestId: r.id, status: record.status, ...planned.outcome } });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    await insertRequests(client, requests);
    return { results, writes };
  }
}
