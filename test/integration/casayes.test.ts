import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureBytes, fixtureJson } from '../helpers/fixtures.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

describe('CasaYes webhooks over HTTP', () => {
  let t: TestServer;
  let source: any;
  const TOKEN = '0b4ba9b1-8e04-44cc-84ec-eb0579c0bb20';
  before(async () => {
    t = await startTestServer({ bodyLimit: 16 * 1024 });
    source = await createSource(t, 'casayes', { secret: TOKEN });
  });
  after(() => t.close());

  it('creates a lead from the documented example with the token header', async () => {
    const res = await t.hook(source.webhookPath, fixtureBytes('casayes', 'seed-lead.json'), { token: TOKEN });
    assert.equal(res.status, 200);
    assert.equal(res.json.leads[0].outcome, 'created');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.providerLeadId, 'CY-Listing-A3bT7Y2xL6w-b24e6f80-17c9-4a8f-92b3-7e123d4bcf90');
    assert.equal(lead.stage, 'new');
    assert.equal(lead.person.phone, '+351919111222');
    assert.equal(lead.person.email, null, 'the Cloudflare placeholder is not an e-mail');
    assert.ok(lead.person.emailRaw.includes('protected'));
    assert.equal(lead.providerCreatedAt, '2024-08-09T15:05:44.613Z');
    assert.equal(lead.extra.EntityType, 'Listing');
    assert.match(lead.message, /I’m interested/);
  });

  it('answers duplicate to a retry of the same content, even re-serialized with other bytes', async () => {
    const body = fixtureJson('casayes', 'seed-lead.json');
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const res = await t.hook(source.webhookPath, JSON.stringify(reordered, null, 2), { token: TOKEN });
    assert.equal(res.json.leads[0].outcome, 'duplicate');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.version, 1);
  });

  it('applies a resent LeadReference with a changed message as an update, and a late retry of the first never rolls it back', async () => {
    const body = fixtureJson('casayes', 'seed-lead.json');
    const changed = { ...body, Message: 'resent with a changed message', SenderPhone: '919111333' };
    const res = await t.hook(source.webhookPath, changed, { token: TOKEN });
    assert.equal(res.json.leads[0].outcome, 'updated');
    const late = await t.hook(source.webhookPath, fixtureBytes('casayes', 'seed-lead.json'), { token: TOKEN });
    assert.equal(late.json.leads[0].outcome, 'duplicate');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.message, 'resent with a changed message');
    assert.equal(lead.person.phone, '+351919111333');
    assert.equal(lead.version, 2);
    const change = lead.timeline.find((e: any) => e.kind === 'field_changed');
    assert.deepEqual(change.data.changes.message, { from: body.Message, to: 'resent with a changed message' });
  });

  it('answers 401 and stores nothing for a missing or wrong token, or a token in another header', async () => {
    const body = { ...fixtureJson('casayes', 'seed-lead.json'), LeadReference: 'CY-new-1' };
    const stored = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    for (const headers of <Record<string, string>[]>[{}, { token: `${TOKEN}x` }, { token: TOKEN.slice(0, 10) }, { authorization: TOKEN }]) {
      const res = await t.hook(source.webhookPath, body, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
    }
    assert.equal((await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length, stored);
  });

  it('refuses the token of another source', async () => {
    const other = await createSource(t, 'casayes', { secret: 'another-casayes-token' });
    const res = await t.hook(other.webhookPath, fixtureJson('casayes', 'seed-lead.json'), { token: TOKEN });
    assert.equal(res.status, 401);
  });

  it('answers 400 to a body that is not JSON and keeps it quarantined', async () => {
    const res = await t.hook(source.webhookPath, '{"LeadReference": "CY-x",', { token: TOKEN });
    assert.equal(res.status, 400);
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.status, 'quarantined');
    assert.equal(stored.body, '{"LeadReference": "CY-x",');
    assert.equal(stored.headers.token, '[redacted]');
  });

  it('answers 400 to an empty body', async () => {
    const res = await t.hook(source.webhookPath, '', { token: TOKEN });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /empty/);
  });

  it('answers 413 to a body over the configured limit', async () => {
    const res = await t.hook(source.webhookPath, { ...fixtureJson('casayes', 'seed-lead.json'), PresentationLetter: 'p'.repeat(20000) }, { token: TOKEN });
    assert.equal(res.status, 413);
  });

  it('keeps a lead with an invalid phone and e-mail, raw values intact', async () => {
    const body = { ...fixtureJson('casayes', 'seed-lead.json'), LeadReference: 'CY-bad-contact', SenderPhone: '12', SenderEmail: 'not-an-email', NewField: { nested: true } };
    const res = await t.hook(source.webhookPath, body, { token: TOKEN });
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.person.phone, null);
    assert.equal(lead.person.phoneRaw, '12');
    assert.equal(lead.person.email, null);
    assert.equal(lead.person.emailRaw, 'not-an-email');
    assert.deepEqual(lead.extra.NewField, { nested: true });
  });

  it('reads numbers in the source’s default country when one is set', async () => {
    const es = await createSource(t, 'casayes', { secret: 'spanish-office-token', defaultCountry: 'ES' });
    const body = { ...fixtureJson('casayes', 'seed-lead.json'), LeadReference: 'CY-es-1', SenderPhone: '612345678' };
    const res = await t.hook(es.webhookPath, body, { token: 'spanish-office-token' });
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.person.phone, '+34612345678');
  });
});
