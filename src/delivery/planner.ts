import { eventTypeFor, type EventType, type LeadChange } from '../core/lead-events.js';
import type { DeliveryPlanner, DestinationRecord } from '../storage/delivery-port.js';

/**
 * Decides, inside the ingest transaction, which destinations are candidates for a lead change:
 * enabled, subscribed to a fitting type, listening to the source and, for a test lead, asking for
 * test leads (`includeTest`). Only these cheap checks run
 * here; a destination's rule is evaluated by the delivery side, on the rule thread, where a deadline
 * can stop it (rule-evaluator.ts). Holds the destinations in memory; `load` replaces them.
 */
export class DestinationPlanner implements DeliveryPlanner {
  private active: DestinationRecord[] = [];

  load(destinations: readonly DestinationRecord[]): void {
    this.active = destinations.filter((d) => d.disabledAt === null && d.deletedAt === null);
  }

  plan(change: LeadChange & { sourceId: string }): { destinationId: string; type: EventType; hasRule: boolean }[] {
    const out: { destinationId: string; type: EventType; hasRule: boolean }[] = [];
    for (const destination of this.active) {
      if (destination.sourceIds !== null && !destination.sourceIds.includes(change.sourceId)) continue;
      if (change.lead.isTest && !destination.includeTest) continue;
      const type = eventTypeFor(change, destination.events);
      if (type === null) continue;
      out.push({ destinationId: destination.id, type, hasRule: destination.filter !== null });
    }
    return out;
  }
}
