/**
 * `GET /api/stats`: the console's overview figures over HTTP, on a real server (the counting itself
 * is proven on both stores by test/contract/contract-stats.ts, the ranges by
 * test/properties/stats-query.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localDate } from '../../src/core/stats-range.js';
import { STAGES } from '../../src/core/lead.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

const ZONE = 'Pacific/Kiritimati'; // UTC+14: "today" there is often not today in UTC

describe('GET /api/stats', () => {
  let t: TestServer;
  let rx: Receiver;
  let destination: any;

  before(async () => {
    t = await startTestServer({ timeZone: ZONE, allowPrivateDestinations: true, retryScheduleMs: [0] });
    rx = await startReceiver();
    destination = (await t.api('POST', '/api/destinations', { name: 'CRM "main"', url: rx.url })).json;
    const praetorian = await createSource(t, 'praetorian');
    const anarock = await createSource(t, 'anarock');
    const hook = await t.hook(praetorian.webhookPath, [{ id: 'led_stats_1', data: { first_name: 'Sam' } }, { id: 'led_stats_2', data: { first_name: 'Sue' } }], { authorization: praetorian.secret });
    assert.equal(hook.status, 200);
    assert.equal((await t.hook(anarock.webhookPath, { lead_id: 770_001, name: 'Ann', lead_status: 'Interested' }, {})).status, 200);
    assert.equal((await t.api('POST', `/api/sources/${praetorian.id}/test-lead`)).status, 201);
    assert.equal((await t.hook(anarock.webhookPath, { name: 'no lead id' }, {})).status, 200);
    assert.equal((await t.hook(praetorian.webhookPath, 'not json', { authorization: praetorian.secret })).status, 400);
    await rx.waitFor((received) => received.length >= 3);
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it("answers the last 14 days by default, ending today in the configured time zone, every day × provider and every stage", async () => {
    const before = localDate(new Date(), ZONE);
    const res = await t.api('GET', '/api/stats');
    const after = localDate(new Date(), ZONE);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const s = res.json;
    assert.equal(s.timeZone, ZONE);
    assert.ok([before, after].includes(s.to), `${s.to} is today in ${ZONE}`);
    const days = [...new Set(s.leadsPerDay.map((r: { day: string }) => r.day))];
    assert.equal(days.length, 14);
    assert.equal(days[0], s.from);
    assert.equal(days[13], s.to);
    assert.equal(s.leadsPerDay.length, 14 * 4);
    assert.deepEqual(s.leadsByStage.map((r: { stage: string }) => r.stage), [...STAGES]);
  });

  it('counts real leads (not the test lead) per day and provider and by stage, and the quarantined requests waiting', async () => {
    const s = (await t.api('GET', '/api/stats')).json;
    const today = s.leadsPerDay.filter((r: { day: string; count: number }) => r.day === s.to && r.count > 0);
    assert.deepEqual(today.map((r: { provider: string; count: number }) => [r.provider, r.count]).sort(), [['anarock', 1], ['praetorian', 2]]);
    const stages = Object.fromEntries(s.leadsByStage.filter((r: { count: number }) => r.count > 0).map((r: { stage: string; count: number }) => [r.stage, r.count]));
    assert.deepEqual(stages, { new: 2, qualified: 1 });
    assert.equal(s.quarantinedWaiting, 2);
  });

  it('shows each destination by name with its deliveries, success rate and latencies', async () => {
    const s = (await t.api('GET', '/api/stats')).json;
    assert.equal(s.deliveries.length, 1);
    const d = s.deliveries[0];
    assert.deepEqual([d.destinationId, d.name, d.succeeded, d.failed, d.filtered, d.pending, d.successRate], [destination.id, 'CRM "main"', 3, 0, 0, 0, 1]);
    assert.ok(Number.isInteger(d.latencyMsP50) && d.latencyMsP50 >= 0 && d.latencyMsP95 >= d.latencyMsP50, JSON.stringify(d));
  });

  it('answers a range asked for, and refuses a bad one naming the parameter', async () => {
    const old = (await t.api('GET', '/api/stats?from=2020-02-28&to=2020-03-01')).json;
    assert.deepEqual([old.from, old.to, old.leadsPerDay.length], ['2020-02-28', '2020-03-01', 3 * 4], '28 and 29 February and 1 March');
    assert.ok(old.leadsPerDay.every((r: { count: number }) => r.count === 0));
    assert.equal(old.deliveries[0].successRate, null);
    assert.equal(old.deliveries[0].latencyMsP50, null);
    for (const [query, field] of [['from=2020-03-02&to=2020-03-01', 'from'], ['from=2020-01-01&to=2021-01-02', 'from'], ['from=2021-02-29', 'from'], ['to=yesterday', 'to'], ['from=2020-1-1', 'from']] as const) {
      const res = await t.api('GET', `/api/stats?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.json.error.code, 'LH_E_VALIDATION', query);
      assert.match(res.json.error.message, new RegExp(field), query);
    }
    assert.equal((await t.api('GET', '/api/stats?from=2020-01-01&to=2020-12-31')).status, 200, 'a leap year is 366 days: the most');
    assert.equal((await t.api('GET', '/api/stats?days=3')).status, 400);
  });
});
