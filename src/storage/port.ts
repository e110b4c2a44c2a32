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
  reason: string | null;
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

/** One request to store, with its lead items already normalized. */
export interface IngestJob {
  request: InboundRecord;
  /** `unparseable`: the body could not be read at all (answered 400, kept quarantined). */
  kind: 'leads' | 'ping' | 'unparseable';
  reason: string | null;
  httpStatus: number;
  items: IngestItem[];
}

export interface IngestResult {
  requestId: string;
  status: RequestStatus;
  items: ItemOutcome[];
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
  items: ItemOutcome[];
  leadIds: string[];
  reprocessedAt: string | null;
}

export interface StoredRequestWithBody extends StoredRequest {
  body: Buffer;
  authPayload: unknown;
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
