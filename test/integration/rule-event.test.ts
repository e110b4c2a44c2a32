import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureJson } from '../helpers/fixtures.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 10: a destination filter was evaluated on an event built by a second copy of the event
 * builder: `event.data.previousStage` was present in the filter on every `lead.updated` but absent
 * from the body delivered, so `has(...)` rules matched events they should not. The filter's `event`
 * is now the stored body that is sent. And a filter naming a field `event` or `lead` does not have is
 * refused when the destination is saved, with the position and the nearest declared name.
 */

const ALL = ['lead.created', 'lead.updated', 'lead.stage_changed'];
/** Not subscribed to lead.stage_changed: a stage change comes as lead.updated, without previousStage. */
const NO_STAGE_CHANGED = ['lead.created', 'lead.updated'];

/** Each rule with what it must say about the delivered JSON body. */
const RULES: { rule: string; holds: (body: any) => boolean }[] = [
  { rule: 'has(event.data.previousStage)', holds: (b) => 'previousStage' in b.data },
  { rule: '!has(event.data.previousStage)', holds: (b) => !('previousStage' in b.data) },
  { rule: 'event.data.?previousStage.orValue("") == "negotiation"', holds: (b) => b.data.previousStage === 'negotiation' },
  { rule: 'has(event.data.changes.stage) && !has(event.data.previousStage)', holds: (b) => 'stage' in b.data.changes && !('previousStage' in b.data) },
  { rule: 'lead.person.fullName == "Asha Rao" && event.data.lead.version == lead.version', holds: (b) => b.data.lead.person.fullName === 'Asha Rao' },
  { rule: 'event.type == "lead.updated"', holds: (b) => b.type === 'lead.updated' },
];

/** Anarock's 2020 snapshot with a new name and a later note: an update that does not change the stage. */
function renamed(): unknown {
  const s = fixtureJson('anarock', 'v2020-snapshot.json');
  const newest = Math.max(...s.notes.map((n: any) => Math.max(n.created_at ?? 0, n.updated_at ?? 0)));
  s.name = 'Asha Rao';
  s.notes.push({ note_type: 'text', data: 'called back', created_at: newest + 60, updated_at: newest + 60 });
  return s;
}

describe('a rule sees the event that is sent', () => {
  let t: TestServer;
  const receivers: Receiver[] = [];
  before(async () => {
    t = await startTestServer({ retryScheduleMs: [0, 150], allowPrivateDestinations: true, deliveryTimeoutMs: 1500 });
  });
  after(async () => {
    for (const rx of receivers) await rx.close();
    await t.close();
  });

  /** A destination with its own receiver (port 0), so what each one got is known exactly. */
  const destination = async (sourceId: string, events: string[], filter?: string) => {
    const rx = await startReceiver();
    receivers.push(rx);
    const res = await t.api('POST', '/api/destinations', { name: filter ?? 'all', url: rx.url, sourceIds: [sourceId], events, ...(filter ? { filter } : {}) });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return { id: res.json.id as string, rx, filter };
  };
  /** Every delivery of the destination settled (sent or filtered), `n` of them. */
  const settled = (id: string, n: number) =>
    eventually(async () => {
      const items = (await t.api('GET', `/api/deliveries?destinationId=${id}`)).json.items as { status: string }[];
      return items.length === n && items.every((d) => d.status === 'succeeded' || d.status === 'filtered');
    }, 15_000, `the ${n} deliveries of ${id} settle`);

  it('matches has(event.data.previousStage) and other rules exactly when the delivered body agrees, for every event type', async () => {
    const anarock = await createSource(t, 'anarock');
    type Destination = Awaited<ReturnType<typeof destination>>;
    const plans: { events: string[]; reference: Destination; ruled: ((typeof RULES)[number] & { dest: Destination })[] }[] = [];
    for (const events of [ALL, NO_STAGE_CHANGED]) {
      const reference = await destination(anarock.id, events);
      const ruled = [];
      for (const r of RULES) ruled.push({ ...r, dest: await destination(anarock.id, events, r.rule) });
      plans.push({ events, reference, ruled });
    }
    // Created, then renamed (lead.updated, same stage), then moved negotiation → won (a stage change).
    for (const body of [fixtureJson('anarock', 'v2020-snapshot.json'), renamed(), fixtureJson('anarock', 'v2023-later-snapshot.json')]) {
      assert.equal((await t.hook(anarock.webhookPath, body)).status, 200);
    }
    for (const { events, reference, ruled } of plans) {
      await settled(reference.id, 3);
      const sent = reference.rx.received.map((r) => r.json);
      assert.equal(sent.length, 3);
      const types = sent.map((b) => b.type);
      if (events === ALL) assert.deepEqual(types, ['lead.created', 'lead.updated', 'lead.stage_changed']);
      else assert.deepEqual(types, ['lead.created', 'lead.updated', 'lead.updated'], 'the stage change comes as lead.updated');
      if (events === NO_STAGE_CHANGED) assert.ok('stage' in sent[2].data.changes && !('previousStage' in sent[2].data), 'a stage change without previousStage');
      for (const { rule, holds, dest } of ruled) {
        await settled(dest.id, 3);
        const got = dest.rx.received.map((r) => r.json.id).sort();
        const expected = sent.filter(holds).map((b) => b.id).sort();
        assert.deepEqual(got, expected, `${rule} on ${events.join(',')}`);
        // The very bytes: the filtered destination got the body the reference got.
        for (const r of dest.rx.received) assert.equal(r.body, reference.rx.received.find((x) => x.json.id === r.json.id)!.body);
      }
    }
    const hasPrevious = (plan: (typeof plans)[number]) => plan.ruled[0]!.dest.rx.received.map((r) => r.json.type);
    assert.deepEqual(hasPrevious(plans[0]!), ['lead.stage_changed']);
    assert.deepEqual(hasPrevious(plans[1]!), [], 'no lead.updated carries previousStage, so has() matches none');
  });

  it('refuses a filter naming a field event or lead does not have, with the position and the nearest name', async () => {
    const rx = await startReceiver();
    receivers.push(rx);
    const refused = async (filter: string) => {
      const res = await t.api('POST', '/api/destinations', { name: 'x', url: rx.url, filter });
      assert.equal(res.status, 400, filter);
      assert.equal(res.json.error.code, 'LH_E_FILTER_INVALID');
      return res.json.error;
    };
    const stagee = await refused('lead.stagee == "won"');
    assert.match(stagee.message, /lead has no field `stagee`; did you mean `stage`\? \(line 1, column 6\)/);
    assert.deepEqual(stagee.details.position, { line: 1, column: 6, offset: 5 });
    const nested = await refused('event.type == "lead.updated"\n&& has(event.data.lead.person.emial)');
    assert.match(nested.message, /event\.data\.lead\.person has no field `emial`; did you mean `email`\? \(line 2, column 31\)/);
    assert.match((await refused('event.data.previousStag == "new"')).message, /did you mean `previousStage`\?/);
    // Maps and the provider's payload take any key; existing fields are accepted.
    for (const filter of ['lead.extra.project_name == "santacruz"', 'event.data.changes.stage.to == "won"', 'payload.anything == 1', 'lead.isTest || lead.person.otherPhones.size() > 0']) {
      const res = await t.api('POST', '/api/destinations', { name: 'ok', url: rx.url, filter });
      assert.equal(res.status, 201, `${filter}: ${JSON.stringify(res.json)}`);
      await t.api('DELETE', `/api/destinations/${res.json.id}`);
    }
  });
});
