/**
 * Multi-instance crash suite: three `leadhook serve` processes on one PostgreSQL database lose
 * nothing they acknowledged, apply nothing twice or by halves, and deliver every event they
 * committed, in per-lead order, whichever instance took the webhook and whichever died.
 *
 * The three instances start together on an empty schema (they migrate once). A client spreads
 * webhooks of all four providers across the live instances over several keep-alive connections:
 * unique leads, byte-exact retries (some sent to two instances at the same moment), and pairs of
 * Anarock snapshots of one lead sent to two instances at the same moment. Each cycle SIGKILLs a random
 * instance after a random delay and starts it again without waiting (so later kills happen while
 * another instance is still starting). The dead instances' claims are left to their leases: a trigger
 * in the test's schema records every claim that goes back to `pending`, and none may go back before
 * its lease ran out. Afterwards every delivery drains to a receiver in this process, and the admin API
 * and the schema are checked.
 *
 * A second test runs the three instances on a private PostgreSQL cluster (never the shared one) and
 * crashes and restarts that cluster under load (`pg_ctl stop -m immediate`, then start): leadhook
 * answers 503 meanwhile and recovers by itself.
 *
 *   node --import tsx --test test/crash/multi-instance.test.ts
 *
 *   LEADHOOK_CRASH_CYCLES=100   instance kills (default 20)
 *   LEADHOOK_CRASH_SEED=<n>     replay a run: the seed (printed at the start) fixes every kill delay,
 *                               victim and payload choice; what is in flight at a kill still depends on timing
 *   LEADHOOK_CRASH_KEEP=1       keep the schema on the shared server (kept when the suite fails)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { anarockStatus, CrashPayloads, prng, PROVIDERS, sendWebhook, type CrashSource, type Provider, type SentWebhook } from '../helpers/crash-load.js';
import { createPrivateCluster, privateClusterSkipReason, type PrivateCluster } from '../helpers/pg-cluster.js';
import { createTestSchema, PG_SKIP_REASON, postgresReachable } from '../helpers/postgres.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

const CYCLES = Number(process.env['LEADHOOK_CRASH_CYCLES'] ?? 20);
const SEED = Number(process.env['LEADHOOK_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const KEEP = process.env['LEADHOOK_CRASH_KEEP'] === '1';
const INSTANCES = 3;
/** Load connections; each sends one request, or a pair to two instances at the same moment, at a time. */
const CONNECTIONS = 6;
/** Kill delay after the previous kill, ms: uniform in [MIN, MIN + SPAN); every third cycle kills at once. */
const KILL_MIN_MS = 150;
const KILL_SPAN_MS = 700;

/**
 * The delivery timeout sets the lease (2 × timeout + 30 s, src/delivery/worker.ts): a dead instance's
 * claims are taken over about 32 s after its last claim. Enough retries that nothing gives up.
 */
const DELIVERY_ENV = {
  LEADHOOK_ALLOW_PRIVATE_DESTINATIONS: '1',
  LEADHOOK_RETRY_SCHEDULE: '0,50ms,100ms,200ms,400ms,800ms,1s,1s,2s,2s,2s,2s',
  LEADHOOK_DELIVERY_TIMEOUT_MS: '1000',
  LEADHOOK_LOG_LEVEL: 'warn',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WebhookLead {
  id: string;
  providerLeadId: string;
  outcome: string;
}

/** One instance's place: its process while it runs, and the keep-alive agent the load uses for it. */
interface Slot {
  child: ChildServer | null;
  agent: Agent | null;
  starting: Promise<void> | null;
  dataDir: string;
}

/** Three `leadhook serve` processes on one database, each restartable. */
class Fleet {
  readonly slots: Slot[];
  readonly outputs: string[] = [];

  constructor(private readonly databaseUrl: string) {
    this.slots = Array.from({ length: INSTANCES }, () => ({ child: null, agent: null, starting: null, dataDir: mkdtempSync(join(tmpdir(), 'leadhook-multi-')) }));
  }

  /** Start instance `i` (in the background: `starting` settles once it answers /healthz). */
  start(i: number): Promise<void> {
    const slot = this.slots[i] as Slot;
    slot.starting = startChildServer({ dataDir: slot.dataDir, env: { ...DELIVERY_ENV, LEADHOOK_DATABASE_URL: this.databaseUrl } }).then((child) => {
      slot.child = child;
      slot.agent = new Agent({ keepAlive: true, maxSockets: 2 * CONNECTIONS });
      slot.starting = null;
    });
    return slot.starting;
  }

  /** The instances answering now. */
  live(): number[] {
    return this.slots.flatMap((s, i) => (s.child !== null && !s.child.hasExited() ? [i] : []));
  }

  isStarting(): boolean {
    return this.slots.some((s) => s.starting !== null);
  }

  /** SIGKILL instance `i`; what it had in flight fails with its connections. */
  async kill(i: number): Promise<void> {
    const slot = this.slots[i] as Slot;
    const child = slot.child as ChildServer;
    slot.child = null;
    const exit = await child.kill('SIGKILL');
    slot.agent?.destroy();
    slot.agent = null;
    this.outputs.push(child.output());
    assert.equal(exit?.signal, 'SIGKILL', `instance ${i} had already exited:\n${child.output()}`);
  }

  /** Wait for the instances being started. */
  async settle(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.starting));
  }

  /** Any live instance, for the admin API. */
  any(): ChildServer {
    const i = this.live()[0];
    assert.ok(i !== undefined, 'an instance is running');
    return (this.slots[i] as Slot).child as ChildServer;
  }

  /** SIGTERM every instance: each drains and exits 0. */
  async stop(): Promise<void> {
    await this.settle().catch(() => {});
    await Promise.all(
      this.slots.map(async (slot, i) => {
        const child = slot.child;
        if (child === null) return;
        slot.child = null;
        slot.agent?.destroy();
        await child.kill('SIGTERM');
        const exit = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('still running 60 s after SIGTERM'), 60_000).unref())]);
        assert.deepEqual(exit, { code: 0, signal: null }, `instance ${i}: SIGTERM drains and exits 0:\n${child.output()}`);
      }),
    );
  }

  /** Kill what still runs and remove the data directories (they hold nothing with PostgreSQL). */
  async destroy(): Promise<void> {
    await this.settle().catch(() => {});
    await Promise.all(this.slots.map((s) => s.child?.kill('SIGKILL')));
    for (const s of this.slots) {
      s.agent?.destroy();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
}

/** Sends webhooks to the live instances until stopped; every request and its fate is kept in `sent`. */
class Load {
  readonly sent: SentWebhook[] = [];
  /** Requests sent to two instances at the same moment (same bytes, or two snapshots of one lead). */
  readonly pairs: [SentWebhook, SentWebhook][] = [];
  private stopped = false;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly fleet: Fleet,
    private readonly payloads: CrashPayloads,
    private readonly random: () => number,
  ) {
    this.workers = Array.from({ length: CONNECTIONS }, () => this.work());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async next(): Promise<SentWebhook[]> {
    const r = this.random();
    if (r < 0.08 && this.sent.length > 0) return [this.payloads.retryOf(this.sent[Math.floor(this.random() * this.sent.length)] as SentWebhook)];
    if (r < 0.16) {
      const fresh = await this.payloads.fresh();
      return [fresh, this.payloads.retryOf(fresh)];
    }
    if (r < 0.3) return this.payloads.updates(r < 0.24 ? 2 : 1) ?? [await this.payloads.fresh()];
    return [await this.payloads.fresh()];
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const live = this.fleet.live();
      if (live.length === 0) {
        await sleep(20);
        continue;
      }
      const batch = await this.next();
      this.sent.push(...batch);
      if (batch.length === 2) this.pairs.push(batch as [SentWebhook, SentWebhook]);
      // Distinct instances for a pair while two are live.
      const first = Math.floor(this.random() * live.length);
      await Promise.all(
        batch.map((s, k) => {
          const i = live[(first + k) % live.length] as number;
          const slot = this.fleet.slots[i] as Slot;
          if (slot.child === null || slot.agent === null) {
            s.error = 'instance gone before sending';
            return;
          }
          s.instance = i;
          return sendWebhook(slot.agent, slot.child.port, s);
        }),
      );
    }
  }
}

/** Records, in the schema, every claim that went back to `pending`: a peer may only take it once its lease ran out. */
const CLAIM_LOG_SQL = `
  CREATE TABLE test_released_claims (delivery_id text, claimed_by text, claimed_until text, released_at text, released_by text);
  CREATE FUNCTION test_log_released_claim() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    -- Each instance's connections are named "leadhook <instance id>" (application_name).
    INSERT INTO test_released_claims VALUES (OLD.id, OLD.claimed_by, OLD.claimed_until, NEW.updated_at, current_setting('application_name'));
    RETURN NEW;
  END $$;
  CREATE TRIGGER test_log_released_claim AFTER UPDATE ON deliveries FOR EACH ROW
    WHEN (OLD.status = 'delivering' AND NEW.status = 'pending') EXECUTE FUNCTION test_log_released_claim();`;

/** Run `sql` on a connection of its own. */
async function oneQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface RunOptions {
  databaseUrl: string;
  cycles: number;
  /** Run under load after the kill cycles (the private cluster's crash and restart); 503 storage faults are then allowed answers. */
  disrupt?: () => Promise<void>;
}

/** Start the fleet, run the load through the kills (and the disruption), drain, and check everything. */
async function crashRun(t: TestContext, o: RunOptions): Promise<void> {
  const started = Date.now();
  const killRandom = prng(SEED);
  const payloadRandom = prng(SEED ^ 0x5bd1e995);
  const fleet = new Fleet(o.databaseUrl);
  const receiver = await startReceiver();
  // Connected after the load: a storage crash would break a connection opened before.
  const db = new pg.Client({ connectionString: o.databaseUrl });
  db.on('error', () => {});
  let load: Load | null = null;
  try {
    // Together on an empty schema: the migrations run once, under their advisory lock.
    await Promise.all(fleet.slots.map((_, i) => fleet.start(i)));
    const admin = fleet.any();
    const sources = {} as Record<Provider, CrashSource>;
    for (const provider of PROVIDERS) {
      const res = await admin.api('POST', '/api/sources', { provider, name: `${provider} multi` });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      sources[provider] = res.json;
    }
    const dest = await admin.api('POST', '/api/destinations', { name: 'multi receiver', url: receiver.url });
    assert.equal(dest.status, 201, JSON.stringify(dest.json));
    const badSignatures = verifyingResponder(receiver, dest.json.secret as string);
    // The others load destinations at start: restart them now rather than rely on change notifications.
    await Promise.all(fleet.live().filter((i) => fleet.slots[i]?.child !== admin).map((i) => fleet.kill(i).then(() => fleet.start(i))));
    if (o.disrupt === undefined) await oneQuery(o.databaseUrl, CLAIM_LOG_SQL);

    load = new Load(fleet, new CrashPayloads(sources, payloadRandom, `m${SEED}`), payloadRandom);
    let killsWhileStarting = 0;
    for (let cycle = 1; cycle <= o.cycles; cycle++) {
      await sleep(cycle % 3 === 0 ? 0 : KILL_MIN_MS + Math.floor(killRandom() * KILL_SPAN_MS));
      // Keep one instance answering: wait for a start if the victim would be the last one up.
      while (fleet.live().length < 2) await Promise.race(fleet.slots.map((s) => s.starting).filter((s) => s !== null));
      const live = fleet.live();
      const victim = live[Math.floor(killRandom() * live.length)] as number;
      if (fleet.isStarting()) killsWhileStarting++;
      await fleet.kill(victim);
      void fleet.start(victim).catch(() => {}); // awaited by settle(), which rethrows
    }
    if (o.disrupt !== undefined) {
      await sleep(800);
      await o.disrupt();
      // Recovered by itself: webhooks are acknowledged again (no instance restarted), then some more load.
      const mark = load.sent.length;
      await eventually(async () => load?.sent.slice(mark).some((s) => s.status === 200), 60_000, 'webhooks acknowledged again after PostgreSQL came back');
      await sleep(1000);
    }
    await fleet.settle();
    await sleep(500); // every instance takes load once more
    await load.stop();
    const loadEnded = Date.now();
    await db.connect();

    // Drain: a dead instance's claims come back when their leases run out.
    await eventually(
      async () => {
        const n = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'delivering')");
        return n.rows[0]?.n === 0;
      },
      120_000,
      'every delivery sent',
    ).catch(async (error: unknown) => {
      const open = await db.query("SELECT status, claimed_by, claimed_until, next_attempt_at, attempts, now()::text AS now FROM deliveries WHERE status IN ('pending', 'delivering') ORDER BY seq LIMIT 5");
      const logs = fleet.slots.map((s, i) => `instance ${i}:\n${s.child?.output().slice(-3000) ?? '(not running)'}`).join('\n');
      throw new Error(`${String(error)}; still open: ${JSON.stringify(open.rows)}\n${logs}`);
    });
    const drained = Date.now();
    await checkAnswers(load, fleet.any(), o.disrupt !== undefined);
    await fleet.stop();
    await checkSchema(db, load);
    const order = checkDeliveries(await db.query<{ id: string; lead_id: string; body: string }>('SELECT id, lead_id, body FROM events ORDER BY seq'), receiver, o.disrupt === undefined);
    assert.deepEqual(badSignatures, [], 'every signature verified');

    const figures: Record<string, unknown> = {
      seed: SEED,
      cycles: o.cycles,
      killsWhileAnotherStarting: killsWhileStarting,
      requestsSent: load.sent.length,
      acknowledged: load.sent.filter((s) => s.status === 200).length,
      unanswered: load.sent.filter((s) => s.status === undefined).length,
      refusedDuringFault: load.sent.filter((s) => s.status !== undefined && s.status !== 200).length,
      pairsAtTheSameMoment: load.pairs.length,
      ...order,
      loadSeconds: Math.round((loadEnded - started) / 100) / 10,
      drainSeconds: Math.round((drained - loadEnded) / 100) / 10,
      totalSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    if (o.disrupt === undefined) {
      // 4. A claim goes back to pending before its lease ran out only by its own instance (after a
      // storage fault, or at its stop): never by a peer, restarting or not.
      const released = (await db.query<{ delivery_id: string; claimed_by: string; claimed_until: string; released_at: string; released_by: string }>('SELECT * FROM test_released_claims')).rows;
      const early = released.filter((r) => r.claimed_until >= r.released_at);
      assert.deepEqual(
        early.filter((r) => r.released_by !== `leadhook ${r.claimed_by}`),
        [],
        'no claim went back to pending before its lease ran out, but by the instance holding it',
      );
      figures['claimsTakenOver'] = released.length - early.length;
      figures['claimsReleasedByTheirHolder'] = early.length;
      if (o.cycles >= 3) assert.ok(killsWhileStarting > 0, 'some kills happened while another instance was starting');
    }
    t.diagnostic(`multi-instance figures: ${JSON.stringify(figures)}`);
  } catch (error) {
    console.log(`multi-instance suite failed (seed ${SEED}); output of the killed instances:\n${fleet.outputs.join('\n').slice(-6000)}`);
    throw error;
  } finally {
    await load?.stop();
    await fleet.destroy();
    await receiver.close();
    await db.end().catch(() => {});
  }
}

/** The receiver checks every signature on arrival (standardwebhooks also checks the timestamp) and answers 200 after up to 20 ms. */
function verifyingResponder(receiver: Receiver, secret: string): string[] {
  const webhook = new Webhook(secret);
  const bad: string[] = [];
  receiver.setResponder((r, _n, res) => {
    try {
      webhook.verify(r.body, r.headers as Record<string, string>);
    } catch (error) {
      bad.push(`${String(r.headers['webhook-id'])}: ${String(error)}`);
    }
    setTimeout(() => res.writeHead(200).end('ok'), Math.floor(Math.random() * 20));
  });
  return bad;
}

/**
 * 1. What the client was told: every answer a 200 (or, during a storage fault, a 503 with
 *    Retry-After); all copies of one request name the same leads, and at most one copy applied each;
 *    every acknowledged request is stored with the outcomes it was answered with (admin API).
 */
async function checkAnswers(load: Load, api: ChildServer, faultAllowed: boolean): Promise<void> {
  const acked = load.sent.filter((s) => s.status === 200);
  assert.ok(acked.length > 0, 'some requests were acknowledged');
  const refused = load.sent.filter((s) => s.status !== undefined && s.status !== 200);
  assert.deepEqual(
    refused.filter((s) => !(faultAllowed && s.status === 503 && String(s.json?.error?.code).startsWith('LH_E_STORE_') && s.retryAfter !== undefined)).map((s) => `${s.status} ${JSON.stringify(s.json)}`),
    [],
    faultAllowed ? 'every answer was a 200, or a 503 storage fault while PostgreSQL was down' : 'every answer was a 200 (the load sends only valid, authenticated webhooks)',
  );
  const copies = new Map<string, SentWebhook[]>();
  for (const s of acked) copies.set(`${s.sourceId}\n${s.body}`, [...(copies.get(`${s.sourceId}\n${s.body}`) ?? []), s]);
  for (const same of copies.values()) {
    const first = same[0] as SentWebhook;
    const leads = (s: SentWebhook) => (s.json.leads as WebhookLead[]).map((l) => [l.providerLeadId, l.id]);
    for (const s of same) assert.deepEqual(leads(s), leads(first), `every copy of one ${first.provider} request names the same leads`);
    for (let k = 0; k < first.providerLeadIds.length; k++) {
      const applied = same.filter((s) => (s.json.leads as WebhookLead[])[k]?.outcome !== 'duplicate');
      assert.ok(applied.length <= 1, `one copy at most applied ${first.provider} lead ${first.providerLeadIds[k]}: ${JSON.stringify(same.map((s) => s.json))}`);
    }
  }
  for (const [a, b] of load.pairs) {
    if (a.status !== 200 || b.status !== 200) continue;
    assert.deepEqual(
      (a.json.leads as WebhookLead[]).map((l) => l.id),
      (b.json.leads as WebhookLead[]).map((l) => l.id),
      'a lead sent to two instances at the same moment is one lead',
    );
  }
  const check = async (s: SentWebhook) => {
    const stored = await api.api('GET', `/api/requests/${s.json.requestId}`);
    assert.equal(stored.status, 200, `acknowledged request ${s.json.requestId} is stored`);
    assert.equal(stored.json.body, s.body, 'with its exact body');
    const items = stored.json.items as { leadId: string | null; providerLeadId: string; outcome: string }[];
    assert.deepEqual(
      items.map((i) => [i.leadId, i.providerLeadId, i.outcome]),
      (s.json.leads as WebhookLead[]).map((l) => [l.id, l.providerLeadId, l.outcome]),
      `request ${s.json.requestId} is stored with the answered outcomes`,
    );
  };
  for (let i = 0; i < acked.length; i += 16) await Promise.all(acked.slice(i, i + 16).map(check));
}

/**
 * 2. The schema after the instances stopped: every acknowledged lead present once; nothing half-applied
 *    (requests, ledger, leads, timeline, events and deliveries agree); every delivery succeeded; and
 *    each Anarock lead is at its newest stored snapshot (no late or concurrent copy rolled it back).
 *    These read the tables on purpose: the ledger and the links between tables are what two
 *    instances could leave inconsistent, and the API shows none of them whole.
 */
async function checkSchema(db: pg.Client, load: Load): Promise<void> {
  const rows = async (sql: string) => (await db.query(sql)).rows;
  const leads = new Map((await rows('SELECT id, source_id, provider_lead_id, version, doc FROM leads')).map((l) => [`${l.source_id}\n${l.provider_lead_id}`, l]));
  for (const s of load.sent.filter((x) => x.status === 200)) {
    for (const l of s.json.leads as WebhookLead[]) {
      assert.equal(leads.get(`${s.sourceId}\n${l.providerLeadId}`)?.id, l.id, `acknowledged ${s.provider} lead ${l.providerLeadId} is stored, as ${l.id}`);
    }
  }
  const items = `requests r CROSS JOIN LATERAL jsonb_array_elements((r.items::jsonb) -> 'items') AS j(item)`;
  const none = async (sql: string, what: string) => assert.deepEqual(await rows(sql), [], what);
  await none(`SELECT r.id, j.item FROM ${items} WHERE j.item ->> 'leadId' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = j.item ->> 'leadId')`, 'every lead a stored request names exists');
  await none(
    `SELECT r.id, j.item FROM ${items} WHERE j.item ->> 'outcome' IN ('created', 'updated', 'stale')
       AND NOT EXISTS (SELECT 1 FROM lead_events e WHERE e.request_id = r.id AND e.lead_id = j.item ->> 'leadId' AND e.outcome = j.item ->> 'outcome')`,
    'every item a stored request applied has its ledger entry',
  );
  await none(
    `SELECT r.id, r.status FROM requests r WHERE
       (r.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM ${items.replace('requests r CROSS JOIN LATERAL', '')} WHERE j.item ->> 'outcome' IN ('created', 'updated', 'stale')))
       OR (r.status = 'duplicate' AND EXISTS (SELECT 1 FROM ${items.replace('requests r CROSS JOIN LATERAL', '')} WHERE j.item ->> 'outcome' <> 'duplicate'))`,
    "every request's status matches its items",
  );
  await none(
    'SELECT e.* FROM lead_events e WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = e.request_id) OR NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = e.lead_id)',
    'every ledger entry belongs to a stored request and an existing lead',
  );
  await none(
    `SELECT * FROM (SELECT l.id, l.version,
        (SELECT count(*)::int FROM lead_events e WHERE e.lead_id = l.id AND e.outcome = 'created') AS created,
        (SELECT count(*)::int FROM lead_events e WHERE e.lead_id = l.id AND e.outcome IN ('created', 'updated')) AS applied,
        (SELECT count(*)::int FROM timeline t WHERE t.lead_id = l.id AND t.kind IN ('created', 'first_received')) AS arrivals
      FROM leads l) x WHERE created <> 1 OR applied <> version OR arrivals <> 1`,
    'every lead was created by one request, its version counts its applied changes, and it has one arrival entry',
  );
  await none(
    'SELECT t.id FROM timeline t WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = t.lead_id) OR NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = t.request_id)',
    'every timeline entry belongs to an existing lead and a stored request',
  );
  await none(
    `SELECT * FROM (SELECT l.id, (SELECT count(*)::int FROM events v WHERE v.lead_id = l.id) AS events,
        (SELECT count(*)::int FROM lead_events e WHERE e.lead_id = l.id AND e.outcome IN ('created', 'updated')) AS applied FROM leads l) x
      WHERE events <> applied`,
    'every applied change has exactly one event, and no event lacks its change',
  );
  await none(
    `SELECT v.id FROM events v WHERE (SELECT count(*) FROM deliveries d WHERE d.event_id = v.id AND d.lead_id = v.lead_id) <> 1
     UNION ALL SELECT d.id FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events v WHERE v.id = d.event_id)`,
    'every event has its one delivery, and every delivery its event',
  );
  await none(
    `SELECT d.id, d.status FROM deliveries d WHERE d.status <> 'succeeded'
       OR NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.status_code BETWEEN 200 AND 299)`,
    'every delivery succeeded, with its successful attempt recorded',
  );
  // Anarock: the lead holds the newest snapshot any stored request carried.
  const newest = new Map<string, number>();
  for (const r of await rows(`SELECT source_id, convert_from(body, 'UTF8') AS body FROM requests WHERE provider = 'anarock'`)) {
    const body = JSON.parse(r.body as string) as { lead_id: number; notes: unknown[] };
    const key = `${r.source_id}\n${body.lead_id}`;
    newest.set(key, Math.max(newest.get(key) ?? 0, body.notes.length));
  }
  for (const [key, step] of newest) {
    const lead = leads.get(key);
    assert.equal(lead === undefined ? undefined : JSON.parse(lead.doc).providerStatus, anarockStatus(step), `Anarock lead ${key.split('\n')[1]} is at its newest snapshot (step ${step})`);
  }
}

/**
 * 3. At the receiver: every committed event at least once, every copy with the event's id as its
 *    webhook-id and the stored bytes; per lead, each event first arrived after the one before it
 *    first arrived; `strict` (no storage crash): and after its last copy, so a lead's earlier event
 *    never arrives again once a later one has.
 */
function checkDeliveries(events: pg.QueryResult<{ id: string; lead_id: string; body: string }>, receiver: Receiver, strict: boolean): Record<string, number> {
  const arrivals = new Map<string, number[]>();
  receiver.received.forEach((r, n) => {
    const id = String(r.headers['webhook-id']);
    assert.equal(r.json?.id, id, 'the event id in the body is the webhook-id');
    arrivals.set(id, [...(arrivals.get(id) ?? []), n]);
  });
  const byLead = new Map<string, string[]>();
  for (const e of events.rows) {
    const copies = arrivals.get(e.id);
    assert.ok(copies !== undefined, `event ${e.id} reached the receiver`);
    for (const n of copies) assert.equal(receiver.received[n]?.body, e.body, `every copy of ${e.id} carried the stored event, byte for byte`);
    byLead.set(e.lead_id, [...(byLead.get(e.lead_id) ?? []), e.id]);
  }
  for (const [leadId, ids] of byLead) {
    for (let k = 1; k < ids.length; k++) {
      const before = arrivals.get(ids[k - 1] as string) as number[];
      const after = arrivals.get(ids[k] as string) as number[];
      assert.ok((before[0] as number) < (after[0] as number), `lead ${leadId}: event ${ids[k - 1]} first arrived before ${ids[k]}`);
      if (strict) assert.ok((before.at(-1) as number) < (after[0] as number), `lead ${leadId}: event ${ids[k - 1]} never arrived again after ${ids[k]}`);
    }
  }
  return {
    events: events.rows.length,
    leadsWithSeveralEvents: [...byLead.values()].filter((ids) => ids.length > 1).length,
    deliveriesReceived: receiver.received.length,
    eventsDeliveredMoreThanOnce: [...arrivals.values()].filter((n) => n.length > 1).length,
  };
}

// The two run side by side: the private cluster's run fits in the first one's wait for the leases.
describe('multi-instance crash suite', { concurrency: 2 }, () => {
  test(`three instances on one PostgreSQL database, one SIGKILLed at a time under load, lose no acknowledged lead, apply each once and deliver every event in per-lead order (${CYCLES} cycles)`, { timeout: CYCLES * 10_000 + 240_000 }, async (t) => {
    if (!(await postgresReachable())) return t.skip(PG_SKIP_REASON);
    console.log(`multi-instance crash suite: seed ${SEED} (replay with LEADHOOK_CRASH_SEED=${SEED}), ${CYCLES} cycles`);
    const schema = await createTestSchema();
    let ok = false;
    try {
      await crashRun(t, { databaseUrl: schema.url, cycles: CYCLES });
      ok = true;
    } finally {
      if (ok && !KEEP) await schema.drop();
      else console.log(`multi-instance crash suite: schema ${schema.schema} kept (seed ${SEED})`);
    }
  });

  test('three instances ride out a crash and restart of their PostgreSQL cluster under load: 503 meanwhile, nothing acknowledged lost, every event delivered', { timeout: 240_000 }, async (t) => {
    const reason = privateClusterSkipReason();
    if (reason !== null) return t.skip(`a private PostgreSQL cluster ${reason}`);
    let cluster: PrivateCluster | null = null;
    try {
      cluster = await createPrivateCluster();
      const pgCluster = cluster;
      await crashRun(t, {
        databaseUrl: pgCluster.url('postgres'),
        cycles: 0,
        disrupt: async () => {
          await pgCluster.stop('immediate');
          await sleep(1500); // the load meets PostgreSQL down
          await pgCluster.start();
        },
      });
    } finally {
      // Also at exit (pg-cluster.ts): a private postmaster never outlives the test process.
      cluster?.destroy();
    }
  });
});
