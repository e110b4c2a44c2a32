/**
 * `GET /api/live`: new and changed leads as server-sent events, read by a real HTTP client on
 * loopback. Waits end when what they wait for shows; their bound only turns a hang into a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig, type Config } from '../../src/config.js';
import type { LiveOptions } from '../../src/live/hub.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createSource, fetchJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse.js';
import { releaseDatabase, testDatabaseUrl } from '../helpers/test-store.js';
import { check } from '../properties/support.js';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** A test server with its own live stream bounds (and its log lines kept). */
async function startLiveServer(live: Partial<LiveOptions>, overrides: Partial<Config> = {}): Promise<{ server: RunningServer; logs: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-live-'));
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'warn', metricsListen: null, databaseUrl: await testDatabaseUrl(dir), ...overrides });
  const logs: string[] = [];
  const server = await startServer(config, { logStream: { write: (line) => void logs.push(line) }, live });
  return {
    server,
    logs,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      await releaseDatabase(dir);
    },
  };
}

const leadEvent = (leadId: string, change?: string) => (e: SseEvent) => {
  if (e.event !== 'lead') return false;
  const d = JSON.parse(e.data);
  return d.lead.id === leadId && (change === undefined || d.change === change);
};

/** An Anarock snapshot of lead `leadId` at `status` (a later status is an update of the same lead). */
function anarock(leadId: number, name: string, status: string, hour: number): Record<string, unknown> {
  return { lead_id: leadId, name, phone: '9820012345', lead_status: status, created_at: 1_700_000_000, status_changes: { moved_to_interested: 1_700_000_000 + hour * 3600 } };
}

describe('GET /api/live streams leads as server-sent events', () => {
  let t: TestServer;
  let source: any;
  let praetorian: any;
  const clients: SseClient[] = [];
  const open = async (query = '') => {
    const client = await openSse(`${t.url}/api/live${query}`, AUTH);
    clients.push(client);
    return client;
  };

  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'anarock');
    praetorian = await createSource(t, 'praetorian');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  it('answers an event stream that nothing caches, and shows a lead a webhook POST created, as GET /api/leads lists it', async () => {
    const client = await open();
    assert.equal(client.status, 200);
    assert.match(String(client.headers['content-type']), /^text\/event-stream/);
    assert.equal(client.headers['cache-control'], 'no-store');
    const hook = await t.hook(praetorian.webhookPath, [{ id: 'led_live_1', data: { first_name: 'Lena', last_name: 'Live', phone: '+1 415 555 2671' } }], { authorization: praetorian.secret });
    assert.equal(hook.status, 200);
    const leadId = hook.json.leads[0].id;
    const event = await client.waitFor(leadEvent(leadId, 'created'), 'the created lead streamed');
    const listed = (await t.api('GET', '/api/leads?q=lena live')).json.items[0];
    assert.deepEqual(JSON.parse(event.data), { change: 'created', lead: listed });
  });

  it('streams an update of a lead as updated, and leaves test leads out unless isTest=all', async () => {
    const real = await open();
    const all = await open('?isTest=all');
    const tests = await open('?isTest=true');
    const testLead = await t.api('POST', `/api/sources/${source.id}/test-lead`);
    assert.equal(testLead.status, 201, JSON.stringify(testLead.json));
    const created = await t.hook(source.webhookPath, anarock(880_001, 'Uma Update', 'Fresh', 0), {});
    const leadId = created.json.leads[0].id;
    const updated = await t.hook(source.webhookPath, anarock(880_001, 'Uma Update', 'Interested', 1), {});
    assert.equal(updated.json.leads[0].outcome, 'updated');
    for (const client of [real, all]) {
      await client.waitFor(leadEvent(leadId, 'created'), 'the created lead');
      const event = await client.waitFor(leadEvent(leadId, 'updated'), 'its update');
      assert.equal(JSON.parse(event.data).lead.stage, 'qualified');
    }
    // The test lead was committed (and streamed) before the real one: a stream that has the real one and not it left it out.
    assert.ok(all.events.some(leadEvent(testLead.json.leadId, 'created')), 'isTest=all has the test lead');
    assert.ok(!real.events.some(leadEvent(testLead.json.leadId)), 'the default stream leaves the test lead out');
    await tests.waitFor(leadEvent(testLead.json.leadId, 'created'), 'isTest=true has the test lead');
    assert.ok(!tests.events.some(leadEvent(leadId)), 'isTest=true leaves real leads out');
  });

  it('streams the lead of an applied held request (applied by reprocessing it)', async () => {
    const client = await open();
    const hook = await t.hook(source.webhookPath, anarock(880_002, 'Rhea Reprocess', 'Fresh', 0), {});
    const leadId = hook.json.leads[0].id;
    await client.waitFor(leadEvent(leadId, 'created'), 'the created lead');
    assert.equal((await t.api('DELETE', `/api/leads/${leadId}?erase=personal-data`)).status, 200);
    const held = await t.hook(source.webhookPath, anarock(880_002, 'Rhea Again', 'Interested', 1), {});
    assert.equal(held.status, 200);
    const applied = await t.api('POST', `/api/requests/${held.json.requestId}/apply`);
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await client.waitFor(leadEvent(leadId, 'updated'), 'the lead of the applied request');
  });

  it('frames any text a webhook sends as one event that reads back exactly (property)', async () => {
    const client = await open();
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\n', '\r', '\r\n', '\n\n', 'event: x', 'data: ', ': ', 'retry: 0', '\u2028', '"', '\\'), fc.string({ unit: 'grapheme', maxLength: 2 })), minLength: 1, maxLength: 20 });
    let n = 0;
    await check(
      fc.asyncProperty(text, text, async (first, last) => {
        const hook = await t.hook(praetorian.webhookPath, [{ id: `led_frame_${++n}`, data: { first_name: first, last_name: last } }], { authorization: praetorian.secret });
        assert.equal(hook.status, 200);
        const leadId = hook.json.leads[0].id;
        const event = await client.waitFor(leadEvent(leadId, 'created'), 'the lead streamed');
        const { timeline: _timeline, ...stored } = (await t.api('GET', `/api/leads/${leadId}`)).json;
        assert.deepEqual(JSON.parse(event.data).lead, stored);
      }),
      25,
    );
    assert.ok(client.events.every((e) => e.event === 'lead'), 'no text became an event of its own');
  });

  it('answers HEAD with the stream headers only', async () => {
    const head = await openSse(`${t.url}/api/live`, AUTH, 'HEAD');
    assert.equal(head.status, 200);
    assert.match(String(head.headers['content-type']), /^text\/event-stream/);
    await head.until(() => head.ended, 'the HEAD answer ends');
  });

  it('answers 406 to a client that did not ask for an event stream, rather than never end its answer', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'text/event-stream;q=0']) {
      const res = await fetchJson(`${t.url}/api/live`, { headers: { ...AUTH, ...(accept === undefined ? {} : { accept }) } });
      assert.equal(res.status, 406, String(accept));
      assert.equal(res.json.error.code, 'LH_E_NOT_ACCEPTABLE');
    }
    const plain = await openSse(`${t.url}/api/live`, { ...AUTH, accept: '' });
    assert.equal(plain.status, 406);
    const listed = await openSse(`${t.url}/api/live`, { ...AUTH, accept: 'text/html, text/event-stream; charset=utf-8' });
    clients.push(listed);
    assert.equal(listed.status, 200);
  });

  it('refuses a bad isTest and a caller without a token', async () => {
    const bad = await fetchJson(`${t.url}/api/live?isTest=maybe`, { headers: AUTH });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'LH_E_VALIDATION');
    const anonymous = await fetchJson(`${t.url}/api/live`, {});
    assert.equal(anonymous.status, 401);
  });
});

describe('GET /api/live is bounded', () => {
  it('refuses streams past maxStreams with 503 LH_E_TOO_MANY_STREAMS, and takes one again when a client leaves', async () => {
    const s = await startLiveServer({ maxStreams: 2 });
    const clients: SseClient[] = [];
    try {
      for (let i = 0; i < 2; i++) clients.push(await openSse(`${s.server.url}/api/live`, AUTH));
      assert.deepEqual(clients.map((c) => c.status), [200, 200]);
      const refused = await fetchJson(`${s.server.url}/api/live`, { headers: { ...AUTH, accept: 'text/event-stream' } });
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error.code, 'LH_E_TOO_MANY_STREAMS');
      clients.shift()?.close();
      let again: SseClient | null = null;
      for (let i = 0; i < 200 && again === null; i++) {
        const c = await openSse(`${s.server.url}/api/live`, AUTH);
        if (c.status === 200) again = c;
        else c.close();
      }
      assert.ok(again !== null, 'a stream opens once a client left');
      clients.push(again);
    } finally {
      for (const c of clients) c.close();
      await s.close();
    }
  });

  it('ends a stream after maxStreamMs, telling the client when to reconnect (its credentials are checked again then)', async () => {
    const s = await startLiveServer({ maxStreamMs: 50 });
    const client = await openSse(`${s.server.url}/api/live`, AUTH);
    try {
      await client.until(() => client.ended, 'the stream ended');
      assert.match(client.text(), /^retry: \d+\n/);
      const again = await openSse(`${s.server.url}/api/live`, AUTH);
      again.close();
      assert.equal(again.status, 200, 'a new stream opens');
    } finally {
      client.close();
      await s.close();
    }
  });

  it('writes a keep-alive comment every keepAliveMs', async () => {
    const s = await startLiveServer({ keepAliveMs: 20 });
    const client = await openSse(`${s.server.url}/api/live`, AUTH);
    try {
      await client.until(() => client.comments.filter((c) => c === 'keep-alive').length >= 2, 'two keep-alive comments');
    } finally {
      client.close();
      await s.close();
    }
  });

  it('drops a client that does not read once more than maxBufferBytes wait for it, rather than hold its backlog', async () => {
    const s = await startLiveServer({ maxStreams: 2, maxBufferBytes: 64 * 1024 });
    const base = s.server.url;
    const api = (method: string, path: string, body?: unknown) =>
      fetchJson(`${base}${path}`, { method, headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const reader = await openSse(`${base}/api/live`, AUTH);
    const slow = await openSse(`${base}/api/live`, AUTH);
    try {
      slow.pause();
      const src = (await api('POST', '/api/sources', { provider: 'praetorian', name: 'big' })).json;
      const big = 'x'.repeat(600_000);
      let dropped = false;
      // Loopback buffers take a few MB before the server's own buffer grows; a 600 kB lead at a time fills them.
      for (let i = 0; i < 100 && !dropped; i++) {
        const hook = await fetchJson(`${base}${src.webhookPath}`, { method: 'POST', headers: { authorization: src.secret, 'content-type': 'application/json' }, body: JSON.stringify([{ id: `led_big_${i}`, data: { first_name: 'Big', message: big } }]) });
        assert.equal(hook.status, 200);
        // Both streams are taken until the slow client is dropped.
        const probe = await openSse(`${base}/api/live`, AUTH);
        probe.close();
        dropped = probe.status === 200;
        if (!dropped) assert.equal(probe.status, 503);
      }
      assert.ok(dropped, 'the slow client was dropped and its stream freed');
      // Each event is far over the bound: the client that reads was sent them all, and is still there.
      await reader.until(() => reader.events.length >= 2, 'the reading client got the big leads');
      assert.equal(reader.ended, false);
    } finally {
      reader.close();
      slow.close();
      await s.close();
    }
  });

  it('ends open streams at shutdown without waiting for the grace period', { timeout: 60_000 }, async () => {
    const s = await startLiveServer({}, { shutdownGraceMs: 600_000 });
    const client = await openSse(`${s.server.url}/api/live`, AUTH);
    const slow = await openSse(`${s.server.url}/api/live`, AUTH);
    slow.pause();
    assert.equal(client.status, 200);
    await s.close();
    await client.until(() => client.ended, 'the stream ended');
    assert.ok(!s.logs.some((line) => line.includes('grace period')), `the shutdown did not wait out its grace period: ${s.logs.join('')}`);
    slow.close();
  });
});
