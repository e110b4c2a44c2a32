/**
 * Inputs for the storage contract suite, built the way leadhook builds them: sources and
 * destinations as the API creates them, and ingest jobs from real webhook bytes through the
 * providers' own parse and normalize (src/ingest/prepare-items.ts jobFromParse).
 */
import { newSecret, secretId, timeOrderedId } from '../../src/core/ids.js';
import type { ProviderId } from '../../src/core/lead.js';
import { EVENT_TYPES } from '../../src/core/lead-events.js';
import { DestinationPlanner } from '../../src/delivery/planner.js';
import { jobFromParse } from '../../src/ingest/prepare-items.js';
import { refusalOf } from '../../src/ingest/record-refusal.js';
import { getProvider } from '../../src/providers/index.js';
import type { DestinationRecord, NewDestination } from '../../src/storage/delivery-port.js';
import type { IngestJob, IngestResult, SourceRecord, Store } from '../../src/storage/port.js';
import type { NewRefusal } from '../../src/storage/refusal-port.js';

/** What `makeStore` gives the suite: a fresh, empty store and how to dispose of it. */
export interface StoreHandle {
  store: Store;
  close(): Promise<void>;
}

export type MakeStore = () => Promise<StoreHandle>;

const BASE_MS = Date.parse('2025-03-01T00:00:00.000Z');

/** The ISO time `minutes` after the suite's fixed base time (every port method takes times from here). */
export function at(minutes: number): string {
  return new Date(BASE_MS + Math.round(minutes * 60_000)).toISOString();
}

let serial = 0;
/** A short id unique within the run, for provider lead ids and names. */
export function unique(prefix = 'x'): string {
  return `${prefix}${++serial}${Math.random().toString(36).slice(2, 6)}`;
}

/** Create a source the way the API does (random URL token and secret). */
export async function addSource(store: Store, provider: ProviderId, createdAt = at(0), defaultCountry: string | null = null): Promise<SourceRecord> {
  return store.createSource({
    id: timeOrderedId('src', Date.parse(createdAt)),
    provider,
    name: `${provider} ${unique()}`,
    urlToken: secretId('wh'),
    secret: newSecret(),
    defaultCountry,
    createdAt,
  });
}

/** Create a destination (every event type unless told) and return it. */
export async function addDestination(store: Store, fields: Partial<NewDestination> = {}, createdAt = at(0)): Promise<DestinationRecord> {
  return store.delivery.createDestination(
    {
      id: secretId('dst'),
      name: `receiver ${unique()}`,
      url: `https://receiver.example/${unique()}`,
      events: [...EVENT_TYPES],
      filter: null,
      sourceIds: null,
      includeTest: false,
      secret: `whsec_${Buffer.from(unique('secret-of-destination-')).toString('base64')}`,
      createdAt,
      ...fields,
    },
    100,
  );
}

/** Give the store the real planner, loaded with its current destinations (as the delivery service does). */
export async function planWithDestinations(store: Store): Promise<void> {
  const planner = new DestinationPlanner();
  planner.load(await store.delivery.listDestinations());
  store.delivery.setPlanner(planner);
}

/** The ingest job of a webhook body received at `receivedAt` (ISO), as receive-webhook.ts builds it. */
export function webhookJob(source: SourceRecord, body: string | Buffer, receivedAt: string, authPayload?: unknown): IngestJob {
  const adapter = getProvider(source.provider);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const received = new Date(receivedAt);
  const headers = { 'content-type': 'application/json' };
  const req = { headers, body: bytes, receivedAt: received };
  const ctx = { defaultCountry: source.defaultCountry ?? adapter.homeCountry, receivedAt: received };
  const job = jobFromParse(adapter, adapter.parse(req, authPayload), ctx);
  return {
    ...job,
    request: {
      id: timeOrderedId('req', received.getTime()),
      sourceId: source.id,
      provider: source.provider,
      receivedAt,
      contentType: 'application/json',
      headers,
      body: bytes,
      authPayload,
    },
  };
}

/** Ingest a body and return the result. */
export async function send(store: Store, source: SourceRecord, body: unknown, receivedAt: string): Promise<IngestResult> {
  return store.ingest(webhookJob(source, typeof body === 'string' ? body : JSON.stringify(body), receivedAt));
}

/** One Anarock lead's history: step 0 is the fresh lead, each later step moves the status on an hour later and adds a note. */
export interface AnarockLead {
  leadId: number;
  name: string;
  phone: string;
  email: string | null;
  /** Epoch seconds. */
  createdAt: number;
}

export function anarockLead(fields: Partial<AnarockLead> = {}): AnarockLead {
  const leadId = 7_000_000 + Math.floor(Math.random() * 1_000_000);
  return {
    leadId,
    name: `Asha ${unique('n')}`,
    phone: `+9198${String(leadId).slice(-8).padStart(8, '0')}`,
    email: null,
    createdAt: Math.floor(BASE_MS / 1000) - 86_400,
    ...fields,
  };
}

const ANAROCK_STATUSES = ['Fresh', 'Interested', 'Visit done', 'Final negotiation', 'Booking done'];
const ANAROCK_MOVES = ['moved_to_interested', 'moved_to_visit_done', 'moved_to_final_negotiation', 'moved_to_booking_done'];

/** The full Anarock snapshot of `lead` at `step` (its provider time grows with the step). */
export function anarockSnapshot(lead: AnarockLead, step: number): Record<string, unknown> {
  const statusChanges: Record<string, number> = {};
  for (let k = 1; k <= step; k++) statusChanges[ANAROCK_MOVES[(k - 1) % ANAROCK_MOVES.length] as string] = lead.createdAt + k * 3600;
  return {
    lead_id: lead.leadId,
    name: lead.name,
    phone: lead.phone,
    email: lead.email,
    country_code: '+91',
    channel_name: 'agent_app',
    source: 'facebook',
    lead_status: step === 0 ? ANAROCK_STATUSES[0] : ANAROCK_STATUSES[1 + ((step - 1) % (ANAROCK_STATUSES.length - 1))],
    created_at: lead.createdAt,
    status_changes: statusChanges,
    notes: Array.from({ length: step }, (_, k) => ({
      note_id: lead.leadId * 100 + k + 1,
      note_type: 'text',
      data: `note ${k + 1} about ${lead.name}`,
      created_at: lead.createdAt + (k + 1) * 3600,
    })),
  };
}

/** A Praetorian lead element (`production: false` marks a test lead). */
export function praetorianLead(fields: { id?: string; firstName?: string; lastName?: string; email?: string; phone?: string; message?: string; production?: boolean } = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {
    first_name: fields.firstName ?? 'Pat',
    last_name: fields.lastName ?? unique('L'),
  };
  if (fields.email !== undefined) data['email'] = fields.email;
  if (fields.phone !== undefined) data['phone'] = fields.phone;
  if (fields.message !== undefined) data['message'] = fields.message;
  const lead: Record<string, unknown> = { id: fields.id ?? unique('led_'), url: 'https://site.example/form/', created: at(0), data };
  if (fields.production !== undefined) lead['production'] = fields.production;
  return lead;
}

/** A refusal of `source` at `receivedAt`, as the ingest path records it. */
export function refusal(source: SourceRecord, receivedAt: string, body = '{"lead":"refused"}'): NewRefusal {
  return refusalOf({
    source,
    headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
    body: Buffer.from(body),
    contentType: 'application/json',
    receivedAt: new Date(receivedAt),
    reason: 'bad_credentials',
    detail: 'the secret does not match',
  });
}

/**
 * Every page of a keyset-paginated list, following `nextCursor`; `between` runs after each page
 * (to write while a reader pages).
 */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  between: (seen: number) => Promise<unknown> = async () => undefined,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await page(cursor);
    out.push(...p.items);
    await between(out.length);
    if (p.nextCursor === null) return out;
    cursor = p.nextCursor;
  }
  throw new Error('the cursor never ended');
}
