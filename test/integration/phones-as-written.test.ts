import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { fixtureJson } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

describe('phones and e-mails as people write them, through each provider, the store, the API and the CLI', () => {
  let t: TestServer;
  const sources: Record<string, any> = {};
  before(async () => {
    t = await startTestServer();
    for (const provider of ['anarock', 'casayes', 'praetorian', 'leadpro']) sources[provider] = await createSource(t, provider);
  });
  after(() => t.close());

  const leadIds: string[] = [];
  /** The stored person of the webhook's first lead, read back through the API. */
  const person = async (res: { status: number; json: any }) => {
    assert.equal(res.status, 200, JSON.stringify(res.json));
    leadIds.push(res.json.leads[0].id);
    return (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json.person;
  };
  const anarock = async (leadId: number, phone: string) =>
    person(await t.hook(sources.anarock.webhookPath, { lead_id: leadId, name: 'Asha Rao', country_code: '+91', phone, lead_status: 'New' }));
  let listedLeadId = '';

  it('Anarock: reads 0091 … dialled from India, keeps every other number of a list, and the extension', async () => {
    const dialled = await anarock(810_001, '0091 98200 12345');
    assert.deepEqual([dialled.phone, dialled.otherPhones, dialled.phoneExtension], ['+919820012345', [], null]);
    const listed = await anarock(810_002, '9820012345 / 9820054321');
    listedLeadId = leadIds[leadIds.length - 1] ?? '';
    assert.deepEqual([listed.phone, listed.phoneRaw, listed.otherPhones], ['+919820012345', '9820012345 / 9820054321', ['+919820054321']]);
    const ext = await anarock(810_003, '98200 12345 ext 2');
    assert.deepEqual([ext.phone, ext.phoneExtension], ['+919820012345', '2']);
  });

  it('an update with a new number brings its own other numbers and extension; one without a phone keeps them', async () => {
    const hook = (body: Record<string, unknown>) => t.hook(sources.anarock.webhookPath, { lead_id: 810_010, name: 'Ravi K', country_code: '+91', lead_status: 'New', ...body });
    await person(await hook({ phone: '98200 12345 ext 2 / 9820054321' }));
    const kept = await person(await hook({ phone: null, lead_status: 'Interested' }));
    assert.deepEqual([kept.phone, kept.otherPhones, kept.phoneExtension], ['+919820012345', ['+919820054321'], '2']);
    const replaced = await person(await hook({ phone: '9820099999', lead_status: 'Meeting done' }));
    assert.deepEqual([replaced.phone, replaced.otherPhones, replaced.phoneExtension], ['+919820099999', [], null]);
  });

  it('GET /api/leads?phone= finds a lead by any of its numbers, each lead once, with the other filters', async () => {
    const found = async (query: string) => (await t.api('GET', `/api/leads?${query}&sourceId=${sources.anarock.id}`)).json.items.map((l: any) => l.id);
    // 810_002 has +919820054321 as an other phone, 810_010 had it until its number was replaced.
    assert.deepEqual(await found('phone=98200%2054321'), [listedLeadId]);
    assert.deepEqual(await found('phone=%2B91%209820054321&stage=new'), [listedLeadId]);
    assert.deepEqual(await found('phone=9820054321&stage=qualified'), []);
    assert.deepEqual(await found('phone=9820099999'), [leadIds[leadIds.length - 1]]);
    const primary = (await t.api('GET', `/api/leads?phone=9820012345&sourceId=${sources.anarock.id}`)).json.items.map((l: any) => l.id);
    assert.equal(new Set(primary).size, primary.length, 'each lead once');
    assert.ok(primary.includes(listedLeadId));
  });

  it("CasaYes: 00351 … from Portugal with a second number; Cloudflare's [email protected] stays raw, not an address", async () => {
    const lead = { ...fixtureJson('casayes', 'seed-lead.json'), SenderPhone: '00351 912 345 678, 919 111 222; 919111222' };
    const listed = await person(await t.hook(sources.casayes.webhookPath, lead, { token: sources.casayes.secret }));
    assert.deepEqual([listed.phone, listed.otherPhones], ['+351912345678', ['+351919111222']]);
    assert.deepEqual([listed.email, listed.emailRaw], [null, '[email protected]']);
  });

  it('Praetorian: 011 … dialled from the US, with an extension', async () => {
    const p = await person(
      await t.hook(sources.praetorian.webhookPath, [{ id: 'led_ph1', data: { first_name: 'Dee', phone: '011 91 98200 12345 x 7' } }], { authorization: sources.praetorian.secret }),
    );
    assert.deepEqual([p.phone, p.phoneExtension], ['+919820012345', '7']);
  });

  it('LeadPro: two UK numbers joined by "or"', async () => {
    const claims = { event: 'lead.created', data: { id: 8101, full_name: 'Pat Lee', email: 'pat@example.co.uk', phone: '07911 123456 or 020 7946 0958', type: 'sale' } };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(sources.leadpro.secret));
    const p = await person(await t.hook(sources.leadpro.webhookPath, claims, { authorization: `Bearer ${token}` }));
    assert.deepEqual([p.phone, p.otherPhones], ['+447911123456', ['+442079460958']]);
  });

  it('CLI: leads list and show mark an invalid phone and an obfuscated e-mail instead of showing them as if fine', async () => {
    const res = await t.hook(
      sources.praetorian.webhookPath,
      [{ id: 'led_bad', data: { first_name: 'Ivy', last_name: 'Invalid', phone: '+123123123123123', email: '[email\u00a0protected]' } }],
      { authorization: sources.praetorian.secret },
    );
    const leadId = res.json.leads[0].id;
    const api = (await t.api('GET', `/api/leads?q=ivy`)).json.items[0].person;
    assert.deepEqual([api.phone, api.phoneRaw, api.email, api.emailRaw], [null, '+123123123123123', null, '[email protected]']);

    const env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const list = await cli(['leads', 'search', 'ivy'], env);
    assert.equal(list.code, 0, list.stderr);
    const row = list.stdout.split('\n').find((l) => l.startsWith(leadId)) ?? '';
    assert.match(row, /\+123123123123123 \(invalid\)/);
    assert.match(row, /\[email protected\] \(invalid: obfuscated\)/);
    const show = await cli(['leads', 'show', leadId], env);
    assert.match(show.stdout, /Phone:\s+\+123123123123123 \(invalid\)/);
    assert.match(show.stdout, /Email:\s+\[email protected\] \(invalid: obfuscated\)/);

    const shown = await cli(['leads', 'show', listedLeadId], env);
    assert.match(shown.stdout, /Phone:\s+\+919820012345 \(\+1 more\)/);
    assert.match(shown.stdout, /Other phones:\s+\+919820054321/);
  });
});
