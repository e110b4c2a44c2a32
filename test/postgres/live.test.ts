/**
 * The live lead stream across instances: two leadhook servers on one PostgreSQL schema, as behind a
 * load balancer; a console streaming from one sees the leads whichever instance took the webhook
 * (LISTEN/NOTIFY, src/storage/postgres/lead-notices.ts). Skips with one line when PostgreSQL is not
 * reachable. Waits end when the lead shows; their bound only turns a hang into a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { PostgresStore } from '../../src/storage/postgres/store.js';
import { LEADS_CHANNEL_SQL, MAX_NOTICE_BYTES, noticePayloads, readNotice } from '../../src/storage/postgres/lead-notices.js';
import { createTestSchema, PG_SKIP_REASON, postgresReachable, type TestSchema } from '../helpers/postgres.js';
import { fetchJson, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse.js';
import pg from 'pg';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const skip = (await postgresReachable()) ? false : PG_SKIP_REASON;

async function startInstance(schema: TestSchema): Promise<{ server: RunningServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-live-instance-'));
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, databaseUrl: schema.url });
  return { server: await startServer(config, { logger: false }), dataDir };
}

const leadEvent = (leadId: string) => (e: SseEvent) => e.event === 'lead' && JSON.parse(e.data).lead.id === leadId;

describe('GET /api/live across two instances on one PostgreSQL schema', { skip }, () => {
  let schema: TestSchema;
  let a: { server: RunningServer; dataDir: string };
  let b: { server: RunningServer; dataDir: string };
  const clients: SseClient[] = [];

  /** A stream from `on`, once `on` hears the other instances' notices. */
  const stream = async (on: RunningServer) => {
    const client = await openSse(`${on.url}/api/live`, AUTH);
    clients.push(client);
    assert.equal(client.status, 200);
    await (on.store as PostgresStore).console.whenListening();
    return client;
  };
  const hook = async (on: RunningServer, source: any, id: string, name: string) => {
    const res = await fetchJson(`${on.url}${source.webhookPath}`, {
      method: 'POST',
      headers: { authorization: source.secret, 'content-type': 'application/json' },
      body: JSON.stringify([{ id, data: { first_name: name } }]),
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.leads[0].id as string;
  };

  before(async () => {
    schema = await createTestSchema();
    a = await startInstance(schema);
    b = await startInstance(schema);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.server.close(), b?.server.close()]);
    for (const dir of [a?.dataDir, b?.dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    await schema?.drop();
  });

  it("streams from each instance the leads the other one took, and its own", async () => {
    const created = await fetchJson(`${a.server.url}/api/sources`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'praetorian', name: 'shared' }) });
    const source = created.json;
    const [onA, onB] = [await stream(a.server), await stream(b.server)];
    const fromA = await hook(a.server, source, 'led_cross_a', 'Ana');
    const fromB = await hook(b.server, source, 'led_cross_b', 'Bea');
    for (const client of [onA, onB]) {
      await client.waitFor(leadEvent(fromA), 'the lead instance A took');
      await client.waitFor(leadEvent(fromB), 'the lead instance B took');
    }
    // One event per lead per stream: an instance's own notices are not echoed back to it.
    for (const client of [onA, onB]) assert.equal(client.events.filter(leadEvent(fromA)).length, 1);
  });

  it('splits a big change into notices PostgreSQL takes, and reads back only what it sent', async () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `lead_${String(i).padStart(26, '0')}`);
    const payloads = noticePayloads('instance-1', { created: ids.slice(0, 700), updated: ids.slice(700) });
    assert.ok(payloads.length > 1);
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      for (const payload of payloads) {
        assert.ok(Buffer.byteLength(payload) <= MAX_NOTICE_BYTES);
        await client.query(`SELECT pg_notify(${LEADS_CHANNEL_SQL}, $1)`, [payload]);
      }
    } finally {
      await client.end();
    }
    const read = payloads.map((p) => readNotice(p)!);
    assert.deepEqual(read.flatMap((n) => n.created), ids.slice(0, 700));
    assert.deepEqual(read.flatMap((n) => n.updated), ids.slice(700));
    for (const hostile of ['', 'null', '[]', '{"from":1,"created":[],"updated":[]}', '{"from":"x","created":[1],"updated":[]}', '{"from":"x","created":["a"]}']) {
      assert.equal(readNotice(hostile), null, hostile);
    }
  });
});
