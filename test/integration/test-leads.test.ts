import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fixtureJson } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { rewriteRequestBody } from '../helpers/rewrite-requests.js';
import { rewriteLeadDocuments } from '../helpers/test-store.js';
import { check } from '../properties/support.js';

/** A Praetorian (Lexipol API object) lead named Testa, with the given `production` value (none when undefined). */
function lexipolLead(id: string, production: unknown): Record<string, unknown> {
  const lead: Record<string, unknown> = { id, object: 'lead', created: '2024-03-01T10:00:00Z', data: { first_name: 'Ann', last_name: 'Testa', phone: '+1 415 555 2671' } };
  if (production !== undefined) lead.production = production;
  return lead;
}

describe('test leads (a provider test flag) over HTTP, the store and the CLI', () => {
  let t: TestServer;
  let rx: Receiver;
  let source: any;
  let plain: any;
  let withTest: any;
  const ids: Record<string, string> = {};

  const ingest = async (leads: unknown[]) => {
    const res = await t.hook(source.webhookPath, leads, { authorization: source.secret });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    for (const l of res.json.leads) ids[l.providerLeadId] = l.id;
    return res.json;
  };
  const listed = async (qs: string): Promise<string[]> => {
    const res = await t.api('GET', `/api/leads?${qs}`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.items.map((l: { providerLeadId: string }) => l.providerLeadId).sort();
  };
  const deliveredLeads = async (destinationId: string): Promise<string[]> => {
    const res = await t.api('GET', `/api/deliveries?destinationId=${destinationId}&limit=100`);
    assert.equal(res.status, 200);
    const byId = Object.fromEntries(Object.entries(ids).map(([providerId, leadId]) => [leadId, providerId]));
    return res.json.items.map((d: { leadId: string }) => byId[d.leadId]).sort();
  };

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    rx = await startReceiver();
    source = await createSource(t, 'praetorian');
    plain = (await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url })).json;
    withTest = (await t.api('POST', '/api/destinations', { name: 'QA', url: rx.url, includeTest: true })).json;
    // Deliveries are planned in the webhook's own transaction: once it is answered, they exist.
    await ingest([
      fixtureJson('praetorian', 'lexipol-lead.json'),
      lexipolLead('led_test_str', 'false'),
      lexipolLead('led_real', true),
      lexipolLead('led_draft', undefined),
    ]);
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('marks a Lexipol lead with production: false (or "false") as a test lead; production: true and no flag are real', async () => {
    const isTest = async (providerId: string) => (await t.api('GET', `/api/leads/${ids[providerId]}`)).json.isTest;
    assert.deepEqual(
      [await isTest('led_001'), await isTest('led_test_str'), await isTest('led_real'), await isTest('led_draft')],
      [true, true, false, false],
    );
  });

  it('lists and searches real leads only by default; isTest=true lists only test leads, isTest=all both', async () => {
    assert.deepEqual(await listed(''), ['led_draft', 'led_real']);
    assert.deepEqual(await listed('isTest=false'), ['led_draft', 'led_real']);
    assert.deepEqual(await listed('isTest=true'), ['led_001', 'led_test_str']);
    assert.deepEqual(await listed('isTest=all'), ['led_001', 'led_draft', 'led_real', 'led_test_str']);
    assert.deepEqual(await listed('q=testa'), ['led_draft', 'led_real'], 'a search leaves test leads out too');
    assert.deepEqual(await listed('q=testa&isTest=true'), ['led_test_str']);
    assert.deepEqual(await listed('phone=%2B14155552671&isTest=all'), ['led_draft', 'led_real', 'led_test_str']);
    const bad = await t.api('GET', '/api/leads?isTest=yes');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'LH_E_VALIDATION');
  });

  it('forwards test leads only to the destination that asks for them (includeTest), and says so in its DTO', async () => {
    assert.deepEqual(await deliveredLeads(plain.id), ['led_draft', 'led_real']);
    assert.deepEqual(await deliveredLeads(withTest.id), ['led_001', 'led_draft', 'led_real', 'led_test_str']);
    assert.equal(plain.includeTest, false);
    assert.equal(withTest.includeTest, true);
    assert.equal((await t.api('GET', `/api/destinations/${withTest.id}`)).json.includeTest, true);
    // The event a destination receives says the lead is a test.
    await rx.waitFor((r) => r.filter((x) => x.json?.data?.lead?.isTest === true).length >= 2);
  });

  it('PATCH includeTest changes what later test leads reach a destination', async () => {
    const patched = await t.api('PATCH', `/api/destinations/${plain.id}`, { includeTest: true });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.includeTest, true);
    await ingest([lexipolLead('led_test_late', false)]);
    assert.deepEqual(await deliveredLeads(plain.id), ['led_draft', 'led_real', 'led_test_late']);
    const refused = await t.api('PATCH', `/api/destinations/${plain.id}`, { includeTest: 'yes' });
    assert.equal(refused.status, 400);
  });

  it('CLI: leads list --is-test true shows the test leads marked, destinations add --include-test asks for them', async () => {
    const env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const list = await cli(['leads', 'list', '--is-test', 'true'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${ids['led_test_str']}\\s+praetorian\\s+new \\(test\\)\\s+Ann Testa`, 'm'));
    assert.doesNotMatch(list.stdout, new RegExp(ids['led_real'] ?? 'x'));
    const added = await cli(['destinations', 'add', '--name', 'QA 2', '--url', rx.url, '--include-test'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Test leads:\s+forwarded too/);
  });

  it('reads a lead document stored before test leads and phone lists existed as a real lead with one number', async () => {
    const dataDir = t.dataDir;
    await t.close({ keepData: true });
    await rewriteLeadDocuments(
      dataDir,
      (old) => {
        delete old.isTest;
        delete old.person.otherPhones;
        delete old.person.phoneExtension;
        return old;
      },
      [ids['led_real'] ?? ''],
    );
    t = await startTestServer({ allowPrivateDestinations: true }, dataDir);
    const lead = (await t.api('GET', `/api/leads/${ids['led_real']}`)).json;
    assert.equal(lead.isTest, false);
    assert.deepEqual([lead.person.phone, lead.person.otherPhones, lead.person.phoneExtension], ['+14155552671', [], null]);
    assert.ok((await listed('')).includes('led_real'));
  });
});

describe('POST /api/sources/:id/test-lead: a sample lead in the provider\'s own shape, stored as a test lead', () => {
  let t: TestServer;
  let rx: Receiver;
  const sources: Record<string, any> = {};

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    rx = await startReceiver();
    for (const provider of ['anarock', 'leadpro', 'casayes', 'praetorian']) sources[provider] = await createSource(t, provider);
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('makes a new test lead from each provider\'s sample, through its own credential check, parse and mapping', async () => {
    for (const [provider, source] of Object.entries(sources)) {
      const res = await t.api('POST', `/api/sources/${source.id}/test-lead`);
      assert.equal(res.status, 201, `${provider}: ${JSON.stringify(res.json)}`);
      assert.deepEqual(Object.keys(res.json).sort(), ['leadId', 'requestId']);
      const lead = (await t.api('GET', `/api/leads/${res.json.leadId}`)).json;
      assert.equal(lead.provider, provider);
      assert.equal(lead.sourceId, source.id);
      assert.equal(lead.isTest, true, provider);
      assert.equal(lead.stage, 'new', provider);
      assert.match(String(lead.person.fullName), /Sample$/, provider);
      const request = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
      assert.equal(request.status, 'accepted', provider);
      assert.deepEqual(request.leadIds, [res.json.leadId]);
      assert.match(request.headers['x-leadhook-test-lead'], /console or API/, 'the request says where it came from');
      assert.match(request.headers['user-agent'], /^leadhook\//);
      // The credential it carried is stored redacted, like any webhook's.
      for (const name of ['authorization', 'token']) if (request.headers[name] !== undefined) assert.equal(request.headers[name], '[redacted]');
      assert.ok(!JSON.stringify(request).includes(source.secret), `${provider}: no secret in the stored request`);
      assert.equal(request.body.length > 0, true);
    }
  });

  it('makes a new lead each time (a fresh provider lead id), and keeps them out of lists unless asked', async () => {
    const source = sources['anarock'];
    const [a, b] = [await t.api('POST', `/api/sources/${source.id}/test-lead`), await t.api('POST', `/api/sources/${source.id}/test-lead`, {})];
    assert.equal(b.status, 201, JSON.stringify(b.json));
    assert.notEqual(a.json.leadId, b.json.leadId);
    const [la, lb] = [(await t.api('GET', `/api/leads/${a.json.leadId}`)).json, (await t.api('GET', `/api/leads/${b.json.leadId}`)).json];
    assert.notEqual(la.providerLeadId, lb.providerLeadId);
    const listed = (await t.api('GET', `/api/leads?sourceId=${source.id}`)).json.items;
    assert.deepEqual(listed, [], 'not in the default list');
    const tests = (await t.api('GET', `/api/leads?sourceId=${source.id}&isTest=true`)).json.items.map((l: { id: string }) => l.id);
    assert.ok(tests.includes(a.json.leadId) && tests.includes(b.json.leadId));
  });

  it('reaches only destinations that include test leads', async () => {
    const plain = (await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url })).json;
    const qa = (await t.api('POST', '/api/destinations', { name: 'QA', url: rx.url, includeTest: true })).json;
    const res = await t.api('POST', `/api/sources/${sources['casayes'].id}/test-lead`);
    const to = async (destinationId: string) => (await t.api('GET', `/api/deliveries?destinationId=${destinationId}&leadId=${res.json.leadId}`)).json.items.length;
    assert.deepEqual([await to(plain.id), await to(qa.id)], [0, 1]);
  });

  it('answers 404 for an unknown or deleted source, and refuses a body with fields', async () => {
    const missing = await t.api('POST', '/api/sources/src_nope/test-lead');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'LH_E_SOURCE_NOT_FOUND');
    const gone = await createSource(t, 'praetorian');
    assert.equal((await t.api('DELETE', `/api/sources/${gone.id}`)).status, 204);
    assert.equal((await t.api('POST', `/api/sources/${gone.id}/test-lead`)).status, 404);
    const extra = await t.api('POST', `/api/sources/${sources['praetorian'].id}/test-lead`, { name: 'x' });
    assert.equal(extra.status, 400);
    assert.equal(extra.json.error.code, 'LH_E_VALIDATION');
  });

  it('answers any other source id 404 and stores nothing (property)', async () => {
    const before = (await t.api('GET', '/api/requests?limit=500')).json.items.length;
    await check(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), async (id) => {
        if (Object.values(sources).some((s) => s.id === id)) return;
        const res = await t.api('POST', `/api/sources/${encodeURIComponent(id)}/test-lead`);
        assert.ok([404, 400].includes(res.status), `${JSON.stringify(id)}: ${res.status} ${JSON.stringify(res.json)}`);
      }),
      100,
    );
    assert.equal((await t.api('GET', '/api/requests?limit=500')).json.items.length, before);
  });

  it('works after the secret was rotated (the sample carries the current one)', async () => {
    const source = sources['leadpro'];
    const rotated = await t.api('PATCH', `/api/sources/${source.id}`, { rotateSecret: true });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    assert.equal((await t.api('POST', `/api/sources/${source.id}/test-lead`)).status, 201);
  });
});

describe('a test lead stays a test lead when its stored request is reprocessed or applied', () => {
  let t: TestServer;
  let source: any;
  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'anarock');
  });
  after(() => t.close());

  const sendTest = async () => {
    const res = await t.api('POST', `/api/sources/${source.id}/test-lead`);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const lead = (await t.api('GET', `/api/leads/${res.json.leadId}`)).json;
    return { requestId: res.json.requestId as string, leadId: res.json.leadId as string, providerLeadId: lead.providerLeadId as string };
  };
  /** The stored body with one Anarock lead number replaced by another (id, e-mail and note ids carry it). */
  const renumber = (from: string, to: string) => (body: Buffer) => Buffer.from(body.toString('utf8').replaceAll(from, to), 'utf8');

  it('marks the stored request of a test lead (isTestSend), and no webhook request', async () => {
    const sent = await sendTest();
    assert.equal((await t.api('GET', `/api/requests/${sent.requestId}`)).json.isTestSend, true);
    // A webhook that claims to be a test lead in its headers is a webhook like any other.
    const hooked = await t.hook(source.webhookPath, { lead_id: 880_001, name: 'Real Person', lead_status: 'Fresh' }, { 'x-leadhook-test-lead': 'sent from the leadhook console or API' });
    assert.equal(hooked.status, 200);
    assert.equal((await t.api('GET', `/api/requests/${hooked.json.requestId}`)).json.isTestSend, false);
    assert.equal((await t.api('GET', `/api/leads/${hooked.json.leads[0].id}`)).json.isTest, false);
    const listed = (await t.api('GET', `/api/requests?sourceId=${source.id}`)).json.items;
    assert.deepEqual(Object.fromEntries(listed.map((r: any) => [r.id, r.isTestSend])), { [sent.requestId]: true, [hooked.json.requestId]: false });
  });

  it('applies its items as test leads again on reprocess and on apply, when they apply at all (after a mapping fix)', async () => {
    // Reprocessing the same bytes finds its items applied already (duplicates): nothing to apply.
    const first = await sendTest();
    assert.equal((await t.api('POST', `/api/requests/${first.requestId}/reprocess`)).json.status, 'duplicate');
    // A held item applied: lead B's personal data is erased, then C's request comes to name B.
    const b = await sendTest();
    const c = await sendTest();
    assert.equal((await t.api('DELETE', `/api/leads/${b.leadId}?erase=personal-data`)).status, 200);
    // A mapping fix, stood for by renumbering the stored bytes: after it, they map to an item never applied.
    const dataDir = t.dataDir;
    await t.close({ keepData: true });
    const fresh = String(Number(first.providerLeadId) + 1);
    await rewriteRequestBody(dataDir, first.requestId, renumber(first.providerLeadId, fresh));
    // C's snapshot then names B, a step on (Anarock keys a snapshot by its content).
    await rewriteRequestBody(dataDir, c.requestId, (body) => Buffer.from(renumber(c.providerLeadId, b.providerLeadId)(body).toString('utf8').replace('"lead_status":"Fresh"', '"lead_status":"Interested"')));
    t = await startTestServer({}, dataDir);

    const reprocessed = await t.api('POST', `/api/requests/${first.requestId}/reprocess`);
    assert.equal(reprocessed.status, 200, JSON.stringify(reprocessed.json));
    assert.deepEqual(reprocessed.json.leads.map((l: any) => [l.providerLeadId, l.outcome]), [[fresh, 'created']]);
    const made = (await t.api('GET', `/api/leads/${reprocessed.json.leads[0].id}`)).json;
    assert.equal(made.isTest, true, 'the lead a test send makes on reprocess is a test lead');

    const held = await t.api('POST', `/api/requests/${c.requestId}/reprocess`);
    assert.equal(held.json.status, 'quarantined', JSON.stringify(held.json));
    const applied = await t.api('POST', `/api/requests/${c.requestId}/apply`);
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    assert.deepEqual(applied.json.leads.map((l: any) => [l.id, l.outcome]), [[b.leadId, 'updated']]);
    assert.equal((await t.api('GET', `/api/leads/${b.leadId}`)).json.isTest, true, 'the lead a test send updates on apply stays a test lead');

    const real = (await t.api('GET', `/api/leads?sourceId=${source.id}`)).json.items.map((l: any) => l.id);
    assert.ok(!real.includes(made.id) && !real.includes(b.leadId), 'neither is in the list of real leads');
  });
});
