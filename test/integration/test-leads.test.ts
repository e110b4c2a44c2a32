import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureJson } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { rewriteLeadDocuments } from '../helpers/test-store.js';

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
