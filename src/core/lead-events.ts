import type { Lead, Stage } from './lead.js';
import type { ApplyOutcome, LeadChanges } from './merge-lead.js';

/** Outbound event types, dotted lower-case (Standard Webhooks naming). */
export const EVENT_TYPES = ['lead.created', 'lead.updated', 'lead.stage_changed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A lead change committed by ingest: what destinations are offered. */
export interface LeadChange {
  outcome: Exclude<ApplyOutcome, 'stale'>;
  lead: Lead;
  changes: LeadChanges;
  previousStage: Stage | null;
  /** The provider's own JSON item that caused the change (for rules over `payload`). */
  payload: unknown;
}

/**
 * The one event type a destination receives for a change, or null when it subscribes to none that
 * fits: a stage change is `lead.stage_changed` for subscribers of that type, else `lead.updated`.
 */
export function eventTypeFor(change: Pick<LeadChange, 'outcome' | 'changes'>, subscribed: readonly EventType[]): EventType | null {
  if (change.outcome === 'created') return subscribed.includes('lead.created') ? 'lead.created' : null;
  if (change.changes['stage'] !== undefined && subscribed.includes('lead.stage_changed')) return 'lead.stage_changed';
  return subscribed.includes('lead.updated') ? 'lead.updated' : null;
}

export interface OutboundEvent {
  type: EventType;
  id: string;
  timestamp: string;
  data: { lead: Lead; changes: LeadChanges; previousStage?: Stage };
}

/**
 * The event body every destination receives (the exact bytes are stored and signed). The only
 * builder of events: destination filters read the stored body too (delivery/rule-job.ts).
 */
export function buildEvent(type: EventType, id: string, timestamp: string, change: LeadChange): OutboundEvent {
  const data: OutboundEvent['data'] = { lead: change.lead, changes: change.changes };
  if (type === 'lead.stage_changed' && change.previousStage !== null) data.previousStage = change.previousStage;
  return { type, id, timestamp, data };
}
