import type { AttemptDecision, ClaimedDelivery, DeliveryRecord, DestinationRecord, NewDestination } from '../../src/storage/delivery-port.js';
import type { SourceRecord, Store } from '../../src/storage/port.js';
import { addDestination, addSource, anarockLead, anarockSnapshot, at, planWithDestinations, send } from './inputs.js';

/** `disableAfterMs` of the completions: three days, as leadhook's default. */
export const DISABLE_AFTER_MS = 3 * 86_400_000;

/** The ISO time `minutes` after `iso`. */
export function plus(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

/**
 * Delivery tests of one group share a store: each starts by deleting every destination (their
 * deliveries are never claimed again) and creating its own, so no test claims another's deliveries.
 */
export async function freshDestinations(store: Store, specs: Partial<NewDestination>[]): Promise<{ source: SourceRecord; destinations: DestinationRecord[] }> {
  for (const d of await store.delivery.listDestinations()) await store.delivery.deleteDestination(d.id, at(0));
  const source = await addSource(store, 'anarock');
  const destinations: DestinationRecord[] = [];
  for (const spec of specs) destinations.push(await addDestination(store, spec));
  await planWithDestinations(store);
  return { source, destinations };
}

/** A new Anarock lead at `minute`, and `updates` newer snapshots one minute apart; returns its id. */
export async function leadWithUpdates(store: Store, source: SourceRecord, minute: number, updates = 0): Promise<string> {
  const lead = anarockLead();
  const created = await send(store, source, anarockSnapshot(lead, 0), at(minute));
  for (let k = 1; k <= updates; k++) await send(store, source, anarockSnapshot(lead, k), at(minute + k));
  return created.items[0]!.leadId!;
}

/** The lead's deliveries to `destinationId`, oldest first. */
export async function deliveriesOf(store: Store, leadId: string, destinationId?: string): Promise<DeliveryRecord[]> {
  const page = await store.delivery.listDeliveries({ leadId, ...(destinationId === undefined ? {} : { destinationId }), limit: 100 });
  return page.items.reverse();
}

/** Claim with a one-minute lease and generous caps unless told. */
export function claim(
  store: Store,
  now: string,
  options: Partial<Omit<Parameters<Store['delivery']['claimDueDeliveries']>[0], 'now'>> = {},
): Promise<ClaimedDelivery[]> {
  return store.delivery.claimDueDeliveries({ now, limit: 50, leaseUntil: plus(now, 1), perDestination: 50, inFlight: {}, ...options });
}

/** Record one attempt of a claimed delivery with `decision`. */
export function complete(store: Store, deliveryId: string, decision: AttemptDecision, now: string, statusCode: number | null = decision.kind === 'delivered' ? 200 : 503): Promise<void> {
  return store.delivery.completeAttempt({
    deliveryId,
    attempt: { startedAt: now, statusCode, latencyMs: 12, error: statusCode !== null && statusCode < 300 ? null : `HTTP ${statusCode}`, responseSnippet: `answer ${statusCode}` },
    decision,
    now,
    disableAfterMs: DISABLE_AFTER_MS,
  });
}

/** Ids of claimed deliveries. */
export function ids(claimed: readonly ClaimedDelivery[]): string[] {
  return claimed.map((c) => c.delivery.id);
}
