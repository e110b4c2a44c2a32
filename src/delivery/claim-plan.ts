import type { ClaimedDelivery, DeliveryRecord, DeliveryStore, DestinationRecord } from '../storage/delivery-port.js';
import { signingSecrets } from './signing.js';

/** What a worker asks for: see DeliveryStore.claimDueDeliveries. */
export type ClaimRequest = Parameters<DeliveryStore['claimDueDeliveries']>[0];

/**
 * How many deliveries each destination may have claimed now, in the order they are served: each
 * gets at most its free slots (its limit, or its override, minus what the worker has in flight), and
 * the destination served first rotates with `round` (a counter the store keeps, one more per claim)
 * so that no destination always comes first. Destinations without a free slot are left out.
 * `destinationIds`: the enabled, not deleted destinations, in a stable order (by id).
 */
export function claimSlots(destinationIds: readonly string[], round: number, claim: Omit<ClaimRequest, 'now' | 'leaseUntil'>): { destinationId: string; slots: number }[] {
  const { limit, perDestination, perDestinationOverrides = {}, inFlight } = claim;
  const start = destinationIds.length === 0 ? 0 : round % destinationIds.length;
  const out: { destinationId: string; slots: number }[] = [];
  for (let i = 0; i < destinationIds.length; i++) {
    const destinationId = destinationIds[(start + i) % destinationIds.length] as string;
    const slots = Math.min((perDestinationOverrides[destinationId] ?? perDestination) - (inFlight[destinationId] ?? 0), limit);
    if (slots > 0) out.push({ destinationId, slots });
  }
  return out;
}

/**
 * Take claims destination by destination in {@link claimSlots} order until `limit` are taken: from
 * each, at most its slots and what the limit leaves. `take(destinationId, max)` gives (or claims) that
 * destination's oldest due deliveries, at most `max`, one per lead in order (a lead with an earlier
 * delivery pending or in flight waits); it is not called once the limit is reached. The result is
 * oldest first (by `seq`).
 */
export function pickClaims<C extends { seq: number }>(slots: readonly { destinationId: string; slots: number }[], limit: number, take: (destinationId: string, max: number) => C[]): C[] {
  const taken: C[] = [];
  for (const s of slots) {
    const max = Math.min(s.slots, limit - taken.length);
    if (max <= 0) break;
    taken.push(...take(s.destinationId, max));
  }
  return taken.sort((a, b) => a.seq - b.seq);
}

/** Whether a claimed delivery's rule is evaluated now: once per cycle, before its first attempt, with the rule of today. */
export function ruleDue(destination: Pick<DestinationRecord, 'filter'>, attemptCount: number): boolean {
  return destination.filter !== null && attemptCount === 0;
}

/**
 * A claimed delivery as handed to the worker: its event body, its destination's URL and signing
 * secrets at `now`, and the rule when {@link ruleDue} (`payload`: the event's kept provider item,
 * which the caller reads only then).
 */
export function claimedDelivery(delivery: DeliveryRecord, body: string, destination: DestinationRecord, now: string, payload: string | null): ClaimedDelivery {
  const claimed: ClaimedDelivery = { delivery, body, url: destination.url, secrets: signingSecrets(destination, now) };
  if (ruleDue(destination, delivery.attemptCount)) claimed.rule = { expression: destination.filter as string, payload };
  return claimed;
}
