import type { Lead, LeadPatch, ProviderId, TimelineEntry } from '../core/lead.js';
import type { DeliveryStore } from './delivery-port.js';

/** A registered provider account: its URL id is a credential. */
export interface SourceRecord {
  id: string;
  provider: ProviderId;
  name: string;
  secret: string;
  defaultCountry: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export type NewSource = Pick<SourceRecord, 'id' | 'provider' | 'name' | 'secret' | 'defaultCountry' | 'createdAt'>;
export type SourceChanges = Partial<Pick<SourceRecord, 'name' | 'secret' | 'defaultCountry'>>;

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
  reprocessedAt: string | null;
}

export interface StoredRequestWithBody extends StoredRequest {
  body: Buffer;
  authPayload: unknown;
  /** Why items were quarantined, summarized (all of them, shown or not). */
  quarantine: QuarantineSummary;
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
  limit: number;
  cursor?: string;
}

export interface RequestQuery {
  sourceId?: string;
  status?: RequestStatus;
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

  createSource(source: NewSource): Promise<SourceRecord>;
  /** Includes deleted sources (the caller decides); null when unknown. */
  getSource(id: string): Promise<SourceRecord | null>;
  listSources(): Promise<SourceRecord[]>;
  updateSource(id: string, changes: SourceChanges, now: string): Promise<SourceRecord | null>;
  deleteSource(id: string, now: string): Promise<boolean>;

  /** Store the request and apply its items, in one durable transaction. */
  ingest(job: IngestJob): Promise<IngestResult>;
  /** Apply re-normalized items of a stored request again (idempotently) and record the new outcome. */
  reprocess(requestId: string, job: Omit<IngestJob, 'request'>, now: string): Promise<IngestResult>;

  listLeads(query: LeadQuery): Promise<Page<Lead>>;
  getLead(id: string): Promise<(Lead & { timeline: TimelineEntry[] }) | null>;
  listRequests(query: RequestQuery): Promise<Page<StoredRequest>>;
  getRequest(id: string): Promise<StoredRequestWithBody | null>;

  /** The current storage fault, if any: set by a failed operation, cleared by the next write that commits. */
  storageStatus(): StorageStatus;

  close(): Promise<void>;
}
