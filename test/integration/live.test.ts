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
import { SESSION_IDLE_MS } from '../../src/auth/session-policy.js';
import { secretHash } from '../../src/auth/credentials.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { LiveOptions } from '../../src/live/hub.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { call, makeToken, signIn, startAuthServer, testClock } from '../helpers/auth.js';
import { createSource, fetchJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse.js';
import { onTestDatabase, releaseDatabase, TEST_STORE, testDatabaseUrl } from '../helpers/test-store.js';
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

  it('refuses streams past maxStreamsPerToken with one token (its sessions included), and still opens others\' ', async () => {
    const t = await startAuthServer({}, { live: { maxStreams: 10, maxStreamsPerToken: 2 } });
    const clients: SseClient[] = [];
    try {
      const viewer = await makeToken(t, 'viewer');
      const { session } = await signIn(t, viewer.token);
      clients.push(await openAs(t, { bearer: viewer.token }), await openAs(t, { session }));
      const tries: Record<string, string>[] = [{ authorization: `Bearer ${viewer.token}` }, { cookie: `lh_session=${(await signIn(t, viewer.token)).session}` }];
      for (const headers of tries) {
        const refused = await fetchJson(`${t.url}/api/live`, { headers: { ...headers, accept: 'text/event-stream' } });
        assert.equal(refused.status, 503, JSON.stringify(refused.json));
        assert.equal(refused.json.error.code, 'LH_E_TOO_MANY_STREAMS');
      }
      clients.push(await openAs(t, { bearer: TEST_ADMIN_TOKEN }), await openAs(t, { bearer: (await makeToken(t, 'viewer')).token }));
    } finally {
      for (const c of clients) c.close();
      await t.close();
    }
  });

  it('ends a stream after maxStreamMs, telling the client when to reconnect (its credentials are checked again then) and sending no end event', async () => {
    const s = await startLiveServer({ maxStreamMs: 50 });
    const client = await openSse(`${s.server.url}/api/live`, AUTH);
    try {
      await client.until(() => client.ended, 'the stream ended');
      assert.match(client.text(), /^retry: \d+\n/);
      assert.deepEqual(ends(client), [], 'no end event: the client is to reconnect');
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

/** The `end` events a stream was sent, as their parsed data. */
const ends = (client: SseClient) => client.events.filter((e) => e.event === 'end').map((e) => JSON.parse(e.data));

/** Open a live stream with these credentials; asserts it opened. */
async function openAs(t: TestServer, creds: { bearer?: string; session?: string }): Promise<SseClient> {
  const headers: Record<string, string> = {};
  if (creds.bearer !== undefined) headers['authorization'] = `Bearer ${creds.bearer}`;
  if (creds.session !== undefined) headers['cookie'] = `lh_session=${creds.session}`;
  const client = await openSse(`${t.url}/api/live`, headers);
  assert.equal(client.status, 200, client.text());
  return client;
}

/** Until `client` was sent `n` more keep-alive comments than it has now: `n` ticks of the hub passed (each checks the credentials). */
async function ticks(client: SseClient, n: number): Promise<void> {
  const target = client.comments.filter((c) => c === 'keep-alive').length + n;
  await client.until(() => client.comments.filter((c) => c === 'keep-alive').length >= target || client.ended, `${n} keep-alive ticks`);
  assert.equal(client.ended, false, `the stream stayed open across ${n} ticks; end events: ${JSON.stringify(ends(client))}`);
}

/** Rename a table of the test server's database, through a connection of its own: the store's reads of it fail until it is renamed back. */
async function renameTable(dataDir: string, from: string, to: string): Promise<void> {
  const sql = `ALTER TABLE ${from} RENAME TO ${to}`;
  await onTestDatabase(dataDir, { sqlite: (db) => void db.exec(sql), postgres: async (client) => void (await client.query(sql)) });
}

describe('GET /api/live ends as soon as its credentials stop holding', () => {
  /** No tick within any wait below: only the revocation or sign-out itself can end these streams. */
  const NO_TICK = { keepAliveMs: 600_000 };
  const SHORT_TICK = { keepAliveMs: 20 };

  it('ends a viewer token\'s stream, and the stream of a session made with it, with event end at once when DELETE /api/tokens/:id revokes the token; other streams stay', async () => {
    const t = await startAuthServer({}, { live: NO_TICK });
    const clients: SseClient[] = [];
    try {
      const viewer = await makeToken(t, 'viewer');
      const viewerSession = await signIn(t, viewer.token);
      const bearer = await openAs(t, { bearer: viewer.token });
      const cookie = await openAs(t, { session: viewerSession.session });
      const admin = await openAs(t, { bearer: TEST_ADMIN_TOKEN });
      clients.push(bearer, cookie, admin);
      assert.equal((await t.api('DELETE', `/api/tokens/${viewer.id}`)).status, 204);
      await bearer.until(() => bearer.ended, 'the viewer token\'s stream ended');
      await cookie.until(() => cookie.ended, 'the viewer session\'s stream ended');
      assert.deepEqual(ends(bearer), [{ reason: 'token-revoked' }]);
      assert.deepEqual(ends(cookie), [{ reason: 'session-ended' }], 'the session was deleted with its token');
      assert.equal(admin.ended, false, 'the admin token\'s stream is not the revoked token\'s');
      assert.deepEqual(ends(admin), []);
      const again = await openSse(`${t.url}/api/live`, { authorization: `Bearer ${viewer.token}` });
      again.close();
      assert.equal(again.status, 401, 'the revoked token opens no new stream');
    } finally {
      for (const c of clients) c.close();
      await t.close();
    }
  });

  it('ends a session\'s stream with event end {"reason":"session-ended"} at once when DELETE /api/session signs it out; another session\'s stream stays and still receives a lead', async () => {
    const t = await startAuthServer({}, { live: NO_TICK });
    const clients: SseClient[] = [];
    try {
      const leaving = await signIn(t, TEST_ADMIN_TOKEN);
      const staying = await signIn(t, TEST_ADMIN_TOKEN);
      const ended = await openAs(t, { session: leaving.session });
      const open = await openAs(t, { session: staying.session });
      clients.push(ended, open);
      const out = await call(t, 'DELETE', '/api/session', { session: leaving.session, csrf: leaving.csrf });
      assert.equal(out.status, 204, out.text);
      await ended.until(() => ended.ended, 'the signed-out session\'s stream ended');
      assert.deepEqual(ends(ended), [{ reason: 'session-ended' }]);
      const praetorian = await createSource(t, 'praetorian');
      const hook = await t.hook(praetorian.webhookPath, [{ id: 'led_live_signout', data: { first_name: 'Stella', last_name: 'Stays' } }], { authorization: praetorian.secret });
      assert.equal(hook.status, 200);
      await open.waitFor(leadEvent(hook.json.leads[0].id, 'created'), 'the other session\'s stream still receives leads');
      assert.equal(open.ended, false);
    } finally {
      for (const c of clients) c.close();
      await t.close();
    }
  });

  it('ends at the next tick the stream of a session whose expiry passed (injected clock), with {"reason":"session-expired"}', async () => {
    const t = await startAuthServer({}, { live: SHORT_TICK });
    try {
      const { session } = await signIn(t, TEST_ADMIN_TOKEN);
      const client = await openAs(t, { session });
      try {
        await ticks(client, 2);
        t.clock.advance(SESSION_IDLE_MS);
        await client.until(() => client.ended, 'the expired session\'s stream ended at a tick');
        assert.deepEqual(ends(client), [{ reason: 'session-expired' }]);
      } finally {
        client.close();
      }
    } finally {
      await t.close();
    }
  });

  it('ends at the next tick the streams of a token revoked and a session deleted where this instance did not hear of it (as another instance does, through the store)', async () => {
    const t = await startAuthServer({}, { live: SHORT_TICK });
    const clients: SseClient[] = [];
    try {
      const viewer = await makeToken(t, 'viewer');
      const { session } = await signIn(t, TEST_ADMIN_TOKEN);
      const bearer = await openAs(t, { bearer: viewer.token });
      const cookie = await openAs(t, { session });
      clients.push(bearer, cookie);
      await ticks(bearer, 2);
      assert.notEqual(await t.server.store.auth.revokeToken(viewer.id, t.clock.now().toISOString()), null);
      assert.equal(await t.server.store.auth.deleteSession(secretHash(session)), true);
      await bearer.until(() => bearer.ended, 'the revoked token\'s stream ended at a tick');
      await cookie.until(() => cookie.ended, 'the deleted session\'s stream ended at a tick');
      assert.deepEqual(ends(bearer), [{ reason: 'token-revoked' }]);
      assert.deepEqual(ends(cookie), [{ reason: 'session-ended' }]);
    } finally {
      for (const c of clients) c.close();
      await t.close();
    }
  });

  it('keeps streams whose credentials hold open across ticks (admin and viewer tokens, a session), and they still receive a lead', async () => {
    const t = await startAuthServer({}, { live: SHORT_TICK });
    const clients: SseClient[] = [];
    try {
      const viewer = await makeToken(t, 'viewer');
      const { session } = await signIn(t, viewer.token);
      for (const creds of [{ bearer: TEST_ADMIN_TOKEN }, { bearer: viewer.token }, { session }]) clients.push(await openAs(t, creds));
      for (const client of clients) await ticks(client, 3);
      const praetorian = await createSource(t, 'praetorian');
      const hook = await t.hook(praetorian.webhookPath, [{ id: 'led_live_ticks', data: { first_name: 'Tia', last_name: 'Ticks' } }], { authorization: praetorian.secret });
      assert.equal(hook.status, 200);
      for (const client of clients) await client.waitFor(leadEvent(hook.json.leads[0].id, 'created'), 'the lead, after the ticks');
      for (const client of clients) await ticks(client, 1);
      assert.deepEqual(clients.map(ends), [[], [], []]);
    } finally {
      for (const c of clients) c.close();
      await t.close();
    }
  });

  it('keeps a stream open while a storage fault fails its checks, logging that once, and ends it at a tick once checks work again', async () => {
    const logLines: string[] = [];
    const t = await startAuthServer({ logLevel: 'warn' }, { live: SHORT_TICK, logLines });
    const faultLines = () => logLines.filter((line) => line.includes('could not check the credentials of open streams'));
    try {
      const { session } = await signIn(t, TEST_ADMIN_TOKEN);
      const client = await openAs(t, { session });
      try {
        await ticks(client, 1);
        await renameTable(t.dataDir, 'sessions', 'sessions_away');
        try {
          t.clock.advance(SESSION_IDLE_MS);
          await ticks(client, 5);
        } finally {
          await renameTable(t.dataDir, 'sessions_away', 'sessions');
        }
        assert.equal(faultLines().length, 1, `one log line for the fault: ${logLines.join('')}`);
        // The session's expiry passed during the fault: the first check that works ends it.
        await client.until(() => client.ended, 'the expired session\'s stream ended once checks worked');
        assert.deepEqual(ends(client), [{ reason: 'session-expired' }]);
        assert.equal(faultLines().length, 1);
      } finally {
        client.close();
      }
    } finally {
      await t.close();
    }
  });

  it(
    'ends at its next tick a stream on one instance when the token is revoked through another, and at once on the other (PostgreSQL)',
    { skip: TEST_STORE !== 'postgres' ? 'several instances share only a PostgreSQL database (LEADHOOK_TEST_STORE=postgres)' : false },
    async () => {
      const clock = testClock();
      const a = await startAuthServer({}, { clock, live: SHORT_TICK });
      const b = await startAuthServer({}, { dataDir: a.dataDir, clock, live: NO_TICK });
      const clients: SseClient[] = [];
      try {
        const viewer = await makeToken(a, 'viewer');
        const onA = await openAs(a, { bearer: viewer.token });
        const onB = await openAs(b, { bearer: viewer.token });
        clients.push(onA, onB);
        await ticks(onA, 2);
        assert.equal((await b.api('DELETE', `/api/tokens/${viewer.id}`)).status, 204);
        await onB.until(() => onB.ended, 'the stream on the instance that revoked ended');
        await onA.until(() => onA.ended, 'the stream on the other instance ended at its tick');
        assert.deepEqual([ends(onA), ends(onB)], [[{ reason: 'token-revoked' }], [{ reason: 'token-revoked' }]]);
      } finally {
        for (const c of clients) c.close();
        await b.close({ keepData: true });
        await a.close();
      }
    },
  );
});
