import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdminApi } from '../../src/http/admin-auth.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { adminPath, adminRoutes, check, registeredRoutes, seedAdminIds, send, type AdminIds, type RawResponse } from './support.js';

/**
 * Issue 9: the admin check compared the raw request target while the router decodes it, so
 * `GET /%61pi/sources` and `GET http://x/api/sources` listed sources without a token. The check
 * now runs on the route the router matched, whatever the spelling of the path.
 */

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const TOKEN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const BAD_CREDENTIALS: Record<string, string>[] = [
  {},
  { authorization: '' },
  { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` },
  { authorization: TEST_ADMIN_TOKEN },
  { authorization: `Basic ${TEST_ADMIN_TOKEN}` },
];
/** A body that would change a source or destination if a mutating handler ran. */
const MUTATION = JSON.stringify({ name: 'pwned', rotateSecret: true, provider: 'praetorian', url: 'http://127.0.0.1:9/pwned' });

/** How to respell a path; each change is usually absent, so many spellings still match a route. */
interface Spelling {
  /** Characters (by position) to percent-encode, hex digits upper- or lower-case. */
  encode: { at: number; upper: boolean }[];
  /** A character (by position) whose letter case is swapped. */
  flip: number | null;
  /** A dot segment or extra slash put before one of the path's slashes. */
  insert: { at: number; segment: string } | null;
  /** Absolute-form scheme and authority before the path. */
  origin: string;
  /** What follows the path. */
  tail: string;
}

/** Mostly `absent`, sometimes a value of `arb`. */
const rarely = <T, A>(arb: fc.Arbitrary<T>, absent: A) => fc.oneof({ arbitrary: fc.constant(absent), weight: 2 }, { arbitrary: arb, weight: 1 });

const spelling: fc.Arbitrary<Spelling> = fc.record({
  encode: fc.array(fc.record({ at: fc.nat(), upper: fc.boolean() }), { maxLength: 6 }),
  flip: rarely(fc.nat(), null),
  insert: rarely(fc.record({ at: fc.nat(), segment: fc.constantFrom('/', '//', '/.', '/./', '/x/..', '/..', '/%2e', '/%2E%2e', '/%2f') }), null),
  origin: rarely(fc.constantFrom('http://x', 'https://x', 'HTTP://127.0.0.1:1', 'http://u:p@x', 'http://[::1]', 'ftp://x', 'http:/x', '//x'), ''),
  tail: rarely(fc.constantFrom('?', '?limit=1', '#', '#x', ';', ';x=1', '%00', '/', '%20', '.', '%2f', '%3f', '?%00'), ''),
});

/** `path` respelled as `s` says: the request target sent verbatim on the wire. */
function spell(path: string, s: Spelling): string {
  const chars = [...path];
  if (s.flip !== null) chars[s.flip % chars.length] = swapCase(chars[s.flip % chars.length]!);
  for (const { at, upper } of s.encode) {
    // A position already encoded is encoded again (`%61` → `%2561`).
    chars[at % chars.length] = [...chars[at % chars.length]!].map((c) => percent(c, upper)).join('');
  }
  if (s.insert !== null) {
    const slashes = [...path].flatMap((c, i) => (c === '/' ? [i] : []));
    const at = slashes[s.insert.at % slashes.length]!;
    chars[at] = s.insert.segment + chars[at]!;
  }
  return `${s.origin}${chars.join('')}${s.tail}`;
}

function percent(c: string, upper: boolean): string {
  const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${upper ? hex.toUpperCase() : hex}`;
}

function swapCase(c: string): string {
  return c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
}

/** The answer carries nothing of the admin API: no body (HEAD) or exactly `{ error: { code, message } }`. */
function assertNoAdminBody(res: RawResponse, label: string): void {
  if (res.text === '') return;
  assert.deepEqual(Object.keys(res.json ?? {}), ['error'], `${label}: ${res.text.slice(0, 300)}`);
  assert.match(res.json.error.code, /^LH_E_[A-Z_]+$/, label);
}

/** A handler answered (2xx, or its own "no such object"), rather than the router (no route) or the HTTP parser. */
function reachesHandler(res: RawResponse): boolean {
  if (res.status >= 200 && res.status < 300) return true;
  const code: unknown = res.json?.error?.code;
  return typeof code === 'string' && /^LH_E_[A-Z_]+_NOT_FOUND$/.test(code) && code !== 'LH_E_ROUTE_NOT_FOUND';
}

/** One request with a raw target: node:http sends `target` as written (fetch would normalize it). */
function raw(t: TestServer, method: string, target: string, headers: Record<string, string>): Promise<RawResponse> {
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? MUTATION : undefined;
  return send(t, method, target, { headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body }) });
}

describe('admin API: no spelling of a path reaches an admin handler without the token', () => {
  let t: TestServer;
  let ids: AdminIds;
  let snapshot: () => Promise<unknown>;

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    ids = await seedAdminIds(t);
    snapshot = async () => ({ sources: (await t.api('GET', '/api/sources')).json, destinations: (await t.api('GET', '/api/destinations')).json });
  });
  after(() => t.close());

  it('refuses the two reported requests, GET /%61pi/sources and GET http://x/api/sources, with 401 and no source', async () => {
    for (const target of ['/%61pi/sources', 'http://x/api/sources']) {
      const res = await raw(t, 'GET', target, {});
      assert.equal(res.status, 401, `${target}: ${res.text}`);
      assert.equal(res.json.error.code, 'LH_E_UNAUTHORIZED');
      assertNoAdminBody(res, target);
    }
  });

  it('refuses every percent-encoding of the letters of "api" without the token, and answers them as /api with it', async () => {
    const canonical = await raw(t, 'GET', '/api/sources', TOKEN);
    assert.equal(canonical.status, 200);
    for (const a of ['a', '%61']) {
      for (const p of ['p', '%70']) {
        for (const i of ['i', '%69']) {
          const target = `/${a}${p}${i}/sources`;
          assert.equal((await raw(t, 'GET', target, {})).status, 401, target);
          const authorized = await raw(t, 'GET', target, TOKEN);
          assert.equal(authorized.status, 200, target);
          assert.deepEqual(authorized.json, canonical.json, `${target} is the same route`);
        }
      }
    }
    for (const target of ['http://x/api/sources', 'https://u:p@x/%61pi/sources?x=1']) {
      const authorized = await raw(t, 'GET', target, TOKEN);
      assert.equal(authorized.status, 200, target);
      assert.deepEqual(authorized.json, canonical.json, `${target} is the same route`);
    }
  });

  it('answers an unknown path under /api, however spelled, 401 without the token and 404 with it', async () => {
    for (const target of ['/api/nope', '/%61pi/nope', 'http://x/api/nope', '/api', '/%61pi', '/api/', '/api/sources/x/y']) {
      const anonymous = await raw(t, 'GET', target, {});
      assert.equal(anonymous.status, 401, `${target}: ${anonymous.text}`);
      assert.equal(anonymous.json.error.code, 'LH_E_UNAUTHORIZED');
      const authorized = await raw(t, 'GET', target, TOKEN);
      assert.equal(authorized.status, 404, `${target}: ${authorized.text}`);
      assert.equal(authorized.json.error.code, 'LH_E_ROUTE_NOT_FOUND');
    }
  });

  it('never answers 2xx or an admin body without a valid token, for any route × spelling × method (property)', async () => {
    const routes = [...new Set(adminRoutes(t).map(([, pattern]) => pattern))];
    assert.ok(routes.length >= 15, `the admin routes were read from the router: ${JSON.stringify(routes)}`);
    const before = await snapshot();
    await check(
      fc.asyncProperty(fc.constantFrom(...routes), spelling, fc.constantFrom(...METHODS), fc.constantFrom(...BAD_CREDENTIALS), async (pattern, s, method, credentials) => {
        const target = spell(adminPath(pattern, ids), s);
        const label = `${method} ${target} with ${JSON.stringify(credentials)}`;
        const res = await raw(t, method, target, credentials);
        assert.ok(res.status >= 400 && res.status < 500, `${label}: ${res.status} ${res.text.slice(0, 300)}`);
        assertNoAdminBody(res, label);
      }),
      300,
    );
    assert.deepEqual(await snapshot(), before, 'no source or destination changed');
  });

  it('refuses as unauthorized, not as unknown, every spelling that reaches an admin handler with the token (property)', async (ctx) => {
    const reads = adminRoutes(t).filter(([method]) => method === 'GET').map(([, pattern]) => pattern);
    let reached = 0;
    await check(
      fc.asyncProperty(fc.constantFrom(...reads), spelling, fc.constantFrom('GET', 'HEAD'), async (pattern, s, method) => {
        const target = spell(adminPath(pattern, ids), s);
        if (!reachesHandler(await raw(t, method, target, TOKEN))) return;
        reached++;
        const anonymous = await raw(t, method, target, {});
        assert.equal(anonymous.status, 401, `${method} ${target} reaches a handler with the token: ${anonymous.status} ${anonymous.text}`);
      }),
      100,
    );
    ctx.diagnostic(`${reached} of 100 spellings reached an admin handler with the token`);
    assert.ok(reached > 0, 'some spellings reached an admin handler, so the property is not vacuous');
  });

  it('leaves only the public webhook, health, API document and console routes outside the admin API', () => {
    const outside = new Set(registeredRoutes(t).map(([, path]) => path).filter((path) => !path.startsWith('/api')));
    // /openapi.json describes the admin API and holds no data (test/integration/openapi.test.ts).
    // The console's page and built files hold no data either: it reads everything from /api with a
    // session (test/integration/console-serving.test.ts, test/properties/console-routes.test.ts).
    const consolePages = ['/', '/sign-in', '/leads', '/leads/:id', '/sources', '/sources/:id', '/requests', '/requests/:id', '/destinations', '/destinations/:id', '/tokens'];
    assert.deepEqual([...outside].sort(), ['/health', '/healthz', '/hooks/:token', '/openapi.json', '/assets/:file', ...consolePages].sort());
  });

  it('refuses to start when a route under /api is registered outside the admin API plugin', async () => {
    for (const outside of [
      (app: FastifyInstance) => app.get('/api/extra', async () => ({ leaked: true })),
      (app: FastifyInstance) => app.register(async (child) => void child.post('/API/extra', async () => ({ leaked: true }))),
    ]) {
      const app = Fastify({ logger: false });
      await registerAdminApi(app, { adminToken: TEST_ADMIN_TOKEN, routes: (api) => void api.get('/api/inside', async () => ({ ok: true })) });
      await assert.rejects(async () => {
        await outside(app);
        await app.ready();
      }, /admin path: register it inside the admin API plugin/);
      await app.close();
    }
  });
});
