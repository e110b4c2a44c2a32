import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { roleAllows, routeAccess, ROLES, VIEWER_READABLE } from './access.js';
import { readSessionCookie, sessionCookie } from './cookie.js';
import { csrfTokenFor, isApiTokenShape, isSessionSecretShape, newApiToken, newSessionSecret, secretHash } from './credentials.js';
import { originAllowed } from './origin.js';
import { isSessionLive, sessionEndsAt, sessionMaxExpiry, SESSION_IDLE_MS, SESSION_MAX_MS, shouldTouch, TOUCH_INTERVAL_MS } from './session-policy.js';
import { viewerDestination, viewerSource } from './redaction.js';

const RUNS = { numRuns: 300, seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED) };

/** A cookie pair that is not lh_session: any name of cookie characters, any value without `;`. */
const otherPair = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), fc.string({ maxLength: 40 }).map((v) => v.replace(/;/g, '')))
  .filter(([name]) => name !== 'lh_session')
  .map(([name, value]) => `${name}=${value}`);

describe('the lh_session cookie reader', () => {
  it('finds the session among any other cookies, wherever it is, with any spacing (property)', () => {
    fc.assert(
      fc.property(fc.array(otherPair, { maxLength: 8 }), fc.array(otherPair, { maxLength: 8 }), fc.constantFrom('; ', ';', ';  ', ';\t'), (before, afterPairs, sep) => {
        const secret = newSessionSecret();
        const header = [...before, `lh_session=${secret}`, ...afterPairs].join(sep);
        assert.equal(readSessionCookie(header), secret);
        assert.equal(readSessionCookie([before.join(sep), `lh_session=${secret}`]), secret, 'several Cookie headers are read in order');
        assert.equal(readSessionCookie([...before, ...afterPairs].join(sep)), null);
      }),
      RUNS,
    );
  });

  it('never throws on any header, and returns at most a short value that the header names lh_session (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.array(fc.constantFrom('lh_session=', ';', ' ', '"', 'lhs_', 'x', '='), { maxLength: 60 }).map((a) => a.join(''))), (header) => {
        const value = readSessionCookie(header);
        if (value !== null) {
          assert.ok(value.length > 0 && value.length <= 128);
          assert.ok(header.includes('lh_session='));
        }
      }),
      RUNS,
    );
  });

  it('takes no session when lh_session is named twice (a cookie tossed by a sibling domain or path), in any order or header (property)', () => {
    fc.assert(
      fc.property(fc.array(otherPair, { maxLength: 6 }), fc.array(otherPair, { maxLength: 6 }), fc.array(otherPair, { maxLength: 6 }), fc.boolean(), (a, b, c, split) => {
        const mine = `lh_session=${newSessionSecret()}`;
        const tossed = `lh_session=${newSessionSecret()}`;
        const header = [...a, tossed, ...b, mine, ...c];
        assert.equal(readSessionCookie(header.join('; ')), null);
        assert.equal(readSessionCookie(split ? [[...a, tossed].join('; '), [...b, mine, ...c].join('; ')] : [header.join('; ')]), null);
      }),
      RUNS,
    );
  });

  it('reads a header at the server\'s size limit, and ignores an overlong value', () => {
    const big = `${'a=b; '.repeat(25_000)}lh_session=${'x'.repeat(200)}`;
    assert.equal(readSessionCookie(big), null);
    const secret = newSessionSecret();
    assert.equal(readSessionCookie(`${'a=b; '.repeat(25_000)}lh_session=${secret}`), secret);
    assert.equal(readSessionCookie(`lh_session="${secret}"`), secret);
    assert.equal(readSessionCookie('xlh_session=a; lh_sessionx=b'), null);
    assert.equal(readSessionCookie(undefined), null);
  });

  it('writes HttpOnly, SameSite=Strict, Path=/ cookies, Secure when asked', () => {
    assert.equal(sessionCookie('lhs_x', 60.9, { secure: false }), 'lh_session=lhs_x; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    assert.match(sessionCookie('lhs_x', 60, { secure: true }), /; Secure$/);
  });
});

describe('tokens and session secrets', () => {
  it('are 256 random bits with a prefix, recognized by shape, hashed one way, with a CSRF token that is neither', () => {
    const token = newApiToken();
    const secret = newSessionSecret();
    assert.ok(isApiTokenShape(token) && !isApiTokenShape(secret) && isSessionSecretShape(secret) && !isSessionSecretShape(token));
    assert.notEqual(newApiToken(), token);
    assert.match(secretHash(token), /^[0-9a-f]{64}$/);
    const csrf = csrfTokenFor(secret);
    assert.ok(!csrf.includes(secret) && csrf !== secretHash(secret) && csrf === csrfTokenFor(secret));
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => assert.equal(isApiTokenShape(s), /^lht_[A-Za-z0-9_-]{43}$/.test(s))), RUNS);
  });
});

describe('session expiry and last-used writes', () => {
  it('ends a session at the earlier of 12 h idle and 7 days, and writes last-used at most once a minute (property)', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SESSION_MAX_MS }), fc.integer({ min: 0, max: SESSION_MAX_MS * 2 }), (seenAfter, checkAfter) => {
        const createdAt = new Date(start).toISOString();
        const session = { expiresAt: sessionMaxExpiry(createdAt), lastSeenAt: new Date(start + seenAfter).toISOString() };
        const now = start + Math.max(seenAfter, checkAfter);
        const live = isSessionLive(session, new Date(now).toISOString());
        assert.equal(live, now < start + SESSION_MAX_MS && now < start + seenAfter + SESSION_IDLE_MS);
        assert.ok(Date.parse(sessionEndsAt(session)) <= start + SESSION_MAX_MS);
        assert.equal(shouldTouch(session.lastSeenAt, new Date(now).toISOString()), now - (start + seenAfter) >= TOUCH_INTERVAL_MS);
      }),
      RUNS,
    );
  });
});

describe('route access', () => {
  const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
  const pattern = fc.oneof(fc.constantFrom(...VIEWER_READABLE, '/api/tokens', '/api/tokens/:id', '/api/sources/:id/rotate-url'), fc.stringMatching(/^\/api(\/[a-z:.-]{1,10}){0,3}$/));

  it('never lets a viewer change anything, nor reach /api/tokens, without an explicit route config (property)', () => {
    fc.assert(
      fc.property(method, pattern, (m, p) => {
        const access = routeAccess(m, p, undefined);
        if (!['GET', 'HEAD'].includes(m) || p.startsWith('/api/tokens')) assert.equal(roleAllows('viewer', access), false, `${m} ${p}`);
        for (const role of ROLES) if (role === 'admin') assert.equal(roleAllows(role, access), true);
        assert.notEqual(access, 'public');
      }),
      RUNS,
    );
  });

  it('takes a route\'s own access, and fails closed on an unknown one', () => {
    assert.equal(routeAccess('POST', '/api/session', 'public'), 'public');
    assert.equal(routeAccess('DELETE', '/api/session', 'read'), 'read');
    assert.equal(routeAccess('GET', '/api/leads', 'everyone'), 'admin');
    assert.equal(routeAccess('GET', undefined, undefined), 'read', 'the 404 of /api: any principal may be told');
    assert.equal(routeAccess('GET', '/api/leadsx', undefined), 'admin');
  });
});

describe('Origin check', () => {
  it('accepts no Origin, this host or the public URL\'s origin, and refuses any other (property)', () => {
    assert.equal(originAllowed(undefined, '127.0.0.1:8080', null), true);
    assert.equal(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', null), true);
    assert.equal(originAllowed('HTTP://LEADS.example.com', 'leads.example.com', null), true);
    assert.equal(originAllowed('https://leads.example.com', '127.0.0.1:8080', 'https://leads.example.com/base'), true);
    assert.equal(originAllowed('http://leads.example.com', '127.0.0.1:8080', 'https://leads.example.com'), false, 'the scheme counts for the public URL');
    assert.equal(originAllowed('null', '127.0.0.1:8080', null), false);
    assert.equal(originAllowed(['http://127.0.0.1:8080'], '127.0.0.1:8080', null), false);
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.string({ maxLength: 60 })), fc.domain(), (origin, host) => {
        fc.pre(!origin.toLowerCase().includes(host.toLowerCase()));
        assert.equal(originAllowed(origin, host, null), false, `${origin} vs ${host}`);
      }),
      RUNS,
    );
  });
});

describe('viewer redaction', () => {
  it('takes out every credential field and keeps the rest', () => {
    assert.deepEqual(viewerSource({ id: 's', name: 'n', secret: 'x', webhookPath: '/hooks/wh_x', webhookUrl: 'https://h/hooks/wh_x', urlToken: 'wh_x' }), { id: 's', name: 'n' });
    assert.deepEqual(viewerDestination({ id: 'd', url: 'https://r', secret: 'whsec_x' }), { id: 'd', url: 'https://r/' });
    assert.deepEqual(viewerDestination({ id: 'd', url: 'https://hooks.slack.com/services/T0/B0/XYZ?k=1', previousSecret: 'whsec_y' }), { id: 'd', url: 'https://hooks.slack.com/…' });
  });
});
