import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readStatsRange, type StatsRange } from '../../src/core/stats-range.js';
import type { LeadsChanged } from '../../src/storage/console-port.js';
import type { AttemptDecision } from '../../src/storage/delivery-port.js';
import type { SourceRecord } from '../../src/storage/port.js';
import { claim, plus } from './delivery-inputs.js';
import { addDestination, addSource, anarockLead, anarockSnapshot, at, planWithDestinations, praetorianLead, send, webhookJob, type MakeStore } from './inputs.js';
import { useStore } from './use-store.js';

/** The range of the suite: 1 and 2 March 2025 in Asia/Kolkata (UTC+05:30), 2025-02-28T18:30Z to 2025-03-02T18:30Z. */
function kolkataRange(): StatsRange {
  const read = readStatsRange({ from: '2025-03-01', to: '2025-03-02' }, 'Asia/Kolkata', new Date(at(0)));
  assert.ok(read.ok);
  return read.range;
}

const minutes = (h: number, m = 0) => h * 60 + m;

/**
 * The console's reads (src/storage/console-port.ts): the overview counts of a range of days in a
 * time zone, test leads left out; leads by id; the most recent events; lead change notices.
 */
export function consoleContract(makeStore: MakeStore): void {
  describe('console reads: stats, recent events, leads by id, lead change notices', () => {
    const store = useStore(makeStore);
    let praetorian: SourceRecord;
    let anarock: SourceRecord;
    const lead: Record<string, string> = {};
    let all: string;
    let withTest: string;
    const notices: LeadsChanged[] = [];

    before(async () => {
      store().console.onLeadsChanged((change) => notices.push(change));
      praetorian = await addSource(store(), 'praetorian');
      anarock = await addSource(store(), 'anarock');
      all = (await addDestination(store())).id;
      withTest = (await addDestination(store(), { includeTest: true })).id;
      await planWithDestinations(store());
      const created = async (key: string, source: SourceRecord, body: unknown, minute: number) => {
        const r = await send(store(), source, body, at(minute));
        assert.equal(r.items[0]?.outcome, 'created', key);
        lead[key] = r.items[0]!.leadId!;
      };
      const a1 = anarockLead({ name: 'Asha One' });
      await created('before', praetorian, [praetorianLead({ firstName: 'Before' })], -minutes(6)); // 23:30 on 28 Feb in Kolkata
      await created('p2', praetorian, [praetorianLead({ firstName: 'Priya', lastName: 'Two' })], 0); // 05:30 on 1 Mar
      await created('a1', anarock, anarockSnapshot(a1, 0), minutes(18, 29)); // 23:59 on 1 Mar
      await created('test', praetorian, [praetorianLead({ firstName: 'Tess', production: false })], 60);
      await created('p3', praetorian, [praetorianLead({ firstName: 'Pia', lastName: 'Three' })], minutes(18, 30)); // 00:00 on 2 Mar
      await created('after', anarock, anarockSnapshot(anarockLead(), 0), minutes(42, 30)); // 00:00 on 3 Mar
      // A1 moves on (its first sighting does not); a duplicate changes nothing.
      assert.equal((await send(store(), anarock, anarockSnapshot(a1, 1), at(minutes(20)))).items[0]?.outcome, 'updated');
      assert.equal((await send(store(), anarock, anarockSnapshot(a1, 1), at(minutes(21)))).items[0]?.outcome, 'duplicate');
    });

    it('tells the listeners, after each commit, the leads it created or updated (ids only), and nothing for a duplicate', () => {
      assert.deepEqual(notices, [
        ...['before', 'p2', 'a1', 'test', 'p3', 'after'].map((k) => ({ created: [lead[k]], updated: [] })),
        { created: [], updated: [lead['a1']] },
      ]);
    });

    it("counts real leads first seen in each day of the time zone, per provider, and by their stage now", async () => {
      const rows = await store().console.stats(kolkataRange());
      const perDay = rows.leadsPerDay.map((r) => `${r.day} ${r.provider} ${r.count}`).sort();
      assert.deepEqual(perDay, ['2025-03-01 anarock 1', '2025-03-01 praetorian 1', '2025-03-02 praetorian 1']);
      const a1Stage = (await store().getLead(lead['a1']!))!.stage;
      assert.notEqual(a1Stage, 'new');
      const byStage = Object.fromEntries(rows.leadsByStage.map((r) => [r.stage, r.count]));
      assert.deepEqual(byStage, { new: 2, [a1Stage]: 1 });
    });

    it('counts deliveries created in the range per destination and status, and the latencies of answered attempts, without test leads', async () => {
      const now = at(minutes(50));
      const attempt = async (deliveryId: string, latencyMs: number, statusCode: number | null, decision: AttemptDecision) =>
        store().delivery.completeAttempt({ deliveryId, attempt: { startedAt: now, statusCode, latencyMs, error: null, responseSnippet: null }, decision, now, disableAfterMs: 86_400_000 });
      const isIn = (leadId: string) => ['p2', 'a1', 'p3'].some((k) => leadId === lead[k]);
      // One delivery per lead and destination is claimed at a time: A1's update comes with the second claim.
      const first = await claim(store(), now);
      const of = (key: string) => first.find((c) => c.delivery.destinationId === all && c.delivery.leadId === lead[key])!.delivery.id;
      await attempt(of('p2'), 10, 200, { kind: 'delivered' });
      await attempt(of('a1'), 30, 500, { kind: 'give_up' });
      await store().delivery.completeFiltered({ deliveryId: of('p3'), reason: 'no match', isRuleFailure: false, now });
      for (const c of first.filter((x) => x.delivery.destinationId === withTest)) await attempt(c.delivery.id, isIn(c.delivery.leadId) ? 100 : 7_000, 200, { kind: 'delivered' });
      const second = await claim(store(), now);
      assert.deepEqual(second.map((c) => c.delivery.leadId), [lead['a1'], lead['a1']]);
      for (const c of second) {
        // No answer (a timeout) is no latency of the receiver; that delivery waits for its next attempt.
        if (c.delivery.destinationId === all) await attempt(c.delivery.id, 9_999, null, { kind: 'retry', after: plus(now, 60) });
        else await attempt(c.delivery.id, 100, 200, { kind: 'delivered' });
      }
      const rows = await store().console.stats(kolkataRange());
      const counts = (id: string) => Object.fromEntries(rows.deliveries.filter((r) => r.destinationId === id).map((r) => [r.status, r.count]));
      assert.deepEqual(counts(all), { succeeded: 1, failed: 1, filtered: 1, pending: 1 });
      assert.deepEqual(counts(withTest), { succeeded: 4 });
      const latencies = (id: string) => rows.latencies.filter((r) => r.destinationId === id).map((r) => [r.latencyMs, r.count]).sort();
      assert.deepEqual(latencies(all), [[10, 1], [30, 1]]);
      assert.deepEqual(latencies(withTest), [[100, 4]]);
    });

    it('reads leads by id, the ones that exist', async () => {
      const found = await store().console.leadsByIds([lead['p2']!, 'lead_unknown', lead['test']!]);
      assert.deepEqual(found.map((l) => l.id).sort(), [lead['p2'], lead['test']].sort());
      const { timeline: _timeline, ...p2 } = (await store().getLead(lead['p2']!))!;
      assert.deepEqual(found.find((l) => l.id === lead['p2']), p2, 'as GET /api/leads lists it');
      assert.deepEqual(await store().console.leadsByIds([]), []);
    });

    it('reads the most recent events newest first, by type and source, test leads only when asked', async () => {
      const events = await store().console.recentEvents({ includeTest: false, limit: 100 });
      assert.ok(events.length >= 6);
      assert.ok(!events.some((e) => e.leadId === lead['test']), 'no event of the test lead');
      assert.equal(events[0]?.leadId, lead['a1'], 'newest first: the last change was A1 moving on');
      const p2 = events.find((e) => e.leadId === lead['p2'])!;
      assert.equal(p2.type, 'lead.created');
      assert.equal(p2.leadName, 'Priya Two');
      assert.equal(JSON.parse(p2.body).data.lead.id, lead['p2']);
      const withTests = await store().console.recentEvents({ includeTest: true, limit: 100 });
      assert.ok(withTests.some((e) => e.leadId === lead['test']));
      const fromAnarock = await store().console.recentEvents({ includeTest: false, limit: 100, sourceIds: [anarock.id] });
      assert.deepEqual([...new Set(fromAnarock.map((e) => e.leadId))].sort(), [lead['a1'], lead['after']].sort());
      const stageChanges = await store().console.recentEvents({ includeTest: false, limit: 100, types: ['lead.stage_changed'] });
      assert.deepEqual(stageChanges.map((e) => e.leadId), [lead['a1']]);
      assert.equal((await store().console.recentEvents({ includeTest: true, limit: 2 })).length, 2);
    });

    // Last: the reprocess that applies creates a lead (and deliveries) of its own.
    it('counts quarantined requests never reprocessed or still quarantined by their last reprocess', async () => {
      const waitingBefore = (await store().console.stats(kolkataRange())).quarantinedWaiting;
      const bad = await store().ingest(webhookJob(anarock, JSON.stringify({ name: 'no lead id' }), at(30)));
      const garbled = await store().ingest(webhookJob(praetorian, 'not json', at(31)));
      const fixed = await store().ingest(webhookJob(anarock, JSON.stringify({ name: 'no lead id either' }), at(32)));
      assert.deepEqual([bad.status, garbled.status, fixed.status], ['quarantined', 'quarantined', 'quarantined']);
      assert.equal((await store().console.stats(kolkataRange())).quarantinedWaiting, waitingBefore + 3);
      const { request: _still, ...stillBad } = webhookJob(anarock, JSON.stringify({ name: 'still no id' }), at(33));
      assert.equal((await store().reprocess(bad.requestId, stillBad, at(33))).status, 'quarantined');
      const { request: _now, ...nowGood } = webhookJob(anarock, JSON.stringify(anarockSnapshot(anarockLead(), 0)), at(34));
      assert.equal((await store().reprocess(fixed.requestId, nowGood, at(34))).status, 'accepted');
      assert.equal((await store().console.stats(kolkataRange())).quarantinedWaiting, waitingBefore + 2);
    });
  });
}
