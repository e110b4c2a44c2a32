import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

const FIELDS = ['firstSeenSince', 'firstSeenUntil', 'lastActivitySince', 'lastActivityUntil'] as const;

/** Text that looks like a date often: digits, separators, zones, and anything else. */
const dateLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789-:TZ+.tz '.split('')), minLength: 1, maxLength: 40 }),
  fc.date({ min: new Date(-70_000_000_000_000), max: new Date(300_000_000_000_000), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 12000 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 33 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('the lead date filters with any value', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ timeZone: 'America/New_York' });
    const src = await createSource(t, 'anarock');
    await t.hook(src.webhookPath, { lead_id: 1, name: 'Dated', lead_status: 'New' });
  });
  after(() => t.close());

  it('answers 200 with leads inside the bounds, or a 400 naming the parameter and the formats; never a 5xx (property)', async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...FIELDS), dateLike, async (field, value) => {
        const res = await t.api('GET', `/api/leads?${field}=${encodeURIComponent(value)}&limit=5`);
        const what = `${field}=${JSON.stringify(value)}: ${res.status} ${JSON.stringify(res.json)}`;
        if (res.status === 200) {
          assert.ok(Array.isArray(res.json.items), what);
          return;
        }
        assert.equal(res.status, 400, what);
        assert.equal(res.json.error.code, 'LH_E_VALIDATION', what);
        assert.ok(res.json.error.message.includes(field), `the message names ${field}: ${what}`);
        if (value.length <= 500 && value.length > 0) assert.match(res.json.error.message, /YYYY-MM-DD .* ISO 8601/, what);
      }),
      300,
    );
  });

  it('keeps or drops the one lead exactly as its times compare with the bound (property)', async () => {
    const lead = (await t.api('GET', '/api/leads')).json.items[0];
    await check(
      fc.asyncProperty(fc.constantFrom(...FIELDS), fc.integer({ min: -3_600_000, max: 3_600_000 }), async (field, shift) => {
        const at = field.startsWith('firstSeen') ? lead.firstSeenAt : lead.lastEventAt;
        const bound = new Date(Date.parse(at) + shift).toISOString();
        const res = await t.api('GET', `/api/leads?${field}=${bound}`);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const inside = field.endsWith('Since') ? at >= bound : at <= bound;
        assert.equal(res.json.items.length, inside ? 1 : 0, `${field}=${bound} for ${at}`);
      }),
      100,
    );
  });
});

describe('the erasure and held-request routes with any input', () => {
  let t: TestServer;
  let requestId: string;
  before(async () => {
    t = await startTestServer();
    const src = await createSource(t, 'anarock');
    requestId = (await t.hook(src.webhookPath, { lead_id: 2, name: 'Kept', lead_status: 'New' })).json.requestId;
  });
  after(() => t.close());

  it('answers any id, erase and by with a 4xx error that has a code, and erases nothing it was not asked to (property)', async () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('personal-data', 'PERSONAL-DATA', 'personal-data ', ''), fc.string({ minLength: 190, maxLength: 260 }));
    await check(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), text, fc.option(text), fc.constantFrom('DELETE lead', 'apply', 'discard'), async (id, erase, by, route) => {
        const qs = new URLSearchParams({ erase, ...(by === null ? {} : { by }) }).toString();
        const path = route === 'DELETE lead' ? `/api/leads/${encodeURIComponent(id)}?${qs}` : `/api/requests/${encodeURIComponent(id)}/${route}?${by === null ? '' : `by=${encodeURIComponent(by)}`}`;
        const res = await t.api(route === 'DELETE lead' ? 'DELETE' : 'POST', path);
        assert.ok(res.status >= 400 && res.status < 500, `${route} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
        assert.match(res.json.error.code, /^LH_E_[A-Z_]+$/);
      }),
      200,
    );
    const kept = (await t.api('GET', '/api/leads')).json.items[0];
    assert.equal(kept.person.fullName, 'Kept');
    assert.equal((await t.api('POST', `/api/requests/${requestId}/apply`)).json.error.code, 'LH_E_NOT_HELD', 'a request never held is not applied');
  });
});
