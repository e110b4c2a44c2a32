/**
 * What the console's sources and lead pages read besides the basics: each source's last webhook,
 * refused and quarantined ones counted (GET /api/sources, /api/sources/:id), and the requests that
 * touched a lead (GET /api/requests?leadId=), over HTTP on either store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from '../properties/support.js';

describe('the sources list counts each source\'s activity', () => {
  let t: TestServer;
  let anarock: any;
  let praetorian: any;
  let quiet: any;
  let lastReal: string;
  let viewer: string;

  before(async () => {
    t = await startTestServer();
    anarock = await createSource(t, 'anarock');
    praetorian = await createSource(t, 'praetorian');
    quiet = await createSource(t, 'casayes');
    assert.equal((await t.hook(anarock.webhookPath, { lead_id: 770_001, name: 'Ana Counted', lead_status: 'Fresh' })).status, 200);
    // Quarantined: two without a lead id (one is reprocessed, and still quarantined), one not JSON.
    for (const body of ['{"name":"no id"}', '{"name":"no id either"}', 'not json']) await t.hook(anarock.webhookPath, body);
    const last = await t.hook(anarock.webhookPath, { lead_id: 770_002, name: 'Ana Last', lead_status: 'Fresh' });
    lastReal = (await t.api('GET', `/api/requests/${last.json.requestId}`)).json.receivedAt;
    const quarantined = (await t.api('GET', `/api/requests?sourceId=${anarock.id}&status=quarantined`)).json.items;
    assert.equal(quarantined.length, 3);
    assert.equal((await t.api('POST', `/api/requests/${quarantined[0].id}/reprocess`)).json.status, 'quarantined');
    // A test lead is no webhook received; refusals (a wrong credential) are counted, never stored as requests.
    assert.equal((await t.api('POST', `/api/sources/${anarock.id}/test-lead`)).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await t.hook(praetorian.webhookPath, [{ id: `led_r${i}` }], { authorization: 'wrong-secret-000' })).status, 401);
    const token = await t.api('POST', '/api/tokens', { name: 'watcher', role: 'viewer' });
    assert.equal(token.status, 201, JSON.stringify(token.json));
    viewer = token.json.token;
  });
  after(() => t.close());

  const counts = (s: any) => ({ lastReceivedAt: s.lastReceivedAt, refusedCount: s.refusedCount, quarantinedCount: s.quarantinedCount });

  it('lists every source with its last webhook (test leads left out), refusals and quarantined requests waiting', async () => {
    const res = await t.api('GET', '/api/sources');
    assert.equal(res.status, 200);
    const byId = Object.fromEntries(res.json.items.map((s: any) => [s.id, counts(s)]));
    assert.deepEqual(byId[anarock.id], { lastReceivedAt: lastReal, refusedCount: 0, quarantinedCount: 3 });
    assert.deepEqual(byId[praetorian.id], { lastReceivedAt: null, refusedCount: 3, quarantinedCount: 0 });
    assert.deepEqual(byId[quiet.id], { lastReceivedAt: null, refusedCount: 0, quarantinedCount: 0 });
    // The overview counts the same quarantined requests waiting.
    assert.equal((await t.api('GET', '/api/stats')).json.quarantinedWaiting, 3);
  });

  it('shows the same counts on one source', async () => {
    for (const source of [anarock, praetorian, quiet]) {
      const one = (await t.api('GET', `/api/sources/${source.id}`)).json;
      const listed = (await t.api('GET', '/api/sources')).json.items.find((s: any) => s.id === source.id);
      assert.deepEqual(counts(one), counts(listed));
      assert.equal(one.refusals.total, one.refusedCount);
    }
  });

  it('shows a viewer the counts, without credentials', async () => {
    const as = { authorization: `Bearer ${viewer}` };
    const listed = (await t.api('GET', '/api/sources', undefined, as)).json.items.find((s: any) => s.id === anarock.id);
    assert.deepEqual(counts(listed), { lastReceivedAt: lastReal, refusedCount: 0, quarantinedCount: 3 });
    const one = await t.api('GET', `/api/sources/${praetorian.id}`, undefined, as);
    assert.equal(one.status, 200);
    assert.equal(one.json.refusedCount, 3);
    for (const field of ['secret', 'webhookUrl', 'webhookPath']) assert.equal(one.json[field], undefined, field);
  });
});

describe('GET /api/requests?leadId=: the requests that touched a lead', () => {
  let t: TestServer;
  let source: any;
  const ids: string[] = [];
  let leadId: string;
  let other: string;

  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'anarock');
    const hook = async (body: unknown) => {
      const res = await t.hook(source.webhookPath, body);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return res.json;
    };
    const first = await hook({ lead_id: 771_001, name: 'Lia Touched', lead_status: 'Fresh' });
    leadId = first.leads[0].id;
    ids.push(first.requestId);
    other = (await hook({ lead_id: 771_002, name: 'Ola Other', lead_status: 'Fresh' })).leads[0].id;
    ids.push((await hook({ lead_id: 771_001, name: 'Lia Touched', lead_status: 'Interested' })).requestId);
    ids.push((await hook({ lead_id: 771_001, name: 'Lia Touched', lead_status: 'Interested' })).requestId); // a duplicate touches it too
  });
  after(() => t.close());

  it('lists them newest first, a page at a time', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.api('GET', `/api/requests?leadId=${leadId}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.ok(res.json.items.length <= 2);
      for (const r of res.json.items) assert.ok(r.leadIds.includes(leadId));
      seen.push(...res.json.items.map((r: any) => r.id));
      cursor = res.json.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...ids].reverse());
    assert.deepEqual((await t.api('GET', `/api/requests?leadId=${other}`)).json.items.length, 1);
  });

  it('takes the other filters with it, and answers an unknown lead with nothing', async () => {
    const dup = (await t.api('GET', `/api/requests?leadId=${leadId}&status=duplicate`)).json.items;
    assert.deepEqual(dup.map((r: any) => r.id), [ids[2]]);
    assert.deepEqual((await t.api('GET', `/api/requests?leadId=${leadId}&sourceId=src_other`)).json.items, []);
    assert.deepEqual((await t.api('GET', '/api/requests?leadId=lead_unknown')).json.items, []);
  });

  it('refuses an empty leadId, and leadId with status=rejected (a refused webhook touches no lead)', async () => {
    for (const qs of ['leadId=', `leadId=${leadId}&status=rejected`]) {
      const res = await t.api('GET', `/api/requests?${qs}`);
      assert.equal(res.status, 400, qs);
      assert.equal(res.json.error.code, 'LH_E_VALIDATION');
      assert.match(res.json.error.message, /leadId/);
    }
  });

  it('answers any leadId 200 with only requests that touched it, or 400; never a 5xx (property)', async () => {
    await check(
      fc.asyncProperty(fc.oneof(fc.constant(leadId), fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 20 })), fc.integer({ min: 1, max: 3 }), async (id, limit) => {
        const res = await t.api('GET', `/api/requests?leadId=${encodeURIComponent(id)}&limit=${limit}`);
        const what = `${JSON.stringify(id)}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`;
        if (res.status === 400) return assert.equal(res.json.error.code, 'LH_E_VALIDATION', what);
        assert.equal(res.status, 200, what);
        assert.ok(res.json.items.length <= limit, what);
        for (const r of res.json.items) assert.ok(r.leadIds.includes(id), what);
        if (id !== leadId) assert.equal(res.json.items.length, 0, what);
      }),
      100,
    );
  });
});
