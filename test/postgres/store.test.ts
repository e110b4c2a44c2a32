import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestSchema, PG_SKIP_REASON, postgresReachable, type TestSchema } from '../helpers/postgres.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

const reachable = await postgresReachable();
if (!reachable) console.log(`# skipped test/postgres/store.test.ts: ${PG_SKIP_REASON}`);

function praetorianLead(id: string, phone: string, extra: Record<string, unknown> = {}) {
  return { id, url: 'https://example.test/form', created: '2024-01-02T03:04:05Z', data: { first_name: 'Ana', last_name: id, phone, email: `${id}@Example.COM`, ...extra } };
}

describe('PostgreSQL store through the HTTP API', { skip: !reachable }, () => {
  let schema: TestSchema;
  let t: TestServer;
  before(async () => {
    schema = await createTestSchema();
    t = await startTestServer({ databaseUrl: schema.url });
  });
  after(async () => {
    await t?.close();
    await schema?.drop();
  });

  it('stores a webhook, answers a retry as a duplicate, and lists and finds the lead', async () => {
    const src = await createSource(t, 'praetorian');
    const body = [praetorianLead('led_pg1', '(415) 555-2671')];
    const first = await t.hook(src.webhookPath, body, { authorization: src.secret });
    assert.equal(first.status, 200);
    const again = await t.hook(src.webhookPath, body, { authorization: src.secret });
    assert.equal(again.status, 200);
    assert.equal(again.json.leads[0].outcome, 'duplicate');
    const leads = await t.api('GET', '/api/leads?q=led_pg1');
    assert.equal(leads.json.items.length, 1);
    const lead = await t.api('GET', `/api/leads/${leads.json.items[0].id}`);
    assert.equal(lead.json.person.phone, '+14155552671');
    assert.ok(lead.json.timeline.length > 0);
    const requests = await t.api('GET', `/api/requests?sourceId=${src.id}`);
    assert.deepEqual(requests.json.items.map((r: any) => r.status), ['duplicate', 'accepted']);
    const one = await t.api('GET', `/api/requests/${requests.json.items[1].id}`);
    assert.equal(one.json.itemCounts.created, 1);
  });

  it('pages leads with the same cursor format as SQLite, newest activity first', async () => {
    const src = await createSource(t, 'praetorian');
    for (let i = 0; i < 5; i++) await t.hook(src.webhookPath, [praetorianLead(`led_page${i}`, `+1415555030${i}`)], { authorization: src.secret });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.api('GET', `/api/leads?sourceId=${src.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.items.map((l: any) => l.providerLeadId));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ['led_page4', 'led_page3', 'led_page2', 'led_page1', 'led_page0']);
  });

  it('keeps one lead with the right version when the same provider lead arrives 20 times at once', async () => {
    const src = await createSource(t, 'praetorian');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.hook(src.webhookPath, [praetorianLead('led_race', '+14155550100', { city: `City ${i}` })], { authorization: src.secret })),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
    const outcomes = answers.map((a) => a.json.leads[0].outcome);
    assert.equal(outcomes.filter((o) => o === 'created').length, 1);
    const leads = await t.api('GET', `/api/leads?sourceId=${src.id}`);
    assert.equal(leads.json.items.length, 1);
    const updated = outcomes.filter((o) => o === 'updated').length;
    assert.equal(leads.json.items[0].version, 1 + updated);
    assert.equal(new Set(answers.map((a) => a.json.leads[0].leadId)).size, 1);
  });

  it('erases a lead and holds its next webhook until an admin decides', async () => {
    const src = await createSource(t, 'praetorian');
    await t.hook(src.webhookPath, [praetorianLead('led_erase', '+14155550111')], { authorization: src.secret });
    const lead = (await t.api('GET', `/api/leads?sourceId=${src.id}`)).json.items[0];
    const erased = await t.api('DELETE', `/api/leads/${lead.id}?erase=personal-data`);
    assert.equal(erased.status, 200);
    assert.equal((await t.api('GET', `/api/leads/${lead.id}`)).json.person.phone, null);
    const held = await t.hook(src.webhookPath, [praetorianLead('led_erase', '+14155550112')], { authorization: src.secret });
    assert.equal(held.status, 200);
    assert.match(held.json.quarantined?.[0]?.reason ?? JSON.stringify(held.json), /^held: the personal data of lead/);
    const pending = await t.api('GET', '/api/requests/held');
    assert.deepEqual(pending.json.items.map((h: any) => [h.requestId, h.leadId]), [[held.json.requestId, lead.id]]);
    const discarded = await t.api('POST', `/api/requests/${held.json.requestId}/discard?by=dpo`);
    assert.equal(discarded.status, 200);
    assert.equal((await t.api('GET', '/api/requests/held')).json.items.length, 0);
  });

  it('keeps a refused webhook of a known source and shows it by its id', async () => {
    const src = await createSource(t, 'praetorian');
    const refused = await t.hook(src.webhookPath, [praetorianLead('led_ref', '+14155550120')], { authorization: 'wrong' });
    assert.equal(refused.status, 401);
    const list = await t.api('GET', `/api/requests?sourceId=${src.id}&status=rejected`);
    assert.equal(list.json.items.length, 1);
    const refusal = await t.api('GET', `/api/requests/${list.json.items[0].id}`);
    assert.equal(refusal.status, 200);
  });

  it('says ok on GET /health while PostgreSQL takes writes', async () => {
    const res = await fetch(`${t.url}/health`);
    assert.equal(res.status, 200);
  });
});
