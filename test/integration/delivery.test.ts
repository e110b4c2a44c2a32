import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { fixtureJson } from '../helpers/fixtures.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

function lead(id: string, extra: Record<string, unknown> = {}) {
  return { id, created: '2024-01-02T03:04:05Z', data: { first_name: 'Dee', last_name: id, phone: '+14155552671', ...extra } };
}

const FAST = { retryScheduleMs: [0, 150, 300, 450], allowPrivateDestinations: true, deliveryTimeoutMs: 1500 };

describe('delivery to destinations', () => {
  let t: TestServer;
  let rx: Receiver;
  let praetorian: any;
  before(async () => {
    t = await startTestServer(FAST);
    praetorian = await createSource(t, 'praetorian');
  });
  after(() => t.close());

  const ingest = (leads: unknown[]) => t.hook(praetorian.webhookPath, leads, { authorization: praetorian.secret });
  const destination = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/destinations', { name: 'CRM', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json;
  };

  it('posts a lead.created event that a standardwebhooks receiver verifies', async () => {
    rx = await startReceiver();
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    assert.match(dest.secret, /^whsec_/);
    const res = await ingest([lead('led_d1')]);
    await rx.waitFor((r) => r.length >= 1);
    const got = rx.received[0]!;
    const verified = new Webhook(dest.secret).verify(got.body, got.headers as Record<string, string>) as any;
    assert.equal(verified.type, 'lead.created');
    assert.equal(verified.data.lead.id, res.json.leads[0].id);
    assert.equal(verified.data.lead.providerLeadId, 'led_d1');
    assert.match(got.headers['webhook-id'] as string, /^evt_/);
    assert.equal(got.headers['webhook-id'], verified.id);
    assert.match(got.headers['user-agent'] as string, /^leadhook\//);
    const deliveries = (await t.api('GET', `/api/deliveries?leadId=${res.json.leads[0].id}`)).json;
    await eventually(async () => (await t.api('GET', `/api/deliveries/${deliveries.items[0].id}`)).json.status === 'succeeded');
    const one = (await t.api('GET', `/api/deliveries/${deliveries.items[0].id}`)).json;
    assert.equal(one.attempts.length, 1);
    assert.equal(one.attempts[0].statusCode, 200);
    assert.equal(one.attempts[0].responseSnippet, 'ok');
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    rx = await startReceiver((_r, n, res) => res.writeHead(n < 2 ? 500 : 200).end(n < 2 ? 'boom' : 'fine'));
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    await ingest([lead('led_retry')]);
    await rx.waitFor((r) => r.length >= 3);
    const ids = new Set(rx.received.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one event, one webhook-id, however many retries');
    for (const r of rx.received) assert.doesNotThrow(() => new Webhook(dest.secret).verify(r.body, r.headers as Record<string, string>));
    const list = (await t.api('GET', `/api/deliveries?destinationId=${dest.id}`)).json;
    const d = await eventually(async () => {
      const one = (await t.api('GET', `/api/deliveries/${list.items[0].id}`)).json;
      return one.status === 'succeeded' ? one : null;
    });
    assert.deepEqual(d.attempts.map((a: any) => a.statusCode), [500, 500, 200]);
    assert.equal(d.attempts[0].responseSnippet, 'boom');
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('marks a delivery failed after the last attempt, and retries it on request', async () => {
    rx = await startReceiver((_r, _n, res) => res.writeHead(503).end());
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    await ingest([lead('led_fail')]);
    const failed = await eventually(async () => {
      const l = (await t.api('GET', `/api/deliveries?destinationId=${dest.id}&status=failed`)).json;
      return l.items[0];
    });
    assert.equal(rx.received.length, 4, 'one attempt per schedule entry');
    assert.equal(failed.lastStatusCode, 503);
    rx.setResponder((_r, _n, res) => res.writeHead(204).end());
    const retried = await t.api('POST', `/api/deliveries/${failed.id}/retry`);
    assert.equal(retried.status, 200);
    await eventually(async () => (await t.api('GET', `/api/deliveries/${failed.id}`)).json.status === 'succeeded');
    assert.equal((await t.api('GET', `/api/deliveries/${failed.id}`)).json.attempts.length, 5);
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('disables the destination on 410 and says why', async () => {
    rx = await startReceiver((_r, _n, res) => res.writeHead(410).end('gone'));
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    await ingest([lead('led_gone')]);
    const disabled = await eventually(async () => {
      const d = (await t.api('GET', `/api/destinations/${dest.id}`)).json;
      return d.enabled === false ? d : null;
    });
    assert.match(disabled.disabledReason, /410/);
    await ingest([lead('led_after_gone')]);
    assert.equal(rx.received.length, 1, 'a disabled destination gets nothing more');
    await rx.close();
  });

  it('honours Retry-After on 429', async () => {
    rx = await startReceiver((_r, n, res) => (n === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end()));
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    await ingest([lead('led_429')]);
    await rx.waitFor((r) => r.length >= 2);
    const gap = rx.received[1]!.at - rx.received[0]!.at;
    assert.ok(gap >= 900, `second attempt waited ${gap} ms, Retry-After said 1 s`);
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('retries a receiver that times out', async () => {
    let n = 0;
    rx = await startReceiver((_r, i, res) => {
      n = i;
      if (i === 0) return; // never answers: the attempt times out
      res.writeHead(200).end();
    });
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    await ingest([lead('led_slow')]);
    await rx.waitFor((r) => r.length >= 2, 15_000);
    assert.ok(n >= 1);
    const d = await eventually(async () => {
      const l = (await t.api('GET', `/api/deliveries?destinationId=${dest.id}&status=succeeded`)).json;
      return l.items[0] ? (await t.api('GET', `/api/deliveries/${l.items[0].id}`)).json : null;
    }, 15_000);
    assert.equal(d.attempts[0].statusCode, null);
    assert.match(d.attempts[0].error, /timeout/);
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('keeps per-lead order under retries without holding back other leads', async () => {
    const anarock = await createSource(t, 'anarock');
    // The first delivery of lead 1 fails twice; its later event must wait, lead 2 must not.
    let failuresLeft = 2;
    rx = await startReceiver((r, _n, res) => {
      const isLead1Created = r.json?.type === 'lead.created' && r.json.data.lead.providerLeadId === '1402361';
      if (isLead1Created && failuresLeft > 0) {
        failuresLeft--;
        return res.writeHead(500).end();
      }
      res.writeHead(200).end();
    });
    const dest = await destination({ url: rx.url, sourceIds: [anarock.id] });
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2020-snapshot.json'));
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2023-later-snapshot.json'));
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2018-snapshot.json'));
    await rx.waitFor((r) => r.filter((x) => x.json?.data?.lead?.providerLeadId === '1402361' && x.headers['webhook-id']).length >= 4, 10_000);
    const ok = rx.received.filter((_r, i) => i >= 0);
    const lead1 = ok.filter((r) => r.json.data.lead.providerLeadId === '1402361');
    assert.deepEqual(lead1.map((r) => r.json.type), ['lead.created', 'lead.created', 'lead.created', 'lead.stage_changed']);
    assert.equal(lead1[3]!.json.data.previousStage, 'negotiation');
    const lead2Index = ok.findIndex((r) => r.json.data.lead.providerLeadId === '925089');
    const lead1Done = ok.indexOf(lead1[2]!);
    assert.ok(lead2Index >= 0 && lead2Index < lead1Done, 'lead 2 was not held back by lead 1 retrying');
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('sends only the events a destination subscribes to and only what its rule matches', async () => {
    const anarock = await createSource(t, 'anarock');
    rx = await startReceiver();
    const booked = await destination({ url: rx.url, sourceIds: [anarock.id], filterTemplate: 'anarock-sales-booking-done' });
    const stageOnly = await destination({ url: `${rx.url}?stage`, sourceIds: [anarock.id], events: ['lead.stage_changed'] });
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2020-snapshot.json'));
    await t.hook(anarock.webhookPath, fixtureJson('anarock', 'v2023-later-snapshot.json'));
    await eventually(async () => {
      const a = (await t.api('GET', `/api/deliveries?destinationId=${booked.id}&status=succeeded`)).json.items.length;
      const b = (await t.api('GET', `/api/deliveries?destinationId=${stageOnly.id}&status=succeeded`)).json.items.length;
      return a === 1 && b === 1;
    });
    const sent = (await t.api('GET', `/api/deliveries?destinationId=${booked.id}&status=succeeded`)).json.items;
    assert.equal(sent.length, 1, 'the booking rule matches the Booking done status_update only');
    assert.equal(sent[0].eventType, 'lead.stage_changed');
    const filtered = await eventually(async () => {
      const items = (await t.api('GET', `/api/deliveries?destinationId=${booked.id}&status=filtered`)).json.items;
      return items.length === 1 ? items : null;
    });
    assert.equal(filtered[0].lastError, 'the rule did not match', 'the other event is recorded as filtered, never sent');
    assert.equal(filtered[0].attemptCount, 0);
    assert.equal((await t.api('GET', `/api/destinations/${booked.id}`)).json.filteredCount, 1);
    await t.api('DELETE', `/api/destinations/${booked.id}`);
    await t.api('DELETE', `/api/destinations/${stageOnly.id}`);
    await rx.close();
  });

  it('replays a destination’s deliveries since a time', async () => {
    rx = await startReceiver();
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    const since = new Date(Date.now() - 1000).toISOString();
    await ingest([lead('led_rp1'), lead('led_rp2')]);
    await rx.waitFor((r) => r.length >= 2);
    await eventually(async () => (await t.api('GET', `/api/deliveries?destinationId=${dest.id}&status=succeeded`)).json.items.length === 2);
    const replay = await t.api('POST', `/api/destinations/${dest.id}/replay`, { since });
    assert.equal(replay.json.requeued, 2);
    await rx.waitFor((r) => r.length >= 4);
    assert.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, 2, 'replays keep their webhook-id');
    assert.equal((await t.api('POST', `/api/destinations/${dest.id}/replay`, { since: 'yesterday' })).status, 400);
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('signs with both secrets during a rotation overlap', async () => {
    rx = await startReceiver();
    const dest = await destination({ url: rx.url, sourceIds: [praetorian.id] });
    const rotated = (await t.api('PATCH', `/api/destinations/${dest.id}`, { rotateSecret: true })).json;
    assert.notEqual(rotated.secret, dest.secret);
    assert.ok(rotated.previousSecretExpiresAt);
    await ingest([lead('led_rot')]);
    await rx.waitFor((r) => r.length >= 1);
    const got = rx.received[0]!;
    for (const secret of [dest.secret, rotated.secret]) assert.doesNotThrow(() => new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
    await t.api('DELETE', `/api/destinations/${dest.id}`);
    await rx.close();
  });

  it('answers 400 with the position for a filter that does not compile, and for unknown event types', async () => {
    const bad = await t.api('POST', '/api/destinations', { name: 'x', url: 'http://127.0.0.1:9/x', filter: 'payload.action ==' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'LH_E_FILTER_INVALID');
    assert.ok(bad.json.error.details.position);
    const events = await t.api('POST', '/api/destinations', { name: 'x', url: 'http://127.0.0.1:9/x', events: ['lead.deleted'] });
    assert.equal(events.status, 400);
    const templates = (await t.api('GET', '/api/rule-templates')).json.items;
    assert.equal(templates.length, 6);
  });
});

describe('destination URL safety', () => {
  it('refuses loopback, private and link-local destinations unless allowed', async () => {
    const t = await startTestServer({ allowPrivateDestinations: false });
    try {
      for (const url of ['http://127.0.0.1:8080/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://localhost/x', 'ftp://example.com/x']) {
        const res = await t.api('POST', '/api/destinations', { name: 'x', url });
        assert.equal(res.status, 400, url);
        assert.equal(res.json.error.code, 'LH_E_DESTINATION_URL_REFUSED', url);
      }
    } finally {
      await t.close();
    }
  });

  it('does not follow redirects', async () => {
    const t = await startTestServer(FAST);
    const target = await startReceiver();
    const rx = await startReceiver((_r, _n, res) => res.writeHead(302, { location: target.url }).end());
    try {
      const src = await createSource(t, 'praetorian');
      await t.api('POST', '/api/destinations', { name: 'redir', url: rx.url, sourceIds: [src.id] });
      await t.hook(src.webhookPath, [lead('led_redirect')], { authorization: src.secret });
      await rx.waitFor((r) => r.length >= 4);
      assert.equal(target.received.length, 0);
    } finally {
      await rx.close();
      await target.close();
      await t.close();
    }
  });
});

describe('delivery isolation and restarts', () => {
  it('a receiver that never answers does not hold back another destination', async () => {
    // The stuck receiver's sends time out only after 120 s: a passing run never gets there, so
    // "before the stuck one timed out once" is a fact read from the store, not a race against a
    // wall-clock budget (which a busy machine lost: 20 sends took longer than 2.5 s).
    const t = await startTestServer({ ...FAST, deliveryConcurrency: 8, deliveryTimeoutMs: 120_000, shutdownGraceMs: 1000 });
    const stuck = await startReceiver(() => undefined); // never answers
    const fast = await startReceiver();
    try {
      const src = await createSource(t, 'praetorian');
      const stuckDest = await t.api('POST', '/api/destinations', { name: 'stuck', url: stuck.url, sourceIds: [src.id] });
      await t.api('POST', '/api/destinations', { name: 'fast', url: fast.url, sourceIds: [src.id] });
      const leads = Array.from({ length: 20 }, (_, i) => lead(`led_iso${i}`));
      await t.hook(src.webhookPath, leads, { authorization: src.secret });
      await fast.waitFor((r) => r.length >= 20, 60_000);
      const stuckDeliveries = (await t.api('GET', `/api/deliveries?destinationId=${stuckDest.json.id}&limit=500`)).json.items as { status: string; attemptCount: number }[];
      assert.equal(stuckDeliveries.length, 20);
      assert.ok(
        stuckDeliveries.every((d) => d.attemptCount === 0 && (d.status === 'pending' || d.status === 'delivering')),
        `all 20 reached the healthy receiver while the stuck one had not finished a single attempt: ${JSON.stringify(stuckDeliveries.map((d) => [d.status, d.attemptCount]))}`,
      );
      assert.ok(stuck.received.length <= 2, 'the stuck destination holds at most its own share of slots');
    } finally {
      await stuck.close();
      await fast.close();
      await t.close();
    }
  });

  it('keeps undelivered events across a restart and delivers them once the receiver is back', async () => {
    const t1 = await startTestServer({ ...FAST, retryScheduleMs: [0, 200, 200, 200, 200, 200, 200, 200, 200, 200] });
    const down = await startReceiver((_r, _n, res) => res.writeHead(503).end());
    const src = await createSource(t1, 'praetorian');
    await t1.api('POST', '/api/destinations', { name: 'crm', url: down.url, sourceIds: [src.id] });
    const res = await t1.hook(src.webhookPath, [lead('led_restart_dlv')], { authorization: src.secret });
    await down.waitFor((r) => r.length >= 1);
    const eventId = down.received[0]!.headers['webhook-id'];
    await t1.close({ keepData: true });
    down.setResponder((_r, _n, r) => r.writeHead(200).end());
    const t2 = await startTestServer(FAST, t1.dataDir);
    try {
      await down.waitFor((r) => r.length >= 2, 5000);
      const d = await eventually(async () => {
        const l = (await t2.api('GET', `/api/deliveries?leadId=${res.json.leads[0].id}&status=succeeded`)).json;
        return l.items[0];
      });
      assert.equal(d.eventId, eventId, 'the same event, with the same webhook-id, after the restart');
      const ids = down.received.map((r) => r.headers['webhook-id']);
      assert.equal(new Set(ids).size, 1, 'no event invented by the restart');
    } finally {
      await down.close();
      await t2.close();
    }
  });
});
