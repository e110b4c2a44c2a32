import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { databaseFile } from '../../src/server.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/test-store.js';

/** An Anarock snapshot of lead `i`; a later `at` (epoch s) makes it an update of the same lead. */
function snapshot(i: number, name: string, at: number): Record<string, unknown> {
  return {
    lead_id: 700_000 + i,
    name,
    country_code: '+91',
    phone: `98${55_000_000 + i}`,
    email: `buyer.${i}@example.in`,
    lead_status: 'New',
    notes: [{ note_type: 'text', data: 'called', created_at: at, note_id: 900_000 + i }],
  };
}

/** Leads written, more than the write path queues before it adds them to the `q` index (64). */
const LEADS = 150;

describe('searching leads with q', () => {
  let t: TestServer;
  let source: { webhookPath: string };
  const ids: string[] = [];

  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'anarock');
    for (let i = 0; i < LEADS; i++) {
      const res = await t.hook(source.webhookPath, snapshot(i, `Person${i} Zed`, 1_700_000_000));
      assert.equal(res.status, 200);
      ids.push(res.json.leads[0].id);
    }
  });
  after(() => t.close());

  const search = async (q: string): Promise<string[]> => {
    const res = await t.api('GET', `/api/leads?q=${encodeURIComponent(q)}&limit=500`);
    assert.equal(res.status, 200, q);
    return res.json.items.map((l: { id: string }) => l.id);
  };

  it('finds each lead by a substring of its name, e-mail, phone or lead id, the oldest and the newest alike', async () => {
    for (const i of [0, 70, LEADS - 1]) {
      assert.deepEqual(await search(`PERSON${i} zed`), [ids[i]], `name of lead ${i}`);
      assert.deepEqual(await search(`buyer.${i}@`), [ids[i]], `e-mail of lead ${i}`);
      assert.deepEqual(await search(`+9198${55_000_000 + i}`), [ids[i]], `phone of lead ${i}`);
      assert.deepEqual(await search(String(700_000 + i)), [ids[i]], `lead id of lead ${i}`);
    }
    assert.equal((await search('zed')).length, LEADS);
    assert.deepEqual((await search('ed')).sort(), [...ids].sort(), 'a text shorter than 3 characters finds the same leads');
    assert.deepEqual(await search('nobody-by-this-name'), []);
  });

  it('finds a renamed lead by its new name only', async () => {
    for (const i of [1, LEADS - 2]) {
      const res = await t.hook(source.webhookPath, snapshot(i, `Renamed${i} Quux`, 1_700_000_100));
      assert.equal(res.json.leads[0].outcome, 'updated');
      assert.deepEqual(await search(`renamed${i} quux`), [ids[i]]);
      assert.deepEqual(await search(`person${i} zed`), []);
    }
    assert.equal((await search('zed')).length, LEADS - 2);
  });

  it('answers the same after a restart, and the search index matches the leads table', async () => {
    const dataDir = t.dataDir;
    await t.close({ keepData: true });
    if (TEST_STORE === 'sqlite') {
      // FTS5 checks every indexed entry against the leads' current text (throws SQLITE_CORRUPT_VTAB if not).
      // PostgreSQL's trigram index is part of the leads table: nothing separate to check.
      const db = new Database(databaseFile(dataDir));
      try {
        db.prepare("INSERT INTO leads_fts (leads_fts) VALUES ('integrity-check')").run();
      } finally {
        db.close();
      }
    }
    t = await startTestServer({}, dataDir);
    assert.deepEqual(await search(`renamed${LEADS - 2} quux`), [ids[LEADS - 2]]);
    assert.deepEqual(await search(`person${LEADS - 1} zed`), [ids[LEADS - 1]]);
    assert.equal((await search('zed')).length, LEADS - 2);
  });
});
