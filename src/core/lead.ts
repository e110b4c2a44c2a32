/**
 * The canonical lead model (../shared/providers.md §4). Pure types and constants: no I/O.
 */

/** Pipeline stages, in reporting order (providers.md §4.3). */
export const STAGES = [
  'new',
  'assigned',
  'working',
  'contacted',
  'qualified',
  'appointment_booked',
  'appointment_done',
  'negotiation',
  'won',
  'nurture',
  'lost',
  'junk',
  'duplicate',
  'archived',
  'unknown',
] as const;
export type Stage = (typeof STAGES)[number];

export const PROVIDER_IDS = ['anarock', 'leadpro', 'casayes', 'praetorian'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export interface Person {
  fullName: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Trimmed, lower-cased, valid; else null (then `emailRaw` holds what was sent, e.g. Cloudflare's `[email protected]`). */
  email: string | null;
  emailRaw: string | null;
  /** E.164 of the first valid number the provider sent, when libphonenumber says it is valid; else null. */
  phone: string | null;
  /** The phone value as sent, whole (several numbers, extension and all). */
  phoneRaw: string | null;
  /** The other valid numbers of that value (`98200 12345 / 98200 54321`): E.164, deduplicated, at most 5, never `phone`. */
  otherPhones: string[];
  /** The extension written after `phone` (`ext 2`, `x 2`, `#2`), or null. */
  phoneExtension: string | null;
}

export interface Attribution {
  channel: string | null;
  source: string | null;
  subSource: string | null;
  placement: string | null;
  pageUrl: string | null;
}

export interface Assignee {
  name: string | null;
  email: string | null;
}

/** The lead as the API shows it. */
export interface Lead {
  id: string;
  sourceId: string;
  provider: ProviderId;
  providerLeadId: string;
  stage: Stage;
  /** The provider's status, verbatim. */
  providerStatus: string | null;
  person: Person;
  message: string | null;
  /** The latest attribution: each update's non-null values replace the stored ones. */
  attribution: Attribution;
  /**
   * Where the lead came from, as its first applied event said; set once, never updated. `null` =
   * unknown: a lead stored before this field existed and updated since (its first attribution was
   * overwritten before anyone kept it).
   */
  firstAttribution: Attribution | null;
  assignee: Assignee | null;
  providerCreatedAt: string | null;
  firstSeenAt: string;
  /** Hub time of the last change applied to this lead. */
  lastEventAt: string;
  /** Newest provider time applied (ordering key); null when the provider carries none. */
  lastProviderUpdateAt: string | null;
  /** Increments on every applied (non-duplicate, non-stale) event. */
  version: number;
  /**
   * The provider flagged the lead as a test (Praetorian/Lexipol `production: false`). Test leads are
   * left out of lead lists unless asked for, and forwarded only to destinations with `includeTest`.
   */
  isTest: boolean;
  /** Every provider field with no canonical home, keyed as the provider named it. */
  extra: Record<string, unknown>;
}

export const TIMELINE_KINDS = [
  /** The provider's creation of the lead, at the creation time it gave. */
  'created',
  /** The hub's first sighting of a lead whose provider gave no creation time (at the receipt). */
  'first_received',
  /** Canonical fields an applied event changed: `data.changes` = `{ "<field>": { from, to } }`. */
  'field_changed',
  'status_changed',
  'note',
  'call',
  'appointment',
  'disposition',
  'booking',
  'reenquiry',
  'assigned',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One timeline entry as a provider item describes it; stored once per (lead, dedupeKey). */
export interface TimelineItem {
  kind: TimelineKind;
  /** Provider time of the entry (ISO UTC), when it has one. */
  occurredAt: string | null;
  summary: string;
  data: Record<string, unknown>;
  /** Stable per lead, e.g. `note:357202`; the same entry in a later snapshot has the same key. */
  dedupeKey: string;
}

export interface TimelineEntry extends TimelineItem {
  id: string;
  recordedAt: string;
  requestId: string;
}

/** Canonical fields one provider item sets. `undefined` = not sent (keep), `null` = cleared. */
export interface LeadFields {
  stage: Stage;
  providerStatus: string | null;
  person: Person;
  message: string | null;
  attribution: Attribution;
  assignee: Assignee | null;
  providerCreatedAt: string | null;
  /** The provider's test flag (see `Lead.isTest`); false for providers that have none. */
  isTest: boolean;
  extra: Record<string, unknown>;
}

/** What one provider item says about one lead, after normalization. */
export interface LeadPatch {
  providerLeadId: string;
  /**
   * Event-level dedupe key, unique per source. Creation-only providers use the provider id;
   * snapshot providers use id + a hash of the canonical snapshot (providers.md §4.7).
   */
  idempotencyKey: string;
  /** The provider's own label for the event (`lead.updated`, `lead_update`, …), or null. */
  providerEventType: string | null;
  /** Newest provider timestamp the item carries (ISO UTC); null = order by receipt time. */
  occurredAt: string | null;
  /**
   * The provider says this item describes the lead's creation (LeadPro `lead.created`). For a lead
   * already known it can only be older than what is stored, so it is applied as stale.
   */
  isCreation?: boolean;
  fields: LeadFields;
  /** Provider-described history (notes, calls, appointments, dispositions…). */
  timeline: TimelineItem[];
}

export const EMPTY_ATTRIBUTION: Attribution = Object.freeze({
  channel: null,
  source: null,
  subSource: null,
  placement: null,
  pageUrl: null,
});
