import { eventTypeFor, type LeadChange, type LeadChangeEventType } from '../core/lead-events.js';
import type { Lead } from '../core/lead.js';
import type { DeliveryPlanner, DestinationRecord } from '../storage/delivery-port.js';

/**
 * Decides, inside the ingest transaction, which destinations are candidates for a lead change:
 * enabled, subscribed to a fitting type, listening to the source and, for a test lead, asking for
 * test leads (`includeTest`); inside an erasure's transaction, which are told of it (the same scope,
 * subscribed to `lead.erased`). Only these cheap checks run
 * here; a destination's rule is evaluated by the delivery side, on the rule thread, where a deadline
 * can stop it (rule-evaluator.ts). Holds the destinations in memory; `load` replaces them.
 */
export class DestinationPlanner implements DeliveryPlanner {
  private active: DestinationRecord[] = [];

  load(destinations: readonly DestinationRecord[]): void {
    this.active = destinations.filter((d) => d.disabledAt === null && d.deletedAt === null);
  }

  plan(change: LeadChange & { sourceId: string }): { destinationId: string; type: LeadChangeEventType; hasRule: boolean }[] {
    const out: { destinationId: string; type: LeadChangeEventType; hasRule: boolean }[] = [];
    for (const destination of this.active) {
      if (!takesLead(destination, change.sourceId, change.lead.isTest)) continue;
      const type = eventTypeFor(change, destination.events);
      if (type === null) continue;
      out.push({ destinationId: destination.id, type, hasRule: destination.filter !== null });
    }
    return out;
  }

  planErasure(lead: Pick<Lead, 'sourceId' | 'isTest'>): { destinationId: string }[] {
    return this.active.filter((d) => d.events.includes('lead.erased') && takesLead(d, lead.sourceId, lead.isTest)).map((d) => ({ destinationId: d.id }));
  }
}

/** Whether a destination takes the events of a lead of this source (test leads only with `includeTest`). */
function takesLead(destination: DestinationRecord, sourceId: string, isTest: boolean): boolean {
  if (destination.sourceIds !== null && !destination.sourceIds.includes(sourceId)) return false;
  return !isTest || destination.includeTest;
}
