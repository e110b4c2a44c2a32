/**
 * The PostgreSQL delivery store with several leadhook instances on one schema: two stores (two
 * pools, two instance ids) claim, complete, expire and wake each other. The single-instance
 * behaviour is the storage contract's (test/contract). Skips with one line when PostgreSQL is not
 * reachable.
 *
 *   LEADHOOK_TEST_DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/test)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/store.js';
import { claim, complete, freshDestinations, leadWithUpdates, plus } from '../contract/delivery-inputs.js';
import { at } from '../contract/inputs.js';

const URL = process.env['LEADHOOK_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `lh_delivery_${process.pid}`;
/** Waits that end when something happens; this bound only turns a hang into a failure. */
const GENEROUS_MS = 20_000;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const unreachable = await admin('SELECT 1').then(
  () => null,
  (error: unknown) => `PostgreSQL not reachable at ${new globalThis.URL(URL).host} (${error instanceof Error ? error.message : String(error)}): start it with pg_ctlcluster 15 main start`,
);

/** Resolves when the store next wakes its workers (deliveries committed); rejects after GENEROUS_MS. */
function nextWake(store: PostgresStore): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no wake-up within ${GENEROUS_MS} ms`)), GENEROUS_MS);
    let done = false;
    store.delivery.onDeliveriesCommitted(() => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('PostgreSQL delivery store, two instances on one database', { skip: unreachable ?? false }, () => {
  let a: PostgresStore;
  let b: PostgresStore;
  before(async () => {
    await admin(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE; CREATE SCHEMA "${SCHEMA}"`);
    // Opened together: the second waits for the first's migrations, then finds nothing to do.
    [a, b] = await Promise.all([
      openPostgresStore({ url: URL, schema: SCHEMA, max: 4, instanceId: 'instance-a' }),
      openPostgresStore({ url: URL, schema: SCHEMA, max: 4, instanceId: 'instance-b' }),
    ]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await admin(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  });

  test('claiming at the same time, they never claim one delivery twice and keep each lead\'s order', async () => {
    const { source } = await freshDestinations(a, [{}, {}]);
    const leads: string[] = [];
    for (let i = 0; i < 12; i++) leads.push(await leadWithUpdates(a, source, i, 2));
    const now = at(1000);
    const claimedBy = new Map<string, string>();
    const order = new Map<string, string[]>(); // destination+lead → its claims, in order (a retried delivery twice)
    const held = new Map<string, string>(); // destination+lead → the delivery claimed and not yet completed
    const violations: string[] = [];
    const attempts = new Map<string, number>();
    const work = async (store: PostgresStore, name: string): Promise<void> => {
      for (let idle = 0; idle < 3; ) {
        const claimed = await claim(store, now, { limit: 3, perDestination: 2 });
        if (claimed.length === 0) {
          idle++;
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        idle = 0;
        for (const c of claimed) {
          const d = c.delivery;
          const key = `${d.destinationId}/${d.leadId}`;
          if (held.has(key)) violations.push(`${name} claimed ${d.id} while ${held.get(key)} of its lead was in flight`);
          held.set(key, d.id);
          const n = (attempts.get(d.id) ?? 0) + 1;
          attempts.set(d.id, n);
          claimedBy.set(d.id, name);
          order.set(key, [...(order.get(key) ?? []), d.id]);
        }
        await Promise.all(
          claimed.map(async (c) => {
            held.delete(`${c.delivery.destinationId}/${c.delivery.leadId}`);
            // Every other delivery fails once first: it is due again at once and must still come before its lead's next one.
            const retry = (attempts.get(c.delivery.id) ?? 0) === 1 && c.delivery.id.charCodeAt(c.delivery.id.length - 1) % 2 === 0;
            await complete(store, c.delivery.id, retry ? { kind: 'retry', after: now } : { kind: 'delivered' }, now);
          }),
        );
      }
    };
    await Promise.all([work(a, 'a'), work(b, 'b')]);
    assert.deepEqual(violations, []);
    const all = (await a.delivery.listDeliveries({ limit: 500 })).items.filter((d) => leads.includes(d.leadId));
    assert.equal(all.length, 12 * 3 * 2, 'three events per lead, two destinations');
    assert.ok(all.every((d) => d.status === 'succeeded'), 'every delivery delivered');
    assert.ok(new Set(claimedBy.values()).size === 2, 'both instances took part');
    for (const [key, claims] of order) {
      const [destinationId, leadId] = key.split('/') as [string, string];
      const created = all.filter((d) => d.destinationId === destinationId && d.leadId === leadId).reverse().map((d) => d.id);
      // A retried delivery is claimed again before its lead's next one: nothing in between.
      assert.deepEqual(claims.filter((id, i) => id !== claims[i - 1]), created, `lead ${leadId} claimed in order`);
    }
  });

  test("a dead instance's claims wait for their lease, then the other instance takes them over", async () => {
    const { source, destinations } = await freshDestinations(a, [{}]);
    const lead = await leadWithUpdates(a, source, 0, 1);
    const now = at(2000);
    const taken = await claim(a, now); // a claims the lead's first delivery, then dies
    assert.equal(taken.length, 1);
    const first = taken[0]!.delivery.id;

    assert.deepEqual(await claim(b, now), [], 'held by a: neither it nor the lead\'s next delivery is b\'s to take');
    assert.equal(await b.delivery.releaseClaims(now), 0, 'b starting up does not release a\'s claims');
    assert.equal(await b.delivery.requeueExpiredClaims(plus(now, 0.5)), 0, 'the lease still runs');
    assert.equal(await b.delivery.requeueExpiredClaims(plus(now, 2)), 1, 'the lease ran out');
    const takenOver = await claim(b, plus(now, 2));
    assert.deepEqual(takenOver.map((c) => c.delivery.id), [first], 'b sends the lead\'s first delivery first');

    // a comes back late with an outcome: the claim is b's now, so it is not recorded.
    await complete(a, first, { kind: 'delivered' }, plus(now, 3));
    assert.equal((await b.delivery.getDelivery(first))?.status, 'delivering');
    await complete(b, first, { kind: 'delivered' }, plus(now, 3));
    const done = await b.delivery.getDelivery(first);
    assert.equal(done?.status, 'succeeded');
    assert.deepEqual(done?.attempts.map((x) => x.attemptNumber), [1]);
    const next = await claim(b, plus(now, 3));
    assert.equal(next.length, 1);
    assert.equal(next[0]!.delivery.leadId, lead);
    assert.equal(next[0]!.delivery.destinationId, destinations[0]!.id);
    await complete(b, next[0]!.delivery.id, { kind: 'delivered' }, plus(now, 3));
  });

  test('deliveries committed through one instance wake the other, also after its LISTEN connection was killed', async () => {
    const { source } = await freshDestinations(a, [{}]);
    const woken = nextWake(b);
    await b.delivery.whenListening();
    await leadWithUpdates(a, source, 0);
    await woken;

    // Kill b's LISTEN connection: it reconnects and looks for what it may have missed, then hears a again.
    const reconnected = nextWake(b);
    await admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query = 'LISTEN "leadhook_deliveries_' || left(md5('${SCHEMA}'), 16) || '"'`,
    );
    await reconnected;
    const wokenAgain = nextWake(b);
    await b.delivery.whenListening();
    await leadWithUpdates(a, source, 1);
    await wokenAgain;
    // Drain what these tests queued, so that nothing is left claimed.
    for (const c of await claim(b, at(3000))) await complete(b, c.delivery.id, { kind: 'delivered' }, at(3000));
  });

  test('a store shared by several instances says so: the delivery service then releases no claim at startup', () => {
    assert.equal(a.delivery.isSingleProcess, false);
  });
});
