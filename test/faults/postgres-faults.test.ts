import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPrivateCluster, privateClusterSkipReason, type PrivateCluster } from '../helpers/pg-cluster.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { fillDisk, mountTmpfs, tmpfsSkipReason, unmountAndRemove } from './support.js';

/**
 * Storage faults of the PostgreSQL store under a real leadhook server, against a private
 * PostgreSQL cluster this file creates (initdb in a temporary folder, its own port), never the
 * shared one: the cluster stopped, crashed and restarted under a stream of webhooks, leadhook's
 * connections killed mid-statement, a statement timeout, and a full disk (the database's
 * tablespace on a small tmpfs, filled). Each time: webhooks get 503 LH_E_STORE_* with Retry-After,
 * GET /health names the fault, leadhook recovers by itself once PostgreSQL is back, and every
 * webhook answered 200 is there at the end.
 */

const skip = privateClusterSkipReason() ?? tmpfsSkipReason();
if (skip !== null) console.log(`# skipped test/faults/postgres-faults.test.ts: ${skip}`);

/** The tmpfs that holds the database's tablespace: template1's copy (~8 MB) and what the tests write. */
const TABLESPACE_BYTES = 48 * 1024 * 1024;
const RECOVERY_MS = 30_000;

interface Answer {
  id: string;
  status: number;
  code: string | null;
  retryAfter: string | null;
}

describe('PostgreSQL storage faults (a private cluster)', { skip: skip ?? false }, () => {
  let cluster: PrivateCluster;
  let tablespaceDir: string | null = null;
  let receiver: Receiver;
  let t: TestServer;
  let source: { id: string; secret: string; webhookPath: string };
  /** Provider lead ids of every webhook answered 200. */
  const acknowledged = new Set<string>();
  let sent = 0;
  /** Errors nobody handled: each would have ended a leadhook process (a pg client's 'error' event, say). */
  const crashes: Error[] = [];
  const onCrash = (error: Error) => void crashes.push(error);

  before(async () => {
    process.on('uncaughtExceptionMonitor', onCrash);
    cluster = await createPrivateCluster();
    tablespaceDir = mountTmpfs(TABLESPACE_BYTES);
    cluster.giveToPostgres(tablespaceDir);
    await cluster.sql(`CREATE TABLESPACE lh_small LOCATION '${tablespaceDir}'`);
    await cluster.sql('CREATE DATABASE leadhook TABLESPACE lh_small');
    receiver = await startReceiver();
    t = await startTestServer({ databaseUrl: cluster.url('leadhook'), allowPrivateDestinations: true });
    source = await createSource(t, 'praetorian');
    assert.equal((await t.api('POST', '/api/destinations', { name: 'CRM', url: receiver.url })).status, 201);
  });

  after(async () => {
    process.off('uncaughtExceptionMonitor', onCrash);
    await t?.close();
    await receiver?.close();
    cluster?.destroy();
    if (tablespaceDir !== null) unmountAndRemove(tablespaceDir);
  });

  /** POST one Praetorian lead with a new id (`messageBytes` of random text) to the instance at `via`; 200s are remembered. */
  async function send(messageBytes = 64, via = t.url): Promise<Answer> {
    const id = `pgf_${++sent}`;
    const message = randomBytes(messageBytes).toString('base64');
    const lead = { id, url: 'https://example.test/form', created: '2024-03-01T10:00:00Z', data: { first_name: 'Fault', last_name: id, email: `${id}@example.com`, message } };
    const res = await fetch(`${via}${source.webhookPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: source.secret },
      body: JSON.stringify([lead]),
      signal: AbortSignal.timeout(RECOVERY_MS),
    });
    const json = (await res.json()) as any;
    if (res.status === 200) acknowledged.add(id);
    return { id, status: res.status, code: json?.error?.code ?? null, retryAfter: res.headers.get('retry-after') };
  }

  async function health(via = t.url): Promise<{ status: number; json: any }> {
    const res = await fetch(`${via}/health`);
    return { status: res.status, json: await res.json() };
  }

  /** Polls GET /health until it reports `fault` (it does from the first refused operation on); its storage part. */
  function healthShows(fault: string, via = t.url): Promise<{ fault: string; message: string }> {
    return eventually(
      async () => {
        const h = await health(via);
        return h.status === 503 && h.json.storage.fault === fault ? h.json.storage : null;
      },
      RECOVERY_MS,
      `GET /health reporting ${fault}`,
    );
  }

  /** Waits, sending a webhook now and then, until one is answered 200 and /health says ok: no restart of leadhook. */
  async function recovered(via = t.url): Promise<void> {
    await eventually(
      async () => {
        const answer = await send(64, via);
        assertContract(answer);
        if (answer.status !== 200) await new Promise((r) => setTimeout(r, 100));
        return answer.status === 200 && (await health(via)).status === 200;
      },
      RECOVERY_MS,
      'leadhook taking webhooks again with /health ok',
    );
    assert.deepEqual(crashes.map(String), [], 'an unhandled error would have ended the leadhook process');
  }

  it('answers 503 with Retry-After while PostgreSQL is stopped, names it on /health, and takes webhooks again once it is started', async () => {
    await cluster.stop('fast');
    for (let i = 0; i < 3; i++) {
      const answer = await send();
      assert.equal(answer.status, 503);
      assert.equal(answer.code, 'LH_E_STORE_UNAVAILABLE');
      assert.equal(answer.retryAfter, '5');
    }
    const h = await health();
    assert.equal(h.status, 503);
    assert.equal(h.json.storage.fault, 'unavailable');
    assert.equal(h.json.storage.code, 'LH_E_STORE_UNAVAILABLE');
    assert.match(h.json.storage.message, /PostgreSQL is unreachable/);
    assert.doesNotMatch(h.json.storage.message, new RegExp(String(cluster.port)));
    await cluster.start();
    await recovered();
  });

  it('loses nothing it acknowledged when PostgreSQL crashes and restarts under a stream of webhooks', async () => {
    const answers: Answer[] = [];
    let running = true;
    const stream = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (running) {
          const answer = await send();
          answers.push(answer);
          if (answer.status !== 200) await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    const count = (from: number, status: number) => answers.slice(from).filter((a) => a.status === status).length;
    try {
      await eventually(async () => count(0, 200) >= 10, RECOVERY_MS, '10 webhooks acknowledged before the crash');
      const crashedAt = answers.length;
      await cluster.stop('immediate');
      await eventually(async () => count(crashedAt, 503) >= 1, RECOVERY_MS, 'a webhook refused while PostgreSQL is down');
      await healthShows('unavailable');
      const startedAt = answers.length;
      await cluster.start();
      await eventually(async () => count(startedAt, 200) >= 10, RECOVERY_MS, '10 webhooks acknowledged after the restart');
    } finally {
      running = false;
      await stream;
    }
    for (const answer of answers) assertContract(answer);
    await recovered();
  });

  it('answers 503 when PostgreSQL terminates its connections mid-statement, and recovers without a restart', async () => {
    const locker = await lockTable('leads');
    try {
      const pending = send();
      await eventually(
        async () => (await cluster.sql("SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'leadhook %' AND wait_event_type = 'Lock'", 'leadhook'))[0]!.rowCount! > 0,
        RECOVERY_MS,
        'a webhook waiting for the lock',
      );
      const watching = healthShows('unavailable');
      const killed = await cluster.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'leadhook %'", 'leadhook');
      assert.ok(killed[0]!.rowCount! > 0);
      const answer = await pending;
      assert.equal(answer.status, 503);
      assert.equal(answer.code, 'LH_E_STORE_UNAVAILABLE');
      assert.equal(answer.retryAfter, '5');
      await watching;
    } finally {
      await locker.release();
    }
    await recovered();
  });

  it('answers 503 naming a statement timeout while a lock holds a write past statement_timeout, and recovers when it is released', async () => {
    // A second instance on the same database whose statements time out after one second (the URL's setting wins).
    const strict = await startTestServer({ databaseUrl: `${cluster.url('leadhook')}?statement_timeout=1000` });
    try {
      const locker = await lockTable('leads');
      try {
        // A timeout episode lasts until the next write commits (the fault probe commits within about
        // a second), so keep webhooks timing out until /health has been seen reporting it.
        const watching = healthShows('timeout', strict.url);
        let seen = false;
        const answers: Answer[] = [];
        const sending = (async () => {
          while (!seen) answers.push(await send(64, strict.url));
        })();
        const shown = await watching.finally(() => (seen = true));
        await sending;
        const [answer] = answers;
        assert.ok(answer !== undefined);
        assert.equal(answer.status, 503);
        assert.equal(answer.code, 'LH_E_STORE_UNAVAILABLE');
        assert.equal(answer.retryAfter, '5');
        for (const a of answers) assert.equal(a.status, 503, 'every write waits on the lock past statement_timeout');
        assert.match(shown.message, /statement timeout/);
      } finally {
        await locker.release();
      }
      await recovered(strict.url);
    } finally {
      await strict.close();
    }
  });

  it("answers 503 LH_E_STORE_FULL while the database's disk is full, says so until space is freed, then recovers by itself", async () => {
    const filler = fillDisk(tablespaceDir!);
    let full: Answer | null = null;
    try {
      for (let i = 0; i < 40 && full === null; i++) {
        const answer = await send(48 * 1024);
        assertContract(answer);
        if (answer.status === 503) full = answer;
      }
      assert.ok(full !== null, 'no webhook was refused on a full disk');
      assert.equal(full.code, 'LH_E_STORE_FULL');
      const h = await health();
      assert.equal(h.status, 503);
      assert.equal(h.json.storage.fault, 'disk_full');
      assert.equal(h.json.storage.code, 'LH_E_STORE_FULL');
      // Still full a moment later: small writes that fit (delivery bookkeeping) do not end the episode.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await health()).json.storage.fault, 'disk_full');
    } finally {
      rmSync(filler, { force: true });
    }
    await recovered();
  });

  it('keeps every webhook it answered 200, once, through all the faults above', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.api('GET', `/api/leads?sourceId=${source.id}&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.items.map((lead: any) => lead.providerLeadId as string));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    assert.ok(acknowledged.size > 20);
    assert.deepEqual(crashes.map(String), []);
    assert.deepEqual(seen.filter((id) => acknowledged.has(id)).sort(), [...acknowledged].sort());
  });

  /** Another connection holding an ACCESS EXCLUSIVE lock on `table` until released. */
  async function lockTable(table: string): Promise<{ release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: cluster.url('leadhook'), application_name: 'leadhook-test-locker' });
    client.on('error', () => {});
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return {
      release: async () => {
        await client.query('ROLLBACK').catch(() => {});
        await client.end().catch(() => {});
      },
    };
  }
});

/** Every answer keeps the contract: 200, or 503 with a storage code and Retry-After (never a 500). */
function assertContract(answer: Answer): void {
  if (answer.status === 200) return;
  assert.equal(answer.status, 503, `webhook ${answer.id} answered ${answer.status} ${answer.code}`);
  assert.match(answer.code ?? '', /^LH_E_STORE_/);
  assert.equal(answer.retryAfter, '5');
}
