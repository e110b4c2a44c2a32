import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { startTestServer } from '../../../test/helpers/server.js';
import type { Stage } from '../../core/lead.js';
import type { AuthResult, InboundRequest, NormalizeContext } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { leadpro } from './index.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

const SECRET = 'lp_whsec_5c1e0f7a9b3d42e8';
const KEY = new TextEncoder().encode(SECRET);
const ctx: NormalizeContext = { defaultCountry: leadpro.homeCountry, receivedAt: new Date() };

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

function b64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

async function sign(claims: JWTPayload, options: { alg?: string; key?: Uint8Array } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(options.key ?? KEY);
}

function request(authorization: string | undefined, body: string = ''): InboundRequest {
  const headers = authorization === undefined ? {} : { authorization };
  return { headers, body: Buffer.from(body), receivedAt: new Date() };
}

function failure(result: AuthResult): string {
  assert.equal(result.ok, false);
  return result.ok ? '' : result.reason;
}

function normalizeOk(item: unknown) {
  const result = normalize(item, ctx);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.patch;
}

function lead(data: Record<string, unknown>, event = 'lead.updated'): Record<string, unknown> {
  return { event, data: { id: 7, ...data } };
}

describe('leadpro authenticate', () => {
  const claims = fixture('seed-lead-updated.json');

  it('accepts an HS256 JWT behind Bearer and returns its claims as the payload', async () => {
    const result = authenticate(request(`Bearer ${await sign(claims)}`), SECRET);
    assert.deepEqual(result, { ok: true, payload: claims });
  });

  it('accepts the bare JWT without a scheme', async () => {
    assert.equal(authenticate(request(await sign(claims)), SECRET).ok, true);
  });

  it('accepts a signature segment in standard base64 with padding', async () => {
    const [head, body, signature] = (await sign(claims)).split('.');
    const standard = Buffer.from(signature ?? '', 'base64url').toString('base64');
    assert.notEqual(standard, signature);
    assert.equal(authenticate(request(`${head}.${body}.${standard}`), SECRET).ok, true);
  });

  it('accepts exactly the two canonical spellings of a signature: every one-character change, insertion or deletion is refused', async () => {
    const [head, body, signature] = (await sign(claims)).split('.') as [string, string, string];
    const mac = Buffer.from(signature, 'base64url');
    const canonical = new Set([mac.toString('base64url'), mac.toString('base64')]);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=';
    const mutations = new Set<string>();
    for (let i = 0; i <= signature.length; i++) {
      if (i < signature.length) mutations.add(signature.slice(0, i) + signature.slice(i + 1));
      for (const c of alphabet) {
        mutations.add(signature.slice(0, i) + c + signature.slice(i));
        if (i < signature.length) mutations.add(signature.slice(0, i) + c + signature.slice(i + 1));
      }
    }
    mutations.delete(signature);
    for (const mutated of mutations) {
      const accepted = authenticate(request(`${head}.${body}.${mutated}`), SECRET).ok;
      assert.equal(accepted, canonical.has(mutated), mutated);
    }
  });

  it('refuses a signature whose last character sets bits the bytes do not use, as malformed_token', async () => {
    const [head, body, signature] = (await sign(claims)).split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 258 bits for 32 bytes: the last character's 2 low bits are unused.
    const last = alphabet.indexOf(signature.at(-1)!);
    for (const unused of [1, 2, 3]) {
      const twin = signature.slice(0, -1) + alphabet[last ^ unused];
      assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(signature, 'base64url'), 'a lenient decoder reads the same bytes');
      assert.equal(failure(authenticate(request(`${head}.${body}.${twin}`), SECRET)), 'malformed_token');
    }
  });

  it('refuses a signature that mixes the two alphabets or pads base64url', () => {
    const head = b64url('{"alg":"HS256","typ":"JWT"}');
    // A token whose signature has two base64url-only characters, so that it has mixed spellings.
    let body = '';
    let signature = '';
    for (let n = 0; (signature.match(/[-_]/g) ?? []).length < 2; n++) {
      body = b64url(JSON.stringify({ ...claims, n }));
      signature = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    }
    assert.equal(authenticate(request(`${head}.${body}.${signature}`), SECRET).ok, true);
    const mixed = signature.replace(/[-_]/, (c) => (c === '-' ? '+' : '/'));
    for (const value of [`${signature}=`, mixed, `${mixed}=`]) {
      assert.equal(failure(authenticate(request(`${head}.${body}.${value}`), SECRET)), 'malformed_token', value);
    }
  });

  it('accepts only tokens that jose itself verifies', async () => {
    const token = await sign({ ...claims, iat: Math.floor(Date.now() / 1000) });
    assert.equal(authenticate(request(token), SECRET).ok, true);
    const verified = await jwtVerify(token, KEY, { algorithms: ['HS256'] });
    assert.deepEqual(verified.payload.data, claims.data);
  });

  it('refuses a request without Authorization as missing_credentials', () => {
    assert.equal(failure(authenticate(request(undefined), SECRET)), 'missing_credentials');
  });

  it('refuses alg none, signed or not, as unsupported_algorithm', async () => {
    const unsigned = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.`;
    assert.equal(failure(authenticate(request(unsigned), SECRET)), 'unsupported_algorithm');
    const [, , signature] = (await sign(claims)).split('.');
    const relabelled = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.${signature ?? ''}`;
    assert.equal(failure(authenticate(request(relabelled), SECRET)), 'unsupported_algorithm');
  });

  it('refuses an HS512 token signed with the right secret as unsupported_algorithm', async () => {
    assert.equal(failure(authenticate(request(await sign(claims, { alg: 'HS512' })), SECRET)), 'unsupported_algorithm');
  });

  it('refuses a token signed with another key as bad_signature', async () => {
    const token = await sign(claims, { key: new TextEncoder().encode('another secret') });
    assert.equal(failure(authenticate(request(token), SECRET)), 'bad_signature');
  });

  it('refuses a tampered payload as bad_signature', async () => {
    const [head, , signature] = (await sign(claims)).split('.');
    const forged = b64url(JSON.stringify(lead({ stage: 'WON' })));
    assert.equal(failure(authenticate(request(`${head}.${forged}.${signature}`), SECRET)), 'bad_signature');
  });

  it('refuses a token signed with an empty key when the source secret is empty', () => {
    const head = b64url('{"alg":"HS256","typ":"JWT"}');
    const body = b64url(JSON.stringify(claims));
    const signature = createHmac('sha256', '').update(`${head}.${body}`).digest('base64url');
    assert.equal(failure(authenticate(request(`${head}.${body}.${signature}`), '')), 'bad_signature');
  });

  it('refuses values that are not compact JWTs as malformed_token', () => {
    for (const value of ['not-a-jwt', 'a.b', 'a.b.c.d', `${b64url('[1]')}.e30.sig`, '!!.??.##', `${b64url('{"alg":')}.e30.x`]) {
      assert.equal(failure(authenticate(request(value), SECRET)), 'malformed_token', value);
    }
  });

  it('refuses a correctly signed token whose claims are not an object as malformed_token', () => {
    const head = b64url('{"alg":"HS256","typ":"JWT"}');
    const body = b64url('[1,2]');
    const signature = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    assert.equal(failure(authenticate(request(`${head}.${body}.${signature}`), SECRET)), 'malformed_token');
  });

  it('refuses an expired token but allows five minutes of clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(failure(authenticate(request(await sign({ ...claims, exp: now - 600 })), SECRET)), 'bad_credentials');
    assert.equal(authenticate(request(await sign({ ...claims, exp: now - 60 })), SECRET).ok, true);
  });

  it('never puts the secret or the token in the failure detail', async () => {
    const token = await sign(claims, { key: new TextEncoder().encode('another secret') });
    const result = authenticate(request(token), SECRET);
    assert.ok(!result.ok && !result.detail.includes(SECRET) && !result.detail.includes(token));
  });

  it('keeps an id beyond 2^53 exact in the claims', () => {
    const head = b64url('{"alg":"HS256","typ":"JWT"}');
    const body = b64url('{"event":"lead.created","data":{"id":12345678901234567890}}');
    const signature = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    const result = authenticate(request(`${head}.${body}.${signature}`), SECRET);
    assert.ok(result.ok);
    assert.equal(normalizeOk(result.payload).providerLeadId, '12345678901234567890');
  });
});

describe('leadpro parse', () => {
  const claims = fixture('seed-lead-updated.json');

  it('takes the verified claims as the one item and ignores the body', () => {
    const result = parse(request(undefined, '{"event":"lead.updated","data":{"id":999}}'), claims);
    assert.ok(result.ok);
    assert.deepEqual(result.items, [claims]);
    assert.deepEqual(result.warnings, ['body_differs_from_jwt_claims']);
  });

  it('gives no warning when the body repeats the claims', () => {
    const result = parse(request(undefined, JSON.stringify(claims)), { ...claims, iat: 1700000000 });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
  });

  it('refuses when there are no claims to read', () => {
    for (const payload of [undefined, null, 'x', [claims]]) assert.equal(parse(request(undefined, '{}'), payload).ok, false);
  });
});

describe('leadpro normalize', () => {
  it('maps the corrected seed event to canonical fields', () => {
    const patch = normalizeOk(fixture('seed-lead-updated.json'));
    assert.equal(patch.providerLeadId, '1');
    assert.equal(patch.providerEventType, 'lead.updated');
    assert.match(patch.idempotencyKey, /^1:[0-9a-f]{32}$/);
    assert.equal(patch.occurredAt, null);
    assert.equal(patch.fields.stage, 'new');
    assert.equal(patch.fields.providerStatus, null);
    assert.deepEqual(patch.fields.person, {
      fullName: 'Sir Ricard Branson',
      firstName: 'Richard',
      lastName: 'Branson',
      email: 'rbranson@virgin.com',
      emailRaw: 'rbranson@virgin.com',
      phone: '+447123456789',
      phoneRaw: '07123456789',
      otherPhones: [],
      phoneExtension: null,
    });
    assert.equal(patch.fields.message, 'When can we view?');
    assert.equal(patch.fields.attribution.source, 'homepage');
    assert.equal(patch.fields.assignee, null);
    assert.equal(patch.fields.providerCreatedAt, null);
    assert.deepEqual(patch.timeline, []);
    assert.deepEqual(Object.keys(patch.fields.extra).sort(), [
      'address',
      'advert_address',
      'advert_image',
      'advert_postcode',
      'advert_url',
      'appointment_availability',
      'meta',
      'postcode',
      'title',
      'type',
    ]);
  });

  it('reads a phone LeadPro sent as a number (leading zero lost) as a UK number', () => {
    const patch = normalizeOk(lead({ phone: 7123456789 }));
    assert.equal(patch.fields.person.phone, '+447123456789');
    assert.equal(patch.fields.person.phoneRaw, '7123456789');
  });

  it('dates the event by the JWT iat when there is one', () => {
    assert.equal(normalizeOk({ ...lead({}), iat: 1540967316 }).occurredAt, '2018-10-31T06:28:36.000Z');
  });

  it('does not date an event after its receipt: an iat in the future is taken as the second it was received', () => {
    const receivedAt = new Date('2025-06-01T12:00:00.250Z');
    const at = (iat: number) => {
      const result = normalize({ ...lead({}), iat }, { ...ctx, receivedAt });
      assert.ok(result.ok);
      return result.patch.occurredAt;
    };
    const now = Math.floor(receivedAt.getTime() / 1000);
    assert.equal(at(now), '2025-06-01T12:00:00.000Z');
    assert.equal(at(now - 30), '2025-06-01T11:59:30.000Z');
    for (const future of [now + 1, now + 300, now + 86_400 * 365 * 100, 99_999_999_999]) assert.equal(at(future), '2025-06-01T12:00:00.000Z', String(future));
  });

  it('gives the same idempotency key to a resent snapshot and a new one to a change', () => {
    const first = normalizeOk({ ...lead({ stage: 'NEW' }), iat: 1 }).idempotencyKey;
    assert.equal(normalizeOk({ ...lead({ stage: 'NEW' }), iat: 2 }).idempotencyKey, first);
    assert.notEqual(normalizeOk(lead({ stage: 'CONTACTED' })).idempotencyKey, first);
    assert.notEqual(normalizeOk(lead({ stage: 'NEW' }, 'lead.created')).idempotencyKey, first);
  });

  it('keeps the table example fields, unknown stage and createdAt offset', () => {
    const patch = normalizeOk(fixture('table-lead-created.json'));
    assert.equal(patch.providerEventType, 'lead.created');
    assert.equal(patch.fields.stage, 'unknown');
    assert.equal(patch.fields.providerStatus, 'complete');
    assert.equal(patch.fields.providerCreatedAt, '2000-01-22T16:23:45.678Z');
    assert.equal(patch.fields.person.fullName, 'Richard Smith');
    assert.equal(patch.fields.attribution.source, 'rightmove');
    const extra = patch.fields.extra;
    assert.equal(extra.status, 'active');
    assert.equal(extra.stage, undefined);
    assert.equal(extra.office_name, 'Oxford');
    assert.equal(extra.parentId, 54);
    assert.equal(extra.maximum_rent_estimation, 343444455);
    assert.deepEqual(extra.questionnaire, [
      ['Do you have property to sell?', 'yes'],
      ['When would you like to move', 'Before july'],
    ]);
    for (const key of ['id', 'first_name', 'full_name', 'email', 'phone', 'message', 'source', 'createdAt']) {
      assert.equal(key in extra, false, key);
    }
  });

  it('keeps unknown keys in extra', () => {
    const patch = normalizeOk(lead({ utm_source: 'google', next_action_date: '2024-01-01', brand_new: { x: [1] } }));
    assert.deepEqual(patch.fields.extra, { utm_source: 'google', next_action_date: '2024-01-01', brand_new: { x: [1] } });
  });

  it('maps every documented stage through §4.5', () => {
    const expected: Record<string, Stage> = {
      NEW: 'new',
      CONTACTED: 'contacted',
      KEEP_IN_TOUCH: 'nurture',
      LOST: 'lost',
      NOT_CONTACTABLE: 'lost',
      WON: 'won',
      VALUATION_BOOKED: 'appointment_booked',
      VIEWING_BOOKED: 'appointment_booked',
      REGISTERED: 'qualified',
      INSTRUCTED: 'won',
      DUPLICATE: 'duplicate',
      SPAM: 'junk',
      DELETED: 'archived',
      'keep in touch': 'nurture',
      'Viewing-Booked': 'appointment_booked',
    };
    for (const [raw, stage] of Object.entries(expected)) {
      const patch = normalizeOk(lead({ stage: raw }));
      assert.equal(patch.fields.stage, stage, raw);
      assert.equal(patch.fields.providerStatus, raw);
    }
  });

  it('maps every documented status when there is no stage, including title-case Contacted', () => {
    const expected: Record<string, Stage> = {
      UNREAD: 'new',
      IN_PROGRESS: 'working',
      'In Progress': 'working',
      BUSINESS: 'won',
      NO_BUSINESS: 'lost',
      DUPLICATE: 'duplicate',
      Contacted: 'contacted',
    };
    for (const [raw, stage] of Object.entries(expected)) {
      const patch = normalizeOk(lead({ status: raw }));
      assert.equal(patch.fields.stage, stage, raw);
      assert.equal(patch.fields.providerStatus, raw);
      assert.equal('status' in patch.fields.extra, false);
    }
  });

  it('prefers a recognised stage over status and keeps the status in extra', () => {
    const patch = normalizeOk(lead({ stage: 'WON', status: 'IN_PROGRESS' }));
    assert.equal(patch.fields.stage, 'won');
    assert.equal(patch.fields.providerStatus, 'WON');
    assert.equal(patch.fields.extra.status, 'IN_PROGRESS');
  });

  it('falls back to status when the stage is not recognised', () => {
    const patch = normalizeOk(lead({ stage: 'complete', status: 'BUSINESS' }));
    assert.equal(patch.fields.stage, 'won');
    assert.equal(patch.fields.providerStatus, 'complete');
  });

  it('gives unknown for unrecognised statuses and keeps them raw', () => {
    for (const raw of ['active', 'constructor', '__proto__', 'toString']) {
      const patch = normalizeOk(lead({ status: raw }));
      assert.equal(patch.fields.stage, 'unknown', raw);
      assert.equal(patch.fields.providerStatus, raw);
    }
  });

  it('derives first and last names from full_name only when both are missing', () => {
    const derived = normalizeOk(lead({ full_name: 'Sir Ricard Branson', title: 'Sir' })).fields.person;
    assert.deepEqual([derived.firstName, derived.lastName], ['Ricard', 'Branson']);
    const given = normalizeOk(lead({ full_name: 'Sir Ricard Branson', last_name: 'Branson' })).fields.person;
    assert.deepEqual([given.firstName, given.lastName, given.fullName], [null, 'Branson', 'Sir Ricard Branson']);
    const joined = normalizeOk(lead({ first_name: 'Ada', last_name: 'Lovelace' })).fields.person;
    assert.equal(joined.fullName, 'Ada Lovelace');
  });

  it('keeps a bad e-mail and phone raw without refusing the lead', () => {
    const person = normalizeOk(lead({ email: 'not an email', phone: '123' })).fields.person;
    assert.deepEqual([person.email, person.emailRaw, person.phone, person.phoneRaw], [null, 'not an email', null, '123']);
  });

  it('never throws on hostile values and says why it refuses', () => {
    const refused: unknown[] = [
      null,
      42,
      'x',
      [],
      {},
      { event: 'lead.created' },
      { data: 'str' },
      { data: [] },
      { data: {} },
      { data: { id: {} } },
      { data: { id: true } },
      { data: { id: 1.5 } },
    ];
    for (const value of refused) {
      const result = normalize(value, ctx);
      assert.equal(result.ok, false, JSON.stringify(value));
      assert.ok(!result.ok && result.reason.length > 0);
    }
    const tolerated: unknown[] = [
      { data: { id: '9' } },
      {
        event: 5,
        iat: 'yesterday',
        data: { id: 1, stage: {}, status: [], phone: {}, email: 42, full_name: ['x'], createdAt: 'soon' },
      },
      { event: null, data: { id: 1, first_name: null, last_name: null, full_name: null, title: 7 } },
    ];
    for (const value of tolerated) assert.equal(normalize(value, ctx).ok, true, JSON.stringify(value));
  });
});

describe('leadpro ordering over HTTP', () => {
  it('applies later updates after an event whose iat is a year in the future (the lead is not frozen)', async () => {
    const t = await startTestServer();
    try {
      const source = (await t.api('POST', '/api/sources', { provider: 'leadpro', name: 'future iat' })).json;
      const key = new TextEncoder().encode(source.secret as string);
      const post = async (claims: JWTPayload) => {
        const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
        const res = await t.hook(source.webhookPath, '', { authorization: `Bearer ${token}` });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        return res.json.leads[0];
      };
      const first = await post({ ...lead({ stage: 'NEW' }, 'lead.created'), iat: Math.floor(Date.now() / 1000) + 86_400 * 365 });
      assert.equal(first.outcome, 'created');
      // Issued after the first one was answered, as LeadPro would.
      const later = await post({ ...lead({ stage: 'CONTACTED' }), iat: Math.floor(Date.now() / 1000) });
      assert.equal(later.outcome, 'updated');
      assert.equal((await t.api('GET', `/api/leads/${first.id}`)).json.stage, 'contacted');
    } finally {
      await t.close();
    }
  });
});
