import type { Lead, LeadPatch, ProviderId, TimelineEntry } from '../core/lead.js';
import type { SourceCredentials } from '../core/source-credentials.js';
import type { AuthStore } from './auth-port.js';
import type { ConsoleStore } from './console-port.js';
import type { DeliveryStore } from './delivery-port.js';
import type { RefusalStore } from './refusal-port.js';

/**
 * A registered provider account. `id` is its stable public id (leads, requests, events and
 * destinations reference it); `urlToken` is the secret part of its webhook URL, a credential shown
 * only in the source's own admin view. After a rotation the replaced secret and URL token still
 * authenticate until their `…ExpiresAt` (null: not at all).
 */
export interface SourceRecord extends SourceCredentials {
  id: string;
  provider: ProviderId;
  name: string;
  defaultCountry: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewSource = Pick<SourceRecord, 'id' | 'provider' | 'name' | 'urlToken' | 'secret' | 'defaultCountry' | 'createdAt'>;

/**
 * A change to a source. A new `secret` or `urlToken` replaces the current one, which stays valid until
 * `previousSecretExpiresAt` / `previousUrlTokenExpiresAt` (null: it stops now; a previous one kept
 * from an earlier rotation is dropped either way).
 */
export interface SourceChanges {
  name?: string;
  defaultCountry?: string | null;
  secret?: string;
  previousSecretExpiresAt?: string | null;
  urlToken?: string;
  previousUrlTokenExpiresAt?: string | null;
}

export type RequestStatus = 'accepted' | 'duplicate' | 'quarantined';
export type ItemOutcomeKind = 'created' | 'updated' | 'duplicate' | 'stale' | 'quarantined';

export interface ItemOutcome {
  index: number;
  outcome: ItemOutcomeKind;
  leadId: string | null;
  providerLeadId: string | null;
  /** At most {@link ITEM_REASON_LENGTH} characters. */
  reason: string | null;
}

/**
 * Bounds on what one request may store and show about its items, whatever its body holds: every
 * applied lead is answered, but a request records its items one by one only up to these counts,
 * and counts and summarizes the rest (the raw body is kept, so reprocessing re-reads every item).
 */
export const ITEM_LIMITS = {
  /** Quarantined items recorded (and answered) one by one; the rest are counted per reason. */
  quarantinedKept: 100,
  /** Applied items (created, updated, duplicate, stale) a stored request records one by one. */
  appliedKept: 500,
  /** Distinct quarantine reasons counted; further reasons are counted together. */
  reasonsKept: 20,
  /** Item indexes listed per quarantine reason. */
  indexesPerReason: 5,
  /** Items shown per request by `GET /api/requests` (the list); `GET /api/requests/:id` shows all kept. */
  listed: 10,
} as const;

/** Bounds on the reprocess history a request keeps beside its own outcome. */
export const REPROCESS_LIMITS = {
  /** Reprocesses kept per request, the newest; every one is counted (`reprocessCount`). */
  kept: 20,
  /** Items each kept reprocess records one by one (its counts and quarantine summary cover all). */
  itemsPerReprocess: 50,
} as const;

/** One reprocess of a stored request: when, and what it came to (the request's own outcome is never changed). */
export interface RequestReprocess {
  at: string;
  status: RequestStatus;
  reason: string | null;
  itemCounts: ItemCounts;
  quarantine: QuarantineSummary;
  /** The first {@link REPROCESS_LIMITS}.itemsPerReprocess item outcomes, in item order. */
  items: ItemOutcome[];
}

/** Longest reason of one item, characters. */
export const ITEM_REASON_LENGTH = 300;
/** Longest reason of a request (parse warnings and the first quarantined item), characters. */
export const REQUEST_REASON_LENGTH = 2500;

/** How many items a request had, in all and per outcome. */
export interface ItemCounts {
  total: number;
  created: number;
  updated: number;
  duplicate: number;
  stale: number;
  quarantined: number;
}

/** One reason items were quarantined for: how many, and the first of their indexes. */
export interface QuarantineReason {
  reason: string;
  count: number;
  firstIndexes: number[];
}

/**
 * The items a mapping could not use, bounded: all are counted (per reason, the first
 * {@link ITEM_LIMITS}.reasonsKept reasons), the first {@link ITEM_LIMITS}.quarantinedKept are kept
 * one by one (as error items of the job, or quarantined outcomes of the result).
 */
export interface QuarantineSummary {
  count: number;
  /** Quarantined items recorded one by one so far (at most ITEM_LIMITS.quarantinedKept). */
  kept: number;
  reasons: QuarantineReason[];
  /** Items whose reason came after the first reasonsKept distinct ones. */
  otherReasons: { count: number; firstIndexes: number[] };
}

/** An inbound request as stored: exact body bytes, redacted headers. */
export interface InboundRecord {
  id: string;
  sourceId: string;
  provider: ProviderId;
  receivedAt: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: Buffer;
  /** Payload carried by the credential itself (LeadPro JWT claims), kept for reprocessing. */
  authPayload: unknown;
  /**
   * A sample lead sent by `POST /api/sources/:id/test-lead` (never a webhook): kept with the request,
   * so that its leads stay test leads when it is reprocessed or applied. Absent: false.
   */
  isTestSend?: boolean;
}

/** `raw` is the provider's own JSON item (rules over `payload` read it). */
export type IngestItem = { index: number; patch: LeadPatch; raw: unknown } | { index: number; error: string };

/** One request to store, with its lead items already normalized. Plain data (it crosses worker threads). */
export interface IngestJob {
  request: InboundRecord;
  /** `unparseable`: the body could not be read at all (answered 400, kept quarantined). */
  kind: 'leads' | 'ping' | 'unparseable';
  /** At most {@link REQUEST_REASON_LENGTH} characters. */
  reason: string | null;
  httpStatus: number;
  /** Every item that mapped to a lead patch, and the first mapping errors (see `quarantined`). */
  items: IngestItem[];
  /** Every item the mapping could not use, counted; `kept` of them are error items of `items`. */
  quarantined: QuarantineSummary;
}

/**
 * What a request's items came to: every applied item, the first quarantined ones, counts of all,
 * and the quarantine reasons summarized.
 */
export interface ItemsOutcome {
  /** Applied items, then the kept quarantined ones, in item order. */
  items: ItemOutcome[];
  counts: ItemCounts;
  quarantine: QuarantineSummary;
}

export interface IngestResult extends ItemsOutcome {
  requestId: string;
  status: RequestStatus;
}

export interface StoredRequest {
  id: string;
  sourceId: string;
  provider: ProviderId;
  receivedAt: string;
  status: RequestStatus;
  reason: string | null;
  httpStatus: number;
  contentType: string | null;
  headers: Record<string, string>;
  bodySha256: string;
  bodySize: number;
  /**
   * Items recorded one by one, in item order: in a list, the first {@link ITEM_LIMITS}.listed; for
   * one request, the first ITEM_LIMITS.appliedKept applied and ITEM_LIMITS.quarantinedKept quarantined.
   */
  items: ItemOutcome[];
  /** How many items the request had, in all and per outcome (all of them, shown or not). */
  itemCounts: ItemCounts;
  /** Distinct leads of the items recorded one by one, in item order (in a list, the first ITEM_LIMITS.listed). */
  leadIds: string[];
  /** Time of the last reprocess, if any. */
  reprocessedAt: string | null;
  /** How many times the request was reprocessed (all of them, kept or not). */
  reprocessCount: number;
  /** Sent by `POST /api/sources/:id/test-lead`: its leads are test leads, reprocessed or not. */
  isTestSend: boolean;
}

export interface StoredRequestWithBody extends StoredRequest {
  body: Buffer;
  authPayload: unknown;
  /** Why items were quarantined, summarized (all of them, shown or not). */
  quarantine: QuarantineSummary;
  /** The last {@link REPROCESS_LIMITS}.kept reprocesses, oldest first. */
  reprocesses: RequestReprocess[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LeadQuery {
  /** Any of these E.164 numbers. */
  phones?: string[];
  email?: string;
  q?: string;
  stage?: string;
  provider?: string;
  sourceId?: string;
  /** Only test leads (true) or only real ones (false); absent: both. The API defaults to false. */
  isTest?: boolean;
  /** First seen at or after this ISO UTC time. */
  firstSeenSince?: string;
  /** First seen at or before this ISO UTC time. */
  firstSeenUntil?: string;
  /** Last activity (`lastEventAt`) at or after this ISO UTC time. */
  lastActivitySince?: string;
  /** Last activity at or before this ISO UTC time. */
  lastActivityUntil?: string;
  limit: number;
  cursor?: string;
}

/** Who asked for an erasure or resolved a held request: the admin token is one identity. */
export interface ErasureActor {
  /** Always `admin` (the only identity leadhook knows). */
  actor: 'admin';
  /** The address the API request came from. */
  remoteAddress: string | null;
  /** What the caller said about who asked (`?by=`), at most 200 characters; null when not given. */
  requestedBy: string | null;
}

/** What an erasure changed, counted. */
export interface ErasedCounts {
  /** Lead fields emptied: `person.*`, `message`, `attribution.pageUrl` query, `extra` keys. */
  leadFields: string[];
  timelineEntries: number;
  /** Stored requests whose body (or LeadPro claims) was replaced by a redacted copy. */
  requests: number;
  /** Of those, batch requests where only this lead's items were replaced. */
  requestsItemOnly: number;
  /** Held webhooks for the lead still waiting, discarded (and redacted) by this erasure. */
  heldDiscarded: number;
  events: number;
  /**
   * Destinations told of the erasure: one `lead.erased` delivery each (those subscribed to it that take
   * the lead's events). Absent in the stubs of erasures made before leadhook sent `lead.erased`.
   */
  destinationsNotified?: number;
  /** Response snippets of delivery attempts cleared (a receiver may echo what it was sent). */
  attemptResponses: number;
  /** Body excerpts of the source's refused webhooks that named the lead or its person, replaced by `(erased)`. */
  refusalExcerpts?: number;
}

/** The audit stub of an erasure: what was erased, when and by whom. */
export interface LeadErasure extends ErasureActor {
  leadId: string;
  erasedAt: string;
  erased: ErasedCounts;
  /** When an admin applied a held webhook, so that the lead takes new webhooks again; null while holding. */
  holdLiftedAt: string | null;
  holdLiftedBy: string | null;
}

/** A webhook item for an erased lead: stored, answered, not applied until an admin decides. */
export interface HeldRequest {
  requestId: string;
  leadId: string;
  sourceId: string;
  receivedAt: string;
  heldAt: string;
  /** null while waiting. */
  resolution: 'applied' | 'discarded' | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export interface HeldRequestQuery {
  /** Waiting ones only (the default), or every one. */
  pendingOnly: boolean;
  limit: number;
  cursor?: string;
}

export interface RequestQuery {
  sourceId?: string;
  status?: RequestStatus;
  /** Only requests that touched this lead (any item with its id, as answered or reprocessed: `lead_requests`). */
  leadId?: string;
  limit: number;
  cursor?: string;
}

/** Whether storage takes writes now (GET /health); `failing` names the fault until it clears. */
export type StorageStatus =
  | { status: 'ok' }
  | { status: 'failing'; fault: string; code: string; message: string; since: string };

/**
 * Everything leadhook needs from a database. Implementations commit `ingest` durably before the
 * promise resolves and throw `LH_E_STORE_UNAVAILABLE` when they cannot.
 */
export interface Store {
  /** Outbound delivery: destinations, the outbox and delivery attempts. */
  readonly delivery: DeliveryStore;
  /** Refused webhooks of known sources: a bounded ring per source, and counts. */
  readonly refusals: RefusalStore;
  /** Named API tokens and browser sessions (src/storage/auth-port.ts). */
  readonly auth: AuthStore;
  /** The console's reads (stats, recent events, leads by id) and lead change notices (src/storage/console-port.ts). */
  readonly console: ConsoleStore;

  createSource(source: NewSource): Promise<SourceRecord>;
  /** By public id. Includes deleted sources (the caller decides); null when unknown. */
  getSource(id: string): Promise<SourceRecord | null>;
  /**
   * The live source whose webhook URL carries `token` at `at` (ISO time): its current URL token, or
   * its previous one until that expires. Null when none (unknown, expired or deleted).
   */
  findSourceByUrlToken(token: string, at: string): Promise<SourceRecord | null>;
  listSources(): Promise<SourceRecord[]>;
  updateSource(id: string, changes: SourceChanges, now: string): Promise<SourceRecord | null>;
  deleteSource(id: string, now: string): Promise<boolean>;

  /** Store the request and apply its items, in one durable transaction. */
  ingest(job: IngestJob): Promise<IngestResult>;
  /**
   * Apply re-normalized items of a stored request again (idempotently) and record this reprocess
   * beside the request; the request's own status, reason and items stay as they were answered.
   */
  reprocess(requestId: string, job: Omit<IngestJob, 'request'>, now: string): Promise<IngestResult>;

  listLeads(query: LeadQuery): Promise<Page<Lead>>;
  getLead(id: string): Promise<(Lead & { timeline: TimelineEntry[] }) | null>;
  /**
   * Erase a lead's personal data everywhere it is stored (lead, timeline, raw request bodies, event
   * bodies, attempt responses, search text) in one transaction, and record the audit stub. Null for
   * an unknown lead. See src/storage/sqlite/erase-lead.ts for what is kept.
   */
  eraseLead(leadId: string, by: ErasureActor, now: string): Promise<LeadErasure | null>;
  /** The audit stub of the lead's erasure, or null when it was never erased. */
  getLeadErasure(leadId: string): Promise<LeadErasure | null>;
  /** Webhooks held because their lead was erased, newest first. */
  listHeldRequests(query: HeldRequestQuery): Promise<Page<HeldRequest>>;
  /**
   * Mark the request's waiting holds applied and lift their leads' holds (new webhooks apply again);
   * the caller then reprocesses the request. Throws LH_E_NOT_HELD when it holds nothing waiting.
   */
  releaseHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]>;
  /**
   * Mark the request's waiting holds discarded and replace the held leads' items in its body by a
   * redacted copy. Throws LH_E_NOT_HELD when it holds nothing waiting.
   */
  discardHeldRequest(requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]>;
  listRequests(query: RequestQuery): Promise<Page<StoredRequest>>;
  getRequest(id: string): Promise<StoredRequestWithBody | null>;

  /** The current storage fault, if any: set by a failed operation, cleared by the next write that commits. */
  storageStatus(): StorageStatus;

  close(): Promise<void>;
}
