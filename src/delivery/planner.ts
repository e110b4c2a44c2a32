import { eventTypeFor, type LeadChange } from '../core/lead-events.js';
import type { DeliveryPlanner, DestinationRecord } from '../storage/delivery-port.js';
import { compileFilter, type CompiledFilter } from './rule-filter.js';

interface ActiveDestination {
  destination: DestinationRecord;
  filter: CompiledFilter | null;
}

/**
 * Decides, inside the ingest transaction, which destinations get which event for a lead change:
 * enabled, subscribed to a fitting type, listening to the source, and whose rule matches.
 * Holds the destinations in memory with their rules compiled; `load` replaces them.
 */
export class DestinationPlanner implements DeliveryPlanner {
  private active: ActiveDestination[] = [];

  constructor(private readonly onRuleError?: (destinationId: string, error: string) => void) {}

  load(destinations: readonly DestinationRecord[]): void {
    const active: ActiveDestination[] = [];
    for (const destination of destinations) {
      if (destination.disabledAt !== null || destination.deletedAt !== null) continue;
      let filter: CompiledFilter | null = null;
      if (destination.filter !== null) {
        const compiled = compileFilter(destination.filter);
        // Filters are compiled when a destination is saved, so this only guards stored data.
        if (!compiled.ok) {
          this.onRuleError?.(destination.id, compiled.message);
          continue;
        }
        filter = compiled.filter;
      }
      active.push({ destination, filter });
    }
    this.active = active;
  }

  plan(change: LeadChange & { sourceId: string }): { destinationId: string; type: ReturnType<typeof eventTypeFor> & string }[] {
    const out: { destinationId: string; type: ReturnType<typeof eventTypeFor> & string }[] = [];
    for (const { destination, filter } of this.active) {
      if (destination.sourceIds !== null && !destination.sourceIds.includes(change.sourceId)) continue;
      const type = eventTypeFor(change, destination.events);
      if (type === null) continue;
      if (filter !== null) {
        // The event id is assigned after planning; rules match on type and data.
        const event = { type, id: '', timestamp: change.lead.lastEventAt, data: { lead: change.lead, changes: change.changes, ...(change.previousStage ? { previousStage: change.previousStage } : {}) } };
        const result = filter.evaluate({ event, lead: change.lead, payload: change.payload });
        if (result.error !== undefined) this.onRuleError?.(destination.id, result.error);
        if (!result.matched) continue;
      }
      out.push({ destinationId: destination.id, type });
    }
    return out;
  }
}
