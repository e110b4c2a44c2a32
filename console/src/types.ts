/** The API's shapes the console reads (see GET /openapi.json); only the fields it uses are required. */

export const STAGES = [
  'new', 'assigned', 'working', 'contacted', 'qualified', 'appointment_booked', 'appointment_done',
  'negotiation', 'won', 'nurture', 'lost', 'junk', 'duplicate', 'archived', 'unknown',
] as const;

export const PROVIDERS: readonly { id: string; label: string }[] = [
  { id: 'anarock', label: 'Anarock' },
  { id: 'leadpro', label: 'LeadPro' },
  { id: 'casayes', label: 'CasaYes' },
  { id: 'praetorian', label: 'Praetorian' },
];

export function providerLabel(id: string): string {
  return PROVIDERS.find((p) => p.id === id)?.label ?? id;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Person {
  fullName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  emailRaw: string | null;
  phone: string | null;
  phoneRaw: string | null;
  otherPhones: string[];
  phoneExtension: string | null;
}

export interface Attribution {
  channel: string | null;
  source: string | null;
  subSource: string | null;
  placement: string | null;
  pageUrl: string | null;
}

export interface Lead {
  id: string;
  sourceId: string;
  provider: string;
  providerLeadId: string;
  stage: string;
  providerStatus: string | null;
  person: Person;
  message: string | null;
  attribution: Attribution;
  firstAttribution: Attribution | null;
  assignee: { name: string | null; email: string | null } | null;
  providerCreatedAt: string | null;
  firstSeenAt: string;
  lastEventAt: string;
  lastProviderUpdateAt: string | null;
  version: number;
  isTest: boolean;
  extra: Record<string, unknown>;
  erasedAt?: string;
}

export interface TimelineEntry {
  id: string;
  kind: string;
  occurredAt: string | null;
  recordedAt: string;
  summary: string;
  data: Record<string, unknown>;
  dedupeKey: string;
  requestId: string;
}

export type LeadWithTimeline = Lead & { timeline: TimelineEntry[] };

export interface SourceSummary {
  id: string;
  provider: string;
  name: string;
}

export interface ItemOutcome {
  index: number;
  outcome: string;
  leadId: string | null;
  providerLeadId: string | null;
  reason: string | null;
}

export interface StoredRequest {
  id: string;
  sourceId: string;
  provider: string;
  receivedAt: string;
  status: string;
  reason: string | null;
  httpStatus: number;
  contentType: string | null;
  headers: Record<string, string>;
  bodySize: number;
  items: ItemOutcome[];
  leadIds: string[];
  /** The one-request view only. */
  body?: string | null;
  bodyBase64?: string | null;
  /** Claims of a credential the server verified (LeadPro's JWT). */
  authPayload?: unknown;
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
  eventType: string;
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
  attempts?: Attempt[];
  event?: unknown;
}

export interface DestinationSummary {
  id: string;
  name: string;
}

export interface Stats {
  from: string;
  to: string;
  timeZone: string;
  leadsPerDay: { day: string; provider: string; count: number }[];
  leadsByStage: { stage: string; count: number }[];
  quarantinedWaiting: number;
  deliveries: {
    destinationId: string;
    name: string;
    succeeded: number;
    failed: number;
    filtered: number;
    pending: number;
    successRate: number | null;
    latencyMsP50: number | null;
    latencyMsP95: number | null;
  }[];
}
