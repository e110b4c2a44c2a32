import { Agent, request } from 'node:http';
import { SignJWT } from 'jose';

/** The four providers, each with one source in a crash suite. */
export type Provider = 'anarock' | 'leadpro' | 'casayes' | 'praetorian';
export const PROVIDERS: readonly Provider[] = ['anarock', 'leadpro', 'casayes', 'praetorian'];

/** A source as `POST /api/sources` answers it. */
export interface CrashSource {
  id: string;
  secret: string;
  webhookPath: string;
}

/** One webhook request a crash suite sent, and what came back. */
export interface SentWebhook {
  kind: 'new' | 'update' | 'retry';
  provider: Provider;
  sourceId: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  providerLeadIds: string[];
  /** Anarock only: the snapshot's step (0 = as created); its `lead_status` is {@link anarockStatus}(step). */
  step?: number;
  /** Which instance it went to (index), set by the sender. */
  instance?: number;
  status?: number;
  /** The answer's Retry-After header, if any. */
  retryAfter?: string;
  json?: any;
  error?: string;
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * POST a webhook over a keep-alive agent and record the answer (status and parsed JSON) or the
 * failure (`error`: reset, refused, timed out) on `s`. Never rejects.
 */
export async function sendWebhook(agent: Agent, port: number, s: SentWebhook): Promise<void> {
  const r = await new Promise<{ status: number; body: string; retryAfter: string | undefined } | { error: string }>((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: s.path, method: 'POST', agent, timeout: 20_000, headers: { ...s.headers, 'content-length': Buffer.byteLength(s.body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: res.headers['retry-after'] }));
        res.on('error', (e) => resolve({ error: e.message }));
        res.on('close', () => resolve({ error: 'response cut off' }));
      },
    );
    req.on('error', (e) => resolve({ error: e.message }));
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.end(s.body);
  });
  if ('error' in r) {
    s.error = r.error;
    return;
  }
  s.status = r.status;
  if (r.retryAfter !== undefined) s.retryAfter = r.retryAfter;
  try {
    s.json = JSON.parse(r.body);
  } catch {
    s.json = r.body;
  }
}

const ANAROCK_STATUSES = ['Fresh', 'Interested', 'Visit done', 'Final negotiation', 'Booking done'];
const ANAROCK_MOVES = ['moved_to_interested', 'moved_to_visit_done', 'moved_to_final_negotiation', 'moved_to_booking_done'];

/** The `lead_status` of an Anarock crash-suite snapshot at `step`. */
export function anarockStatus(step: number): string {
  return (step === 0 ? ANAROCK_STATUSES[0] : ANAROCK_STATUSES[1 + ((step - 1) % (ANAROCK_STATUSES.length - 1))]) as string;
}

/**
 * Valid, authenticated webhooks of all four providers for a crash suite: unique leads (Praetorian in
 * batches of one to three), Anarock full snapshots whose each later step moves the status on one hour
 * later (with one more note), and byte-exact copies of earlier requests. Every choice comes from
 * `random`, so a seed replays the sequence.
 */
export class CrashPayloads {
  private n = 0;
  private readonly anarockLeads: { id: number; createdAt: number; step: number }[] = [];

  constructor(
    private readonly sources: Record<Provider, CrashSource>,
    private readonly random: () => number,
    /** Makes provider ids unique per run, so runs on one database never meet. */
    private readonly runTag: string,
  ) {}

  /** A lead no request named before, of the providers in turn. */
  async fresh(): Promise<SentWebhook> {
    const n = ++this.n;
    const provider = PROVIDERS[n % PROVIDERS.length] as Provider;
    const source = this.sources[provider];
    const base = { kind: 'new' as const, provider, sourceId: source.id, path: source.webhookPath };
    const json = { 'content-type': 'application/json' };
    if (provider === 'anarock') {
      const lead = { id: 7_000_000 + n, createdAt: 1_700_000_000 + n, step: 0 };
      this.anarockLeads.push(lead);
      return this.anarock('new', lead.id, lead.createdAt, 0);
    }
    if (provider === 'leadpro') {
      const claims = {
        event: 'lead.created',
        data: { id: 8_000_000 + n, full_name: `Crash Lead ${n}`, email: `crash.${this.runTag}.${n}@example.co.uk`, phone: '07123456789', type: 'vendor' },
      };
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(source.secret));
      return { ...base, body: JSON.stringify(claims), headers: { ...json, authorization: `Bearer ${jwt}` }, providerLeadIds: [String(8_000_000 + n)] };
    }
    if (provider === 'casayes') {
      const reference = `CY-${this.runTag}-${n}`;
      const body = {
        CreatedDate: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString(),
        EntityPublicId: 'A3bT7Y2xL6w',
        EntityReference: '857632194-6',
        EntityType: 'Listing',
        LeadReference: reference,
        Message: `crash test lead ${n}`,
        SenderEmail: `crash.${n}@example.pt`,
        SenderName: `Crash ${n}`,
        SenderPhone: '919111222',
        Source: 'CasaYes',
      };
      return { ...base, body: JSON.stringify(body), headers: { ...json, token: source.secret }, providerLeadIds: [reference] };
    }
    const size = 1 + Math.floor(this.random() * 3);
    const leads = Array.from({ length: size }, (_, i) => ({
      id: `led_${this.runTag}_${n}_${i}`,
      url: 'https://some-site.com/page-with-lead-form/',
      created: new Date(Date.UTC(2024, 0, 1) + n * 1000 + i).toISOString(),
      data: { first_name: 'Crash', last_name: `Lead ${n}.${i}`, phone: '(334) 555-0143', email: `crash.${n}.${i}@example.org` },
    }));
    return { ...base, body: JSON.stringify(leads), headers: { ...json, authorization: source.secret }, providerLeadIds: leads.map((l) => l.id) };
  }

  /** The next `count` snapshots of one earlier Anarock lead (null before the first Anarock lead). */
  updates(count: number): SentWebhook[] | null {
    if (this.anarockLeads.length === 0) return null;
    const lead = this.anarockLeads[Math.floor(this.random() * this.anarockLeads.length)] as { id: number; createdAt: number; step: number };
    return Array.from({ length: count }, () => this.anarock('update', lead.id, lead.createdAt, ++lead.step));
  }

  /** A byte-exact copy of `earlier` (a provider's retry). */
  retryOf(earlier: SentWebhook): SentWebhook {
    const { kind: _kind, instance: _instance, status: _status, json: _json, error: _error, ...request } = earlier;
    return { ...request, kind: 'retry' };
  }

  private anarock(kind: 'new' | 'update', id: number, createdAt: number, step: number): SentWebhook {
    const statusChanges: Record<string, number> = {};
    for (let k = 1; k <= step; k++) statusChanges[ANAROCK_MOVES[(k - 1) % ANAROCK_MOVES.length] as string] = createdAt + k * 3600;
    const body = {
      lead_id: id,
      name: `Crash ${id}`,
      phone: `+9198${String(id).slice(-8).padStart(8, '0')}`,
      country_code: '+91',
      channel_name: 'agent_app',
      source: 'facebook',
      lead_status: anarockStatus(step),
      created_at: createdAt,
      status_changes: statusChanges,
      notes: Array.from({ length: step }, (_, k) => ({ note_id: id * 100 + k + 1, note_type: 'text', data: `note ${k + 1}`, created_at: createdAt + (k + 1) * 3600 })),
    };
    const source = this.sources.anarock;
    return { kind, provider: 'anarock', sourceId: source.id, path: source.webhookPath, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, providerLeadIds: [String(id)], step };
  }
}
