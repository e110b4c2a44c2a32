/**
 * `leadhook store copy`: an installation filled through a real SQLite server is copied to a private
 * PostgreSQL schema, verified, and served from there with the same answers; an interrupted copy
 * resumes; a target that holds other data, or a copy that differs, is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import pg from 'pg';
import { HubError } from '../../src/core/errors.js';
import { copyStore, CopyInterrupted } from '../../src/storage/copy/copy-store.js';
import { cli } from '../helpers/cli.js';
import { createTestSchema, PG_SKIP_REASON, postgresReachable, type TestSchema } from '../helpers/postgres.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

const reachable = await postgresReachable();
if (!reachable) console.log(`# skipped test/postgres/store-copy.test.ts: ${PG_SKIP_REASON}`);

/** What the admin API shows of an installation: compared before and after the copy. */
async function snapshot(t: TestServer): Promise<Record<string, unknown>> {
  const shown: Record<string, unknown> = {};
  const get = async (path: string) => {
    const res = await t.api('GET', path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.json)}`);
    shown[path] = res.json;
    return res.json;
  };
  await get('/api/sources');
  const leads = await get('/api/leads?limit=500&isTest=all');
  for (const lead of leads.items) await get(`/api/leads/${lead.id}`);
  const requests = await get('/api/requests?limit=500');
  for (const r of requests.items) await get(`/api/requests/${r.id}`);
  await get('/api/requests?status=rejected&limit=500');
  const deliveries = await get('/api/deliveries?limit=500');
  for (const d of deliveries.items) await get(`/api/deliveries/${d.id}`);
  await get('/api/destinations');
  return shown;
}

describe('leadhook store copy', { skip: !reachable }, () => {
  let dir: string;
  let rx: Receiver;
  let before_: Record<string, unknown>;
  let praetorian: any;
  const schemas: TestSchema[] = [];
  const newSchema = async () => {
    const s = await createTestSchema();
    schemas.push(s);
    return s;
  };
  const sqliteServer = () => startTestServer({ databaseUrl: null, adminToken: null, allowPrivateDestinations: true }, dir);

  before(async () => {
    rx = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'leadhook-copy-'));
    // The installation's generated token file: the copy makes it the database's token.
    writeFileSync(join(dir, 'admin-token'), `${TEST_ADMIN_TOKEN}\n`, { mode: 0o600 });
    const t = await sqliteServer();
    assert.equal((await t.api('POST', '/api/destinations', { name: 'CRM', url: rx.url })).status, 201);
    const anarock = await createSource(t, 'anarock');
    const leadpro = await createSource(t, 'leadpro');
    const casayes = await createSource(t, 'casayes');
    praetorian = await createSource(t, 'praetorian');
    const ok = async (res: Promise<{ status: number; json: any }>) => {
      const r = await res;
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json;
    };
    await ok(t.hook(anarock.webhookPath, { lead_id: 9001, name: 'Asha Copy', phone: '9876500001', country_code: '+91', lead_status: 'Fresh', created_at: 1767000000 }));
    const claims = { event: 'lead.created', data: { id: 424242, full_name: 'Lee Copy', email: 'lee.copy@example.co.uk', phone: '07123456789', type: 'vendor' } };
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(leadpro.secret));
    await ok(t.hook(leadpro.webhookPath, claims, { authorization: `Bearer ${jwt}` }));
    const casa = { CreatedDate: '2026-01-02T03:04:05Z', EntityReference: '857632194-6', EntityType: 'Listing', LeadReference: 'CY-COPY-1', SenderEmail: 'c@example.pt', SenderName: 'Cá Copy', SenderPhone: '919111222', Source: 'CasaYes' };
    await ok(t.hook(casayes.webhookPath, casa, { token: casayes.secret }));
    const batch = [
      { id: 'led_copy_1', created: '2026-01-05T10:00:00Z', data: { first_name: 'Zed', last_name: 'Erase', email: 'zed@example.org', phone: '(334) 555-0143' } },
      { id: 'led_copy_2', created: '2026-01-05T10:01:00Z', data: { first_name: 'Otto', last_name: 'Keep', email: 'otto@example.org' } },
    ];
    const praetorianAnswer = await ok(t.hook(praetorian.webhookPath, batch, { authorization: praetorian.secret }));
    await ok(t.hook(praetorian.webhookPath, batch, { authorization: praetorian.secret })); // a retry: duplicate
    assert.equal((await t.hook(praetorian.webhookPath, batch, { authorization: 'not-the-secret' })).status, 401); // a refusal
    const erased = praetorianAnswer.leads[0].id;
    assert.equal((await t.api('DELETE', `/api/leads/${erased}?erase=personal-data&by=ticket-7`)).status, 200);
    // A new webhook for the erased lead is held.
    await ok(t.hook(praetorian.webhookPath, [{ ...batch[0], data: { ...batch[0]?.data, first_name: 'Zed again' } }], { authorization: praetorian.secret }));
    await eventually(async () => {
      const d = (await t.api('GET', '/api/deliveries?limit=500')).json;
      return d.items.length >= 5 && d.items.every((x: any) => x.status === 'succeeded');
    }, 15_000, 'every delivery succeeded');
    before_ = await snapshot(t);
    await t.close({ keepData: true });
  });
  after(async () => {
    await rx?.close();
    for (const s of schemas) await s.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to copy while a server runs on the data directory', async () => {
    const schema = await newSchema();
    const t = await sqliteServer();
    try {
      await assert.rejects(copyStore({ from: dir, to: schema.url }), (e: unknown) => e instanceof HubError && e.code === 'LH_E_STORE_COPY_SOURCE' && /server is running/.test(e.message));
    } finally {
      await t.close({ keepData: true });
    }
  });

  it('copies every table through the CLI, verifies it, and a server on PostgreSQL answers as the SQLite one did', async () => {
    const schema = await newSchema();
    const run = await cli(['store', 'copy', '--from', dir, '--to', schema.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Verified: every table matches/);
    for (const table of ['requests', 'leads', 'lead_erasures', 'held_requests', 'webhook_refusals', 'deliveries', 'delivery_attempts', 'settings']) {
      assert.match(run.stdout, new RegExp(`^${table}\\s+[1-9]\\d*\\s+[1-9]\\d*\\s+[0-9a-f]{16}\\s+ok$`, 'm'), `${table} copied and verified:\n${run.stdout}`);
    }
    assert.match(run.stderr, /copying requests .*\(100%\)/, 'progress lines on stderr');

    // The token file became the database's token: a server with no token configured accepts it.
    const t = await startTestServer({ databaseUrl: schema.url, adminToken: null, allowPrivateDestinations: true }, mkdtempSync(join(tmpdir(), 'leadhook-copy-pg-')));
    try {
      assert.deepEqual(await snapshot(t), before_);
      // The source URL still takes webhooks; the new event is delivered after the copied ones.
      const sent = await t.hook(praetorian.webhookPath, [{ id: 'led_copy_3', created: '2026-01-06T10:00:00Z', data: { first_name: 'New', email: 'new@example.org' } }], {
        authorization: praetorian.secret,
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.json));
      const delivered = rx.received.length;
      await rx.waitFor((r) => r.length > delivered);
      const deliveries = (await t.api('GET', '/api/deliveries?limit=500')).json.items;
      assert.equal(deliveries.length, (before_['/api/deliveries?limit=500'] as any).items.length + 1);
      assert.equal(deliveries[0].leadId, sent.json.leads[0].id, 'the newest delivery lists first: its seq continues after the copied ones');
    } finally {
      await t.close();
    }
  });

  it('resumes an interrupted copy where it stopped, then refuses to copy into the filled target again', async () => {
    const schema = await newSchema();
    await assert.rejects(copyStore({ from: dir, to: schema.url, batchRows: 2, stopAfterBatches: 3 }), CopyInterrupted);
    const report = await copyStore({ from: dir, to: schema.url, batchRows: 2 });
    assert.equal(report.ok, true, JSON.stringify(report.tables));
    assert.equal(report.resumed, true);
    const total = report.tables.reduce((n, t) => n + t.sourceRows, 0);
    assert.equal(report.rowsCopiedNow, total - 6, 'the 3 committed batches of 2 rows were not copied again');
    await assert.rejects(copyStore({ from: dir, to: schema.url }), (e: unknown) => e instanceof HubError && e.code === 'LH_E_STORE_COPY_TARGET_NOT_EMPTY' && /sources: 4 rows/.test(e.message));
  });

  it('exits 1 naming the table whose copy differs', async () => {
    const schema = await newSchema();
    await assert.rejects(copyStore({ from: dir, to: schema.url, stopAfterBatches: 1 }), CopyInterrupted);
    // Something else writes to the target between the two runs.
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      await client.query(`UPDATE sources SET name = 'changed behind the copy' WHERE provider = 'anarock'`);
    } finally {
      await client.end();
    }
    const run = await cli(['store', 'copy', '--from', dir, '--to', schema.url]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^sources\s+4\s+4\s+[0-9a-f]{16}\s+DIFFERS$/m);
    assert.match(run.stderr, /LH_E_STORE_COPY_MISMATCH: The copy differs from the source in table sources \(same row count, different content\)/);
  });
});
