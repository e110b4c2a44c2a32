import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { HubError } from '../../src/core/errors.js';
import { toStartupError } from '../../src/startup-errors.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { scrapeMetrics, valueOf, type Sample } from '../helpers/metrics.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

function lead(id: string) {
  return { id, created: '2024-01-02T03:04:05Z', data: { first_name: 'Mia', last_name: id, phone: '+14155552671' } };
}

describe('Prometheus metrics on their own listener', () => {
  let t: TestServer;
  let rx: Receiver;
  let praetorian: any;
  let anarock: any;
  const scrape = (): Promise<Sample[]> => scrapeMetrics(t.server.metricsUrl);

  before(async () => {
    rx = await startReceiver();
    // A failed attempt is due again in a minute: the queue gauges see it pending meanwhile.
    t = await startTestServer({ metricsListen: { host: '127.0.0.1', port: 0 }, allowPrivateDestinations: true, retryScheduleMs: [0, 60_000], bodyLimit: 64 * 1024 });
    praetorian = await createSource(t, 'praetorian');
    anarock = await createSource(t, 'anarock');
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('counts webhooks by provider and status, their items by outcome, and the time to their commit', async () => {
    const before = await scrape();
    const hook = (body: unknown, secret = praetorian.secret) => t.hook(praetorian.webhookPath, body, { authorization: secret });
    assert.equal((await hook([lead('led_m1')])).json.leads[0].outcome, 'created');
    assert.equal((await hook([lead('led_m1')])).json.leads[0].outcome, 'duplicate');
    assert.equal((await hook([lead('led_m2')], 'not-the-secret')).status, 401);
    assert.equal((await t.hook(anarock.webhookPath, fixtureBytes('anarock', 'v2020-snapshot.json'))).status, 200);
    assert.equal((await t.hook(anarock.webhookPath, '{"not json')).status, 400);
    assert.equal((await t.hook('/hooks/no-such-source-token', [lead('led_m3')])).status, 404);
    assert.equal((await t.hook(anarock.webhookPath, 'x'.repeat(65 * 1024))).status, 413);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

    assert.equal(moved('leadhook_webhooks_total', { provider: 'praetorian', status: '200' }), 2);
    assert.equal(moved('leadhook_webhooks_total', { provider: 'praetorian', status: '401' }), 1);
    assert.equal(moved('leadhook_webhooks_total', { provider: 'anarock', status: '200' }), 1);
    assert.equal(moved('leadhook_webhooks_total', { provider: 'anarock', status: '400' }), 1);
    assert.equal(moved('leadhook_webhooks_total', { provider: 'unknown', status: '404' }), 1, 'no source found: no provider');
    assert.equal(moved('leadhook_webhooks_total', { provider: 'unknown', status: '413' }), 1, 'refused while reading the body');
    assert.equal(moved('leadhook_webhook_items_total', { provider: 'praetorian', outcome: 'created' }), 1);
    assert.equal(moved('leadhook_webhook_items_total', { provider: 'praetorian', outcome: 'duplicate' }), 1);
    assert.equal(moved('leadhook_webhook_items_total', { provider: 'anarock', outcome: 'created' }), 1);
    assert.equal(moved('leadhook_webhook_items_total', { provider: 'anarock', outcome: 'quarantined' }), 0);
    // Every request that was committed (the 400 keeps its raw body too), and only those.
    assert.equal(moved('leadhook_ingest_duration_seconds_count', { provider: 'praetorian' }), 2);
    assert.equal(moved('leadhook_ingest_duration_seconds_count', { provider: 'anarock' }), 2);
    assert.ok(moved('leadhook_ingest_duration_seconds_sum', { provider: 'praetorian' }) > 0);
    assert.ok(moved('leadhook_commit_batch_size_count', {}) >= 1, 'the commits were seen');
    assert.equal(valueOf(after, 'leadhook_storage_faults_total', { fault: 'disk_full' }), 0);
    // Bounded labels: a provider (or unknown), never a source id, token or URL.
    for (const s of after.filter((x) => x.name === 'leadhook_webhooks_total' || x.name === 'leadhook_webhook_items_total')) {
      assert.ok(['anarock', 'leadpro', 'casayes', 'praetorian', 'unknown'].includes(s.labels['provider'] ?? ''), JSON.stringify(s));
      assert.deepEqual(Object.keys(s.labels).sort(), s.name === 'leadhook_webhooks_total' ? ['provider', 'status'] : ['outcome', 'provider']);
    }
  });

  it('counts deliveries by outcome with their attempt latency, and shows the queue and its oldest pending age', async () => {
    const before = await scrape();
    const failing = await startReceiver((_r, _n, res) => res.writeHead(500).end('down'));
    try {
      const ok = await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url, sourceIds: [praetorian.id] });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
      const down = await t.api('POST', '/api/destinations', { name: 'Down', url: failing.url, sourceIds: [anarock.id] });
      assert.equal(down.status, 201, JSON.stringify(down.json));
      assert.equal((await t.hook(praetorian.webhookPath, [lead('led_d1')], { authorization: praetorian.secret })).status, 200);
      assert.equal((await t.hook(anarock.webhookPath, fixtureBytes('anarock', 'v2018-snapshot.json'))).status, 200);
      await rx.waitFor((r) => r.length >= 1);
      await failing.waitFor((r) => r.length >= 1);
      const after = await eventually(async () => {
        const s = await scrape();
        const moved = (outcome: string) => valueOf(s, 'leadhook_deliveries_total', { outcome }) - valueOf(before, 'leadhook_deliveries_total', { outcome });
        return moved('delivered') === 1 && moved('retry') === 1 ? s : null;
      }, 10_000, 'one delivered and one retry recorded');
      const attempts = valueOf(after, 'leadhook_delivery_attempt_duration_seconds_count') - valueOf(before, 'leadhook_delivery_attempt_duration_seconds_count');
      assert.equal(attempts, 2);
      assert.equal(valueOf(after, 'leadhook_deliveries_total', { outcome: 'give_up' }), 0, 'every outcome is there from the start');
      // The failed attempt is due again in a minute: one pending, none claimed, none given up.
      assert.equal(valueOf(after, 'leadhook_delivery_queue_depth', { status: 'pending' }), 1);
      assert.equal(valueOf(after, 'leadhook_delivery_queue_depth', { status: 'delivering' }), 0);
      assert.equal(valueOf(after, 'leadhook_delivery_queue_depth', { status: 'failed' }), 0);
      assert.ok(valueOf(after, 'leadhook_delivery_oldest_pending_age_seconds') >= 0);
      assert.ok(after.some((s) => s.name === 'leadhook_delivery_oldest_pending_age_seconds'));
    } finally {
      await failing.close();
    }
  });

  it('serves GET /metrics on its own port only: the API port has no /metrics, the metrics port nothing else', async () => {
    const metricsUrl = new URL(t.server.metricsUrl as string);
    assert.equal(metricsUrl.hostname, '127.0.0.1');
    assert.notEqual(metricsUrl.port, new URL(t.url).port);
    assert.equal((await fetch(`${t.url}/metrics`)).status, 404);
    assert.equal((await fetch(metricsUrl, { method: 'POST', body: 'x' })).status, 404);
    assert.equal((await fetch(new URL('/api/leads', metricsUrl))).status, 404);
    assert.equal((await fetch(new URL('/', metricsUrl))).status, 404);
    const process = await scrape();
    assert.ok(process.some((s) => s.name === 'leadhook_process_cpu_user_seconds_total'), 'the process metrics, prefixed');
    assert.ok(process.every((s) => s.name.startsWith('leadhook_')), 'every metric is prefixed leadhook_');
  });
});

describe('LEADHOOK_METRICS_LISTEN', () => {
  it('listens on 127.0.0.1:9464 by default (loopback only), takes host:port or [v6]:port, and off disables', () => {
    assert.deepEqual(loadConfig({}).metricsListen, { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(loadConfig({ LEADHOOK_METRICS_LISTEN: '10.0.0.5:9100' }).metricsListen, { host: '10.0.0.5', port: 9100 });
    assert.deepEqual(loadConfig({ LEADHOOK_METRICS_LISTEN: '[::1]:0' }).metricsListen, { host: '::1', port: 0 });
    assert.equal(loadConfig({ LEADHOOK_METRICS_LISTEN: 'off' }).metricsListen, null);
    for (const bad of ['9464', ':9464', '127.0.0.1', '127.0.0.1:65536', 'localhost:http', '::1:9464', 'http://127.0.0.1:9464']) {
      assert.throws(
        () => loadConfig({ LEADHOOK_METRICS_LISTEN: bad }),
        (e: unknown) => e instanceof HubError && e.code === 'LH_E_CONFIG_INVALID' && e.message.includes('LEADHOOK_METRICS_LISTEN') && e.message.includes('or off'),
        bad,
      );
    }
  });

  it('an address that cannot be bound stops the start with LH_E_METRICS_LISTEN_FAILED, and frees the data directory', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-metrics-'));
    try {
      const error = await startTestServer({ metricsListen: { host: '127.0.0.1', port } }, dataDir).then(
        () => assert.fail('started on a busy metrics port'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof HubError && error.code === 'LH_E_METRICS_LISTEN_FAILED', String(error));
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(EADDRINUSE: something already listens there\\); set LEADHOOK_METRICS_LISTEN`));
      assert.equal(toStartupError(error, { dataDir, host: '127.0.0.1', port: 0 }), error, 'serve prints it as it is, on one line');
      const again = await startTestServer({}, dataDir);
      assert.equal(again.server.metricsUrl, null, 'metrics off');
      await again.close({ keepData: true });
    } finally {
      busy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
