import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { databaseFile } from '../../src/server.js';
import { createSource, type TestServer } from '../helpers/server.js';

/**
 * One fast-check seed per test file, printed with every failure. Replay a failure with
 * `FC_SEED=<seed> node --import tsx --test <file>` (and `FC_PATH=<path>` to jump to the shrunk case).
 */
export const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 0x7fffffff);

/** `fc.assert` with the file's seed, a bounded number of runs, and the seed in the failure message. */
export async function check<Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncPropertyWithHooks<Ts>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\nReproduce with FC_SEED=${SEED}`, { cause: error });
  }
}

/** One value of `arb`, chosen by the file's seed (`salt` picks a different but reproducible one). */
export function pick<T>(arb: fc.Arbitrary<T>, salt: number): T {
  const [value] = fc.sample(arb, { seed: (SEED + salt * 7919) | 0, numRuns: 1 });
  return value as T;
}

export const PROVIDERS = ['anarock', 'leadpro', 'casayes', 'praetorian'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Every fixture each provider ships (`src/providers/<p>/fixtures`). */
export const FIXTURES: Record<Provider, string[]> = {
  anarock: ['v2018-snapshot.json', 'v2020-snapshot.json', 'v2023-later-snapshot.json'],
  leadpro: ['table-lead-created.json', 'seed-lead-updated.json'],
  casayes: ['seed-lead.json'],
  praetorian: ['two-leads.json', 'lexipol-lead.json', 'seed-batch.json'],
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/**
 * One HTTP request with full control over the headers (none is added: no content type unless
 * given, an empty one if given as ''), through node:http rather than fetch, which adds its own.
 * An event stream is answered with its status and headers only (it never ends by itself).
 */
export function send(t: TestServer, method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  const url = new URL(t.url);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-length': String(body.length) }), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', json: undefined });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** A compact JWS over exactly `payload` (any bytes), HMAC-SHA256 with `secret`, under `header`. */
export function signJwt(payload: Buffer | string, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(unsigned).digest('base64url')}`;
}

/**
 * The headers that authenticate `body` to a source of `provider`. For LeadPro the JWT's payload is
 * the body's own bytes, so arbitrary bodies reach the claims reader too.
 */
export function credentials(provider: Provider, secret: string, body: Buffer | string): Record<string, string> {
  switch (provider) {
    case 'anarock':
      return {};
    case 'casayes':
      return { token: secret };
    case 'praetorian':
      return { authorization: secret };
    case 'leadpro':
      return { authorization: `Bearer ${signJwt(body, secret)}` };
  }
}

/** A body carrying one lead `id` named `name`, for each provider (for LeadPro it is also the JWT's claims: see {@link credentials}). */
export function leadBodyFor(provider: Provider, id: string, name: string): string {
  switch (provider) {
    case 'praetorian':
      return JSON.stringify([{ id, data: { first_name: name, email: `${id}@example.com` } }]);
    case 'casayes':
      return JSON.stringify({ LeadReference: id, SenderName: name });
    case 'leadpro':
      return JSON.stringify({ event: 'lead.updated', data: { id, full_name: name } });
    case 'anarock':
      return JSON.stringify({ lead_id: id, name });
  }
}

const OUTCOMES = new Set(['created', 'updated', 'duplicate', 'stale']);

/**
 * The answer contract for any webhook input: never 5xx; JSON; either the 200 shape
 * `{requestId, leads[], quarantined?[]}` or `{error: {code, message}}` saying what was wrong.
 */
export function assertAnswer(res: RawResponse, label: string): void {
  const where = `${label}: ${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status >= 200 && res.status < 500, `never a 5xx (${where})`);
  assert.match(String(res.headers['content-type']), /^application\/json/, where);
  assert.equal(typeof res.json, 'object', where);
  if (res.status === 200) {
    assert.match(res.json.requestId, /^req_/, where);
    assert.ok(Array.isArray(res.json.leads), where);
    for (const lead of res.json.leads) {
      assert.match(lead.id, /^lead_/, where);
      assert.ok(OUTCOMES.has(lead.outcome), where);
    }
    if (res.json.quarantined !== undefined) {
      assert.ok(Array.isArray(res.json.quarantined) && res.json.quarantined.length > 0, where);
      for (const q of res.json.quarantined) {
        assert.equal(typeof q.index, 'number', where);
        assert.ok(typeof q.reason === 'string' && q.reason.length > 0, `a quarantined item says why (${where})`);
      }
    }
  } else {
    assert.ok(res.status >= 400, where);
    assert.match(res.json.error?.code, /^LH_E_[A-Z_]+$/, where);
    assert.ok(typeof res.json.error.message === 'string' && res.json.error.message.length > 0, `the error says what was wrong (${where})`);
  }
}

/**
 * A stored answer (200, or 400 for a body that is not JSON) is visible under /api/requests/:id,
 * and one with quarantined items says why; a fully quarantined request has status `quarantined`.
 */
export async function assertRecorded(t: TestServer, res: RawResponse, label: string): Promise<any> {
  const requestId = res.json?.requestId;
  if (typeof requestId !== 'string') return null;
  const stored = await t.api('GET', `/api/requests/${requestId}`);
  const where = `${label}: ${JSON.stringify(stored.json).slice(0, 300)}`;
  assert.equal(stored.status, 200, where);
  if (res.status === 400) {
    assert.equal(stored.json.status, 'quarantined', where);
    assert.ok(typeof stored.json.reason === 'string' && stored.json.reason.length > 0, where);
  } else if (res.json.quarantined !== undefined) {
    const first = res.json.quarantined[0];
    assert.ok(typeof stored.json.reason === 'string' && stored.json.reason.includes(`item ${first.index}: ${first.reason}`), where);
    const expected = res.json.leads.length === 0 ? 'quarantined' : res.json.leads.some((l: any) => l.outcome !== 'duplicate') ? 'accepted' : 'duplicate';
    assert.equal(stored.json.status, expected, where);
  }
  return stored.json;
}

/** The server still answers after whatever was sent to it. */
export async function assertHealthy(t: TestServer): Promise<void> {
  const res = await fetch(`${t.url}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, 'ok');
}

/** How many requests a source has stored (sources in these suites stay under one page). */
export async function storedCount(t: TestServer, sourceId: string): Promise<number> {
  const res = await t.api('GET', `/api/requests?sourceId=${sourceId}&limit=500`);
  assert.equal(res.status, 200);
  assert.equal(res.json.nextCursor ?? null, null, 'the count fits in one page');
  return res.json.items.length;
}

/**
 * Every route the running app registered, read from `printRoutes` (so a route added later is covered
 * without touching a test), as `[method, path]` pairs.
 */
export function registeredRoutes(t: TestServer): [string, string][] {
  const out: [string, string][] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of t.server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (m === null) continue;
    const depth = (m[1] ?? '').length / 4;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const path = (stack[stack.length - 1]?.path ?? '') + (m[2] ?? '');
    stack.push({ depth, path });
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push([method, path]);
  }
  return out;
}

/** The admin routes (`/api/...`) the running app registered, as `[method, pattern]` pairs. */
export function adminRoutes(t: TestServer): [string, string][] {
  return registeredRoutes(t).filter(([, path]) => path.startsWith('/api'));
}

/** A real object of each admin kind (`sources`, `leads`, `requests`, `destinations`; `deliveries` is a well-formed unknown id). */
export type AdminIds = Record<string, string>;

/** Create one source with one lead (and its stored request) and one destination, so admin routes have real ids to act on. */
export async function seedAdminIds(t: TestServer): Promise<AdminIds> {
  const source = await createSource(t, 'praetorian');
  const hook = await t.hook(source.webhookPath, [{ id: 'led_admin_1', data: { first_name: 'Admin' } }], { authorization: source.secret });
  const destination = await t.api('POST', '/api/destinations', { name: 'admin', url: 'http://127.0.0.1:9/' });
  return {
    sources: source.id,
    leads: hook.json.leads[0].id,
    requests: hook.json.requestId,
    destinations: destination.json.id,
    deliveries: 'dlv_00000000000000000000000000',
  };
}

/** A route pattern with real ids, so that a route missing the token check would act (and show it) rather than 404. */
export function adminPath(pattern: string, ids: AdminIds): string {
  return pattern.replace(/\/api\/([a-z-]+)\/:id/, (_m, kind: string) => `/api/${kind}/${ids[kind] ?? 'x'}`).replace(/:[a-zA-Z]+/g, 'x');
}

/** Pages in use in the server's database, in bytes; read through a read-only connection (committed WAL included). */
export function databaseBytes(t: TestServer): number {
  const db = new Database(databaseFile(t.dataDir), { readonly: true, fileMustExist: true });
  try {
    const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    return pages * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}
