import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MAX_PROVIDER_LEAD_ID_LENGTH } from '../../src/ingest/prepare-items.js';
import { fixtureBytes, fixtureJson } from '../helpers/fixtures.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

describe('Anarock webhooks over HTTP', () => {
  let t: TestServer;
  let source: any;
  before(async () => {
    t = await startTestServer({ bodyLimit: 64 * 1024 });
    source = await createSource(t, 'anarock');
  });
  after(() => t.close());

  it('creates a lead from the 2020 snapshot and answers 200 with its id', async () => {
    const res = await t.hook(source.webhookPath, fixtureBytes('anarock', 'v2020-snapshot.json'));
    assert.equal(res.status, 200);
    assert.equal(res.json.leads.length, 1);
    assert.equal(res.json.leads[0].outcome, 'created');
    assert.equal(res.json.leads[0].providerLeadId, '1402361');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'negotiation');
    assert.equal(lead.providerStatus, 'Final negotiation');
    assert.equal(lead.person.phone, '+919999999988');
    assert.equal(lead.person.fullName, 'History');
    assert.equal(lead.extra.extra_details.cp_id, 5649, 'the duplicated extra_details key is merged, not dropped');
    const kinds = lead.timeline.map((e: any) => e.kind);
    assert.ok(kinds.includes('created'));
    const created = lead.timeline.find((e: any) => e.kind === 'created');
    assert.equal(created.occurredAt, '2019-05-17T08:06:47.000Z', 'dated by the provider creation time');
    assert.doesNotMatch(created.summary, /^Created with status/, 'the first status received is not claimed as the creation status');
    assert.match(created.summary, /first received, with status Final negotiation/);
    assert.equal(lead.firstAttribution.source, 'facebook');
    assert.ok(kinds.includes('note') && kinds.includes('call') && kinds.includes('appointment') && kinds.includes('disposition'));
  });

  it('answers duplicate and changes nothing when the same snapshot is retried', async () => {
    const body = fixtureBytes('anarock', 'v2020-snapshot.json');
    const res = await t.hook(source.webhookPath, body);
    assert.equal(res.status, 200);
    assert.equal(res.json.leads[0].outcome, 'duplicate');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.version, 1);
  });

  it('treats the same snapshot re-serialized (other key order, other spacing) as a duplicate', async () => {
    const snapshot = fixtureJson('anarock', 'v2020-snapshot.json');
    snapshot.extra_details = { cp_id: 5649, ...snapshot.extra_details };
    const reordered = Object.fromEntries(Object.entries(snapshot).reverse());
    const res = await t.hook(source.webhookPath, JSON.stringify(reordered, null, 4));
    assert.equal(res.json.leads[0].outcome, 'duplicate');
  });

  it('updates the same lead from a newer snapshot and records the status change once', async () => {
    const res = await t.hook(source.webhookPath, fixtureBytes('anarock', 'v2023-later-snapshot.json'));
    assert.equal(res.json.leads[0].outcome, 'updated');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'won');
    assert.equal(lead.providerStatus, 'Booking done');
    assert.equal(lead.version, 2);
    const changes = lead.timeline.filter((e: any) => e.kind === 'status_changed');
    assert.equal(changes.length, 1);
    assert.equal(changes[0].data.fromStage, 'negotiation');
    assert.equal(changes[0].data.toStage, 'won');
    const keys = lead.timeline.map((e: any) => `${e.kind}:${e.summary}:${e.occurredAt}`);
    assert.equal(new Set(lead.timeline.map((e: any) => e.id)).size, keys.length);
    const notes = lead.timeline.filter((e: any) => e.kind === 'note');
    assert.equal(new Set(notes.map((n: any) => n.data.noteId)).size, notes.length, 'each note once, however many snapshots repeat it');
  });

  it('answers stale to a late retry of an older snapshot and never rolls the lead back', async () => {
    const older = fixtureJson('anarock', 'v2020-snapshot.json');
    older.rating = 'Cold'; // a different snapshot (new bytes) carrying only old timestamps
    const res = await t.hook(source.webhookPath, older);
    assert.equal(res.status, 200);
    assert.equal(res.json.leads[0].outcome, 'stale');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.stage, 'won');
    assert.equal(lead.providerStatus, 'Booking done');
    assert.equal(lead.version, 2);
  });

  it('reads the 2018 document shape into its own lead', async () => {
    const res = await t.hook(source.webhookPath, fixtureBytes('anarock', 'v2018-snapshot.json'));
    assert.equal(res.json.leads[0].outcome, 'created');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    assert.equal(lead.providerLeadId, '925089');
    assert.equal(lead.stage, 'qualified');
    assert.equal(lead.person.email, 'someemail@abc.com');
    assert.equal(lead.person.phone, '+919819619866');
  });

  it('calls a 2018 lead, which has no creation time, first received with its status, after its 2018 history', async () => {
    const res = await t.hook(source.webhookPath, fixtureBytes('anarock', 'v2018-snapshot.json'));
    assert.equal(res.json.leads[0].outcome, 'duplicate');
    const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
    const kinds = lead.timeline.map((e: any) => e.kind);
    assert.ok(!kinds.includes('created'), 'nothing claims a creation the provider never dated');
    const first = lead.timeline.find((e: any) => e.kind === 'first_received');
    assert.equal(first.occurredAt, null);
    assert.equal(first.recordedAt, lead.firstSeenAt);
    assert.equal(first.summary, 'First received from anarock, with status Interested (stage qualified)');
    assert.equal(kinds.at(-1), 'first_received', 'after the note, call and follow-up dated 2018');
    const times = lead.timeline.map((e: any) => e.occurredAt ?? e.recordedAt);
    assert.deepEqual(times, [...times].sort(), 'entries in the order of their own times');
    assert.ok(times[0].startsWith('2018-'));
  });

  it('answers 400 to a body that is not JSON and keeps its exact bytes as quarantined', async () => {
    const body = '{"lead_id": 1, "rating: "Hot"}';
    const res = await t.hook(source.webhookPath, body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'LH_E_INVALID_JSON');
    const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
    assert.equal(stored.status, 'quarantined');
    assert.equal(stored.body, body);
    assert.match(stored.reason, /position/);
  });

  it('answers 200 and quarantines a JSON snapshot without lead_id, so it can be reprocessed', async () => {
    const res = await t.hook(source.webhookPath, { name: 'No Id', lead_status: 'New' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.leads, []);
    assert.equal(res.json.quarantined.length, 1);
    assert.match(res.json.quarantined[0].reason, /lead_id/);
    const list = (await t.api('GET', `/api/requests?sourceId=${source.id}&status=quarantined`)).json;
    assert.ok(list.items.some((r: any) => r.id === res.json.requestId));
  });

  it('answers 413 to a body over the limit and stores nothing', async () => {
    const before = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    const huge = JSON.stringify({ lead_id: 77, name: 'x'.repeat(70 * 1024) });
    const res = await t.hook(source.webhookPath, huge);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'LH_E_PAYLOAD_TOO_LARGE');
    const afterCount = (await t.api('GET', `/api/requests?sourceId=${source.id}&limit=500`)).json.items.length;
    assert.equal(afterCount, before);
  });

  it('answers 404 to an unknown source and to a deleted one', async () => {
    assert.equal((await t.hook('/hooks/src_doesnotexist', { lead_id: 1 })).status, 404);
    const other = await createSource(t, 'anarock');
    assert.equal((await t.api('DELETE', `/api/sources/${other.id}`)).status, 204);
    const res = await t.hook(other.webhookPath, { lead_id: 1 });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'LH_E_SOURCE_NOT_FOUND');
  });

  it('takes provider ids far longer than any real one on either store: a long note id keeps its timeline entry once, a long lead id is quarantined', async () => {
    const big = () => randomBytes(7000).toString('base64url'); // incompressible: past PostgreSQL's index entry size
    const noteId = big();
    const snapshot = { lead_id: 990001, name: 'Long Note', notes: [{ note_id: noteId, data: 'a long note id', created_at: 1_700_000_000 }] };
    const first = await t.hook(source.webhookPath, snapshot);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal((await t.hook(source.webhookPath, { ...snapshot, name: 'Long Note Again' })).json.leads[0].outcome, 'updated');
    const lead = (await t.api('GET', `/api/leads/${first.json.leads[0].id}`)).json;
    assert.equal(lead.timeline.filter((e: { kind: string }) => e.kind === 'note').length, 1, 're-sent note, one entry');

    const longId = await t.hook(source.webhookPath, { lead_id: `9${big()}`, name: 'Long Id' });
    assert.equal(longId.status, 200, JSON.stringify(longId.json));
    assert.deepEqual(longId.json.leads, []);
    assert.match(longId.json.quarantined[0].reason, new RegExp(`^the lead id is \\d+ characters long; at most ${MAX_PROVIDER_LEAD_ID_LENGTH} are accepted$`));
    assert.equal((await t.api('GET', `/api/requests/${longId.json.requestId}`)).json.status, 'quarantined', 'kept, and can be reprocessed');
  });
});
