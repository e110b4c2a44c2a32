import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SESSION_IDLE_MS } from '../../src/auth/session-policy.js';
import { call, makeToken, signIn, startAuthServer, type AuthTestServer, type Credentials } from '../helpers/auth.js';
import { createSource, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { adminPath, adminRoutes, check, seedAdminIds, type AdminIds, type RawResponse } from './support.js';

/**
 * Issue 12, attacked: every admin route read from the router, with every method, called by a viewer
 * (token and session), an admin session without its CSRF header or from another site, a revoked
 * token and an expired session, never changes anything (no 2xx for a mutation, and the store is as
 * it was); and no GET a viewer may make shows a source secret, a webhook URL token, a signing secret or
 * a destination URL's path or query.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HOUR = 3_600_000;

/** A body each route accepts from an admin, so that a missing check would show as a 2xx rather than a 400. */
const VALID_BODIES: Record<string, unknown> = {
  'POST /api/sources': { provider: 'praetorian', name: 'pwned' },
  'PATCH /api/sources/:id': { name: 'pwned', rotateSecret: true },
  'POST /api/sources/:id/rotate-url': { overlapHours: 0 },
  'POST /api/destinations': { name: 'pwned', url: 'http://127.0.0.1:9/pwned' },
  'PATCH /api/destinations/:id': { name: 'pwned', rotateSecret: true },
  'POST /api/destinations/:id/replay': { since: '2020-01-01' },
  'POST /api/destinations/try-filter': { filter: 'true' },
  'POST /api/tokens': { name: 'pwned', role: 'admin' },
};
/** Queries a route needs from an admin to act. */
const QUERIES: Record<string, string> = { 'DELETE /api/leads/:id': '?erase=personal-data' };

type Who = 'viewer token' | 'viewer session' | 'admin session without CSRF' | 'admin session from another site' | 'revoked token' | 'expired session';

interface Caller {
  creds: Credentials;
  headers: Record<string, string>;
  /** Whether every request of this caller must be refused 401. */
  dead: boolean;
}

/** One request as `caller` (an event stream is answered with its status and headers only). */
function request(t: AuthTestServer, method: string, path: string, caller: Caller, body: unknown): Promise<RawResponse> {
  return call(t, method, path, caller.creds, body, caller.headers);
}

describe('roles: what viewers, stale credentials and cross-site requests can do', () => {
  let t: AuthTestServer;
  let ids: AdminIds;
  let callers: Record<Who, Caller>;
  /** Every credential of a source or destination the server holds: no viewer answer may contain one. */
  const secrets = new Set<string>();
  let snapshot: () => Promise<unknown>;

  before(async () => {
    t = await startAuthServer();
    // The expired session first: the clock then moves past its idle timeout.
    const expired = await signIn(t, TEST_ADMIN_TOKEN);
    t.clock.advance(SESSION_IDLE_MS + HOUR);
    ids = await seedAdminIds(t);
    const revoked = await makeToken(t, 'admin');
    assert.equal((await t.api('DELETE', `/api/tokens/${revoked.id}`)).status, 204);
    const victim = await makeToken(t, 'admin');
    ids['tokens'] = victim.id;
    const viewer = await makeToken(t, 'viewer');
    const viewerSession = await signIn(t, viewer.token);
    const adminSession = await signIn(t, TEST_ADMIN_TOKEN);
    callers = {
      'viewer token': { creds: { bearer: viewer.token }, headers: {}, dead: false },
      'viewer session': { creds: { session: viewerSession.session, csrf: viewerSession.csrf }, headers: {}, dead: false },
      'admin session without CSRF': { creds: { session: adminSession.session }, headers: {}, dead: false },
      'admin session from another site': { creds: { session: adminSession.session, csrf: adminSession.csrf }, headers: { origin: 'https://evil.example' }, dead: false },
      'revoked token': { creds: { bearer: revoked.token }, headers: {}, dead: true },
      'expired session': { creds: { session: expired.session, csrf: expired.csrf }, headers: {}, dead: true },
    };
    // Sources and destinations with rotated credentials, so previous ones exist too.
    for (const provider of ['casayes', 'praetorian', 'anarock', 'leadpro']) {
      const source = await createSource(t, provider);
      secrets.add(source.secret).add(source.webhookPath.split('/').pop());
      const rotated = await t.api('PATCH', `/api/sources/${source.id}`, { rotateSecret: true, overlapHours: 24 });
      secrets.add(rotated.json.secret);
      const moved = await t.api('POST', `/api/sources/${source.id}/rotate-url`, { overlapHours: 24 });
      secrets.add(moved.json.webhookPath.split('/').pop());
    }
    // A receiver whose URL is its credential (as Slack's and Zapier's are): a viewer sees its origin only.
    const destination = await t.api('POST', '/api/destinations', { name: 'roles', url: 'http://127.0.0.1:9/hooks/T0/B0/url-credential-of-the-receiver?key=query-credential' });
    secrets.add(destination.json.secret).add('url-credential-of-the-receiver').add('query-credential');
    secrets.add((await t.api('PATCH', `/api/destinations/${destination.json.id}`, { rotateSecret: true })).json.secret);
    for (const token of [TEST_ADMIN_TOKEN, viewer.token, revoked.token, victim.token, viewerSession.session, adminSession.session, expired.session]) secrets.add(token);
    const tokensWithoutUse = async () => (await t.api('GET', '/api/tokens')).json.items.map(({ lastUsedAt: _, ...rest }: Record<string, unknown>) => rest);
    snapshot = async () => ({
      sources: (await t.api('GET', '/api/sources')).json,
      destinations: (await t.api('GET', '/api/destinations')).json,
      leads: (await t.api('GET', '/api/leads?isTest=all')).json,
      tokens: await tokensWithoutUse(),
    });
  });
  after(() => t.close());

  const target = (method: string, pattern: string) => `${adminPath(pattern, ids)}${QUERIES[`${method} ${pattern}`] ?? ''}`;
  const routes = () => adminRoutes(t).filter(([, pattern]) => !pattern.startsWith('/api/session'));

  it('refuses every mutation of every route for each such caller, and a revoked token or expired session everything (401)', async () => {
    const all = routes();
    assert.ok(all.some(([m, p]) => `${m} ${p}` === 'POST /api/tokens') && all.length >= 25, `the routes were read from the router: ${JSON.stringify(all)}`);
    const before = await snapshot();
    let checked = 0;
    for (const [method, pattern] of all) {
      for (const [who, caller] of Object.entries(callers) as [Who, Caller][]) {
        const res = await request(t, method, target(method, pattern), caller, VALID_BODIES[`${method} ${pattern}`]);
        const label = `${who}: ${method} ${pattern}: ${res.status} ${res.text.slice(0, 200)}`;
        if (caller.dead) assert.equal(res.status, 401, label);
        if (MUTATIONS.has(method)) {
          assert.ok(res.status === 401 || res.status === 403, label);
          if (res.status === 403) assert.match(res.json.error.code, /^LH_E_(FORBIDDEN|CSRF)$/, label);
        }
        assert.equal(res.headers['cache-control'], 'no-store', label);
        checked++;
      }
    }
    assert.ok(checked >= all.length * 6);
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  });

  it('never answers a mutation 2xx, whatever the route, method, body or CSRF header (property)', async () => {
    const patterns = [...new Set(routes().map(([, p]) => p))];
    const before = await snapshot();
    const csrfValue = fc.oneof(fc.constant(undefined), fc.constant(''), fc.string({ maxLength: 60 }).filter((s) => !/[\r\n\0]/.test(s) && s.trim() === s && /^[\x21-\x7e]*$/.test(s)));
    await check(
      fc.asyncProperty(
        fc.constantFrom(...patterns),
        fc.constantFrom(...METHODS),
        fc.constantFrom(...(Object.keys(callers) as Who[])),
        fc.boolean(),
        csrfValue,
        async (pattern, method, who, validBody, csrf) => {
          const caller = callers[who];
          // The generated CSRF header replaces the session's own only for the session callers without one.
          const creds = who === 'admin session without CSRF' && csrf !== undefined ? { ...caller.creds, csrf } : caller.creds;
          const body = MUTATIONS.has(method) ? (validBody ? (VALID_BODIES[`${method} ${pattern}`] ?? {}) : { name: 'x', role: 'admin', token: TEST_ADMIN_TOKEN }) : undefined;
          const res = await request(t, method, target(method, pattern), { ...caller, creds }, body);
          const label = `${who} ${method} ${pattern} csrf=${JSON.stringify(csrf)}: ${res.status} ${res.text.slice(0, 200)}`;
          if (MUTATIONS.has(method) || caller.dead) assert.ok(res.status < 200 || res.status >= 300, label);
          if (caller.dead) assert.equal(res.status, 401, label);
        },
      ),
      400,
    );
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  });

  it('shows a viewer no source secret, URL token or signing secret in any GET it may make (property)', async () => {
    const gets = routes().filter(([m]) => m === 'GET').map(([, p]) => p);
    const sourceIds = (await t.api('GET', '/api/sources')).json.items.map((s: { id: string }) => s.id);
    const destinationIds = (await t.api('GET', '/api/destinations')).json.items.map((d: { id: string }) => d.id);
    // Every source's current URL token (the seeded one's too), read from the admin's own view: which
    // also shows that the check is not vacuous (an admin does see them).
    for (const id of sourceIds) {
      const adminView = await t.api('GET', `/api/sources/${id}`);
      assert.match(adminView.json.webhookPath, /^\/hooks\/wh_/);
      secrets.add(adminView.json.webhookPath.split('/').pop());
    }
    let read = 0;
    await check(
      fc.asyncProperty(fc.constantFrom(...gets), fc.constantFrom<Who>('viewer token', 'viewer session'), fc.constantFrom(...sourceIds), fc.constantFrom(...destinationIds), async (pattern, who, sourceId, destinationId) => {
        const path = adminPath(pattern, { ...ids, sources: sourceId, destinations: destinationId });
        const res = await request(t, 'GET', path, callers[who], undefined);
        const label = `${who} GET ${path}: ${res.status}`;
        assert.ok(res.status !== 401, label);
        if (res.status === 200) read++;
        for (const secret of secrets) assert.ok(!res.text.includes(secret), `${label} shows a credential`);
        assert.ok(!/"(secret|previousSecret|urlToken|previousUrlToken|webhookPath|webhookUrl|tokenHash|token)"\s*:/.test(res.text), `${label}: ${res.text.slice(0, 300)}`);
      }),
      300,
    );
    assert.ok(read > 0, 'some reads succeeded');
  });

  it('refuses /api/tokens to a viewer entirely, and lets a viewer session read and sign out', async () => {
    for (const who of ['viewer token', 'viewer session'] as const) {
      const res = await request(t, 'GET', '/api/tokens', callers[who], undefined);
      assert.equal(res.status, 403, who);
      assert.equal(res.json.error.code, 'LH_E_FORBIDDEN');
    }
    const me = await request(t, 'GET', '/api/session', callers['viewer session'], undefined);
    assert.equal(me.json.role, 'viewer');
  });
});
