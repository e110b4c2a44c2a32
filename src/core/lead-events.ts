import type { Lead, ProviderId, Stage } from './lead.js';
import type { ApplyOutcome, LeadChanges } from './merge-lead.js';

/**
 * Outbound event types, dotted lower-case (Standard Webhooks naming). Every one is also the default
 * subscription of a destination created without `events` (routes/destinations.ts): `lead.erased` too,
 * since a receiver that got a lead must hear of its erasure (GDPR Art. 19).
 */
export const EVENT_TYPES = ['lead.created', 'lead.updated', 'lead.stage_changed', 'lead.erased'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** The types of a lead change that ingest applied (every type but `lead.erased`). */
export type LeadChangeEventType = Exclude<EventType, 'lead.erased'>;

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
export function eventTypeFor(change: Pick<LeadChange, 'outcome' | 'changes'>, subscribed: readonly EventType[]): LeadChangeEventType | null {
  if (change.outcome === 'created') return subscribed.includes('lead.created') ? 'lead.created' : null;
  if (change.changes['stage'] !== undefined && subscribed.includes('lead.stage_changed')) return 'lead.stage_changed';
  return subscribed.includes('lead.updated') ? 'lead.updated' : null;
}

/** The event of a lead change: `lead.created`, `lead.updated`, `lead.stage_changed`. */
export interface LeadChangeEvent {
  type: LeadChangeEventType;
  id: string;
  timestamp: string;
  data: { lead: Lead; changes: LeadChanges; previousStage?: Stage };
}

/** `lead.erased`: ids and times only, never the person (see {@link buildErasedEvent}). */
export interface LeadErasedEvent {
  type: 'lead.erased';
  id: string;
  timestamp: string;
  data: {
    leadId: string;
    sourceId: string;
    provider: ProviderId;
    providerLeadId: string;
    erasedAt: string;
    /** The erasure's `by` (who asked), when it was given. */
    requestedBy?: string;
  };
}

/** Every event body a destination receives: the same envelope `{type, id, timestamp, data}`. */
export type OutboundEvent = LeadChangeEvent | LeadErasedEvent;

/**
 * The event body every destination receives for a lead change (the exact bytes are stored and
 * signed). With {@link buildErasedEvent}, the only builders of events: destination filters read the
 * stored body too (delivery/rule-job.ts).
 */
export function buildEvent(type: LeadChangeEventType, id: string, timestamp: string, change: LeadChange): LeadChangeEvent {
  const data: LeadChangeEvent['data'] = { lead: change.lead, changes: change.changes };
  if (type === 'lead.stage_changed' && change.previousStage !== null) data.previousStage = change.previousStage;
  return { type, id, timestamp, data };
}

/** An erasure committed by the store: what destinations are told (`lead.erased`). */
export interface LeadErasureNotice {
  /** The lead as erased (its personal data emptied, core/erasure.ts redactLead). */
  lead: Lead;
  erasedAt: string;
  /** The erasure's `by`; null when not given. */
  requestedBy: string | null;
}

/**
 * The `lead.erased` body (stored and signed as is, like every event). It names the lead by its ids
 * and says when, and who asked when that was given; it carries no personal data: the fields are
 * picked one by one, never copied from the lead, so nothing of the person can reach it whatever the
 * lead holds.
 */
export function buildErasedEvent(id: string, timestamp: string, notice: LeadErasureNotice): LeadErasedEvent {
  const { lead } = notice;
  const data: LeadErasedEvent['data'] = { leadId: lead.id, sourceId: lead.sourceId, provider: lead.provider, providerLeadId: lead.providerLeadId, erasedAt: notice.erasedAt };
  if (notice.requestedBy !== null) data.requestedBy = notice.requestedBy;
  return { type: 'lead.erased', id, timestamp, data };
}
