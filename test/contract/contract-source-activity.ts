import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readStatsRange } from '../../src/core/stats-range.js';
import { asTestLeads } from '../../src/ingest/test-send.js';
import type { IngestJob, SourceRecord } from '../../src/storage/port.js';
import { addSource, allPages, anarockLead, anarockSnapshot, at, praetorianLead, refusal, send, webhookJob, type MakeStore } from './inputs.js';
import { useStore } from './use-store.js';

/** A test send's job (`POST /api/sources/:id/test-lead`): its leads test leads, its request marked. */
function testSendJob(source: SourceRecord, body: unknown, receivedAt: string): IngestJob {
  const job = webhookJob(source, JSON.stringify(body), receivedAt);
  return asTestLeads({ ...job, request: { ...job.request, isTestSend: true } });
}

/** The job of a body, without its request (what a reprocess applies). */
function reprocessJob(source: SourceRecord, body: string, receivedAt: string): Omit<IngestJob, 'request'> {
  const { request: _request, ...job } = webhookJob(source, body, receivedAt);
  return job;
}

/**
 * What the console reads besides its overview (src/storage/console-port.ts sourceActivity and
 * recentLeads, RequestQuery.leadId, InboundRecord.isTestSend): each source's last webhook, refusals
 * and quarantined requests in one read; the requests that touched a lead; the most recent leads.
 */
export function sourceActivityContract(makeStore: MakeStore): void {
  describe('source activity, requests by lead, test sends, recent leads', () => {
    const store = useStore(makeStore);
    let anarock: SourceRecord;
    let praetorian: SourceRecord;
    let quiet: SourceRecord;
    const req: Record<string, string> = {};
    const lead: Record<string, string> = {};

    before(async () => {
      anarock = await addSource(store(), 'anarock');
      praetorian = await addSource(store(), 'praetorian');
      quiet = await addSource(store(), 'praetorian');
      const l = anarockLead({ name: 'Lena Touched' });
      const keep = async (key: string, result: { requestId: string; items: { leadId: string | null }[] }) => {
        req[key] = result.requestId;
        if (result.items[0]?.leadId != null) lead[key] = result.items[0].leadId;
      };
      await keep('l0', await send(store(), anarock, anarockSnapshot(l, 0), at(1)));
      await keep('bad1', await store().ingest(webhookJob(anarock, JSON.stringify({ name: 'no lead id' }), at(2))));
      await keep('l1', await send(store(), anarock, anarockSnapshot(l, 1), at(3)));
      await keep('bad2', await store().ingest(webhookJob(anarock, JSON.stringify({ name: 'no lead id, fixed later' }), at(4))));
      await keep('bad3', await store().ingest(webhookJob(anarock, JSON.stringify({ name: 'no lead id, still' }), at(5))));
      await keep('dup', await send(store(), anarock, anarockSnapshot(l, 1), at(6)));
      await keep('p', await send(store(), praetorian, [praetorianLead({ firstName: 'Pax' })], at(7)));
      await keep('test', await store().ingest(testSendJob(anarock, anarockSnapshot(anarockLead({ name: 'Tess Sample' }), 0), at(8))));
      // bad2 is reprocessed into a lead (a mapping fix), bad3 is reprocessed and still quarantined.
      const fixed = await store().reprocess(req['bad2']!, reprocessJob(anarock, JSON.stringify(anarockSnapshot(anarockLead({ name: 'Fixed Later' }), 0)), at(4)), at(9));
      assert.equal(fixed.status, 'accepted');
      lead['fixed'] = fixed.items[0]!.leadId!;
      assert.equal((await store().reprocess(req['bad3']!, reprocessJob(anarock, JSON.stringify({ name: 'still none' }), at(5)), at(9))).status, 'quarantined');
      // More refusals than the ring keeps: all of them are counted.
      await Promise.all(Array.from({ length: 55 }, (_, i) => store().refusals.record(refusal(praetorian, at(10 + i / 100)))));
      await store().refusals.record(refusal(anarock, at(11)));
    });

    it('reads every source in one call: its newest request that is not a test send, every refusal counted, and its quarantined requests waiting', async () => {
      const rows = await store().console.sourceActivity([anarock.id, praetorian.id, quiet.id, 'src_unknown']);
      const byId = Object.fromEntries(rows.map(({ sourceId, ...rest }) => [sourceId, { ...rest, refusedCount: Number(rest.refusedCount), quarantinedCount: Number(rest.quarantinedCount) }]));
      assert.deepEqual(byId[anarock.id], { lastReceivedAt: at(6), refusedCount: 1, quarantinedCount: 2 }, 'bad1 never reprocessed and bad3 still quarantined wait; the test send at 8 is not a webhook');
      assert.deepEqual(byId[praetorian.id], { lastReceivedAt: at(7), refusedCount: 55, quarantinedCount: 0 });
      assert.deepEqual(byId[quiet.id], { lastReceivedAt: null, refusedCount: 0, quarantinedCount: 0 });
      assert.deepEqual(byId['src_unknown'], { lastReceivedAt: null, refusedCount: 0, quarantinedCount: 0 });
      assert.deepEqual(await store().console.sourceActivity([]), []);
    });

    it('counts quarantined requests per source as the overview counts them waiting', async () => {
      const range = readStatsRange({ from: '2025-03-01', to: '2025-03-01' }, 'UTC', new Date(at(0)));
      assert.ok(range.ok);
      const waiting = (await store().console.stats(range.range)).quarantinedWaiting;
      const rows = await store().console.sourceActivity([anarock.id, praetorian.id, quiet.id]);
      assert.equal(rows.reduce((sum, r) => sum + Number(r.quarantinedCount), 0), waiting);
    });

    it('keeps the test-send mark with the stored request, and only there', async () => {
      assert.equal((await store().getRequest(req['test']!))!.isTestSend, true);
      assert.equal((await store().getRequest(req['l0']!))!.isTestSend, false);
      const listed = (await store().listRequests({ sourceId: anarock.id, limit: 50 })).items;
      assert.deepEqual(listed.filter((r) => r.isTestSend).map((r) => r.id), [req['test']]);
      assert.equal((await store().getLead(lead['test']!))!.isTest, true);
    });

    it('lists the requests that touched a lead, newest first, paged by cursor, with the other filters', async () => {
      const touched = await allPages((cursor) => store().listRequests({ leadId: lead['l0']!, limit: 2, ...(cursor === undefined ? {} : { cursor }) }));
      assert.deepEqual(touched.map((r) => r.id), [req['dup'], req['l1'], req['l0']], 'created, updated and duplicate items all touch it');
      assert.ok(touched.every((r) => r.leadIds.includes(lead['l0']!)));
      const dups = await store().listRequests({ leadId: lead['l0']!, status: 'accepted', limit: 10 });
      assert.deepEqual(dups.items.map((r) => r.id), [req['l1'], req['l0']]);
      assert.deepEqual((await store().listRequests({ leadId: lead['l0']!, sourceId: praetorian.id, limit: 10 })).items, []);
      assert.deepEqual((await store().listRequests({ leadId: 'lead_unknown', limit: 10 })).items, []);
      assert.deepEqual((await store().listRequests({ leadId: lead['p']!, limit: 10 })).items.map((r) => r.id), [req['p']]);
    });

    it('counts a request whose reprocess made the lead among the requests that touched it', async () => {
      const touched = await store().listRequests({ leadId: lead['fixed']!, limit: 10 });
      assert.deepEqual(touched.items.map((r) => r.id), [req['bad2']]);
      assert.equal(touched.items[0]?.status, 'quarantined', 'the request keeps the outcome it was answered with');
    });

    it('reads the most recently first seen leads, newest first, by source, test leads only when asked', async () => {
      // First seen at 7, at 4 (a reprocess applies at the request's receipt) and at 1; the test lead at 8.
      const real = await store().console.recentLeads({ includeTest: false, limit: 10 });
      assert.deepEqual(real.map((l) => l.id), [lead['p'], lead['fixed'], lead['l0']]);
      const withTest = await store().console.recentLeads({ includeTest: true, limit: 10 });
      assert.deepEqual(withTest.map((l) => l.id), [lead['test'], lead['p'], lead['fixed'], lead['l0']]);
      assert.deepEqual((await store().console.recentLeads({ includeTest: false, limit: 2 })).map((l) => l.id), [lead['p'], lead['fixed']]);
      const ofPraetorian = await store().console.recentLeads({ includeTest: true, limit: 10, sourceIds: [praetorian.id, quiet.id] });
      assert.deepEqual(ofPraetorian.map((l) => l.id), [lead['p']]);
    });
  });
}
