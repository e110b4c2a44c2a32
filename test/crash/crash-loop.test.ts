/**
 * SIGKILL crash suite: leadhook loses nothing it acknowledged, applies nothing by halves, and
 * delivers every event it committed, whatever moment it is killed at.
 *
 * `node bin/leadhook.js serve` runs as a real child process on one data directory. Each cycle starts
 * it, posts unique leads from all four providers (plus Anarock update snapshots of earlier leads and
 * byte-exact retries of earlier requests) over several keep-alive connections, and SIGKILLs it after
 * a random delay. After the last cycle it is started once more, deliveries drain to a real receiver
 * in this process, it is stopped with SIGTERM, and the admin API and the SQLite file are checked.
 *
 *   node --import tsx --test test/crash/crash-loop.test.ts
 *
 *   LEADHOOK_CRASH_CYCLES=100   cycles to run (default 20; 100 for the full run)
 *   LEADHOOK_CRASH_SEED=<n>     replay a run: the seed (printed at the start) fixes every kill delay
 *                               and the sequence of payload choices; which requests are in flight at
 *                               the kill still depends on timing
 *   LEADHOOK_CRASH_KEEP=1       keep the data directory (it is always kept when the suite fails)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { CrashPayloads, PROVIDERS, prng, sendWebhook, type CrashSource, type Provider, type SentWebhook } from '../helpers/crash-load.js';
import { eventually, startReceiver, type Received } from '../helpers/receiver.js';

const CYCLES = Number(process.env['LEADHOOK_CRASH_CYCLES'] ?? 20);
const SEED = Number(process.env['LEADHOOK_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONNECTIONS = 8;
/** Kill delay after the server answers /healthz, ms: uniform in [MIN, MIN + SPAN). */
const KILL_MIN_MS = 150;
const KILL_SPAN_MS = 1350;

const CHILD_ENV = {
  LEADHOOK_ALLOW_PRIVATE_DESTINATIONS: '1',
  LEADHOOK_RETRY_SCHEDULE: '0,50ms,100ms,200ms',
  LEADHOOK_DELIVERY_TIMEOUT_MS: '5000',
  LEADHOOK_LOG_LEVEL: 'warn',
};

/** One webhook request the load generator sent in a cycle, and what came back. */
type Sent = SentWebhook & { cycle: number };

interface WebhookLead {
  id: string;
  providerLeadId: string;
  outcome: string;
}

/** Unique leads for every provider, Anarock update snapshots and retries of earlier requests (crash-load.ts builds them). */
class LoadGenerator {
  readonly sent: Sent[] = [];
  private readonly payloads: CrashPayloads;

  constructor(
    sources: Record<Provider, CrashSource>,
    private readonly random: () => number,
    runTag: string,
  ) {
    this.payloads = new CrashPayloads(sources, random, runTag);
  }

  async next(cycle: number): Promise<Sent> {
    const r = this.random();
    let webhook: SentWebhook;
    if (r < 0.1 && this.sent.length > 0) webhook = this.payloads.retryOf(this.sent[Math.floor(this.random() * this.sent.length)] as Sent);
    else webhook = (r < 0.25 ? this.payloads.updates(1)?.[0] : undefined) ?? (await this.payloads.fresh());
    const s: Sent = { ...webhook, cycle };
    this.sent.push(s);
    return s;
  }
}

/** Run the load over CONNECTIONS connections until `stop()` is called; every request's fate is recorded. */
function runLoad(gen: LoadGenerator, child: ChildServer, cycle: number): { stop(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let stopped = false;
  const workers = Array.from({ length: CONNECTIONS }, async () => {
    while (!stopped) {
      const s = await gen.next(cycle);
      if (stopped) {
        // The child may be dead by now, and another test's server may already hold its port.
        s.error = 'not sent: the load stopped';
        break;
      }
      await sendWebhook(agent, child.port, s);
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

test(`a SIGKILLed leadhook loses no acknowledged lead, half-applies nothing and delivers every event (${CYCLES} cycles)`, { timeout: CYCLES * 20_000 + 180_000 }, async (t) => {
  const started = Date.now();
  console.log(`crash suite: seed ${SEED} (replay with LEADHOOK_CRASH_SEED=${SEED}), ${CYCLES} cycles`);
  const killRandom = prng(SEED);
  const loadRandom = prng(SEED ^ 0x5bd1e995);
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-crash-'));
  const receiver = await startReceiver();
  let child: ChildServer | null = null;
  let ok = false;
  try {
    const start = async () => (child = await startChildServer({ dataDir, env: CHILD_ENV }));

    // Setup: one source per provider and one destination for every event type.
    let c = await start();
    const sources = {} as Record<Provider, CrashSource>;
    for (const provider of PROVIDERS) {
      const res = await c.api('POST', '/api/sources', { provider, name: `${provider} crash` });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      sources[provider] = res.json;
    }
    const dest = await c.api('POST', '/api/destinations', { name: 'crash receiver', url: receiver.url });
    assert.equal(dest.status, 201, JSON.stringify(dest.json));
    // Verified on arrival: standardwebhooks also checks that webhook-timestamp is within 5 minutes.
    const webhook = new Webhook(dest.json.secret);
    const badSignatures: string[] = [];
    receiver.setResponder((r, _n, res) => {
      try {
        webhook.verify(r.body, r.headers as Record<string, string>);
      } catch (error) {
        badSignatures.push(`${String(r.headers['webhook-id'])}: ${String(error)}`);
      }
      res.writeHead(200).end('ok');
    });
    const gen = new LoadGenerator(sources, loadRandom, `s${SEED}`);

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      if (cycle > 1) c = await start();
      const load = runLoad(gen, c, cycle);
      await new Promise((r) => setTimeout(r, KILL_MIN_MS + Math.floor(killRandom() * KILL_SPAN_MS)));
      const killed = c.kill('SIGKILL'); // the signal is sent before this returns
      await load.stop(); // sends nothing more: what was in flight fails with the connection
      const exit = await killed;
      assert.equal(exit?.signal, 'SIGKILL', `cycle ${cycle}: the server had already exited:\n${c.output()}`);
    }
    const loadEnded = Date.now();

    // Start once more and let every delivery drain.
    c = await start();
    const final = c;
    await eventually(
      async () => {
        for (const status of ['pending', 'delivering']) {
          const res = await final.api('GET', `/api/deliveries?status=${status}&limit=1`);
          if (res.status !== 200 || res.json.items.length > 0) return false;
        }
        return true;
      },
      120_000,
      'every delivery sent',
    );
    const failed = await final.api('GET', '/api/deliveries?status=failed&limit=5');
    assert.deepEqual(failed.json.items, [], 'no delivery gave up');

    const acked = gen.sent.filter((s) => s.status === 200);
    const unanswered = gen.sent.filter((s) => s.status === undefined);
    const refused = gen.sent.filter((s) => s.status !== undefined && s.status !== 200);
    assert.deepEqual(
      refused.map((s) => `${s.status} ${JSON.stringify(s.json)}`),
      [],
      'every answer the server gave was a 200 (the load only sends valid, authenticated payloads)',
    );
    assert.ok(acked.length > 0, 'some requests were acknowledged');

    // Through the admin API, for a sample of the acknowledged requests.
    const sampleRandom = prng(SEED + 1);
    for (let i = 0; i < Math.min(40, acked.length); i++) {
      const s = acked[Math.floor(sampleRandom() * acked.length)] as Sent;
      const stored = await final.api('GET', `/api/requests/${s.json.requestId}`);
      assert.equal(stored.status, 200, `request ${s.json.requestId} is stored`);
      assert.equal(stored.json.body, s.body, 'with its exact body');
      for (const l of s.json.leads as WebhookLead[]) {
        const found = await final.api('GET', `/api/leads?sourceId=${s.sourceId}&q=${encodeURIComponent(l.providerLeadId)}&limit=500`);
        const same = (found.json.items as any[]).filter((x) => x.providerLeadId === l.providerLeadId);
        assert.deepEqual(same.map((x) => x.id), [l.id], `${s.provider} lead ${l.providerLeadId} exists once, as the answer said`);
        const lead = await final.api('GET', `/api/leads/${l.id}`);
        assert.ok((lead.json.timeline as any[]).some((e) => e.kind === 'created' || e.kind === 'first_received'), `lead ${l.id} has its arrival entry`);
      }
    }

    // 1. Every acknowledged request is stored, with the outcome it was answered with, and each lead it
    //    named is the one lead of that provider id in that source (read through the admin API).
    const leadsByProviderId = new Map<string, string[]>();
    let leadCursor: string | null = null;
    do {
      const page = await final.api('GET', `/api/leads?isTest=all&limit=500${leadCursor === null ? '' : `&cursor=${encodeURIComponent(leadCursor)}`}`);
      assert.equal(page.status, 200, JSON.stringify(page.json));
      for (const l of page.json.items as { id: string; sourceId: string; providerLeadId: string }[]) {
        const key = `${l.sourceId} ${l.providerLeadId}`;
        leadsByProviderId.set(key, [...(leadsByProviderId.get(key) ?? []), l.id]);
      }
      leadCursor = page.json.nextCursor;
    } while (leadCursor !== null);
    assert.deepEqual([...leadsByProviderId].filter(([, ids]) => ids.length > 1), [], 'no duplicate leads');
    assert.deepEqual((await final.api('GET', '/api/requests?status=quarantined&limit=5')).json.items, [], 'nothing quarantined');
    const requestIds = new Set<string>();
    for (const s of acked) {
      assert.ok(!requestIds.has(s.json.requestId), `request id ${s.json.requestId} answered once`);
      requestIds.add(s.json.requestId);
    }
    const checkStored = async (s: Sent) => {
      const requestId: string = s.json.requestId;
      const stored = await final.api('GET', `/api/requests/${requestId}`);
      assert.equal(stored.status, 200, `acknowledged request ${requestId} (${s.provider}, cycle ${s.cycle}) is stored`);
      // Small batches keep every item's outcome.
      const items = stored.json.items as { leadId: string | null; providerLeadId: string; outcome: string }[];
      const answered = (s.json.leads as WebhookLead[]).map((l) => [l.id, l.providerLeadId, l.outcome]);
      assert.deepEqual(items.map((i) => [i.leadId, i.providerLeadId, i.outcome]), answered, `request ${requestId} is stored with the answered outcomes`);
      assert.deepEqual((s.json.leads as WebhookLead[]).map((l) => l.providerLeadId), s.providerLeadIds, 'the answer names the leads sent');
      assert.ok(['accepted', 'duplicate'].includes(stored.json.status), `request ${requestId} status ${stored.json.status}`);
      for (const l of s.json.leads as WebhookLead[]) {
        assert.deepEqual(leadsByProviderId.get(`${s.sourceId} ${l.providerLeadId}`), [l.id], `${s.provider} lead ${l.providerLeadId} exists exactly once, as ${l.id}`);
      }
    };
    for (let i = 0; i < acked.length; i += CONNECTIONS) await Promise.all(acked.slice(i, i + CONNECTIONS).map(checkStored));

    await c.kill('SIGTERM');
    const exit = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r('still running 60 s after SIGTERM'), 60_000).unref())]);
    assert.deepEqual(exit, { code: 0, signal: null }, `the final SIGTERM drains and exits 0:\n${c.output()}`);
    child = null;

    // The SQLite file, read-only, after the server stopped.
    const db = new Database(join(dataDir, 'leadhook.db'), { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const all = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[];

      // 2. Nothing half-applied: requests, lead events, leads, timeline, events and deliveries agree.
      //    These read the SQLite file on purpose: the idempotency ledger (lead_events), the links between
      //    tables and the stored event bytes are what a crash could leave half-written, and the API
      //    shows none of them whole. (1. is checked through the admin API, above.)
      assert.deepEqual(
        all(
          `SELECT r.id, j.value AS item FROM requests r, json_each(r.items, '$.items') j
           WHERE json_extract(j.value, '$.leadId') IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = json_extract(j.value, '$.leadId'))`,
        ),
        [],
        'every lead a stored request names exists',
      );
      assert.deepEqual(
        all(
          `SELECT r.id, j.value AS item FROM requests r, json_each(r.items, '$.items') j
           WHERE json_extract(j.value, '$.outcome') IN ('created', 'updated', 'stale')
             AND NOT EXISTS (SELECT 1 FROM lead_events e WHERE e.request_id = r.id AND e.lead_id = json_extract(j.value, '$.leadId')
                             AND e.outcome = json_extract(j.value, '$.outcome'))`,
        ),
        [],
        'every item a stored request applied has its lead event',
      );
      assert.deepEqual(
        all(
          `SELECT r.id, r.status, r.items FROM requests r
           WHERE (r.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM json_each(r.items, '$.items') j WHERE json_extract(j.value, '$.outcome') IN ('created', 'updated', 'stale')))
              OR (r.status = 'duplicate' AND EXISTS (SELECT 1 FROM json_each(r.items, '$.items') j WHERE json_extract(j.value, '$.outcome') != 'duplicate'))`,
        ),
        [],
        "every request's status matches its items",
      );
      assert.deepEqual(
        all('SELECT e.* FROM lead_events e WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = e.request_id) OR NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = e.lead_id)'),
        [],
        'every lead event belongs to a stored request and an existing lead',
      );
      assert.deepEqual(
        all(
          `SELECT l.id, l.version,
                  (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id AND e.outcome = 'created') AS created,
                  (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id AND e.outcome IN ('created', 'updated')) AS applied,
                  (SELECT count(*) FROM timeline t WHERE t.lead_id = l.id AND t.kind IN ('created', 'first_received')) AS createdEntries
           FROM leads l
           WHERE created != 1 OR applied != l.version OR createdEntries != 1`,
        ),
        [],
        'every lead was created by exactly one stored request, its version counts its applied events, and it has one arrival entry (created or first_received)',
      );
      assert.deepEqual(
        all('SELECT t.id FROM timeline t WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = t.lead_id) OR NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = t.request_id)'),
        [],
        'every timeline entry belongs to an existing lead and a stored request',
      );
      assert.deepEqual(
        all(
          `SELECT l.id,
                  (SELECT count(*) FROM events v WHERE v.lead_id = l.id) AS events,
                  (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id AND e.outcome IN ('created', 'updated')) AS applied
           FROM leads l WHERE events != applied`,
        ),
        [],
        'every applied change has exactly one event (one destination takes every type), and no event lacks its change',
      );
      assert.deepEqual(all('SELECT v.id FROM events v WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = v.lead_id)'), [], 'every event refers to an existing lead');
      assert.deepEqual(
        all(
          `SELECT v.id, (SELECT count(*) FROM deliveries d WHERE d.event_id = v.id) AS n FROM events v WHERE n != 1
           UNION ALL
           SELECT d.id, 0 FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events v WHERE v.id = d.event_id AND v.lead_id = d.lead_id)`,
        ),
        [],
        'every event has its one delivery, and every delivery its event and lead',
      );
      assert.deepEqual(
        all(
          `SELECT d.id, d.status FROM deliveries d
           WHERE d.status != 'succeeded'
              OR NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.status_code BETWEEN 200 AND 299)`,
        ),
        [],
        'every delivery succeeded, with its successful attempt recorded',
      );
      assert.deepEqual(all('SELECT a.id FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)'), [], 'every attempt belongs to a delivery');

      // 3. The receiver got every event at least once; every copy of one event carried the same
      //    webhook-id and bytes (stable across restarts), and every signature verifies.
      const events = new Map((all<{ id: string; body: string }>('SELECT id, body FROM events')).map((e) => [e.id, e.body]));
      const byId = new Map<string, Received[]>();
      for (const r of receiver.received) {
        const id = String(r.headers['webhook-id']);
        assert.equal(r.headers['idempotency-key'], id, 'idempotency-key is the webhook-id');
        assert.equal(r.json?.id, id, 'the event id in the body is the webhook-id');
        assert.equal(events.get(id), r.body, `delivery ${id} carried the stored event, byte for byte`);
        byId.set(id, [...(byId.get(id) ?? []), r]);
      }
      assert.deepEqual(badSignatures, [], 'every signature verified');
      const undelivered = [...events.keys()].filter((id) => !byId.has(id));
      assert.deepEqual(undelivered, [], 'every committed event reached the receiver');

      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const redelivered = [...byId.values()].filter((copies) => copies.length > 1).length;
      const figures = {
        seed: SEED,
        cycles: CYCLES,
        requestsSent: gen.sent.length,
        acknowledged: acked.length,
        unanswered: unanswered.length,
        outcomes: acked.flatMap((s) => (s.json.leads as WebhookLead[]).map((l) => l.outcome)).reduce<Record<string, number>>((o, k) => ((o[k] = (o[k] ?? 0) + 1), o), {}),
        storedRequests: count('SELECT count(*) AS n FROM requests'),
        storedButUnanswered: count('SELECT count(*) AS n FROM requests') - acked.length,
        leads: count('SELECT count(*) AS n FROM leads'),
        events: events.size,
        deliveriesReceived: receiver.received.length,
        eventsDeliveredMoreThanOnce: redelivered,
        loadSeconds: Math.round((loadEnded - started) / 100) / 10,
        totalSeconds: Math.round((Date.now() - started) / 100) / 10,
      };
      t.diagnostic(`crash suite figures: ${JSON.stringify(figures)}`);
    } finally {
      db.close();
    }
    ok = true;
  } finally {
    const running = child as ChildServer | null;
    if (running !== null) await running.kill('SIGKILL');
    await receiver.close();
    if (ok && process.env['LEADHOOK_CRASH_KEEP'] !== '1') rmSync(dataDir, { recursive: true, force: true });
    else console.log(`crash suite: data kept in ${dataDir} (seed ${SEED})`);
  }
});
