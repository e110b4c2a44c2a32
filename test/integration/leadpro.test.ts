import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { cli } from '../helpers/cli.js';
import { fixtureJson } from '../helpers/fixtures.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

async function sign(claims: Record<string, unknown>, secret: string, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

function event(kind: 'lead.created' | 'lead.updated', data: Record<string, unknown>) {
  return { event: kind, data: { id: 4242, full_name: 'Richard Smith', email: 'richard.smith@gmail.com', phone: '07123456789', type: 'vendor', ...data } };
}

describe('LeadPro webhooks over HTTP', () => {
  let t: TestServer;
  let source: any;
  const post = async (claims: Record<string, unknown>, token?: string, body?: unknown) =>
    t.hook(source.webhookPath, body ?? claims, { authorization: `Bearer ${token ?? (await sign(claims, source.secret))}` });

  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'leadpro');
  });
  after(() => t.close());

  it('creates the lead from the JWT claims of the documented lead.created example', async () => {
    const claims = fixtureJson('leadpro', 'table-lead-created.json');
    const res = await post(claims);
    assert.equal(res.status, 200);
    assert.equal(res.json.leads[0].outcome, 'created');
    assert.equal(res.json.leads[0].providerLeadId, '1');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.person.phone, '+447123456789');
    assert.equal(lead.person.email, 'richard.smith@gmail.com');
    assert.equal(lead.extra.type, 'vendor');
  });

  it('takes the lead from the signed claims, not from an unsigned body', async () => {
    const claims = event('lead.created', { id: 9001, full_name: 'Signed Name' });
    const res = await post(claims, undefined, { event: 'lead.created', data: { id: 9001, full_name: 'Forged Name' } });
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.person.fullName, 'Signed Name');
  });

  it('accepts the token raw, without Bearer', async () => {
    const claims = event('lead.created', { id: 9002 });
    const res = await t.hook(source.webhookPath, claims, { authorization: await sign(claims, source.secret) });
    assert.equal(res.status, 200);
  });

  it('accepts a JWT larger than Node’s default 16 KiB header limit', async () => {
    const claims = event('lead.created', { id: 9003, message: 'm'.repeat(8192), meta: { note: 'x'.repeat(20000) } });
    const token = await sign(claims, source.secret);
    assert.ok(token.length > 32 * 1024);
    const res = await post(claims, token);
    assert.equal(res.status, 200);
    assert.equal(res.json.leads[0].outcome, 'created');
  });

  it('answers 401 and stores nothing for a missing, wrong-key, alg none, HS512 or tampered token', async () => {
    const claims = event('lead.created', { id: 9100 });
    const before = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    const good = await sign(claims, source.secret);
    const [h, p] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const tampered = `${h}.${Buffer.from(JSON.stringify(event('lead.created', { id: 9100, full_name: 'Evil' }))).toString('base64url')}.${good.split('.')[2]}`;
    const attempts: Record<string, string | undefined> = {
      missing: undefined,
      wrongKey: `Bearer ${await sign(claims, 'another-secret-entirely')}`,
      algNone: `Bearer ${none}`,
      hs512: `Bearer ${await sign(claims, source.secret, 'HS512')}`,
      tampered: `Bearer ${tampered}`,
      garbage: 'Bearer not.a.jwt',
      truncated: `Bearer ${good.slice(0, -5)}`,
    };
    for (const [name, authorization] of Object.entries(attempts)) {
      const res = await t.hook(source.webhookPath, claims, authorization === undefined ? {} : { authorization });
      assert.equal(res.status, 401, name);
      assert.equal(res.json.error.code, 'LH_E_WEBHOOK_UNAUTHORIZED', name);
      assert.ok(!JSON.stringify(res.json).includes(source.secret), name);
    }
    const afterCount = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    assert.equal(afterCount, before);
    assert.equal((await t.api('GET', '/api/leads?q=evil')).json.items.length, 0);
  });

  it('answers duplicate to a retried delivery of the same event', async () => {
    const claims = event('lead.updated', { id: 9200, stage: 'CONTACTED' });
    const token = await sign(claims, source.secret);
    assert.equal((await post(claims, token)).json.leads[0].outcome, 'created');
    const retry = await post(claims, token);
    assert.equal(retry.json.leads[0].outcome, 'duplicate');
  });

  it('creates the lead from a lead.updated that arrives first, and answers stale to the late lead.created', async () => {
    const updated = await post(event('lead.updated', { id: 9300, stage: 'VIEWING_BOOKED' }));
    assert.equal(updated.json.leads[0].outcome, 'created');
    const created = await post(event('lead.created', { id: 9300, stage: 'NEW' }));
    assert.equal(created.json.leads[0].outcome, 'stale');
    const lead = (await t.api('GET', `/api/leads/${updated.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'appointment_booked');
  });

  it('orders updates by the JWT iat and never rolls back to an older one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const newer = await post({ ...event('lead.updated', { id: 9400, stage: 'WON' }), iat: now });
    const older = await post({ ...event('lead.updated', { id: 9400, stage: 'CONTACTED' }), iat: now - 60 });
    assert.equal(older.json.leads[0].outcome, 'stale');
    const lead = (await t.api('GET', `/api/leads/${newer.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'won');
    assert.equal(lead.providerStatus, 'WON');
  });

  it('updates a lead, keeps fields the update leaves out, and records the stage change', async () => {
    const first = await post(event('lead.created', { id: 9500, status: 'UNREAD', message: 'Is it still available?' }));
    const second = await post(event('lead.updated', { id: 9500, stage: 'CONTACTED', message: undefined }));
    assert.equal(second.json.leads[0].outcome, 'updated');
    const lead = (await t.api('GET', `/api/leads/${first.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'contacted');
    assert.equal(lead.message, 'Is it still available?');
    const change = lead.timeline.find((e: any) => e.kind === 'status_changed');
    assert.equal(change.data.fromStage, 'new');
    assert.equal(change.data.toStage, 'contacted');
  });

  it('records every changed field of an update in one field_changed entry, once however often it is retried', async () => {
    const first = await post(event('lead.created', { id: 9510, full_name: 'Ann Lee', email: 'ann@example.com', message: 'Hello', source: 'rightmove' }));
    const update = event('lead.updated', { id: 9510, full_name: 'Ann Leigh', email: 'ann.leigh@example.com', message: 'Still looking', source: 'homepage' });
    const token = await sign(update, source.secret);
    assert.equal((await post(update, token)).json.leads[0].outcome, 'updated');
    assert.equal((await post(update, token)).json.leads[0].outcome, 'duplicate');
    const lead = (await t.api('GET', `/api/leads/${first.json.leads[0].id}`)).json;
    const changed = lead.timeline.filter((e: any) => e.kind === 'field_changed');
    assert.equal(changed.length, 1);
    assert.deepEqual(changed[0].data.changes, {
      'person.fullName': { from: 'Ann Lee', to: 'Ann Leigh' },
      'person.lastName': { from: 'Lee', to: 'Leigh' },
      'person.email': { from: 'ann@example.com', to: 'ann.leigh@example.com' },
      'person.emailRaw': { from: 'ann@example.com', to: 'ann.leigh@example.com' },
      message: { from: 'Hello', to: 'Still looking' },
      'attribution.source': { from: 'rightmove', to: 'homepage' },
    });
    assert.match(changed[0].summary, /^Changed person\.fullName: Ann Lee → Ann Leigh; /);
    assert.equal(lead.attribution.source, 'homepage', 'attribution is the latest');
    assert.equal(lead.firstAttribution.source, 'rightmove', 'firstAttribution keeps where the lead came from');
    const shown = await cli(['leads', 'show', lead.id], { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Attribution:\s+.*source=homepage/m);
    assert.match(shown.stdout, /^First touch:\s+.*source=rightmove/m);
  });

  it('bounds a field_changed summary that quotes a huge provider value, keeping the whole value in data', async () => {
    const first = await post(event('lead.created', { id: 9520, message: 'short' }));
    const long = 'long message '.repeat(2000);
    await post(event('lead.updated', { id: 9520, message: long }));
    const lead = (await t.api('GET', `/api/leads/${first.json.leads[0].id}`)).json;
    const changed = lead.timeline.find((e: any) => e.kind === 'field_changed');
    assert.ok(changed.summary.length <= 200);
    assert.equal(changed.data.changes.message.to, long.trim());
  });

  it('keeps an unknown stage raw with stage unknown', async () => {
    const res = await post(event('lead.created', { id: 9600, stage: 'ON_HOLD_FOREVER' }));
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'unknown');
    assert.equal(lead.providerStatus, 'ON_HOLD_FOREVER');
  });

  it('answers 200 and quarantines signed claims without a lead id', async () => {
    const res = await post({ event: 'lead.created', data: { full_name: 'No Id' } });
    assert.equal(res.status, 200);
    assert.equal(res.json.quarantined.length, 1);
  });

  it('answers 413 to an oversize body', async () => {
    const claims = event('lead.created', { id: 9700 });
    const res = await t.hook(source.webhookPath, JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }), { authorization: await sign(claims, source.secret) });
    assert.equal(res.status, 413);
  });
});
