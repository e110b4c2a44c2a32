import { createHash } from 'node:crypto';
import { timeOrderedId } from '../core/ids.js';
import type { LeadChange } from '../core/lead-events.js';
import type { Lead, LeadPatch, ProviderId, Stage, TimelineItem } from '../core/lead.js';
import { mergeLead, type ApplyOutcome } from '../core/merge-lead.js';
import { leadPhones } from '../core/lead-phones.js';
import { searchText } from '../core/search-text.js';
import type { ItemOutcome } from '../storage/port.js';

/** The request whose items are applied. */
export interface ApplyTarget {
  requestId: string;
  sourceId: string;
  provider: ProviderId;
  /** The request's receipt time (a reprocess keeps the original one). */
  receivedAt: string;
}

/** A stored lead as an item sees it: its id, document and ordering key. */
export interface StoredLead {
  id: string;
  lead: Lead;
  orderingTs: string;
}

/**
 * What applying an item must read, inside the write transaction, in the request's source. Every
 * lookup is synchronous: a store reads them as it goes (SQLite) or reads them all first (one query
 * per kind for the whole batch) and answers from memory.
 */
export interface IngestLookups {
  /** The idempotency ledger (`lead_events`): the lead an item with this key was applied to, if any. */
  seenLeadId(idempotencyKey: string): string | undefined;
  /** The lead with this provider lead id, if any. */
  storedLead(providerLeadId: string): StoredLead | undefined;
  /** When the lead's personal data was erased, while that erasure still holds new webhooks (`hold_lifted_at` null). */
  holdingErasure(leadId: string): string | undefined;
}

/** The `leads` row of a lead: the document and the columns searched and sorted on. */
export interface LeadRowWrite {
  id: string;
  sourceId: string;
  provider: ProviderId;
  providerLeadId: string;
  stage: Stage;
  phone: string | null;
  email: string | null;
  searchText: string;
  lastEventAt: string;
  orderingTs: string;
  version: number;
  isTest: boolean;
  /** Every number the lead is found by (`lead_phones`, core/lead-phones.ts): its rows are replaced by these. */
  phones: string[];
  /** The document (`doc`, JSON). */
  lead: Lead;
}

/** A timeline entry to insert; one whose (leadId, dedupeKey) exists is skipped (ON CONFLICT DO NOTHING). */
export interface TimelineWrite {
  id: string;
  leadId: string;
  dedupeKey: string;
  kind: TimelineItem['kind'];
  occurredAt: string | null;
  recordedAt: string;
  summary: string;
  data: Record<string, unknown>;
  requestId: string;
}

/**
 * Every write one item needs, in this order, in the request's transaction (nothing else decides):
 * `leadWrite` (insert or update by id), `timeline` (insert, skip duplicates), `ledger` (insert),
 * `held` (insert, skip duplicates), `leadRequest` (insert, skip duplicates), then fan out `change`.
 */
export interface ItemPlan {
  outcome: ItemOutcome;
  leadWrite: { kind: 'insert' | 'update'; row: LeadRowWrite } | null;
  timeline: TimelineWrite[];
  /** The idempotency ledger entry (`lead_events`); null when the item is a duplicate or held. */
  ledger: { sourceId: string; idempotencyKey: string; leadId: string; requestId: string; outcome: ApplyOutcome } | null;
  /** The request is held for an erased lead (`held_requests`). */
  held: { requestId: string; leadId: string; heldAt: string } | null;
  /** Which requests carry a lead (`lead_requests`): an erasure redacts each of them. */
  leadRequest: { leadId: string; requestId: string } | null;
  /** The change to fan out to destinations (delivery/fan-out.ts); null when nothing changed. */
  change: (LeadChange & { sourceId: string }) | null;
  /** The lead as stored after this item (for the lookups of the request's next items). */
  stored: StoredLead | null;
}

/** Makes the ids of new rows (`lead_…`, `tle_…`): time-ordered unless a test fixes them. */
export type NewId = (prefix: string) => string;

/**
 * Decide what one mapped provider item does (pure apart from new ids): a duplicate of an applied
 * idempotency key; held, when its lead's personal data was erased (answered quarantined with the
 * reason; an admin applies or discards the request later); else merged into its lead
 * ({@link mergeLead}: created, updated or stale) with its timeline entries and ledger entry.
 * A retry of what was applied before an erasure is a duplicate, never held.
 */
export function planItemApply(input: { target: ApplyTarget; index: number; patch: LeadPatch; raw: unknown; lookups: IngestLookups; newId?: NewId }): ItemPlan {
  const { target: t, index, patch, raw, lookups } = input;
  const newId = input.newId ?? timeOrderedId;
  const none = { leadWrite: null, timeline: [], ledger: null, held: null, change: null, stored: null };
  const seen = lookups.seenLeadId(patch.idempotencyKey);
  if (seen !== undefined) {
    return { ...none, outcome: { index, outcome: 'duplicate', leadId: seen, providerLeadId: patch.providerLeadId, reason: null }, leadRequest: { leadId: seen, requestId: t.requestId } };
  }
  const existing = lookups.storedLead(patch.providerLeadId) ?? null;
  const erasedAt = existing === null ? undefined : lookups.holdingErasure(existing.id);
  if (existing !== null && erasedAt !== undefined) {
    const reason = `held: the personal data of lead ${existing.id} was erased on ${erasedAt}; apply or discard request ${t.requestId} (leadhook leads apply-held|discard-held)`;
    return {
      ...none,
      outcome: { index, outcome: 'quarantined', leadId: existing.id, providerLeadId: patch.providerLeadId, reason },
      held: { requestId: t.requestId, leadId: existing.id, heldAt: t.receivedAt },
      leadRequest: { leadId: existing.id, requestId: t.requestId },
    };
  }
  const leadId = existing?.id ?? newId('lead');
  const result = mergeLead(existing, patch, { leadId, sourceId: t.sourceId, provider: t.provider, receivedAt: t.receivedAt });
  const lead = result.lead;
  const changed = result.outcome !== 'stale';
  return {
    outcome: { index, outcome: result.outcome, leadId: lead.id, providerLeadId: patch.providerLeadId, reason: null },
    leadWrite: changed ? { kind: result.outcome === 'created' ? 'insert' : 'update', row: leadRow(lead, result.orderingTs) } : null,
    timeline: result.timeline.map((entry) => ({
      id: newId('tle'),
      leadId: lead.id,
      dedupeKey: storedDedupeKey(entry.dedupeKey),
      kind: entry.kind,
      occurredAt: entry.occurredAt,
      recordedAt: t.receivedAt,
      summary: entry.summary,
      data: entry.data,
      requestId: t.requestId,
    })),
    ledger: { sourceId: t.sourceId, idempotencyKey: patch.idempotencyKey, leadId: lead.id, requestId: t.requestId, outcome: result.outcome },
    held: null,
    leadRequest: { leadId: lead.id, requestId: t.requestId },
    change: changed
      ? { outcome: result.outcome as LeadChange['outcome'], lead, changes: result.changes, previousStage: existing?.lead.stage ?? null, payload: raw, sourceId: t.sourceId }
      : null,
    stored: changed ? { id: lead.id, lead, orderingTs: result.orderingTs } : existing,
  };
}

/** The `leads` row of `lead`. */
export function leadRow(lead: Lead, orderingTs: string): LeadRowWrite {
  return {
    id: lead.id,
    sourceId: lead.sourceId,
    provider: lead.provider,
    providerLeadId: lead.providerLeadId,
    stage: lead.stage,
    phone: lead.person.phone,
    email: lead.person.email,
    searchText: searchText(lead),
    lastEventAt: lead.lastEventAt,
    orderingTs,
    version: lead.version,
    isTest: lead.isTest,
    phones: leadPhones(lead),
    lead,
  };
}

/** Longest timeline dedupe key stored as it is (keys are built from provider ids, e.g. Anarock note ids). */
export const MAX_DEDUPE_KEY_LENGTH = 200;

/**
 * A timeline dedupe key as stored: itself when short, else its start and a hash of the whole, so a
 * hostile provider id cannot make an index entry PostgreSQL refuses (over ~2.7 KB), and the same key
 * always maps to the same stored one (re-applying an event still adds nothing).
 */
export function storedDedupeKey(key: string): string {
  if (key.length <= MAX_DEDUPE_KEY_LENGTH) return key;
  return `${key.slice(0, 120)}…#${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}
