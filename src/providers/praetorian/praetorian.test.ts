import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { InboundRequest, NormalizeContext } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { praetorian } from './index.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

const SECRET = 'pr_9f2c7e1a4b6d8e0f';
const ctx: NormalizeContext = { defaultCountry: praetorian.homeCountry, receivedAt: new Date() };

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

function request(body: Buffer | string, headers: InboundRequest['headers'] = {}): InboundRequest {
  return { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body), receivedAt: new Date() };
}

function normalizeOk(item: unknown) {
  const result = normalize(item, ctx);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.patch;
}

describe('praetorian authenticate', () => {
  it('accepts the secret as the bare Authorization value', () => {
    assert.deepEqual(authenticate(request('[]', { authorization: SECRET }), SECRET), { ok: true });
  });

  it('accepts the secret behind a Bearer scheme', () => {
    assert.deepEqual(authenticate(request('[]', { authorization: `Bearer ${SECRET}` }), SECRET), { ok: true });
  });

  it('refuses a request without an Authorization header as missing_credentials', () => {
    const result = authenticate(request('[]'), SECRET);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'missing_credentials');
  });

  it('refuses a wrong secret as bad_credentials without echoing either value', () => {
    const presented = 'pr_not-the-secret';
    const result = authenticate(request('[]', { authorization: presented }), SECRET);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.reason, 'bad_credentials');
    assert.ok(!result.detail.includes(SECRET) && !result.detail.includes(presented));
  });

  it('refuses a secret that only shares a prefix with the real one', () => {
    const result = authenticate(request('[]', { authorization: SECRET.slice(0, -1) }), SECRET);
    assert.equal(result.ok, false);
  });
});

describe('praetorian parse', () => {
  it('treats [] as a ping with no items', () => {
    const result = parse(request('[]'));
    assert.deepEqual(result, { ok: true, items: [], isPing: true, warnings: [] });
  });

  it('splits a two-lead batch into two items', () => {
    const result = parse(request(fixture('two-leads.json')));
    assert.ok(result.ok);
    assert.equal(result.items.length, 2);
    assert.equal(result.isPing, false);
  });

  it('reads a single Lexipol API object as one item', () => {
    const result = parse(request(fixture('lexipol-lead.json')));
    assert.ok(result.ok);
    assert.equal(result.items.length, 1);
  });

  it('rejects a body that is not JSON with a reason', () => {
    const result = parse(request('[{"id": "led_1",}]'));
    assert.equal(result.ok, false);
  });
});

describe('praetorian normalize', () => {
  it('maps the corrected seed lead to canonical fields and keeps the invalid phone raw', () => {
    const parsed = parse(request(fixture('seed-batch.json')));
    assert.ok(parsed.ok);
    const patch = normalizeOk(parsed.items[0]);
    assert.equal(patch.providerLeadId, 'led_slp3mt0qxvIXYUIK');
    assert.match(patch.idempotencyKey, /^led_slp3mt0qxvIXYUIK:[0-9a-f]{32}$/);
    assert.equal(patch.providerEventType, null);
    assert.equal(patch.occurredAt, null, 'no update time: ordered by receipt');
    assert.equal(patch.fields.providerCreatedAt, '2018-07-12T16:29:42.000Z');
    assert.deepEqual(patch.timeline, []);
    assert.deepEqual(patch.fields.person, {
      fullName: 'John Doe',
      firstName: 'John',
      lastName: 'Doe',
      email: 'john.doe@example.com',
      emailRaw: 'john.doe@example.com',
      phone: null,
      phoneRaw: '+123123123123123',
      otherPhones: [],
      phoneExtension: null,
    });
    assert.equal(patch.fields.stage, 'new');
    assert.equal(patch.fields.providerStatus, null);
    assert.equal(patch.fields.message, 'I would like information for my department');
    assert.equal(patch.fields.attribution.pageUrl, 'https://some-site.com/page-with-lead-form/');
    assert.equal(patch.fields.providerCreatedAt, '2018-07-12T16:29:42.000Z');
    assert.equal(patch.fields.assignee, null);
    assert.deepEqual(patch.fields.extra, {
      data: {
        position: 'Agent',
        state: 'Georgia',
        organization_name: 'Org',
        organization_size: '101-250',
        organization_country: 'United States',
        organization_state: 'Alabama',
        organization_city: 'Montgomery',
      },
    });
  });

  it('fails the placeholder {} element with a reason while its sibling normalizes', () => {
    const parsed = parse(request(fixture('seed-batch.json')));
    assert.ok(parsed.ok);
    const [lead, placeholder] = parsed.items.map((item) => normalize(item, ctx));
    assert.equal(lead?.ok, true);
    assert.equal(placeholder?.ok, false);
    assert.match(placeholder?.ok === false ? placeholder.reason : '', /id is missing/);
  });

  it('reads a national US phone in the default region', () => {
    const parsed = parse(request(fixture('two-leads.json')));
    assert.ok(parsed.ok);
    const patch = normalizeOk(parsed.items[1]);
    assert.equal(patch.fields.person.phone, '+13345550143');
    assert.equal(patch.fields.person.email, 'jane.roe@example.org');
    assert.equal(patch.fields.person.fullName, 'Jane Roe');
  });

  it('keeps the Lexipol object fields (object, production, top-level email) in extra', () => {
    const parsed = parse(request(fixture('lexipol-lead.json')));
    assert.ok(parsed.ok);
    const patch = normalizeOk(parsed.items[0]);
    assert.equal(patch.providerLeadId, 'led_001');
    assert.equal(patch.fields.person.fullName, 'John James Smith');
    assert.equal(patch.fields.person.email, 'email@email.com');
    assert.equal(patch.fields.message, null);
    assert.equal(patch.fields.extra.object, 'lead');
    assert.equal(patch.fields.extra.production, false);
    assert.equal(patch.fields.extra.email, 'email@email.com');
    assert.equal(patch.fields.extra.source, null);
    assert.deepEqual(patch.fields.extra.field_labels, {});
    assert.deepEqual((patch.fields.extra.data as Record<string, unknown>).workflow, null);
  });

  it('flags production: false (also "false", "FALSE", 0) as a test lead; true, other values and no flag are real', () => {
    const isTest = (production: unknown) => normalizeOk({ id: 'led_t', ...(production === undefined ? {} : { production }) }).fields.isTest;
    assert.equal(normalizeOk(JSON.parse(fixture('lexipol-lead.json').toString('utf8'))).fields.isTest, true);
    assert.deepEqual([false, 'false', ' FALSE ', 0, '0'].map(isTest), [true, true, true, true, true]);
    assert.deepEqual([true, 'true', 1, null, 'no', {}, undefined].map(isTest), [false, false, false, false, false, false, false]);
  });

  it('keeps a deleted Lexipol object as a lead with deleted in extra', () => {
    const patch = normalizeOk({ id: 'led_002', object: 'lead', deleted: true });
    assert.equal(patch.fields.extra.deleted, true);
    assert.equal(patch.fields.stage, 'new');
  });

  it('keeps unknown keys at both levels in extra', () => {
    const patch = normalizeOk({ id: 'led_3', new_top: [1, 2], data: { first_name: 'Al', brand_new: { a: 1 } } });
    assert.deepEqual(patch.fields.extra, { new_top: [1, 2], data: { brand_new: { a: 1 } } });
  });

  it('falls back to data.message when interested_in is absent', () => {
    const patch = normalizeOk({ id: 'led_4', data: { message: 'Call me' } });
    assert.equal(patch.fields.message, 'Call me');
  });

  it('keys an element by its id and content: the same content in other key order is one key, new content another', () => {
    const key = (item: unknown) => normalizeOk(item).idempotencyKey;
    const first = { id: 'led_k', data: { first_name: 'Al', phone: '4155552671' } };
    assert.equal(key(first), key({ data: { phone: '4155552671', first_name: 'Al' }, id: 'led_k' }));
    assert.notEqual(key(first), key({ ...first, data: { ...first.data, last_name: 'Bo' } }));
    assert.notEqual(key(first), key({ ...first, id: 'led_other' }));
  });

  it('accepts a numeric id as a string', () => {
    assert.equal(normalizeOk({ id: 1234, data: {} }).providerLeadId, '1234');
  });

  it('keeps an unreadable created timestamp in extra', () => {
    const patch = normalizeOk({ id: 'led_5', created: 'yesterday' });
    assert.equal(patch.fields.providerCreatedAt, null);
    assert.equal(patch.fields.extra.created, 'yesterday');
  });

  it('never throws on hostile values and says why it refuses', () => {
    const hostile: unknown[] = [null, undefined, 42, 'x', [], {}, { id: {} }, { id: [] }, { id: 1.5 }, { id: '' }, { id: true }];
    for (const value of hostile) {
      const result = normalize(value, ctx);
      assert.equal(result.ok, false, `${JSON.stringify(value)} should be refused`);
      assert.ok(!result.ok && result.reason.length > 0);
    }
    const tolerated: unknown[] = [
      { id: 1, data: 'str' },
      { id: 'led_x', data: [] },
      { id: 'led_x', data: null, url: 5, created: {} },
      { id: 'led_x', data: { first_name: {}, phone: [], email: 7, interested_in: ['a'] } },
    ];
    for (const value of tolerated) assert.equal(normalize(value, ctx).ok, true, JSON.stringify(value));
  });

  it('keeps a non-object data value in extra', () => {
    assert.deepEqual(normalizeOk({ id: 1, data: 'str' }).fields.extra, { data: 'str' });
  });
});
