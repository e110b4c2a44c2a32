import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/test-store.js';

function praetorianLead(id: string, phone: string, extra: Record<string, unknown> = {}) {
  return { id, url: 'https://example.test/form', created: '2024-01-02T03:04:05Z', data: { first_name: 'Ana', last_name: id, phone, email: `${id}@Example.COM`, ...extra } };
}

describe('admin API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('refuses every /api route without the admin token, and with a wrong one', async () => {
    for (const path of ['/api/sources', '/api/leads', '/api/requests', '/api/leads/lead_x', '/api/nothing-here']) {
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as any).error.code, 'LH_E_UNAUTHORIZED');
      const wrong = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` } });
      assert.equal(wrong.status, 401, path);
    }
  });

  it('serves /healthz without a token', async () => {
    const res = await fetch(`${t.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).status, 'ok');
  });

  it('creates a source with a public id, a webhook URL carrying a separate unguessable token, a generated secret and setup steps', async () => {
    const res = await t.api('POST', '/api/sources', { provider: 'praetorian', name: 'Praetorian US', defaultCountry: 'us' });
    assert.equal(res.status, 201);
    assert.match(res.json.id, /^src_[0-9a-z]{26}$/);
    assert.match(res.json.webhookPath, /^\/hooks\/wh_[0-9a-z]{32}$/, '160 random bits');
    assert.ok(!res.json.webhookPath.includes(res.json.id.slice(4)), 'the URL does not carry the public id');
    assert.ok(res.json.secret.length >= 32);
    assert.equal(res.json.defaultCountry, 'US');
    assert.ok(res.json.setup.length > 0);
    assert.ok(res.json.createdAt);
  });

  it('shows the secret only at creation and when it changes', async () => {
    const created = await createSource(t, 'casayes', { secret: 'casayes-token-1234' });
    assert.equal(created.secret, 'casayes-token-1234');
    const shown = (await t.api('GET', `/api/sources/${created.id}`)).json;
    assert.equal(shown.secret, undefined);
    const listed = (await t.api('GET', '/api/sources')).json.items.find((s: any) => s.id === created.id);
    assert.equal(listed.secret, undefined);
    const renamed = (await t.api('PATCH', `/api/sources/${created.id}`, { name: 'CasaYes Lisboa' })).json;
    assert.equal(renamed.name, 'CasaYes Lisboa');
    assert.equal(renamed.secret, undefined);
    const rotated = (await t.api('PATCH', `/api/sources/${created.id}`, { rotateSecret: true })).json;
    assert.ok(rotated.secret.length >= 32);
    assert.notEqual(rotated.secret, 'casayes-token-1234');
  });

  it('answers 400 listing the known providers for an unknown one', async () => {
    const res = await t.api('POST', '/api/sources', { provider: 'zillow', name: 'x' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'LH_E_UNKNOWN_PROVIDER');
    for (const p of ['anarock', 'leadpro', 'casayes', 'praetorian']) assert.match(res.json.error.message, new RegExp(p));
  });

  it('answers 400 with a clear message for a missing name, unknown keys, a bad country and bad JSON', async () => {
    const missing = await t.api('POST', '/api/sources', { provider: 'anarock' });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'LH_E_VALIDATION');
    assert.match(missing.json.error.message, /name/);
    const unknownKey = await t.api('POST', '/api/sources', { provider: 'anarock', name: 'x', colour: 'red' });
    assert.equal(unknownKey.status, 400);
    const country = await t.api('POST', '/api/sources', { provider: 'anarock', name: 'x', defaultCountry: 'XX' });
    assert.equal(country.status, 400);
    assert.match(country.json.error.message, /defaultCountry/);
    const res = await fetch(`${t.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"provider":' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).error.code, 'LH_E_VALIDATION');
  });

  it('answers 404 for unknown sources, leads and requests', async () => {
    assert.equal((await t.api('GET', '/api/sources/src_nope')).json.error.code, 'LH_E_SOURCE_NOT_FOUND');
    assert.equal((await t.api('GET', '/api/leads/lead_nope')).status, 404);
    assert.equal((await t.api('GET', '/api/requests/req_nope')).status, 404);
    assert.equal((await t.api('DELETE', '/api/sources/src_nope')).status, 404);
  });

  it('finds a lead by phone whatever format is typed', async () => {
    const src = await createSource(t, 'praetorian');
    const res = await t.hook(src.webhookPath, [praetorianLead('led_phone1', '(415) 555-2671')], { authorization: src.secret });
    assert.equal(res.status, 200);
    for (const typed of ['+14155552671', '4155552671', '415-555-2671', '+1 (415) 555 2671', '0014155552671', '14155552671']) {
      const found = (await t.api('GET', `/api/leads?phone=${encodeURIComponent(typed)}`)).json;
      assert.deepEqual(found.items.map((l: any) => l.providerLeadId), ['led_phone1'], typed);
    }
    const none = (await t.api('GET', `/api/leads?phone=${encodeURIComponent('+14155550000')}`)).json;
    assert.equal(none.items.length, 0);
  });

  it('filters by email, text, stage, provider and source', async () => {
    const src = await createSource(t, 'praetorian');
    await t.hook(src.webhookPath, [praetorianLead('led_filter1', '+14155550101', { first_name: 'Zoltan' })], { authorization: src.secret });
    const byEmail = (await t.api('GET', '/api/leads?email=LED_FILTER1@example.com')).json;
    assert.equal(byEmail.items[0].providerLeadId, 'led_filter1');
    const byText = (await t.api('GET', '/api/leads?q=zolt')).json;
    assert.equal(byText.items[0].providerLeadId, 'led_filter1');
    const bySource = (await t.api('GET', `/api/leads?sourceId=${src.id}&stage=new&provider=praetorian`)).json;
    assert.deepEqual(bySource.items.map((l: any) => l.providerLeadId), ['led_filter1']);
    const badStage = await t.api('GET', '/api/leads?stage=hot');
    assert.equal(badStage.status, 400);
    assert.match(badStage.json.error.message, /appointment_booked/);
    assert.equal((await t.api('GET', '/api/leads?limit=0')).status, 400);
    assert.equal((await t.api('GET', '/api/leads?cursor=garbage')).json.error.code, 'LH_E_INVALID_CURSOR');
  });

  it('pages through leads most recently active first without repeats', async () => {
    const src = await createSource(t, 'praetorian');
    const ids = Array.from({ length: 7 }, (_, i) => `led_page${i}`);
    for (const id of ids) await t.hook(src.webhookPath, [praetorianLead(id, '+14155550199')], { authorization: src.secret });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/leads?sourceId=${src.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: any = (await t.api('GET', q)).json;
      seen.push(...page.items.map((l: any) => l.providerLeadId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...ids].reverse());
  });

  it('lists stored requests with credentials redacted, and shows the raw body of one', async () => {
    const src = await createSource(t, 'praetorian');
    const body = JSON.stringify([praetorianLead('led_raw1', '+14155550123')]);
    const res = await t.hook(src.webhookPath, body, { authorization: src.secret, 'x-trace': 'abc' });
    const list = (await t.api('GET', `/api/requests?sourceId=${src.id}`)).json;
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].status, 'accepted');
    assert.equal(list.items[0].headers.authorization, '[redacted]');
    assert.deepEqual(list.items[0].leadIds, [res.json.leads[0].id]);
    const one = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(one.body, body);
    assert.equal(one.headers['x-trace'], 'abc');
    assert.ok(!JSON.stringify(one).includes(src.secret), 'the secret never appears in a stored request');
    assert.equal((await t.api('GET', '/api/requests?status=bogus')).status, 400);
  });

  it('answers 405 to other methods on a webhook URL', async () => {
    const src = await createSource(t, 'anarock');
    const res = await fetch(`${t.url}${src.webhookPath}`);
    assert.equal(res.status, 405);
  });
});

describe('durability', () => {
  it('keeps sources, leads and requests across a restart on the same data directory', async () => {
    const t1 = await startTestServer();
    const src = await createSource(t1, 'praetorian');
    const res = await t1.hook(src.webhookPath, [praetorianLead('led_restart', '+14155550150')], { authorization: src.secret });
    assert.equal(res.status, 200);
    await t1.close({ keepData: true });
    const t2 = await startTestServer({}, t1.dataDir);
    try {
      const lead = (await t2.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
      assert.equal(lead.providerLeadId, 'led_restart');
      const retry = await t2.hook(src.webhookPath, [praetorianLead('led_restart', '+14155550150')], { authorization: src.secret });
      assert.equal(retry.json.leads[0].outcome, 'duplicate');
    } finally {
      await t2.close();
    }
  });

  it('commits 200 concurrent webhooks and stores every acknowledged lead exactly once', async () => {
    const t = await startTestServer();
    try {
      const src = await createSource(t, 'praetorian');
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          // every id twice: concurrent retries of the same lead must not create two leads
          t.hook(src.webhookPath, [praetorianLead(`led_conc${i % 100}`, '+14155550177')], { authorization: src.secret }),
        ),
      );
      assert.ok(answers.every((a) => a.status === 200));
      const outcomes = answers.map((a) => a.json.leads[0].outcome);
      assert.equal(outcomes.filter((o) => o === 'created').length, 100);
      assert.equal(outcomes.filter((o) => o === 'duplicate').length, 100);
      const stored = await t.api('GET', `/api/leads?sourceId=${src.id}&limit=500`);
      assert.equal(stored.json.items.length, 100);
      assert.equal(new Set(stored.json.items.map((lead: any) => lead.providerLeadId)).size, 100);
    } finally {
      await t.close();
    }
  });

  const sqliteOnly = TEST_STORE === 'sqlite' ? {} : { skip: 'closes the SQLite file under the server; PostgreSQL faults: test/faults/postgres-faults.test.ts' };
  it('answers 503 when storage fails, so the provider retries', sqliteOnly, async () => {
    const t = await startTestServer();
    const src = await createSource(t, 'praetorian');
    (t.server.store as any).db.close();
    const res = await t.hook(src.webhookPath, [praetorianLead('led_down', '+14155550111')], { authorization: src.secret });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'LH_E_STORE_UNAVAILABLE');
    await t.server.app.close();
  });
});
