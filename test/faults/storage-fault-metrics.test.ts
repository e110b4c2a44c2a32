import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseFile } from '../../src/server.js';
import { scrapeMetrics, valueOf } from '../helpers/metrics.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { holdWriteLock } from './support.js';

/**
 * A real storage fault (another process holds the SQLite write lock) as the metrics show it. In
 * test/faults, not test/integration: the refused commit waits out the 2 s busy timeout.
 */
describe('storage faults in the metrics', () => {
  let t: TestServer;
  let source: any;
  before(async () => {
    t = await startTestServer({ metricsListen: { host: '127.0.0.1', port: 0 } });
    source = await createSource(t, 'praetorian');
  });
  after(() => t.close());

  it('counts the operations a fault failed by its kind and the 503 answers by provider, and still answers scrapes during the fault', async () => {
    const lead = (id: string) => [{ id, created: '2024-01-02T03:04:05Z', data: { first_name: 'Lou', last_name: id, phone: '+14155552671' } }];
    const send = (id: string) => t.hook(source.webhookPath, lead(id), { authorization: source.secret });
    const before = await scrapeMetrics(t.server.metricsUrl);
    const holder = await holdWriteLock(databaseFile(t.dataDir));
    try {
      const refused = await send('led_locked');
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error.code, 'LH_E_STORE_LOCKED');
      const during = await scrapeMetrics(t.server.metricsUrl);
      assert.ok(valueOf(during, 'leadhook_storage_faults_total', { fault: 'locked' }) - valueOf(before, 'leadhook_storage_faults_total', { fault: 'locked' }) >= 1);
      assert.equal(valueOf(during, 'leadhook_webhooks_total', { provider: 'praetorian', status: '503' }), 1);
      assert.equal(valueOf(during, 'leadhook_ingest_duration_seconds_count', { provider: 'praetorian' }), valueOf(before, 'leadhook_ingest_duration_seconds_count', { provider: 'praetorian' }), 'nothing committed');
      // WAL: reads need no write lock, so the queue is still read.
      assert.ok(during.some((s) => s.name === 'leadhook_delivery_queue_depth' && s.labels['status'] === 'pending'));
    } finally {
      await holder.release();
    }
    assert.equal((await send('led_locked')).status, 200, 'the retry after the fault is stored');
    const afterFault = await scrapeMetrics(t.server.metricsUrl);
    assert.equal(valueOf(afterFault, 'leadhook_webhooks_total', { provider: 'praetorian', status: '200' }), 1);
  });
});
