/**
 * Two leadhook servers on one PostgreSQL schema, as behind a load balancer: what is changed through
 * one (sources, secrets, destinations, rules) takes effect on the other, and the admin token the first
 * one generated works on both. Waits end when the change shows; their bound only turns a hang into a
 * failure. Skips with one line when PostgreSQL is not reachable.
 *
 *   LEADHOOK_TEST_DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/test)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestSchema, PG_SKIP_REASON, postgresReachable, type TestSchema } from '../helpers/postgres.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { fetchJson } from '../helpers/server.js';

/** Only turns a change that never shows into a failure; the waits end as soon as it shows. */
const GENEROUS_MS = 20_000;
const FAST = { retryScheduleMs: [0, 150, 300], allowPrivateDestinations: true, deliveryTimeoutMs: 1500 };

const skip = (await postgresReachable()) ? false : PG_SKIP_REASON;

interface Instance {
  server: RunningServer;
  dataDir: string;
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }>;
  hook(path: string, body: unknown, secret: string): Promise<{ status: number; json: any }>;
}

/** One leadhook server on the schema, with its own (empty) data directory and no configured admin token. */
async function startInstance(schema: TestSchema, token: () => string): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-instance-'));
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken: null, logLevel: 'silent', metricsListen: null, databaseUrl: schema.url, ...FAST });
  const server = await startServer(config, { logger: false });
  const call = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
    fetchJson(`${server.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    server,
    dataDir,
    api: (method, path, body, bearer = token()) => call(method, path, body, { authorization: `Bearer ${bearer}` }),
    hook: (path, body, secret) => call('POST', path, body, { authorization: secret }),
  };
}

/** Start a server and return what it printed on stdout meanwhile (the first-start admin token). */
async function startPrinting(start: () => Promise<Instance>): Promise<{ instance: Instance; printed: string }> {
  const write = process.stdout.write;
  let printed = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { instance: await start(), printed };
  } finally {
    process.stdout.write = write;
  }
}

/** Try `attempt` every 100 ms until it returns a value; fails after GENEROUS_MS. */
async function until<T>(what: string, attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + GENEROUS_MS;
  for (;;) {
    const value = await attempt();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${GENEROUS_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two leadhook instances on one PostgreSQL database', { skip }, () => {
  let schema: TestSchema;
  let a: Instance;
  let b: Instance;
  let token = '';
  let rx: Receiver;
  let source: any;
  let leadNumber = 0;

  before(async () => {
    schema = await createTestSchema();
    const started = await startPrinting(() => startInstance(schema, () => token));
    a = started.instance;
    token = /leadhook admin token[^\n]*\n\s*(\S+)/.exec(started.printed)?.[1] ?? '';
    b = await startInstance(schema, () => token);
    rx = await startReceiver();
    const created = await a.api('POST', '/api/sources', { provider: 'praetorian', name: 'shared' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    source = created.json;
  });

  after(async () => {
    await Promise.all([a?.server.close(), b?.server.close()]);
    await rx?.close();
    for (const i of [a, b]) if (i) rmSync(i.dataDir, { recursive: true, force: true });
    await schema?.drop();
  });

  /** A new lead taken by B; its id there. */
  const leadThroughB = async (firstName = 'Dee'): Promise<string> => {
    const id = `led_x${++leadNumber}`;
    const res = await b.hook(source.webhookPath, [{ id, created: '2024-01-02T03:04:05Z', data: { first_name: firstName, last_name: id, phone: '+14155552671' } }], source.secret);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.leads[0].id as string;
  };
  /** The deliveries B made of a lead's events to a destination. */
  const deliveriesOnB = async (leadId: string, destinationId: string): Promise<any[]> =>
    (await b.api('GET', `/api/deliveries?leadId=${leadId}`)).json.items.filter((d: any) => d.destinationId === destinationId);

  it('accepts on the second instance the admin token the first one printed', async () => {
    assert.match(token, /^lh_/, 'the first instance printed a new admin token');
    assert.equal(b.server.adminToken, token);
    const sources = await b.api('GET', '/api/sources', undefined, token);
    assert.equal(sources.status, 200);
    assert.deepEqual(sources.json.items.map((s: any) => s.id), [source.id]);
    assert.equal((await b.api('GET', '/api/sources', undefined, 'lh_not-the-token-0123456789')).status, 401);
  });

  it('refuses on the second instance a source secret rotated on the first without overlap', async () => {
    const old = source.secret as string;
    assert.equal((await b.hook(source.webhookPath, [], old)).status, 200);
    const rotated = await a.api('PATCH', `/api/sources/${source.id}`, { rotateSecret: true, overlapHours: 0 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    source = { ...source, secret: rotated.json.secret };
    const refused = await until('B refuses the old secret', async () => {
      const res = await b.hook(source.webhookPath, [], old);
      return res.status === 200 ? null : res;
    });
    assert.equal(refused.status, 401);
    assert.equal((await b.hook(source.webhookPath, [], source.secret)).status, 200);
  });

  it('fans out on the second instance to a destination created on the first, and stops once it is disabled there', async () => {
    const created = await a.api('POST', '/api/destinations', { name: 'CRM', url: rx.url, sourceIds: [source.id] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const destination = created.json;
    const leadId = await until('B plans deliveries to the new destination', async () => {
      const id = await leadThroughB();
      return (await deliveriesOnB(id, destination.id)).length > 0 ? id : null;
    });
    await rx.waitFor((r) => r.some((x) => x.json?.data?.lead?.id === leadId), GENEROUS_MS);

    assert.equal((await a.api('PATCH', `/api/destinations/${destination.id}`, { enabled: false })).status, 200);
    const quiet = await until('B stops planning deliveries to the disabled destination', async () => {
      const id = await leadThroughB();
      return (await deliveriesOnB(id, destination.id)).length === 0 ? id : null;
    });
    assert.deepEqual(await deliveriesOnB(quiet, destination.id), []);
  });

  it("applies on the second instance a destination's rule changed on the first", async () => {
    const destination = (await a.api('GET', '/api/destinations')).json.items[0];
    const changed = await a.api('PATCH', `/api/destinations/${destination.id}`, { enabled: true, filter: 'payload.data.first_name == "Keep"' });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    // The rule reads the provider's item, which B keeps for the event only once it knows of the rule.
    const kept = await until('B sends the leads the new rule keeps', async () => {
      const id = await leadThroughB('Keep');
      const [delivery] = await deliveriesOnB(id, destination.id);
      if (delivery === undefined) return null;
      const done = await until('the delivery ends', async () => {
        const d = (await b.api('GET', `/api/deliveries/${delivery.id}`)).json;
        return d.status === 'succeeded' || d.status === 'filtered' || d.status === 'failed' ? d : null;
      });
      return done.status === 'succeeded' ? id : null;
    });
    await rx.waitFor((r) => r.some((x) => x.json?.data?.lead?.id === kept), GENEROUS_MS);
    const dropped = await leadThroughB('Drop');
    const [delivery] = await deliveriesOnB(dropped, destination.id);
    const filtered = await until('the rule filters the other leads', async () => {
      const d = (await b.api('GET', `/api/deliveries/${delivery.id}`)).json;
      return d.status === 'pending' || d.status === 'delivering' ? null : d;
    });
    assert.equal(filtered.status, 'filtered');
  });

  it('follows a destination change whose notification was lost (the periodic comparison)', async () => {
    const destination = (await a.api('GET', '/api/destinations')).json.items[0];
    // Changed behind every instance's back: no NOTIFY, only the version the instances compare.
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      const now = new Date().toISOString();
      await client.query(`UPDATE destinations SET disabled_at = $2, disabled_reason = 'by hand', updated_at = $2 WHERE id = $1`, [destination.id, now]);
    } finally {
      await client.end();
    }
    const quiet = await until('B stops planning deliveries to the destination disabled by hand', async () => {
      const id = await leadThroughB('Keep');
      return (await deliveriesOnB(id, destination.id)).length === 0 ? id : null;
    });
    assert.deepEqual(await deliveriesOnB(quiet, destination.id), []);
  });
});
