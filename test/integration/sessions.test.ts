import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SESSION_IDLE_MS, SESSION_MAX_MS, TOUCH_INTERVAL_MS } from '../../src/auth/session-policy.js';
import { call, makeToken, setCookie, signIn, startAuthServer, testClock, type AuthTestServer, type SignedIn } from '../helpers/auth.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/test-store.js';

const HOUR = 3_600_000;

/**
 * Issue 12: the console signs in with a token and keeps an HttpOnly, SameSite=Strict session cookie
 * (never the token); cookie-authenticated changes need the session's CSRF token and a same-site
 * Origin; sessions end after 12 h idle or 7 days, on sign-out, and when their token is revoked.
 * The clock is injected: nothing sleeps.
 */
describe('browser sessions', () => {
  let t: AuthTestServer;
  before(async () => {
    t = await startAuthServer();
  });
  after(() => t.close());

  it('signs in with the admin token: 200 with name, role, CSRF token and expiry, and an HttpOnly SameSite=Strict cookie holding no token', async () => {
    const { session, csrf, answer } = await signIn(t, TEST_ADMIN_TOKEN);
    assert.deepEqual(Object.keys(answer.json).sort(), ['csrfToken', 'expiresAt', 'name', 'role']);
    assert.equal(answer.json.role, 'admin');
    assert.equal(answer.json.expiresAt, new Date(t.clock.now().getTime() + SESSION_IDLE_MS).toISOString(), 'the idle expiry comes first');
    assert.match(session, /^lhs_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(session, TEST_ADMIN_TOKEN);
    assert.ok(!session.includes(csrf) && !csrf.includes(session), 'the CSRF token is not the cookie');
    const cookie = setCookie(answer);
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${SESSION_MAX_MS / 1000}`]) assert.ok(cookie.split('; ').includes(attribute), `${attribute} in ${cookie}`);
    assert.ok(!/;\s*Secure/i.test(cookie), 'not Secure without an https public URL');
    assert.ok(!cookie.includes(TEST_ADMIN_TOKEN));
    assert.equal(answer.headers['cache-control'], 'no-store');
  });

  it('lets the cookie read the API, and tells who is signed in with the same CSRF token', async () => {
    const { session, csrf } = await signIn(t, TEST_ADMIN_TOKEN);
    const leads = await call(t, 'GET', '/api/leads', { session });
    assert.equal(leads.status, 200, leads.text);
    assert.equal(leads.headers['cache-control'], 'no-store');
    const me = await call(t, 'GET', '/api/session', { session });
    assert.equal(me.status, 200);
    assert.deepEqual({ name: me.json.name, role: me.json.role, csrfToken: me.json.csrfToken }, { name: 'admin', role: 'admin', csrfToken: csrf });
    const bearer = await call(t, 'GET', '/api/session', { bearer: TEST_ADMIN_TOKEN });
    assert.deepEqual(bearer.json, { name: 'admin', role: 'admin', csrfToken: null, expiresAt: null });
  });

  it('refuses a cookie change without the CSRF token, with a wrong one, or from another Origin (403 LH_E_CSRF), and changes nothing', async () => {
    const { session, csrf } = await signIn(t, TEST_ADMIN_TOKEN);
    const before = (await t.api('GET', '/api/sources')).json;
    const body = { provider: 'praetorian', name: 'csrf' };
    const host = new URL(t.url).host;
    const refused: [string, Parameters<typeof call>[3], Record<string, string>][] = [
      ['no CSRF header', { session }, {}],
      ['a wrong CSRF token', { session, csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` }, {}],
      ['an empty CSRF token', { session, csrf: '' }, {}],
      ['another session\'s CSRF token', { session, csrf: (await signIn(t, TEST_ADMIN_TOKEN)).csrf }, {}],
      ['a cross-site Origin', { session, csrf }, { origin: 'https://evil.example' }],
      ['Origin null', { session, csrf }, { origin: 'null' }],
      ['an Origin on another port', { session, csrf }, { origin: `http://${host.split(':')[0]}:1` }],
    ];
    for (const [label, creds, headers] of refused) {
      const res = await call(t, 'POST', '/api/sources', creds, body, headers);
      assert.equal(res.status, 403, `${label}: ${res.text}`);
      assert.equal(res.json.error.code, 'LH_E_CSRF', label);
    }
    for (const method of ['PATCH', 'DELETE', 'PUT']) {
      const res = await call(t, method, `/api/sources/${before.items[0]?.id ?? 'src_x'}`, { session }, method === 'DELETE' ? undefined : { name: 'x' });
      assert.equal(res.status, 403, `${method}: ${res.text}`);
    }
    assert.deepEqual((await t.api('GET', '/api/sources')).json, before, 'no source was made');
    const same = await call(t, 'POST', '/api/sources', { session, csrf }, body, { origin: `http://${host}` });
    assert.equal(same.status, 201, same.text);
    const noOrigin = await call(t, 'POST', '/api/sources', { session, csrf }, body);
    assert.equal(noOrigin.status, 201, noOrigin.text);
  });

  it('needs no CSRF header with a bearer token', async () => {
    const res = await call(t, 'POST', '/api/sources', { bearer: TEST_ADMIN_TOKEN }, { provider: 'casayes', name: 'bearer' }, { origin: 'https://elsewhere.example' });
    assert.equal(res.status, 201, res.text);
  });

  it('refuses a wrong token with 401 and no cookie, and a sign-in from another site with 403', async () => {
    for (const body of [{ token: `${TEST_ADMIN_TOKEN}x` }, { token: 'lht_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, {}, { token: TEST_ADMIN_TOKEN.toUpperCase() }]) {
      const res = await call(t, 'POST', '/api/session', {}, body);
      assert.equal(res.status, 401, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.error.code, 'LH_E_UNAUTHORIZED');
      assert.equal(setCookie(res), '');
    }
    const crossSite = await call(t, 'POST', '/api/session', {}, { token: TEST_ADMIN_TOKEN }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.json.error.code, 'LH_E_CSRF');
    assert.equal(setCookie(crossSite), '');
    const byHeader = await call(t, 'POST', '/api/session', { bearer: TEST_ADMIN_TOKEN });
    assert.equal(byHeader.status, 200, 'a bearer token signs in too');
  });

  it('signs out: 204, the cookie cleared, the session gone on the server', async () => {
    const { session, csrf } = await signIn(t, TEST_ADMIN_TOKEN);
    const withoutCsrf = await call(t, 'DELETE', '/api/session', { session });
    assert.equal(withoutCsrf.status, 403);
    const out = await call(t, 'DELETE', '/api/session', { session, csrf });
    assert.equal(out.status, 204);
    assert.match(setCookie(out), /^lh_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    const after = await call(t, 'GET', '/api/leads', { session });
    assert.equal(after.status, 401);
    assert.equal(after.json.error.code, 'LH_E_UNAUTHORIZED');
    assert.match(setCookie(after), /Max-Age=0/, 'a dead cookie is cleared');
  });

  it('ends a session after 12 hours without a request (LH_E_SESSION_EXPIRED), and keeps a used one alive until 7 days', async () => {
    const idle = await signIn(t, TEST_ADMIN_TOKEN);
    const used = await signIn(t, TEST_ADMIN_TOKEN);
    t.clock.advance(SESSION_IDLE_MS - TOUCH_INTERVAL_MS);
    assert.equal((await call(t, 'GET', '/api/session', { session: used.session })).status, 200);
    t.clock.advance(TOUCH_INTERVAL_MS);
    const expired = await call(t, 'GET', '/api/leads', { session: idle.session });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.error.code, 'LH_E_SESSION_EXPIRED');
    // Used every 11 hours, it lives to its absolute expiry.
    let elapsed = SESSION_IDLE_MS;
    while (elapsed + 11 * HOUR < SESSION_MAX_MS) {
      t.clock.advance(11 * HOUR);
      elapsed += 11 * HOUR;
      const res = await call(t, 'GET', '/api/session', { session: used.session });
      assert.equal(res.status, 200, `after ${elapsed / HOUR} h: ${res.text}`);
      assert.ok(Date.parse(res.json.expiresAt) <= Date.parse(used.answer.json.expiresAt) - SESSION_IDLE_MS + SESSION_MAX_MS);
    }
    t.clock.advance(SESSION_MAX_MS - elapsed);
    const ended = await call(t, 'GET', '/api/session', { session: used.session });
    assert.equal(ended.status, 401);
    assert.equal(ended.json.error.code, 'LH_E_SESSION_EXPIRED');
  });

  it('reads lh_session among other cookies, ignores other cookies and malformed values, and bounds a huge Cookie header', async () => {
    const { session } = await signIn(t, TEST_ADMIN_TOKEN);
    const ok = await call(t, 'GET', '/api/leads', {}, undefined, { cookie: `theme=dark; token=${TEST_ADMIN_TOKEN};  lh_session=${session}; other=1` });
    assert.equal(ok.status, 200, ok.text);
    for (const cookie of [`token=${TEST_ADMIN_TOKEN}`, `xlh_session=${session}`, `lh_session=${session}x`, `lh_session=${TEST_ADMIN_TOKEN}`, 'lh_session=', `a=${'b'.repeat(100_000)}; lh_session=lhs_${'A'.repeat(100)}`]) {
      const res = await call(t, 'GET', '/api/leads', {}, undefined, { cookie });
      assert.equal(res.status, 401, `${cookie.slice(0, 80)}: ${res.text}`);
    }
  });

  it('makes the cookie Secure when the public URL is https', async () => {
    const secure = await startAuthServer({ publicUrl: 'https://leads.example.com' });
    try {
      const { answer, session, csrf } = await signIn(secure, TEST_ADMIN_TOKEN);
      assert.ok(setCookie(answer).split('; ').includes('Secure'), setCookie(answer));
      // Behind a proxy that rewrites Host, an Origin naming the public URL is this server.
      const res = await call(secure, 'POST', '/api/sources', { session, csrf }, { provider: 'anarock', name: 'proxied' }, { origin: 'https://leads.example.com' });
      assert.equal(res.status, 201, res.text);
    } finally {
      await secure.close();
    }
  });

  it('gives a viewer\'s session reads only, and lets it sign out', async () => {
    const viewer = await makeToken(t, 'viewer');
    const { session, csrf, answer } = await signIn(t, viewer.token);
    assert.deepEqual({ name: answer.json.name, role: answer.json.role }, { name: viewer.name, role: 'viewer' });
    assert.equal((await call(t, 'GET', '/api/leads', { session })).status, 200);
    const write = await call(t, 'POST', '/api/sources', { session, csrf }, { provider: 'praetorian', name: 'viewer' });
    assert.equal(write.status, 403);
    assert.equal(write.json.error.code, 'LH_E_FORBIDDEN');
    assert.equal((await call(t, 'GET', '/api/tokens', { session })).json.error.code, 'LH_E_FORBIDDEN');
    assert.equal((await call(t, 'DELETE', '/api/session', { session, csrf })).status, 204);
  });

  it('ends every session of a token the moment it is revoked', async () => {
    const token = await makeToken(t, 'admin');
    const [a, b] = [await signIn(t, token.token), await signIn(t, token.token)];
    assert.equal((await call(t, 'GET', '/api/leads', { session: a.session })).status, 200);
    assert.equal((await t.api('DELETE', `/api/tokens/${token.id}`)).status, 204);
    for (const s of [a, b]) {
      const res = await call(t, 'GET', '/api/leads', { session: s.session });
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'LH_E_UNAUTHORIZED');
    }
    assert.equal((await call(t, 'POST', '/api/session', {}, { token: token.token })).status, 401, 'a revoked token cannot sign in');
  });

  it('keeps no token or session secret in the database, only their hashes', { skip: TEST_STORE !== 'sqlite' ? 'reads the SQLite files' : false }, async () => {
    const named = await makeToken(t, 'viewer');
    const signed: SignedIn = await signIn(t, named.token);
    const bytes = readdirSync(t.dataDir)
      .filter((f) => f.startsWith('leadhook.db'))
      .map((f) => readFileSync(join(t.dataDir, f)).toString('latin1'))
      .join('');
    assert.ok(bytes.length > 0);
    for (const secret of [named.token, signed.session, signed.csrf]) assert.ok(!bytes.includes(secret), 'not stored as is');
  });
});

describe('credentials in the log', () => {
  it('never logs a token, a session cookie or a CSRF token, even at trace level', async () => {
    const lines: string[] = [];
    const t = await startTestServer({ logLevel: 'trace' }, undefined, { logLines: lines });
    try {
      const named = await makeToken(t, 'viewer');
      const { session, csrf } = await signIn(t, named.token);
      await call(t, 'GET', '/api/leads', { session });
      await call(t, 'POST', '/api/sources', { session, csrf: `${csrf}x` }, { provider: 'anarock', name: 'x' });
      await call(t, 'POST', '/api/sources', { session, csrf }, { provider: 'anarock', name: 'x' });
      await call(t, 'POST', '/api/session', {}, { token: `${named.token}x` });
      await call(t, 'GET', '/api/tokens', { bearer: named.token });
      await call(t, 'DELETE', '/api/session', { session, csrf });
      assert.ok(lines.length > 0, 'the server logged');
      const log = lines.join('');
      for (const secret of [named.token, session, csrf, TEST_ADMIN_TOKEN]) assert.ok(!log.includes(secret), 'a credential was logged');
    } finally {
      await t.close();
    }
  });
});

describe('sessions after a restart and across instances', () => {
  it('ends the admin token\'s sessions when the admin token changes, and keeps a named token\'s', async () => {
    const first = await startAuthServer();
    const named = await makeToken(first, 'viewer');
    const admin = await signIn(first, TEST_ADMIN_TOKEN);
    const viewer = await signIn(first, named.token);
    await first.close({ keepData: true });
    const second = await startAuthServer({ adminToken: 'another-admin-token-0123456789' }, { dataDir: first.dataDir, clock: first.clock });
    try {
      assert.equal((await call(second, 'GET', '/api/leads', { session: admin.session })).status, 401);
      assert.equal((await call(second, 'GET', '/api/leads', { session: viewer.session })).status, 200);
    } finally {
      await second.close();
    }
  });

  it('serves a session, a token and a revocation made through one instance on another (PostgreSQL)', { skip: TEST_STORE !== 'postgres' ? 'several instances share only a PostgreSQL database (LEADHOOK_TEST_STORE=postgres)' : false }, async () => {
    const clock = testClock();
    const a = await startAuthServer({}, { clock });
    const b = await startAuthServer({}, { dataDir: a.dataDir, clock });
    try {
      const token = await makeToken(a, 'admin');
      const onA = await signIn(a, token.token);
      const source = await createSource(b, 'praetorian');
      const write = await call(b, 'PATCH', `/api/sources/${source.id}`, { session: onA.session, csrf: onA.csrf }, { name: 'renamed on b' });
      assert.equal(write.status, 200, write.text);
      assert.equal((await call(b, 'GET', '/api/sources', { bearer: token.token })).status, 200);
      assert.equal((await b.api('DELETE', `/api/tokens/${token.id}`)).status, 204);
      assert.equal((await call(a, 'GET', '/api/leads', { session: onA.session })).status, 401);
      assert.equal((await call(a, 'GET', '/api/leads', { bearer: token.token })).status, 401);
    } finally {
      await b.close({ keepData: true });
      await a.close();
    }
  });
});
