/**
 * `POST /api/destinations/try-filter`: a filter checked as destination creation checks it, then run
 * on the rule thread, with its budget, against the most recent events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from '../properties/support.js';

describe('POST /api/destinations/try-filter', () => {
  let t: TestServer;
  let rx: Receiver;
  let praetorian: any;
  let anarock: any;
  const leads: Record<string, string> = {};
  const trial = (body: unknown) => t.api('POST', '/api/destinations/try-filter', body);

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    rx = await startReceiver();
    // Events exist for destinations: one with a rule keeps the provider's item (payload) of its events.
    assert.equal((await t.api('POST', '/api/destinations', { name: 'all', url: rx.url, includeTest: true, filter: 'true || payload == null' })).status, 201);
    praetorian = await createSource(t, 'praetorian');
    anarock = await createSource(t, 'anarock');
    const hook = async (source: any, body: unknown, key: string) => {
      const res = await t.hook(source.webhookPath, body, source.provider === 'praetorian' ? { authorization: source.secret } : {});
      assert.equal(res.status, 200);
      leads[key] = res.json.leads[0].id;
    };
    await hook(praetorian, [{ id: 'led_try_1', data: { first_name: 'Ada', last_name: 'Match', campaign: 'spring' } }], 'ada');
    await hook(praetorian, [{ id: 'led_try_2', data: { first_name: 'Bo', last_name: 'Other' } }], 'bo');
    await hook(anarock, { lead_id: 660_001, name: 'Cy Anarock', lead_status: 'Fresh' }, 'cy');
    await hook(anarock, { lead_id: 660_001, name: 'Cy Anarock', lead_status: 'Interested', status_changes: { moved_to_interested: 1_800_000_000 } }, 'cy');
    leads['test'] = (await t.api('POST', `/api/sources/${praetorian.id}/test-lead`)).json.leadId;
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('runs the filter on the most recent events, newest first, and says which it matched', async () => {
    const res = await trial({ filter: 'lead.person.lastName == "Match" || event.type == "lead.stage_changed"' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const items = res.json.items as any[];
    assert.deepEqual(items.map((i) => [i.leadId, i.type, i.matched, i.error]), [
      [leads['cy'], 'lead.stage_changed', true, null],
      [leads['cy'], 'lead.created', false, null],
      [leads['bo'], 'lead.created', false, null],
      [leads['ada'], 'lead.created', true, null],
    ]);
    assert.equal(items[3].leadName, 'Ada Match');
    assert.match(items[0].eventId, /^evt_/);
    assert.ok(items[0].createdAt >= items[3].createdAt);
  });

  it('reads the provider payload the event kept, and narrows by type, source, test leads and limit', async () => {
    const byPayload = (await trial({ filter: 'payload.?data.?campaign.orValue("") == "spring"', sourceIds: [praetorian.id] })).json.items;
    assert.deepEqual(byPayload.map((i: any) => [i.leadId, i.matched]), [[leads['bo'], false], [leads['ada'], true]]);
    const created = (await trial({ filter: 'true', events: ['lead.created'], limit: 2 })).json.items;
    assert.deepEqual(created.map((i: any) => i.leadId), [leads['cy'], leads['bo']]);
    const withTest = (await trial({ filter: 'lead.isTest', includeTest: true, limit: 1 })).json.items;
    assert.deepEqual(withTest.map((i: any) => [i.leadId, i.matched]), [[leads['test'], true]]);
  });

  it('reports a rule that fails on an event as not matched, with the error', async () => {
    const items = (await trial({ filter: 'payload.data.first_name == "Ada"', sourceIds: [anarock.id] })).json.items;
    assert.ok(items.length === 2 && items.every((i: any) => i.matched === false && typeof i.error === 'string'), JSON.stringify(items));
  });

  it('answers any filter text as destination creation would: refused the same way, or run on every event (property)', async () => {
    const piece = fc.constantFrom('lead', 'payload', 'event', '.', 'stage', 'person', '.fullName', ' == ', ' != ', '"won"', '1', '(', ')', '[', ']', ' && ', ' || ', '!', 'size(', '.matches("a+")', '.all(x, ', 'x', ',', '?', ':', '"', '\\', 'has(', '.?extra', '.orValue(0)', ' in ', '{', '}', 'true', 'int(', '/', '0');
    const filter = fc.oneof(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), fc.string({ maxLength: 40 }));
    await check(
      fc.asyncProperty(filter, async (text) => {
        const tried = await trial({ filter: text, limit: 3 });
        const label = `${JSON.stringify(text)}: ${tried.status} ${JSON.stringify(tried.json).slice(0, 200)}`;
        assert.ok(tried.status === 200 || tried.status === 400, label);
        if (tried.status === 400) {
          const created = await t.api('POST', '/api/destinations', { name: 'x', url: rx.url, filter: text });
          assert.deepEqual(created.json, tried.json, label);
          return;
        }
        assert.equal(tried.json.items.length, 3, label);
        for (const item of tried.json.items) assert.ok(typeof item.matched === 'boolean' && (item.error === null || typeof item.error === 'string'), label);
      }),
      150,
    );
  });

  it('refuses a filter exactly as destination creation does, with the same error and position', async () => {
    for (const filter of ['lead.nope == 1', 'lead.stage ==', '1 + 1', 'lead.person.fullName.matches("(a+)+\\\\1")']) {
      const tried = await trial({ filter });
      const created = await t.api('POST', '/api/destinations', { name: 'x', url: rx.url, filter });
      assert.equal(tried.status, 400, filter);
      assert.deepEqual(tried.json, created.json, filter);
    }
    for (const body of [{}, { filter: 'true', limit: 51 }, { filter: 'true', limit: 0 }, { filter: 'true', events: ['lead.nope'] }, { filter: 'true', extra: 1 }, { filter: 'x'.repeat(4097) }]) {
      const res = await trial(body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(res.json.error.code, 'LH_E_VALIDATION');
    }
  });
});

describe('POST /api/destinations/try-filter before any event is stored (a fresh install)', () => {
  let t: TestServer;
  let rx: Receiver;
  let source: any;
  const leads: Record<string, string> = {};
  const trial = (body: unknown) => t.api('POST', '/api/destinations/try-filter', body);
  const summary = (items: any[]) => items.map((i) => [i.leadId, i.type, i.sample, i.eventId, i.matched]);

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    rx = await startReceiver();
    source = await createSource(t, 'praetorian');
    // Events are stored only for destinations: none exists yet.
    for (const [key, id, last] of [['ada', 'led_s1', 'Match'], ['bo', 'led_s2', 'Other']] as const) {
      const res = await t.hook(source.webhookPath, [{ id, data: { first_name: key, last_name: last } }], { authorization: source.secret });
      assert.equal(res.status, 200);
      leads[key] = res.json.leads[0].id;
    }
    leads['test'] = (await t.api('POST', `/api/sources/${source.id}/test-lead`)).json.leadId;
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('tries the filter on the most recent leads as the lead.created events they would make, marked as samples', async () => {
    const res = await trial({ filter: 'lead.person.lastName == "Match" && event.type == "lead.created"' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(summary(res.json.items), [
      [leads['bo'], 'lead.created', true, null, false],
      [leads['ada'], 'lead.created', true, null, true],
    ]);
    const ada = res.json.items[1];
    const lead = (await t.api('GET', `/api/leads/${leads['ada']}`)).json;
    assert.deepEqual([ada.leadName, ada.createdAt, ada.error], ['ada Match', lead.firstSeenAt, null]);
  });

  it('narrows the samples as it narrows events: test leads when asked, limit, sources, lead.created only', async () => {
    assert.deepEqual((await trial({ filter: 'lead.isTest', includeTest: true, limit: 1 })).json.items.map((i: any) => [i.leadId, i.sample, i.matched]), [[leads['test'], true, true]]);
    assert.deepEqual((await trial({ filter: 'true', limit: 1 })).json.items.map((i: any) => i.leadId), [leads['bo']]);
    assert.deepEqual((await trial({ filter: 'true', sourceIds: ['src_none'] })).json.items, []);
    assert.deepEqual((await trial({ filter: 'true', events: ['lead.updated', 'lead.stage_changed'] })).json.items, []);
    assert.equal((await trial({ filter: 'true', events: ['lead.created'] })).json.items.length, 2);
  });

  it('says a sample has no provider payload when the filter reads one', async () => {
    const items = (await trial({ filter: 'payload.data.first_name == "ada"' })).json.items;
    assert.ok(items.length === 2 && items.every((i: any) => i.matched === false && /sample made from a stored lead has no provider payload/.test(i.error)), JSON.stringify(items));
  });

  it('lists stored events first and fills up with samples of the leads they are not about', async () => {
    assert.equal((await t.api('POST', '/api/destinations', { name: 'all', url: rx.url })).status, 201);
    const res = await t.hook(source.webhookPath, [{ id: 'led_s3', data: { first_name: 'cy', last_name: 'Match' } }], { authorization: source.secret });
    leads['cy'] = res.json.leads[0].id;
    const items = (await trial({ filter: 'lead.person.lastName == "Match"' })).json.items;
    assert.deepEqual(summary(items).map(([lead, type, sample, eventId, matched]) => [lead, type, sample, eventId === null, matched]), [
      [leads['cy'], 'lead.created', false, false, true],
      [leads['bo'], 'lead.created', true, true, false],
      [leads['ada'], 'lead.created', true, true, true],
    ]);
    assert.match(items[0].eventId, /^evt_/);
    assert.deepEqual((await trial({ filter: 'true', limit: 1 })).json.items.map((i: any) => i.sample), [false], 'no sample when the events fill the limit');
  });
});

describe('POST /api/destinations/try-filter within the rule budget', () => {
  it('stops a rule over its budget (LEADHOOK_RULE_TIMEOUT_MS) on the rule thread, as the worker would, and answers', async () => {
    const t = await startTestServer({ allowPrivateDestinations: true, ruleTimeoutMs: 10 });
    const rx = await startReceiver();
    try {
      assert.equal((await t.api('POST', '/api/destinations', { name: 'all', url: rx.url })).status, 201);
      const source = await createSource(t, 'praetorian');
      assert.equal((await t.hook(source.webhookPath, [{ id: 'led_budget', data: { first_name: 'Bud' } }], { authorization: source.secret })).status, 200);
      // 216,000 string concatenations: under the cost estimate's limit, far over 10 ms.
      const list = `[${Array.from({ length: 60 }, (_, i) => i + 1).join(',')}]`;
      const slow = `${list}.all(a, ${list}.all(b, ${list}.all(c, string(a) + string(b) + string(c) != "x")))`;
      const res = await t.api('POST', '/api/destinations/try-filter', { filter: slow });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json.items.map((i: any) => [i.matched, i.error]), [[false, 'the rule ran over its 10 ms budget']]);
    } finally {
      await t.close();
      await rx.close();
    }
  });
});
