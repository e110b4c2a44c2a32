import type { EventType } from '../core/lead-events.js';
import type { Lead } from '../core/lead.js';
import type { StatsQuery, StatsRows } from '../core/stats.js';

/**
 * What the console's data endpoints read (`GET /api/stats`, `GET /api/live`,
 * `POST /api/destinations/try-filter`), and the lead changes the live stream is told of. The
 * stores execute reads; every decision (ranges, percentiles, who sees what) is made by the callers.
 */
export interface ConsoleStore {
  /** The overview counts of a range (src/core/stats.ts says what each one counts). */
  stats(query: StatsQuery): Promise<StatsRows>;
  /** The leads with these ids that exist, in no particular order (as `GET /api/leads` shows them). */
  leadsByIds(ids: readonly string[]): Promise<Lead[]>;
  /** The most recent events (outbound lead events), newest first. */
  recentEvents(query: RecentEventQuery): Promise<RecentEvent[]>;
  /** The most recently first seen leads, newest first (a filter trial's sample events, when events are few). */
  recentLeads(query: RecentLeadQuery): Promise<Lead[]>;
  /**
   * What the sources list shows of each of these sources (unknown ids too, with nothing), in one
   * read for all of them: its newest stored request that is not a test send, its refused webhooks
   * counted, and its quarantined requests waiting (as the overview's `quarantinedWaiting` counts them).
   */
  sourceActivity(sourceIds: readonly string[]): Promise<SourceActivity[]>;
  /**
   * Call `listener` with the leads each commit created or updated (ids only), after the commit: this
   * process's commits, and on PostgreSQL those of every instance on the schema (told by NOTIFY, best
   * effort: a notice lost with a connection is not sent again). Returns the unsubscribe function.
   */
  onLeadsChanged(listener: (change: LeadsChanged) => void): () => void;
}

/** Leads a commit created or updated; a lead is in one list only (created wins). */
export interface LeadsChanged {
  created: string[];
  updated: string[];
}

export interface RecentEventQuery {
  /** Only events of these types; all when absent. */
  types?: readonly EventType[];
  /** Only events of leads of these sources; all when absent. */
  sourceIds?: readonly string[];
  /** Events of test leads too (else left out, as destinations leave them out by default). */
  includeTest: boolean;
  limit: number;
}

export interface RecentLeadQuery {
  /** Only leads of these sources; all when absent. */
  sourceIds?: readonly string[];
  /** Test leads too (else left out). */
  includeTest: boolean;
  limit: number;
}

/** One source's activity, as the sources list shows it. */
export interface SourceActivity {
  sourceId: string;
  /** Receipt time of its newest stored request, test sends (`POST /api/sources/:id/test-lead`) left out; null when none. */
  lastReceivedAt: string | null;
  /** Webhooks refused for it (bad credentials), every one counted (`webhook_refusal_counts`; the last 50 are kept). */
  refusedCount: number;
  /** Its requests quarantined and not reprocessed to success since. */
  quarantinedCount: number;
}

/** An outbound event as stored: the exact body destinations receive, and the provider's item when it was kept. */
export interface RecentEvent {
  id: string;
  type: EventType;
  leadId: string;
  /** The lead's full name as the event carries it; null when it has none. */
  leadName: string | null;
  createdAt: string;
  body: string;
  /** The provider's item as JSON text, kept only when a destination of the event had a rule; else null. */
  payload: string | null;
}

/**
 * The leads an ingest or reprocess result created or updated, as a change notice (created wins
 * over updated for a lead touched twice); null when it changed none.
 */
export function leadsChangedBy(items: readonly { outcome: string; leadId: string | null }[]): LeadsChanged | null {
  const created = new Set<string>();
  const updated = new Set<string>();
  for (const item of items) {
    if (item.leadId === null) continue;
    if (item.outcome === 'created') created.add(item.leadId);
    else if (item.outcome === 'updated') updated.add(item.leadId);
  }
  for (const id of created) updated.delete(id);
  return created.size + updated.size === 0 ? null : { created: [...created], updated: [...updated] };
}

/** Listeners of lead changes (one per store): told in order, one failing listener never stops the others. */
export class LeadChangeListeners {
  private readonly listeners = new Set<(change: LeadsChanged) => void>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (change: LeadsChanged) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  tell(change: LeadsChanged): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a listener's own failure is its own (the live hub never throws)
      }
    }
  }
}

/** A name that is not text (a hostile provider's number, an object) is no name. */
export function withTextName<T extends { leadName: unknown }>(row: T): T & { leadName: string | null } {
  return { ...row, leadName: typeof row.leadName === 'string' ? row.leadName : null };
}
