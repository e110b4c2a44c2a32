import { timeOrderedId } from '../core/ids.js';
import { buildErasedEvent, buildEvent, type EventType, type LeadChange, type LeadErasureNotice } from '../core/lead-events.js';
import type { DeliveryPlanner } from '../storage/delivery-port.js';

/** An `events` row: the exact body every destination receives, and the provider's item when a rule needs it. */
export interface EventWrite {
  id: string;
  type: EventType;
  leadId: string;
  sourceId: string;
  createdAt: string;
  /** The event body, JSON text (stored and signed as is). */
  body: string;
  /**
   * What a destination's rule reads besides the body, as JSON text. For a lead change, the provider's
   * own item (the rule's `payload`), kept only when a destination of this event has a rule, else
   * null. For `lead.erased`, whose body names the lead by its ids only, the lead as erased (the
   * rule's `lead`; its `payload` is null: the provider's items were erased), always.
   */
  payload: string | null;
}

/** A new `deliveries` row: pending, no attempt yet, due at `createdAt`. */
export interface DeliveryWrite {
  id: string;
  eventId: string;
  destinationId: string;
  leadId: string;
  createdAt: string;
}

/**
 * The events and deliveries of one committed lead change (pure apart from new ids), to insert in the
 * ingest transaction, events first: one event per type among the planned destinations (a destination
 * gets the one type that fits it, DeliveryPlanner), one pending delivery per destination. Rules are
 * not evaluated here but by the delivery side before the first attempt: an event with a destination
 * that has a rule keeps the provider's item for it.
 */
export function planFanOut(
  change: LeadChange & { sourceId: string },
  planned: ReturnType<DeliveryPlanner['plan']>,
  now: string,
  newId: (prefix: string) => string = timeOrderedId,
): { events: EventWrite[]; deliveries: DeliveryWrite[] } {
  const events: EventWrite[] = [];
  const deliveries: DeliveryWrite[] = [];
  const eventIds = new Map<string, string>();
  let payload: string | undefined;
  for (const p of planned) {
    let eventId = eventIds.get(p.type);
    if (eventId === undefined) {
      eventId = newId('evt');
      eventIds.set(p.type, eventId);
      const withRule = planned.some((q) => q.type === p.type && q.hasRule);
      if (withRule) payload ??= JSON.stringify(change.payload ?? null);
      events.push({
        id: eventId,
        type: p.type,
        leadId: change.lead.id,
        sourceId: change.sourceId,
        createdAt: now,
        body: JSON.stringify(buildEvent(p.type, eventId, now, change)),
        payload: withRule ? (payload ?? null) : null,
      });
    }
    deliveries.push({ id: newId('dlv'), eventId, destinationId: p.destinationId, leadId: change.lead.id, createdAt: now });
  }
  return { events, deliveries };
}

/**
 * The `lead.erased` event and its deliveries (pure apart from new ids), to insert in the erasure's
 * transaction after the lead's row is locked: one event, one pending delivery per planned destination
 * (DeliveryPlanner.planErasure). Written after the lead's earlier deliveries, so per-lead order sends
 * it after them. The body carries no personal data (buildErasedEvent); the lead as erased is kept
 * beside it for rules (see {@link EventWrite.payload}).
 */
export function planErasureFanOut(
  notice: LeadErasureNotice,
  planned: ReturnType<DeliveryPlanner['planErasure']>,
  now: string,
  newId: (prefix: string) => string = timeOrderedId,
): { events: EventWrite[]; deliveries: DeliveryWrite[] } {
  if (planned.length === 0) return { events: [], deliveries: [] };
  const eventId = newId('evt');
  const leadId = notice.lead.id;
  const event: EventWrite = {
    id: eventId,
    type: 'lead.erased',
    leadId,
    sourceId: notice.lead.sourceId,
    createdAt: now,
    body: JSON.stringify(buildErasedEvent(eventId, now, notice)),
    payload: JSON.stringify(notice.lead),
  };
  return { events: [event], deliveries: planned.map((p) => ({ id: newId('dlv'), eventId, destinationId: p.destinationId, leadId, createdAt: now })) };
}
