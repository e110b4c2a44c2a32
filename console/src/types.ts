/**
 * The API's shapes the console reads (see GET /openapi.json and src/http/openapi-schemas.ts).
 *
 * Where the server's own type is the JSON the API sends and lives in a pure module (no Node imports),
 * it is imported as a type (erased by esbuild, so no server code reaches the browser): the lead
 * (src/core/lead.ts) and the overview figures (src/core/stats.ts). The others are the wire format
 * written out here: the routes reshape their storage records (request bodies are bytes in storage and
 * text or base64 on the wire; sources and destinations drop secrets for viewers and gain URLs and
 * counts), and the server modules that hold them import Node's own (Buffer, node:crypto).
 */
import type { Lead, ProviderId, Stage, TimelineEntry } from '../../src/core/lead.js';
import type { StatsOut } from '../../src/core/stats.js';

export type { Attribution, Lead, Person, ProviderId, Stage, TimelineEntry } from '../../src/core/lead.js';

/** GET /api/stats. */
export type Stats = StatsOut;

/** The stages in pipeline order (the server's STAGES, which the browser bundle does not import). */
export const STAGES = [
  'new', 'assigned', 'working', 'contacted', 'qualified', 'appointment_booked', 'appointment_done',
  'negotiation', 'won', 'nurture', 'lost', 'junk', 'duplicate', 'archived', 'unknown',
] as const satisfies readonly Stage[];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** GET /api/leads/:id: the lead with its timeline; an erased lead says when. */
export type LeadWithTimeline = Lead & { timeline: TimelineEntry[]; erasedAt?: string };

export type AuthMethod = 'url_secret' | 'authorization_header' | 'token_header' | 'jwt_hs256';

export interface RefusalCounts {
  total: number;
  since: string | null;
  lastAt: string | null;
}

export interface Source {
  id: string;
  provider: ProviderId;
  name: string;
  /** Only in the source's own admin view (create, get one, change, rotate-url). */
  webhookPath?: string;
  /** null until LEADHOOK_PUBLIC_URL is set. */
  webhookUrl?: string | null;
  previousWebhookUrlExpiresAt: string | null;
  /** Only when just created or changed. */
  secret?: string;
  previousSecretExpiresAt: string | null;
  authMethod: AuthMethod;
  defaultCountry: string | null;
  effectiveCountry: string;
  setup: string[];
  refusals?: RefusalCounts;
  /** GET /api/sources and /api/sources/:id only: its newest stored webhook's receipt (test leads left out), or null. */
  lastReceivedAt?: string | null;
  /** GET /api/sources and /api/sources/:id only: webhooks refused for bad credentials, all counted. */
  refusedCount?: number;
  /** GET /api/sources and /api/sources/:id only: its quarantined requests still waiting (the "Errors" count). */
  quarantinedCount?: number;
  createdAt: string;
  updatedAt: string;
}

export interface ItemCounts {
  total: number;
  created?: number;
  updated?: number;
  duplicate?: number;
  stale?: number;
  quarantined?: number;
}

export interface ItemOutcome {
  index: number;
  outcome: string;
  leadId: string | null;
  providerLeadId: string | null;
  reason: string | null;
}

export type RequestStatus = 'accepted' | 'duplicate' | 'quarantined';

/** A stored webhook as GET /api/requests lists it. */
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
  itemCounts: ItemCounts;
  leadIds: string[];
  reprocessedAt: string | null;
  reprocessCount: number;
}

export interface QuarantineSummary {
  count: number;
  kept: number;
  reasons: { reason: string; count: number; firstIndexes: number[] }[];
  otherReasons: { count: number; firstIndexes: number[] };
}

export interface RequestReprocess {
  at: string;
  status: RequestStatus;
  reason: string | null;
  itemCounts: ItemCounts;
  items: ItemOutcome[];
}

/** GET /api/requests/:id: the stored webhook with its body (text, or base64 when it is not UTF-8). */
export interface RequestDetail extends StoredRequest {
  body: string | null;
  bodyBase64: string | null;
  /** Claims of a credential the server verified (LeadPro's JWT). */
  authPayload?: unknown;
  quarantine?: QuarantineSummary;
  reprocesses?: RequestReprocess[];
}

/** A refused webhook (`rej_…`): its credentials did not match. */
export interface Refusal {
  id: string;
  sourceId: string;
  provider: ProviderId;
  receivedAt: string;
  status: 'rejected';
  httpStatus: number;
  reason: string;
  detail: string;
  contentType: string | null;
  headers: Record<string, string>;
  headersOmitted: number;
  bodySize: number;
  bodyExcerpt: string | null;
  bodyExcerptBase64: string | null;
  bodyTruncated: boolean;
}

export interface RequestPage extends Page<StoredRequest | Refusal> {
  refusals?: RefusalCounts;
}

export interface WebhookResult {
  requestId: string;
  status?: RequestStatus;
  leads: { id: string; providerLeadId: string | null; outcome: string }[];
  quarantined?: { index: number; providerLeadId: string | null; reason: string }[];
  quarantinedCount?: number;
}

export interface HeldRequest {
  requestId: string;
  leadId: string;
  sourceId: string;
  receivedAt: string;
  heldAt: string;
  resolution: 'applied' | 'discarded' | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

/** The server's event types (src/core/lead-events.ts), in its order; a new destination takes every one by default. */
export const EVENT_TYPES = ['lead.created', 'lead.updated', 'lead.stage_changed', 'lead.erased'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface RuleTemplate {
  id: string;
  title: string;
  description: string;
  expression: string;
}

export interface Destination {
  id: string;
  name: string;
  url: string;
  events: EventType[];
  filter: string | null;
  sourceIds: string[] | null;
  includeTest: boolean;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  lastSuccessAt: string | null;
  failingSince: string | null;
  filteredCount: number;
  /** The last time its rule failed on a delivery. */
  lastRuleError: { message: string; at: string; deliveryId: string } | null;
  /** The signing secret: only when just created or rotated. */
  secret?: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Attempt {
  id: string;
  attemptNumber: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: EventType;
  destinationId: string;
  leadId: string;
  status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'filtered';
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  /** GET /api/deliveries/:id only. */
  attempts?: Attempt[];
  /** GET /api/deliveries/:id only: the event sent. */
  event?: unknown;
}

export interface TestSend {
  ok: boolean;
  eventId: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet?: string | null;
}

export interface TryFilterItem {
  /** null for a sample. */
  eventId: string | null;
  type: string;
  leadId: string;
  leadName: string | null;
  createdAt: string;
  matched: boolean;
  error: string | null;
  /**
   * Not a stored event but a recent lead as the lead.created event it would make (few events are
   * stored before a destination exists); `createdAt` is then when the lead was first seen.
   */
  sample?: boolean;
}

export type TokenRole = 'admin' | 'viewer';

export interface ApiToken {
  id: string;
  name: string;
  role: TokenRole;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewApiToken extends ApiToken {
  token: string;
}
