import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';


function lead(id: string) {
  return { id, created: '2024-01-02T03:04:05Z', data: { first_name: 'Dee', last_name: id, phone: '+14155552671', email: `${id}@example.com` } };
}

describe('leadhook destinations and deliveries CLI against a running server', () => {
  let t: TestServer;
  let rx: Receiver;
  let rx500: Receiver;
  let env: Record<string, string>;
  let praetorian: any;
  let destinationId: string;
  let secret: string;
  let deliveryId: string;

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true, retryScheduleMs: [0, 100, 200] });
    rx = await startReceiver();
    rx500 = await startReceiver((_r, _n, res) => res.writeHead(500).end('receiver broke'));
    praetorian = await createSource(t, 'praetorian');
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  after(async () => {
    await rx.close();
    await rx500.close();
    await t.close();
  });

  it('destinations add prints the id, the subscription and a whsec_ secret with how to verify it, and exits 0', async () => {
    // --url is the receiver's URL here; the server comes from LEADHOOK_URL.
    const res = await cli(['destinations', 'add', '--name', 'CRM', '--url', rx.url, '--source', praetorian.id, '--events', 'lead.created,lead.stage_changed'], env);
    assert.equal(res.code, 0, res.stderr);
    destinationId = /^Created destination (dst_\S+) \("CRM"\)\./m.exec(res.stdout)?.[1] ?? '';
    assert.ok(destinationId !== '', res.stdout);
    secret = /^Secret:\s+(whsec_[A-Za-z0-9+/=]+)\s+\(shown once\)$/m.exec(res.stdout)?.[1] ?? '';
    assert.ok(secret !== '', res.stdout);
    assert.match(res.stdout, new RegExp(`^URL:\\s+${rx.url.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(res.stdout, /^Events:\s+lead\.created, lead\.stage_changed$/m);
    assert.match(res.stdout, new RegExp(`^Sources:\\s+${praetorian.id}$`, 'm'));
    assert.match(res.stdout, /^Verify:\s+.*webhook-signature.*standardwebhooks/m);

    const list = await cli(['destinations', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { items: { id: string; url: string }[] }).items.map((d) => [d.id, d.url]), [[destinationId, rx.url]]);
    const show = await cli(['destinations', 'show', destinationId], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Status:\s+enabled$/m);
    assert.doesNotMatch(show.stdout, /whsec_/, 'the secret is shown once, at creation');
  });

  it('destinations test reaches the receiver with a verifiable signature and exits 0', async () => {
    const res = await cli(['destinations', 'test', destinationId], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Status:\s+200$/m);
    assert.match(res.stdout, /^Latency:\s+\d+ ms$/m);
    const got = rx.received.find((r) => r.json?.type === 'destination.test');
    assert.ok(got !== undefined, 'the receiver got the test event');
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { data: { destinationId: string } };
    assert.equal(verified.data.destinationId, destinationId);
  });

  it('destinations test exits 1 against a receiver answering 500, and rm deletes that destination', async () => {
    const added = await cli(['destinations', 'add', '--name', 'Broken', '--url', rx500.url, '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const broken = JSON.parse(added.stdout) as { id: string; secret: string };
    assert.match(broken.secret, /^whsec_/);
    const res = await cli(['destinations', 'test', broken.id], env);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /did NOT answer 2xx/);
    assert.match(res.stdout, /^Status:\s+500$/m);
    assert.match(res.stdout, /^Response:\s+receiver broke$/m);
    assert.equal(rx500.received.length, 1);
    const json = await cli(['destinations', 'test', broken.id, '--json'], env);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { ok: boolean; status: number }).status, 500);
    const rm = await cli(['destinations', 'rm', broken.id], env);
    assert.equal(rm.code, 0, rm.stderr);
    const gone = await cli(['destinations', 'show', broken.id], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^leadhook: LH_E_DESTINATION_NOT_FOUND: /);
  });

  it('exits 1 with LH_E_FILTER_INVALID for a filter that does not compile, and with a usage error for --filter and --template together', async () => {
    const res = await cli(['destinations', 'add', '--name', 'Bad', '--url', rx.url, '--filter', 'payload.action =='], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^leadhook: LH_E_FILTER_INVALID: .*\(line 1, column \d+\)/);
    assert.equal(res.stdout, '');
    const both = await cli(['destinations', 'add', '--name', 'Bad', '--url', rx.url, '--filter', 'true', '--template', 'anarock-sales-booking-done'], env);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /^leadhook: LH_E_CLI_USAGE: give either --filter or --template, not both\nUsage: leadhook destinations add /);
  });

  it('deliveries list --json shows the delivery of a posted Praetorian lead, and deliveries show prints its attempts', async () => {
    const posted = await t.hook(praetorian.webhookPath, [lead('led_cli_1')], { authorization: praetorian.secret });
    assert.equal(posted.status, 200);
    const leadId: string = posted.json.leads[0].id;
    await eventually(async () => (await t.api('GET', `/api/deliveries?leadId=${leadId}&status=succeeded`)).json.items.length === 1);

    const list = await cli(['deliveries', 'list', '--json', '--lead', leadId], env);
    assert.equal(list.code, 0, list.stderr);
    const items = (JSON.parse(list.stdout) as { items: { id: string; destinationId: string; eventType: string; status: string; attemptCount: number }[] }).items;
    assert.deepEqual(items.map((d) => [d.destinationId, d.eventType, d.status, d.attemptCount]), [[destinationId, 'lead.created', 'succeeded', 1]]);
    deliveryId = items[0]?.id ?? '';

    const table = await cli(['deliveries', 'list', '--destination', destinationId], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^${deliveryId}\\s+${destinationId}\\s+lead\\.created\\s+${leadId}\\s+succeeded\\s+1\\s+200\\s`, 'm'));

    const show = await cli(['deliveries', 'show', deliveryId], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Status:\s+succeeded$/m);
    assert.match(show.stdout, /^Attempts \(1\):\n#\s+TIME\s+STATUS\s+LATENCY\s+ERROR\s+RESPONSE\n1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+200\s+\d+ ms\s+-\s+ok$/m);
  });

  it('deliveries retry and destinations replay send the event again with the same webhook-id', async () => {
    const before = rx.received.length;
    const retry = await cli(['deliveries', 'retry', deliveryId], env);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`^Queued delivery ${deliveryId} `));
    await rx.waitFor((r) => r.length >= before + 1);
    // Replay skips a delivery still being sent: wait until the retry is recorded.
    await eventually(async () => {
      const d = (await t.api('GET', `/api/deliveries/${deliveryId}`)).json;
      return d.status === 'succeeded' && d.attempts.length === 2;
    });
    const replay = await cli(['destinations', 'replay', destinationId, '--since', new Date(Date.now() - 60_000).toISOString(), '--status', 'succeeded'], env);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /^Requeued 1 succeeded delivery /);
    await rx.waitFor((r) => r.length >= before + 2);
    const ids = new Set(rx.received.filter((r) => r.json?.data?.lead?.providerLeadId === 'led_cli_1').map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1);
    const bad = await cli(['destinations', 'replay', destinationId, '--since', 'yesterday'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^leadhook: LH_E_VALIDATION: /);
  });

  it('rotate-secret prints the new secret and until when the old one signs; disable and enable switch the destination', async () => {
    const res = await cli(['destinations', 'rotate-secret', destinationId], env);
    assert.equal(res.code, 0, res.stderr);
    const next = /^Secret:\s+(whsec_\S+)\s+\(shown once\)$/m.exec(res.stdout)?.[1];
    assert.ok(next !== undefined && next !== secret, res.stdout);
    assert.match(res.stdout, /Until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ every webhook is signed with both the old and the new secret/);

    const off = await cli(['destinations', 'disable', destinationId], env);
    assert.equal(off.code, 0, off.stderr);
    const shown = await cli(['destinations', 'show', destinationId], env);
    assert.match(shown.stdout, /^Status:\s+disabled since .*: disabled through the API$/m);
    assert.match(shown.stdout, /^Old secret:\s+still signs until /m);
    const on = await cli(['destinations', 'enable', destinationId, '--json'], env);
    assert.equal(on.code, 0, on.stderr);
    assert.equal((JSON.parse(on.stdout) as { enabled: boolean }).enabled, true);
  });

  it('destinations templates lists the 6 rule templates with their expressions', async () => {
    const res = await cli(['destinations', 'templates'], env);
    assert.equal(res.code, 0, res.stderr);
    const ids = [...res.stdout.matchAll(/^(anarock-[a-z0-9-]+)$/gm)].map((m) => m[1]);
    assert.equal(ids.length, 6, res.stdout);
    assert.ok(ids.includes('anarock-sales-booking-done'));
    assert.match(res.stdout, /^ {4}payload\.action == "status_update"$/m);
    const json = await cli(['destinations', 'templates', '--json'], env);
    assert.equal((JSON.parse(json.stdout) as { items: unknown[] }).items.length, 6);
  });

  it('exits 1 with a usage hint when destinations add misses --url', async () => {
    const res = await cli(['destinations', 'add', '--name', 'No URL'], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^leadhook: LH_E_CLI_USAGE: missing --url\nUsage: leadhook destinations add --name <name> --url <url>/);
  });
});
