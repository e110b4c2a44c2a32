import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

/** What the person wrote or is: none of it may be left anywhere the API shows, once erased. */
const PERSONAL = ['Zelda', 'Erasmus', 'zelda.erasmus', '9876501234', '5550143', 'sea view', 'private message', 'utm_email'];

function anarockSnapshot(status: string, notes: { note_id: number; data: string; created_at: number }[]) {
  return {
    lead_id: 7001,
    name: 'Zelda Erasmus',
    email: 'zelda.erasmus@example.com',
    country_code: '+91',
    phone: '9876501234',
    lead_status: status,
    project_name: 'Sea Breeze Towers',
    city: 'Mumbai',
    notes,
  };
}

const praetorianBatch = [
  {
    id: 'led_p1',
    url: 'https://example.com/form?utm_email=zelda.erasmus@example.com',
    created: '2026-01-05T10:00:00Z',
    data: { first_name: 'Zelda', last_name: 'Erasmus', email: 'zelda.erasmus@example.com', phone: '(334) 555-0143', interested_in: 'a private message' },
  },
  { id: 'led_p2', created: '2026-01-05T10:01:00Z', data: { first_name: 'Otto', last_name: 'Keeper', email: 'otto.keeper@example.org' } },
];

/** Every erased string found in `value` as the API shows it (JSON text, and a body shown as base64 decoded). */
function personalIn(value: unknown): string[] {
  let text = JSON.stringify(value);
  const b64 = (value as { bodyBase64?: string | null } | null)?.bodyBase64;
  if (typeof b64 === 'string') text += Buffer.from(b64, 'base64').toString('utf8');
  return PERSONAL.filter((p) => text.includes(p));
}

describe('erasing a person’s personal data', () => {
  let t: TestServer;
  let rx: Receiver;
  /** A destination whose filter passes no event at all, answering 200: a filter never holds back a lead.erased. */
  let ruledRx: Receiver;
  let ruled: { id: string; secret: string };
  /** Subscribed to every type but lead.erased, answering 200. */
  let unsubscribedRx: Receiver;
  let unsubscribed: { id: string };
  let crm: { id: string; secret: string };
  let erasedAt: string;
  let anarock: { id: string; webhookPath: string };
  let praetorian: { id: string; webhookPath: string; secret: string };
  let anarockLead: string;
  let praetorianLead: string;
  let otherLead: string;
  let firstRequest: string;

  before(async () => {
    // Every delivery fails until told otherwise, echoing what it got; the next try is an hour away.
    rx = await startReceiver((r, _n, res) => res.writeHead(500).end(r.body));
    ruledRx = await startReceiver();
    unsubscribedRx = await startReceiver();
    t = await startTestServer({ allowPrivateDestinations: true, retryScheduleMs: [0, 3_600_000] });
    anarock = await createSource(t, 'anarock');
    praetorian = await createSource(t, 'praetorian');
    // Created without `events`: every type, lead.erased included.
    const created = await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json.events, ['lead.created', 'lead.updated', 'lead.stage_changed', 'lead.erased']);
    crm = created.json;
    const filter = 'lead.person.fullName == "nobody is called this"';
    ruled = (await t.api('POST', '/api/destinations', { name: 'Erasures', url: ruledRx.url, filter })).json;
    unsubscribed = (await t.api('POST', '/api/destinations', { name: 'No erasures', url: unsubscribedRx.url, events: ['lead.created', 'lead.updated', 'lead.stage_changed'] })).json;
    const first = await t.hook(anarock.webhookPath, anarockSnapshot('New', [{ note_id: 1, data: 'wants a sea view', created_at: 1767000000 }]));
    assert.equal(first.status, 200, JSON.stringify(first.json));
    anarockLead = first.json.leads[0].id;
    firstRequest = first.json.requestId;
    const update = await t.hook(anarock.webhookPath, anarockSnapshot('Interested', [{ note_id: 2, data: 'Zelda Erasmus: private message', created_at: 1767000100 }]));
    assert.equal(update.json.leads[0].outcome, 'updated', JSON.stringify(update.json));
    const batch = await t.hook(praetorian.webhookPath, praetorianBatch, { authorization: praetorian.secret });
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    [praetorianLead, otherLead] = batch.json.leads.map((l: { id: string }) => l.id);
    // The same batch sent with a wrong secret: refused, kept as received in the source's ring.
    assert.equal((await t.hook(praetorian.webhookPath, praetorianBatch, { authorization: 'not-the-secret' })).status, 401);
    // Each lead's first event reached the receiver once and is now pending its next try (a lead's
    // later events wait behind it).
    await rx.waitFor((r) => r.length >= 3);
  });
  after(async () => {
    await t.close();
    await rx.close();
    await ruledRx.close();
    await unsubscribedRx.close();
  });

  it('answers DELETE without erase=personal-data with a 400 that says how to erase', async () => {
    const res = await t.api('DELETE', `/api/leads/${anarockLead}`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'LH_E_VALIDATION');
    assert.match(res.json.error.message, /erase must be personal-data/);
    assert.equal((await t.api('DELETE', '/api/leads/lead_nope?erase=personal-data')).status, 404);
  });

  it('erases in every surface of the API, keeps stage, ids, times and the listing fields, and records who and when', async () => {
    const res = await t.api('DELETE', `/api/leads/${anarockLead}?erase=personal-data&by=${encodeURIComponent('ticket 42')}`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.actor, 'admin');
    assert.equal(res.json.requestedBy, 'ticket 42');
    assert.equal(res.json.remoteAddress, '127.0.0.1');
    assert.ok(res.json.erased.leadFields.includes('person.fullName'));
    assert.equal(res.json.erased.requests, 2);
    assert.equal(res.json.erased.destinationsNotified, 2, 'the CRM and the ruled destination, not the one without lead.erased');
    erasedAt = res.json.erasedAt;
    const p = await t.api('DELETE', `/api/leads/${praetorianLead}?erase=personal-data`);
    assert.equal(p.json.erased.requestsItemOnly, 1, 'the batch kept its other lead');
    assert.equal(p.json.erased.refusalExcerpts, 1, 'the refused copy of the batch named the person');

    const lead = (await t.api('GET', `/api/leads/${anarockLead}`)).json;
    assert.equal(lead.erasedAt, res.json.erasedAt);
    assert.equal(lead.erasure.requestedBy, 'ticket 42');
    assert.equal(lead.providerStatus, 'Interested', 'the stage and status are kept');
    assert.equal(lead.providerLeadId, '7001');
    assert.equal(lead.extra.project_name, 'Sea Breeze Towers', 'what the lead is about is kept');
    assert.equal(lead.person.fullName, null);
    assert.ok(lead.timeline.length >= 3, 'timeline entries stay, their text erased');

    const surfaces: [string, unknown][] = [];
    for (const id of [anarockLead, praetorianLead]) surfaces.push([`lead ${id}`, (await t.api('GET', `/api/leads/${id}`)).json]);
    surfaces.push(['lead list', (await t.api('GET', '/api/leads?limit=500')).json]);
    surfaces.push(['search', (await t.api('GET', '/api/leads?q=zelda')).json]);
    const requests = (await t.api('GET', '/api/requests?limit=500')).json;
    surfaces.push(['request list', requests]);
    for (const r of requests.items) surfaces.push([`request ${r.id}`, (await t.api('GET', `/api/requests/${r.id}`)).json]);
    const refused = (await t.api('GET', '/api/requests?status=rejected&limit=500')).json;
    assert.equal(refused.items.length, 1);
    surfaces.push(['refused list', refused]);
    for (const r of refused.items) surfaces.push([`refused ${r.id}`, (await t.api('GET', `/api/requests/${r.id}`)).json]);
    const deliveries = (await t.api('GET', '/api/deliveries?limit=500')).json;
    for (const d of deliveries.items) surfaces.push([`delivery ${d.id}`, (await t.api('GET', `/api/deliveries/${d.id}`)).json]);
    for (const [name, value] of surfaces) assert.deepEqual(personalIn(value), [], `${name}: ${JSON.stringify(value).slice(0, 2000)}`);

    assert.deepEqual((await t.api('GET', '/api/leads?q=zelda')).json.items, []);
    assert.equal((await t.api('GET', '/api/leads?q=sea breeze')).json.items[0]?.id, anarockLead, 'the project still finds the lead');
    const other = (await t.api('GET', `/api/leads/${otherLead}`)).json;
    assert.equal(other.person.fullName, 'Otto Keeper', 'the other lead of the batch is untouched');
    const batchRequest = requests.items.find((r: { sourceId: string }) => r.sourceId === praetorian.id);
    const stored = (await t.api('GET', `/api/requests/${batchRequest.id}`)).json;
    assert.match(stored.body, /Otto/, 'the batch body keeps the other lead’s item');
    assert.equal(stored.bodySha256, batchRequest.bodySha256);
  });

  it('tells the destinations subscribed to lead.erased with a signed event that names the lead and carries no personal data', async () => {
    // The ruled destination's filter passed none of the earlier events (filtered, so they hold nothing back).
    await ruledRx.waitFor((r) => r.length >= 2, 30_000);
    const bodies = ruledRx.received.map((r) => new Webhook(ruled.secret).verify(r.body, r.headers as Record<string, string>) as any);
    const byLead = new Map(bodies.map((b) => [b.data.leadId, b]));
    assert.deepEqual([...byLead.keys()].sort(), [anarockLead, praetorianLead].sort());
    const sent = byLead.get(anarockLead);
    assert.deepEqual(sent, {
      type: 'lead.erased',
      id: ruledRx.received.find((r) => r.json.data.leadId === anarockLead)!.headers['webhook-id'],
      timestamp: erasedAt,
      data: { leadId: anarockLead, sourceId: anarock.id, provider: 'anarock', providerLeadId: '7001', erasedAt, requestedBy: 'ticket 42' },
    });
    assert.ok(!('requestedBy' in byLead.get(praetorianLead).data), 'no by, no requestedBy');
    for (const r of ruledRx.received) assert.deepEqual(personalIn(r.body), [], r.body);
    const ruledDeliveries = (await t.api('GET', `/api/deliveries?destinationId=${ruled.id}&limit=100`)).json.items as { eventType: string; status: string }[];
    assert.ok(ruledDeliveries.every((d) => (d.eventType === 'lead.erased') === (d.status !== 'filtered')), JSON.stringify(ruledDeliveries));
    // Trying that filter says what the worker does: every lead.erased would be sent.
    const trial = (await t.api('POST', '/api/destinations/try-filter', { filter: 'lead.person.fullName == "nobody is called this"', events: ['lead.erased'] })).json;
    assert.ok(trial.items.length >= 2 && trial.items.every((i: { matched: boolean }) => i.matched), JSON.stringify(trial));

    const noErasure = (await t.api('GET', `/api/deliveries?destinationId=${unsubscribed.id}&limit=100`)).json.items as { eventType: string }[];
    assert.ok(noErasure.length >= 3 && !noErasure.some((d) => d.eventType === 'lead.erased'), 'a destination not subscribed to lead.erased is not told');
    assert.ok(!unsubscribedRx.received.some((r) => r.json.type === 'lead.erased'));
  });

  it('sends the redacted lead on a delivery still pending at the erasure, then lead.erased, in order', async () => {
    rx.setResponder((_r, _n, res) => res.writeHead(200).end('ok'));
    const pending = (await t.api('GET', `/api/deliveries?leadId=${anarockLead}&destinationId=${crm.id}&status=pending`)).json.items as { id: string; eventType: string }[];
    assert.deepEqual(pending.map((d) => d.eventType).sort(), ['lead.created', 'lead.erased', 'lead.stage_changed'], 'the lead.erased waits behind the lead’s earlier events');
    const before = rx.received.length;
    for (const d of pending) assert.equal((await t.api('POST', `/api/deliveries/${d.id}/retry`)).status, 200);
    await rx.waitFor((r) => r.length >= before + 3, 30_000);
    const sent = rx.received.slice(before);
    assert.deepEqual(sent.map((r) => r.json.type), ['lead.created', 'lead.stage_changed', 'lead.erased'], 'per-lead order: the erasure comes last');
    assert.deepEqual(sent.slice(0, 2).map((r) => r.json.data.lead.id), [anarockLead, anarockLead], 'its created and updated events');
    const erased = new Webhook(crm.secret).verify(sent[2]!.body, sent[2]!.headers as Record<string, string>) as any;
    assert.equal(erased.data.leadId, anarockLead);
    for (const r of sent) assert.deepEqual(personalIn(r.body), []);
    await eventually(async () => (await t.api('GET', `/api/deliveries?leadId=${anarockLead}&destinationId=${crm.id}&status=pending`)).json.items.length === 0, 10_000, 'all three delivered');
  });

  it('still answers a retry of a webhook applied before the erasure as a duplicate, and stores it redacted', async () => {
    const retry = await t.hook(anarock.webhookPath, anarockSnapshot('New', [{ note_id: 1, data: 'wants a sea view', created_at: 1767000000 }]));
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.json.leads.map((l: { outcome: string }) => l.outcome), ['duplicate']);
    const stored = (await t.api('GET', `/api/requests/${retry.json.requestId}`)).json;
    const original = (await t.api('GET', `/api/requests/${firstRequest}`)).json;
    assert.equal(stored.bodySha256, original.bodySha256, 'the hash of the bytes received is kept');
    assert.deepEqual(personalIn(stored), []);
  });

  it('holds a new webhook for the erased lead until an admin discards or applies it', async () => {
    const next = (n: number) => anarockSnapshot('Site visit done', [{ note_id: 10 + n, data: `call back ${n}`, created_at: 1767000200 + n }]);
    const held = await t.hook(anarock.webhookPath, next(1));
    assert.equal(held.status, 200, 'answered, so the provider does not retry');
    assert.deepEqual(held.json.leads, []);
    assert.match(held.json.quarantined[0].reason, /^held: the personal data of lead/);
    const list = (await t.api('GET', '/api/requests/held')).json;
    assert.deepEqual(list.items.map((h: { requestId: string; leadId: string }) => [h.requestId, h.leadId]), [[held.json.requestId, anarockLead]]);
    assert.equal((await t.api('GET', `/api/leads/${anarockLead}`)).json.person.fullName, null, 'not applied');

    const discarded = await t.api('POST', `/api/requests/${held.json.requestId}/discard?by=dpo`);
    assert.equal(discarded.status, 200, JSON.stringify(discarded.json));
    assert.equal(discarded.json.held[0].resolution, 'discarded');
    assert.deepEqual(personalIn((await t.api('GET', `/api/requests/${held.json.requestId}`)).json), [], 'a discarded body is redacted');
    const again = await t.api('POST', `/api/requests/${held.json.requestId}/discard`);
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'LH_E_NOT_HELD');

    const second = await t.hook(anarock.webhookPath, next(2));
    assert.match(second.json.quarantined[0].reason, /^held:/);
    const applied = await t.api('POST', `/api/requests/${second.json.requestId}/apply`);
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    assert.deepEqual(applied.json.leads.map((l: { id: string; outcome: string }) => [l.id, l.outcome]), [[anarockLead, 'updated']]);
    const lead = (await t.api('GET', `/api/leads/${anarockLead}`)).json;
    assert.equal(lead.person.fullName, 'Zelda Erasmus', 'the applied webhook brought the person back');
    assert.equal(lead.erasure.holdLiftedBy, 'admin');
    const third = await t.hook(anarock.webhookPath, next(3));
    assert.equal(third.json.leads[0]?.outcome, 'updated', 'after an apply, webhooks for the lead apply again');
    assert.deepEqual((await t.api('GET', '/api/requests/held')).json.items, []);
    assert.equal((await t.api('GET', '/api/requests/held?all=true')).json.items.length, 2);
  });
});

describe('leadhook leads erase, held, apply-held and discard-held', () => {
  let t: TestServer;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestServer();
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  after(() => t.close());

  it('erases with --yes only, lists the held webhook, discards and applies it, and filters lists by date', async () => {
    const src = await createSource(t, 'anarock');
    const snapshot = (status: string) => ({ lead_id: 42, name: 'Zelda Erasmus', lead_status: status });
    const leadId = (await t.hook(src.webhookPath, snapshot('New'))).json.leads[0].id;

    const refused = await cli(['leads', 'erase', leadId], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /LH_E_CLI_USAGE: .*--yes/);
    const erased = await cli(['leads', 'erase', leadId, '--yes', '--by', 'ticket 7'], env);
    assert.equal(erased.code, 0, erased.stderr);
    assert.match(erased.stdout, /By: +admin \(ticket 7\) from 127\.0\.0\.1/);
    const shown = await cli(['leads', 'show', leadId], env);
    assert.match(shown.stdout, /Erased: +personal data erased/);
    assert.deepEqual(personalIn(shown.stdout), []);

    const first = (await t.hook(src.webhookPath, snapshot('Interested'))).json.requestId;
    const held = await cli(['leads', 'held'], env);
    assert.match(held.stdout, new RegExp(`${first} +${leadId} .* waiting`));
    assert.equal((await cli(['leads', 'discard-held', first], env)).code, 1, 'discarding needs --yes');
    const discarded = await cli(['leads', 'discard-held', first, '--yes'], env);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.match((await cli(['leads', 'discard-held', first, '--yes'], env)).stderr, /LH_E_NOT_HELD/);

    const second = (await t.hook(src.webhookPath, snapshot('Site visit done'))).json.requestId;
    const applied = await cli(['leads', 'apply-held', second], env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, new RegExp(`${leadId} updated`));

    const today = new Date().toISOString().slice(0, 10);
    const list = await cli(['leads', 'list', '--json', '--first-seen-since', today, '--last-activity-until', '9999-12-31'], env);
    assert.deepEqual(JSON.parse(list.stdout).items.map((l: { id: string }) => l.id), [leadId]);
    const bad = await cli(['leads', 'list', '--first-seen-since', 'soon'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /LH_E_VALIDATION: firstSeenSince is not a date or time/);
  });
});
