import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureJson } from '../helpers/fixtures.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Issue 9: destination rules ran on the main thread inside the ingest transaction, so one rule
 * (a backtracking `matches`, nested comprehensions) stalled every webhook and /healthz. Rules now
 * run on the delivery side, on a thread a deadline ends: ingest only writes the event and its
 * candidate deliveries, and a rule that does not match, fails or overruns ends the delivery
 * `filtered` with the reason, shown on the destination.
 */

function lead(id: string, data: Record<string, unknown> = {}) {
  return { id, created: '2024-01-02T03:04:05Z', data: { first_name: 'Dee', last_name: id, phone: '+14155552671', ...data } };
}

/** Within the creation estimate, but 25 million steps over 5,000 items: far past any deadline here. */
const SLOW_RULE = 'payload.data.items.all(x, payload.data.items.all(y, y >= 0))';
const ITEMS = Array.from({ length: 5000 }, (_, i) => i);

describe('destination rules never delay intake', () => {
  let t: TestServer;
  let rx: Receiver;
  let source: any;
  before(async () => {
    t = await startTestServer({ retryScheduleMs: [0, 150], allowPrivateDestinations: true, deliveryTimeoutMs: 1500, ruleTimeoutMs: 1000 });
    source = await createSource(t, 'praetorian');
    rx = await startReceiver();
  });
  after(async () => {
    await rx.close();
    await t.close();
  });

  const ingest = (leads: unknown[]) => t.hook(source.webhookPath, leads, { authorization: source.secret });
  const destination = async (filter: string) => {
    const res = await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url, sourceIds: [source.id], filter });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json;
  };
  const deliveryOf = async (destinationId: string, status?: string) =>
    (await t.api('GET', `/api/deliveries?destinationId=${destinationId}${status ? `&status=${status}` : ''}`)).json.items[0];

  it('accepts the backtracking pattern (RE2 is linear) and filters a 30-character name that stalled the server', async () => {
    const dest = await destination('payload.data.first_name.matches("^(\\\\w+\\\\s?)+$")');
    const res = await ingest([lead('led_redos', { first_name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' }), lead('led_plain', { first_name: 'Asha' })]);
    assert.equal(res.status, 200);
    const filtered = await eventually(() => deliveryOf(dest.id, 'filtered'));
    assert.equal(filtered.lastError, 'the rule did not match');
    assert.equal(filtered.attemptCount, 0, 'no HTTP attempt for a filtered delivery');
    await eventually(() => deliveryOf(dest.id, 'succeeded'));
    assert.equal(rx.received.length, 1);
    assert.equal(rx.received[0]!.json.data.lead.person.firstName, 'Asha');
    await t.api('DELETE', `/api/destinations/${dest.id}`);
  });

  it('refuses at creation a rule whose estimated cost is over budget, and a literal pattern RE2 cannot run', async () => {
    const L = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
    const costly = await t.api('POST', '/api/destinations', { name: 'x', url: rx.url, filter: `${L}.all(a, ${L}.all(b, ${L}.all(c, a + b + c >= 0)))` });
    assert.equal(costly.status, 400);
    assert.equal(costly.json.error.code, 'LH_E_FILTER_TOO_COSTLY');
    assert.match(costly.json.error.message, /nested comprehensions multiply/);
    const backref = await t.api('POST', '/api/destinations', { name: 'x', url: rx.url, filter: 'payload.data.first_name.matches("(a)\\\\1")' });
    assert.equal(backref.status, 400);
    assert.equal(backref.json.error.code, 'LH_E_FILTER_INVALID');
    assert.match(backref.json.error.message, /unsupported regular expression/);
  });

  it('takes webhooks and answers /healthz while a rule runs, then fails the rule closed at its deadline and shows it on the destination', async () => {
    const dest = await destination(SLOW_RULE);
    const first = await ingest([lead('led_slow', { items: ITEMS })]);
    assert.equal(first.status, 200, 'ingest commits without evaluating the rule');
    const claimed = await eventually(() => deliveryOf(dest.id, 'delivering'), 10_000, 'the rule is being evaluated');
    const [health, second] = await Promise.all([fetch(`${t.url}/healthz`), ingest([lead('led_during')])]);
    assert.equal(health.status, 200);
    assert.equal(second.status, 200);
    assert.equal((await t.api('GET', `/api/deliveries/${claimed.id}`)).json.status, 'delivering', 'both answered while the rule still ran');

    const filtered = await eventually(async () => {
      const d = (await t.api('GET', `/api/deliveries/${claimed.id}`)).json;
      return d.status === 'filtered' ? d : null;
    });
    assert.equal(filtered.lastError, 'the rule failed: the rule ran over its 1000 ms budget');
    assert.deepEqual(filtered.attempts, []);
    const shown = (await t.api('GET', `/api/destinations/${dest.id}`)).json;
    assert.deepEqual(shown.lastRuleError, { message: filtered.lastError, at: filtered.updatedAt, deliveryId: claimed.id });
    assert.ok(shown.filteredCount >= 1);
    await t.api('DELETE', `/api/destinations/${dest.id}`);
  });

  it('lets the lead\'s next delivery through after a filtered one, and re-evaluates the current rule on retry', async () => {
    const anarock = await createSource(t, 'anarock');
    const res = await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url, sourceIds: [anarock.id], filter: 'payload.action == "status_update"' });
    const dest = res.json;
    // Two events of one lead: the first (a lead_update) is filtered, the second (a status_update) must not wait for it.
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2020-snapshot.json'));
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2023-later-snapshot.json'));
    const stopped = await eventually(() => deliveryOf(dest.id, 'filtered'));
    const sent = await eventually(() => deliveryOf(dest.id, 'succeeded'));
    assert.equal(stopped.leadId, sent.leadId);
    assert.equal((await t.api('PATCH', `/api/destinations/${dest.id}`, { filter: 'payload.action in ["lead_update", "status_update"]' })).status, 200);
    const retried = await t.api('POST', `/api/deliveries/${stopped.id}/retry`);
    assert.equal(retried.status, 200);
    await eventually(async () => (await t.api('GET', `/api/deliveries/${stopped.id}`)).json.status === 'succeeded');
    await t.api('DELETE', `/api/destinations/${dest.id}`);
  });
});

describe('destination count limit', () => {
  it('refuses a destination beyond LEADHOOK_MAX_DESTINATIONS with LH_E_DESTINATION_LIMIT, and accepts one again after a delete', async () => {
    const t = await startTestServer({ allowPrivateDestinations: true });
    try {
      const create = (i: number) => t.api('POST', '/api/destinations', { name: `d${i}`, url: `http://127.0.0.1:9/d${i}` });
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) ids.push((await create(i)).json.id);
      const over = await create(100);
      assert.equal(over.status, 409);
      assert.equal(over.json.error.code, 'LH_E_DESTINATION_LIMIT');
      assert.match(over.json.error.message, /already 100 destinations/);
      assert.equal((await t.api('DELETE', `/api/destinations/${ids[0]}`)).status, 204);
      assert.equal((await create(101)).status, 201);
    } finally {
      await t.close();
    }
  });
});
