import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REPROCESS_LIMITS } from '../../src/storage/port.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

describe('reprocessing a request never rewrites its history', () => {
  let t: TestServer;
  let source: any;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'anarock');
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  after(() => t.close());

  const snapshot = (leadId: number, status: string) => ({ lead_id: leadId, name: 'History Test', phone: '9999999901', lead_status: status });

  it('keeps the outcome a request was answered with, and records each reprocess beside it with its own time and outcome', async () => {
    assert.equal((await t.hook(source.webhookPath, snapshot(5001, 'New'))).status, 200);
    const won = await t.hook(source.webhookPath, snapshot(5001, 'Booking Done'));
    assert.equal(won.status, 200);
    assert.equal(won.json.leads[0].outcome, 'updated');
    const requestId: string = won.json.requestId;
    const answered = (await t.api('GET', `/api/requests/${requestId}`)).json;

    const again = await t.api('POST', `/api/requests/${requestId}/reprocess`);
    assert.equal(again.status, 200);
    assert.equal(again.json.status, 'duplicate', 'the reprocess itself comes to duplicate');

    const stored = (await t.api('GET', `/api/requests/${requestId}`)).json;
    assert.equal(stored.status, 'accepted', 'the request that moved the lead to won still reads accepted');
    assert.deepEqual(stored.items, answered.items, 'its items keep the outcome it was answered with');
    assert.deepEqual(stored.itemCounts, answered.itemCounts);
    assert.equal(stored.items[0].outcome, 'updated');
    assert.equal(stored.reprocessCount, 1);
    assert.equal(stored.reprocesses.length, 1);
    const [entry] = stored.reprocesses;
    assert.equal(entry.status, 'duplicate');
    assert.equal(entry.at, stored.reprocessedAt);
    assert.equal(entry.itemCounts.duplicate, 1);
    assert.deepEqual(entry.items.map((i: any) => i.outcome), ['duplicate']);
    assert.equal(entry.quarantine.count, 0);

    const listed = (await t.api('GET', `/api/requests?sourceId=${source.id}`)).json.items.find((r: any) => r.id === requestId);
    assert.equal(listed.status, 'accepted');
    assert.equal(listed.reprocessCount, 1);
    assert.equal(listed.reprocessedAt, stored.reprocessedAt);
    assert.equal('reprocesses' in listed, false, 'the list carries the count and time, not the history');
  });

  it(`keeps the last ${REPROCESS_LIMITS.kept} reprocesses, newest last, and counts them all`, async () => {
    const res = await t.hook(source.webhookPath, snapshot(5002, 'Interested'));
    const requestId: string = res.json.requestId;
    const times: string[] = [];
    const total = REPROCESS_LIMITS.kept + 5;
    for (let i = 0; i < total; i++) {
      assert.equal((await t.api('POST', `/api/requests/${requestId}/reprocess`)).status, 200);
      times.push((await t.api('GET', `/api/requests/${requestId}`)).json.reprocessedAt);
    }
    const stored = (await t.api('GET', `/api/requests/${requestId}`)).json;
    assert.equal(stored.status, 'accepted');
    assert.equal(stored.items[0].outcome, 'created');
    assert.equal(stored.reprocessCount, total);
    assert.equal(stored.reprocesses.length, REPROCESS_LIMITS.kept);
    assert.deepEqual(stored.reprocesses.map((p: any) => p.at), times.slice(-REPROCESS_LIMITS.kept), 'the newest kept, oldest first');
  });

  it('`requests show` prints the outcome it was answered with and the reprocess history; `requests list` the count', async () => {
    const res = await t.hook(source.webhookPath, snapshot(5004, 'Booking Done'));
    const requestId: string = res.json.requestId;
    await t.api('POST', `/api/requests/${requestId}/reprocess`);
    const shown = await cli(['requests', 'show', requestId], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Status:\s+accepted \(answered HTTP 200; reprocessing never changes it\)/);
    assert.match(shown.stdout, /Reprocessed:\s+1×, last /);
    assert.match(shown.stdout, /Reprocesses \(1, oldest first\):\nAT\s+STATUS\s+CREATED\s+UPDATED\s+DUPLICATE/);
    assert.match(shown.stdout, /\d{2}:\d{2}:\d{2}Z\s+duplicate\s+0\s+0\s+1\s+0\s+0/);
    const listed = await cli(['requests', 'list', '--source', source.id], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${requestId}\\s.*accepted\\s+200\\s+\\d+\\s+1×, last `));
  });
});
