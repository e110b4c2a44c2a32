import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_ITEMS_PER_WEBHOOK, OVER_ITEM_LIMIT_REASON } from '../../src/ingest/prepare-items.js';
import { fixtureJson } from '../helpers/fixtures.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

function lead(id: string, extra: Record<string, unknown> = {}) {
  return { id, url: 'https://some-site.com/page-with-lead-form/', created: '2018-07-12T16:29:42Z', data: { first_name: 'John', last_name: 'Doe', phone: '+1 415 555 2671', email: `${id}@example.com`, ...extra } };
}

describe('Praetorian webhooks over HTTP', () => {
  let t: TestServer;
  let source: any;
  let auth: Record<string, string>;
  before(async () => {
    t = await startTestServer({ bodyLimit: 32 * 1024 });
    source = await createSource(t, 'praetorian');
    auth = { authorization: source.secret };
  });
  after(() => t.close());

  it('answers 200 with no leads to an empty array (a ping) and records it', async () => {
    const res = await t.hook(source.webhookPath, '[]', auth);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.leads, []);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.status, 'accepted');
    assert.match(stored.reason, /ping/);
  });

  it('stores the seed batch lead and quarantines its empty placeholder element without losing the lead', async () => {
    const res = await t.hook(source.webhookPath, fixtureJson('praetorian', 'seed-batch.json'), auth);
    assert.equal(res.status, 200);
    assert.equal(res.json.leads.length, 1);
    assert.equal(res.json.leads[0].providerLeadId, 'led_slp3mt0qxvIXYUIK');
    assert.equal(res.json.quarantined.length, 1);
    assert.equal(res.json.quarantined[0].index, 1);
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.person.fullName, 'John Doe');
    assert.equal(lead.person.phone, null, '+123123123123123 is not a valid number');
    assert.equal(lead.person.phoneRaw, '+123123123123123');
    assert.equal(lead.attribution.pageUrl, 'https://some-site.com/page-with-lead-form/');
    assert.equal(lead.extra.data.organization_size, '101-250');
  });

  it('lists at most 100 quarantined items in the answer of a huge garbage batch, counts them all, and keeps its valid lead', async () => {
    const valid = (fixtureJson('praetorian', 'seed-batch.json') as any[])[0];
    const batch = [...Array.from({ length: 150 }, (_, i) => ({ junk: i })), { ...valid, id: 'led_among_garbage' }];
    const res = await t.hook(source.webhookPath, batch, auth);
    assert.equal(res.status, 200);
    assert.equal(res.json.quarantined.length, 100);
    assert.equal(res.json.quarantinedCount, 150);
    assert.deepEqual(res.json.leads.map((l: any) => l.providerLeadId), ['led_among_garbage']);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.status, 'accepted');
  });

  it('accepts the secret raw or as Bearer', async () => {
    assert.equal((await t.hook(source.webhookPath, [lead('led_bearer1')], { authorization: `Bearer ${source.secret}` })).status, 200);
    assert.equal((await t.hook(source.webhookPath, [lead('led_raw1')], { authorization: source.secret })).status, 200);
  });

  it('answers 401 and stores nothing for missing, wrong, truncated or other-source credentials', async () => {
    const other = await createSource(t, 'praetorian');
    const before = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    for (const headers of <Record<string, string>[]>[{}, { authorization: 'wrong' }, { authorization: source.secret.slice(0, -1) }, { authorization: other.secret }, { authorization: `Basic ${source.secret}` }]) {
      const res = await t.hook(source.webhookPath, [lead('led_never')], headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
    }
    assert.equal((await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length, before);
    assert.equal((await t.api('GET', '/api/leads?q=led_never')).json.items.length, 0);
  });

  it('handles a batch element by element: a retried batch with one new lead creates only that one', async () => {
    const first = await t.hook(source.webhookPath, [lead('led_b1'), lead('led_b2')], auth);
    assert.deepEqual(first.json.leads.map((l: any) => l.outcome), ['created', 'created']);
    const retried = await t.hook(source.webhookPath, [lead('led_b1'), lead('led_b2'), lead('led_b3')], auth);
    assert.deepEqual(retried.json.leads.map((l: any) => l.outcome), ['duplicate', 'duplicate', 'created']);
    const same = await t.hook(source.webhookPath, [lead('led_b1'), lead('led_b2')], auth);
    assert.deepEqual(same.json.leads.map((l: any) => l.outcome), ['duplicate', 'duplicate']);
    const stored = (await t.api('GET', `/api/requests/${same.json.requestId}`)).json;
    assert.equal(stored.status, 'duplicate');
  });

  it('applies a resent id with more data as an update, and answers duplicate to late retries of any earlier version', async () => {
    const v1 = { id: 'led_resent', data: { first_name: 'John', phone: '+1 415 555 2671' } };
    const v2 = { ...v1, url: 'https://some-site.com/form/', data: { ...v1.data, last_name: 'Doe', email: 'john@example.com', interested_in: 'A ride-along' } };
    const v3 = { ...v2, data: { ...v2.data, email: 'john.doe@example.com' } };
    assert.equal((await t.hook(source.webhookPath, [v1], auth)).json.leads[0].outcome, 'created');
    assert.equal((await t.hook(source.webhookPath, [v2], auth)).json.leads[0].outcome, 'updated');
    assert.equal((await t.hook(source.webhookPath, [v3], auth)).json.leads[0].outcome, 'updated');
    const retries = await t.hook(source.webhookPath, [v1, v2, v3], auth);
    assert.deepEqual(retries.json.leads.map((l: any) => l.outcome), ['duplicate', 'duplicate', 'duplicate']);
    const lead = (await t.api('GET', `/api/leads/${retries.json.leads[0].id}`)).json;
    assert.equal(lead.version, 3);
    assert.equal(lead.person.fullName, 'John Doe');
    assert.equal(lead.person.email, 'john.doe@example.com');
    assert.equal(lead.message, 'A ride-along');
    assert.equal(lead.attribution.pageUrl, 'https://some-site.com/form/');
    assert.equal(lead.firstAttribution.pageUrl, null, 'the first version had no page');
    assert.equal(lead.lastProviderUpdateAt, null, 'Praetorian carries no update time: ordered by receipt');
    const kinds = lead.timeline.map((e: any) => e.kind);
    assert.equal(kinds[0], 'first_received', 'no created time: first received, not created');
    const changes = lead.timeline.filter((e: any) => e.kind === 'field_changed').map((e: any) => e.data.changes);
    assert.equal(changes.length, 2);
    assert.deepEqual(changes[0]['person.lastName'], { from: null, to: 'Doe' });
    assert.deepEqual(changes[1], {
      'person.email': { from: 'john@example.com', to: 'john.doe@example.com' },
      'person.emailRaw': { from: 'john@example.com', to: 'john.doe@example.com' },
    });
  });

  it('keeps a valid lead when its sibling has wrong types everywhere', async () => {
    const res = await t.hook(source.webhookPath, [{ id: { nested: 1 }, data: 'nope' }, 42, lead('led_sibling_ok'), null], auth);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.leads.map((l: any) => l.providerLeadId), ['led_sibling_ok']);
    assert.deepEqual(res.json.quarantined.map((q: any) => q.index), [0, 1, 3]);
  });

  it('keeps unknown keys, and an integer id beyond 2^53 exactly', async () => {
    const body = '[{"id": 123456789012345678901, "created": "2018-07-12T16:29:42Z", "brand_new_key": {"x": [1, 2]}, "data": {"first_name": "Big", "favourite_colour": "teal"}}]';
    const res = await t.hook(source.webhookPath, body, auth);
    assert.equal(res.json.leads[0].providerLeadId, '123456789012345678901');
    const stored = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.deepEqual(stored.extra.brand_new_key, { x: [1, 2] });
    assert.equal(stored.extra.data.favourite_colour, 'teal');
  });

  it('answers 400 to a body that is not JSON, keeping its bytes quarantined', async () => {
    const body = '[{"id": "led_x", // a comment\n}]';
    const res = await t.hook(source.webhookPath, body, auth);
    assert.equal(res.status, 400);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.body, body);
    assert.equal(stored.status, 'quarantined');
  });

  it('answers 413 to an oversize batch and stores none of it', async () => {
    const batch = Array.from({ length: 200 }, (_, i) => lead(`led_big${i}`, { interested_in: 'x'.repeat(200) }));
    const res = await t.hook(source.webhookPath, batch, auth);
    assert.equal(res.status, 413);
    assert.equal((await t.api('GET', '/api/leads?q=led_big0')).json.items.length, 0);
  });

  it('reprocesses a stored request idempotently', async () => {
    const res = await t.hook(source.webhookPath, [lead('led_rep1'), {}], auth);
    const again = await t.api('POST', `/api/requests/${res.json.requestId}/reprocess`);
    assert.equal(again.status, 200);
    assert.equal(again.json.leads[0].outcome, 'duplicate');
    assert.equal(again.json.quarantined.length, 1);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.ok(stored.reprocessedAt);
  });
});

describe('a Praetorian batch past the per-webhook item limit', () => {
  let t: TestServer;
  after(() => t?.close());

  it('applies the first 1,000 leads, keeps the rest in the request as quarantined, and applies them on reprocess', async () => {
    t = await startTestServer();
    const source = await createSource(t, 'praetorian');
    const batch = Array.from({ length: MAX_ITEMS_PER_WEBHOOK + 2 }, (_, i) => ({ id: `led_cap${i}`, data: { first_name: `Cap ${i}` } }));
    const res = await t.hook(source.webhookPath, batch, { authorization: source.secret });
    assert.equal(res.status, 200);
    assert.equal(res.json.leads.length, MAX_ITEMS_PER_WEBHOOK);
    assert.equal(res.json.quarantinedCount, 2);
    assert.deepEqual(
      res.json.quarantined.map((q: any) => [q.index, q.reason]),
      [
        [MAX_ITEMS_PER_WEBHOOK, OVER_ITEM_LIMIT_REASON],
        [MAX_ITEMS_PER_WEBHOOK + 1, OVER_ITEM_LIMIT_REASON],
      ],
    );
    assert.equal((await t.api('GET', '/api/leads?q=led_cap1001')).json.items.length, 0, 'not applied by the webhook');
    const again = await t.api('POST', `/api/requests/${res.json.requestId}/reprocess`);
    assert.equal(again.status, 200);
    assert.equal(again.json.quarantinedCount, undefined, 'an admin reprocess applies every item');
    assert.deepEqual(again.json.leads.slice(-2).map((l: any) => [l.providerLeadId, l.outcome]), [
      ['led_cap1000', 'created'],
      ['led_cap1001', 'created'],
    ]);
    assert.equal((await t.api('GET', '/api/leads?q=led_cap1001')).json.items.length, 1);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.itemCounts.quarantined, 2, 'the request keeps the outcome it was answered with');
    assert.deepEqual([stored.reprocesses[0].itemCounts.created, stored.reprocesses[0].itemCounts.quarantined], [2, 0], 'the reprocess is recorded beside it');
  });
});
