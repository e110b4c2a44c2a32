import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { receiveWebhook } from '../../src/ingest/receive-webhook.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrate.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';

/** Post an Anarock snapshot as if received at `at` (the route takes the clock's time; this is the same code with the clock injected). */
async function receiveAt(t: TestServer, webhookPath: string, at: string, body: Record<string, unknown>): Promise<string> {
  const out = await receiveWebhook(t.server.store, {
    urlToken: webhookPath.replace(/^\/hooks\//, ''),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    receivedAt: new Date(at),
  });
  assert.equal(out.statusCode, 200, JSON.stringify(out.body));
  return (out.body as { leads: { id: string }[] }).leads[0]!.id;
}

const ids = (res: { json: { items: { id: string }[] } }) => res.json.items.map((l) => l.id).sort();

describe('lead lists filtered by date, in LEADHOOK_TIMEZONE', () => {
  let t: TestServer;
  const lead: Record<string, string> = {};

  before(async () => {
    t = await startTestServer({ timeZone: 'Asia/Kolkata' });
    const src = await createSource(t, 'anarock');
    const snapshot = (id: number, status: string) => ({ lead_id: id, name: `Lead ${id}`, lead_status: status, project_name: 'Sea Breeze Towers', city: 'Pune' });
    // 23:30 UTC on 30 November is 05:00 on 1 December in Kolkata (UTC+05:30).
    lead['a'] = await receiveAt(t, src.webhookPath, '2026-11-30T23:30:00.000Z', snapshot(1, 'New'));
    lead['b'] = await receiveAt(t, src.webhookPath, '2026-11-30T18:00:00.000Z', snapshot(2, 'New'));
    lead['c'] = await receiveAt(t, src.webhookPath, '2026-12-01T19:00:00.000Z', snapshot(3, 'New'));
    await receiveAt(t, src.webhookPath, '2026-12-03T10:00:00.000Z', snapshot(1, 'Interested'));
  });
  after(() => t.close());

  it('reads a plain date as that whole day in the configured zone: 23:30 UTC on 30 Nov is on 1 Dec in Asia/Kolkata', async () => {
    assert.deepEqual(ids(await t.api('GET', '/api/leads?firstSeenSince=2026-12-01&firstSeenUntil=2026-12-01')), [lead['a']]);
    assert.deepEqual(ids(await t.api('GET', '/api/leads?firstSeenUntil=2026-11-30')), [lead['b']]);
    assert.deepEqual(ids(await t.api('GET', '/api/leads?firstSeenSince=2026-12-02')), [lead['c']]);
  });

  it('takes full ISO times as the instants they name, both bounds included', async () => {
    const utcDay = await t.api('GET', '/api/leads?firstSeenSince=2026-12-01T00:00:00Z&firstSeenUntil=2026-12-01T23:59:59.999Z');
    assert.deepEqual(ids(utcDay), [lead['c']]);
    assert.deepEqual(ids(await t.api('GET', `/api/leads?firstSeenSince=${encodeURIComponent('2026-12-01T05:00:00+05:30')}&firstSeenUntil=2026-11-30T23:30:00Z`)), [lead['a']]);
  });

  it('filters on last activity separately from first sighting', async () => {
    assert.deepEqual(ids(await t.api('GET', '/api/leads?lastActivitySince=2026-12-03')), [lead['a']]);
    assert.deepEqual(ids(await t.api('GET', '/api/leads?firstSeenUntil=2026-12-01&lastActivityUntil=2026-12-02')), [lead['b']]);
  });

  it('answers a bad date with a 400 naming the parameter and the accepted formats', async () => {
    for (const [query, field] of [
      ['firstSeenSince=2026-13-01', 'firstSeenSince'],
      ['lastActivityUntil=yesterday', 'lastActivityUntil'],
      ['firstSeenUntil=2026-02-29', 'firstSeenUntil'],
    ] as const) {
      const res = await t.api('GET', `/api/leads?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.json.error.code, 'LH_E_VALIDATION');
      assert.ok(res.json.error.message.startsWith(`${field} `), res.json.error.message);
      assert.match(res.json.error.message, /YYYY-MM-DD \(a day in Asia\/Kolkata\)/);
    }
    const reversed = await t.api('GET', '/api/leads?firstSeenSince=2026-12-02&firstSeenUntil=2026-12-01');
    assert.equal(reversed.status, 400);
    assert.match(reversed.json.error.message, /firstSeenSince .* is after firstSeenUntil/);
  });

  it('finds leads by the project and city their provider sent', async () => {
    assert.equal((await t.api('GET', '/api/leads?q=breeze towers')).json.items.length, 3);
    assert.equal((await t.api('GET', '/api/leads?q=PUNE')).json.items.length, 3);
  });
});

describe('the q search over kept provider fields', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('finds a CasaYes lead by its listing reference', async () => {
    const src = await createSource(t, 'casayes');
    const res = await t.hook(
      src.webhookPath,
      { LeadReference: 'CY-1', EntityReference: '857632194-6', EntityPublicId: 'A3bT7Y2xL6w', EntityType: 'Listing', SenderName: 'Ana', Source: 'CasaYes' },
      { token: src.secret },
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(ids(await t.api('GET', '/api/leads?q=857632194')), [res.json.leads[0].id]);
    assert.deepEqual(ids(await t.api('GET', '/api/leads?q=a3bt7y2xl6w')), [res.json.leads[0].id]);
  });
});

describe('migration 10', () => {
  it('recomputes the search text of leads stored before, so their project finds them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadhook-m10-'));
    const db = new Database(join(dir, 'db.sqlite'));
    try {
      migrateSqlite(db, 9);
      const doc = { id: 'lead_old', sourceId: 'src_x', provider: 'anarock', providerLeadId: '9', person: { fullName: 'Old Lead' }, extra: { project_name: 'Harbour View' }, firstSeenAt: '2025-01-01T00:00:00.000Z' };
      db.prepare(
        `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, search_text, last_event_at, ordering_ts, version, doc)
         VALUES ('lead_old', 'src_x', 'anarock', '9', 'new', 'old lead\n9', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 1, ?)`,
      ).run(JSON.stringify(doc));
      assert.deepEqual(migrateSqlite(db).includes(10), true);
      const row = db.prepare("SELECT search_text, first_seen_at FROM leads WHERE id = 'lead_old'").get() as { search_text: string; first_seen_at: string };
      assert.equal(row.search_text, 'old lead\n9\nharbour view');
      assert.equal(row.first_seen_at, '2025-01-01T00:00:00.000Z');
      const found = db.prepare(`SELECT count(*) FROM leads_fts WHERE leads_fts MATCH '"harbour"'`).pluck().get();
      assert.equal(found, 1, 'the trigram index was rebuilt with the new text');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
