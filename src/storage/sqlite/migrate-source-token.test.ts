import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { databaseFile } from '../../server.js';
import { migrateSqlite } from './migrate.js';

/** Source ids as leadhook made them before migration 9: each was its webhook URL too. */
const OLD_ID = 'src_tbjbcwx8ncy232e61rqaj64e17r7w7z3';
const DELETED_ID = 'src_0deleted0000000000000000000000';
const SECRET = 'praetorian-secret-before-9';
const AT = '2025-03-01T10:00:00.000Z';

/** A lead document as leadhook wrote it before migration 9, with a provider number beyond 2^53. */
const LEAD_DOC =
  `{"id":"lead_old1","sourceId":"${OLD_ID}","provider":"praetorian","providerLeadId":"p-1","stage":"new","providerStatus":null,` +
  `"person":{"fullName":"Old Lead","firstName":"Old","lastName":"Lead","email":"old@example.com","emailRaw":"old@example.com","phone":null,"phoneRaw":null},` +
  `"message":null,"attribution":{"channel":null,"source":null,"subSource":null,"placement":null,"pageUrl":null},"assignee":null,` +
  `"providerCreatedAt":null,"firstSeenAt":"${AT}","lastEventAt":"${AT}","lastProviderUpdateAt":null,"version":1,"extra":{"listing":12345678901234567890123}}`;
const EVENT_BODY = `{"type":"lead.created","id":"evt_old1","timestamp":"${AT}","data":{"lead":${LEAD_DOC},"changes":[]}}`;

/** A database as leadhook left it before migration 9: a live and a deleted source, a lead, its request, ledger row, event, a destination and a refusal. */
function writeBefore9(file: string): void {
  const db = new Database(file);
  migrateSqlite(db, 8);
  const source = db.prepare(
    `INSERT INTO sources (id, provider, name, secret, default_country, created_at, updated_at, deleted_at) VALUES (?, 'praetorian', ?, ?, NULL, ?, ?, ?)`,
  );
  source.run(OLD_ID, 'Praetorian US', SECRET, AT, AT, null);
  source.run(DELETED_ID, 'Gone', SECRET, AT, AT, AT);
  db.prepare(
    `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, phone, email, search_text, last_event_at, ordering_ts, version, doc)
     VALUES ('lead_old1', ?, 'praetorian', 'p-1', 'new', NULL, 'old@example.com', 'old lead', ?, ?, 1, ?)`,
  ).run(OLD_ID, AT, AT, LEAD_DOC);
  const items = JSON.stringify({ counts: { total: 1, created: 1, updated: 0, duplicate: 0, stale: 0, quarantined: 0 }, quarantine: { count: 0, kept: 0, reasons: [], otherReasons: { count: 0, firstIndexes: [] } }, items: [{ index: 0, outcome: 'created', leadId: 'lead_old1', providerLeadId: 'p-1', reason: null }] });
  db.prepare(
    `INSERT INTO requests (id, source_id, provider, received_at, status, reason, http_status, content_type, headers, body, body_sha256, auth_payload, items)
     VALUES ('req_old1', ?, 'praetorian', ?, 'accepted', NULL, 200, 'application/json', '{}', ?, 'x', NULL, ?)`,
  ).run(OLD_ID, AT, Buffer.from('[{"id":"p-1"}]'), items);
  db.prepare(`INSERT INTO lead_events (source_id, idempotency_key, lead_id, request_id, outcome) VALUES (?, 'p-1', 'lead_old1', 'req_old1', 'created')`).run(OLD_ID);
  db.prepare(`INSERT INTO events (id, type, lead_id, source_id, created_at, body) VALUES ('evt_old1', 'lead.created', 'lead_old1', ?, ?, ?)`).run(OLD_ID, AT, EVENT_BODY);
  db.prepare(
    `INSERT INTO destinations (id, name, url, events, filter, source_ids, secret, disabled_at, disabled_reason, created_at, updated_at)
     VALUES ('dst_1', 'CRM', 'https://crm.example.com/hook', '["lead.created"]', NULL, ?, 'whsec', ?, 'kept off in this test', ?, ?)`,
  ).run(JSON.stringify(['src_elsewhere', OLD_ID, DELETED_ID]), AT, AT, AT);
  db.prepare(
    `INSERT INTO webhook_refusals (source_id, slot, seq, id, provider, received_at, reason, detail, content_type, headers, headers_omitted, body_size, body_excerpt)
     VALUES (?, 1, 1, 'ref_old1', 'praetorian', ?, 'bad_credentials', 'wrong', NULL, '{}', 0, 2, ?)`,
  ).run(OLD_ID, AT, Buffer.from('[]'));
  db.prepare(`INSERT INTO webhook_refusal_counts (source_id, total, first_at, last_at) VALUES (?, 1, ?, ?)`).run(OLD_ID, AT, AT);
  db.close();
}

/** Every text value of every table that contains `needle`, as `table.column`. */
function textHolding(db: Database.Database, needle: string): string[] {
  const found: string[] = [];
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const table of tables) {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
    for (const column of columns) {
      const hits = db.prepare(`SELECT count(*) FROM "${table}" WHERE typeof("${column}") = 'text' AND instr("${column}", ?) > 0`).pluck().get(needle) as number;
      if (hits > 0) found.push(`${table}.${column}`);
    }
  }
  return found;
}

describe('migration 9: a source id is no longer its webhook URL', () => {
  let dir: string;
  let newId: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadhook-migrate9-'));
    writeBefore9(databaseFile(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each source a new public id, keeps its old id as its URL token, and rewrites every reference, inside JSON too', () => {
    const db = new Database(databaseFile(dir));
    try {
      assert.deepEqual(migrateSqlite(db, 9), [9]);
      const sources = db.prepare('SELECT id, url_token, secret, deleted_at FROM sources ORDER BY name DESC').all() as { id: string; url_token: string; secret: string; deleted_at: string | null }[];
      assert.equal(sources.length, 2);
      const [live, deleted] = sources as [(typeof sources)[0], (typeof sources)[0]];
      assert.equal(live.url_token, OLD_ID);
      assert.equal(deleted.url_token, DELETED_ID);
      assert.equal(deleted.deleted_at, AT);
      for (const s of sources) assert.match(s.id, /^src_[0-9a-f]{26}$/);
      assert.notEqual(live.id, deleted.id);
      newId = live.id;

      // The old ids remain only as URL tokens: no column and no JSON document holds them anywhere else.
      assert.deepEqual(textHolding(db, OLD_ID), ['sources.url_token']);
      assert.deepEqual(textHolding(db, DELETED_ID), ['sources.url_token']);

      const referencing = [['leads', 'source_id'], ['requests', 'source_id'], ['lead_events', 'source_id'], ['events', 'source_id'], ['webhook_refusals', 'source_id'], ['webhook_refusal_counts', 'source_id']] as const;
      for (const [table, column] of referencing) {
        assert.equal(db.prepare(`SELECT ${column} FROM ${table}`).pluck().get(), newId, `${table}.${column}`);
      }
      // Byte for byte the same documents but for the id (a number beyond 2^53 keeps its digits).
      assert.equal(db.prepare('SELECT doc FROM leads').pluck().get(), LEAD_DOC.replace(OLD_ID, newId));
      assert.equal(db.prepare('SELECT body FROM events').pluck().get(), EVENT_BODY.replace(OLD_ID, newId));
      assert.deepEqual(JSON.parse(db.prepare('SELECT source_ids FROM destinations').pluck().get() as string), ['src_elsewhere', newId, deleted.id], 'order kept');
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sources' AND sql IS NOT NULL ORDER BY name").pluck().all();
      assert.deepEqual(indexes, ['sources_by_previous_url_token', 'sources_by_url_token']);
    } finally {
      db.close();
    }
  });

  describe('the migrated database served', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({}, dir);
    });
    after(() => t.close({ keepData: true }));

    it('the old webhook URL still reaches the same source and the same lead, and the source view shows it', async () => {
      const shown = await t.api('GET', `/api/sources/${newId}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.json.webhookPath, `/hooks/${OLD_ID}`);
      const res = await t.hook(`/hooks/${OLD_ID}`, [{ id: 'p-1', data: { first_name: 'Old', email: 'old@example.com', phone: '+1 415 555 0100' } }], { authorization: SECRET });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.leads[0].id, 'lead_old1', 'the existing lead, not a new one');
      const lead = await t.api('GET', '/api/leads/lead_old1');
      assert.equal(lead.json.sourceId, newId);
      const requests = (await t.api('GET', `/api/requests?sourceId=${newId}`)).json.items.map((r: { id: string }) => r.id);
      assert.ok(requests.includes('req_old1') && requests.length === 2, JSON.stringify(requests));
      assert.equal((await t.api('GET', `/api/leads?sourceId=${newId}`)).json.items.length, 1);
      assert.equal((await t.hook(`/hooks/${DELETED_ID}`, [{ id: 'p-2' }], { authorization: SECRET })).status, 404, 'a deleted source stays closed');
      assert.equal((await t.hook(`/hooks/${newId}`, [{ id: 'p-3' }], { authorization: SECRET })).status, 404, 'the public id is no URL');
    });
  });
});
