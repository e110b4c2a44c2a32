import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateSqlite } from './migrate.js';

const DIR = fileURLToPath(new URL('../../../migrations/sqlite/', import.meta.url));

/** A database as leadhook left it before migration 6, with one delivery of each old status. */
function before6(): Database.Database {
  const db = new Database(':memory:');
  for (const f of readdirSync(DIR).filter((f) => /^000[1-5]_/.test(f)).sort()) db.exec(readFileSync(join(DIR, f), 'utf8'));
  db.pragma('user_version = 5');
  const insert = db.prepare(
    `INSERT INTO deliveries (id, event_id, destination_id, lead_id, status, attempts, created_at, updated_at)
     VALUES (?, 'evt_1', 'dst_1', 'lead_1', ?, 0, 'now', 'now')`,
  );
  for (const [i, status] of ['pending', 'delivering', 'succeeded', 'failed'].entries()) insert.run(`dlv_${i}`, status);
  db.prepare("DELETE FROM deliveries WHERE id = 'dlv_3'").run(); // the sequence is now ahead of max(seq)
  return db;
}

describe('migration 6: filtered deliveries', () => {
  it('keeps every delivery and the sequence, and allows the filtered status', () => {
    const db = before6();
    assert.deepEqual(migrateSqlite(db, 6), [6]);
    const rows = db.prepare('SELECT seq, id, status FROM deliveries ORDER BY seq').all();
    assert.deepEqual(rows, [
      { seq: 1, id: 'dlv_0', status: 'pending' },
      { seq: 2, id: 'dlv_1', status: 'delivering' },
      { seq: 3, id: 'dlv_2', status: 'succeeded' },
    ]);
    db.prepare(`INSERT INTO deliveries (id, event_id, destination_id, lead_id, status, created_at, updated_at) VALUES ('dlv_new', 'e', 'd', 'l', 'filtered', 'now', 'now')`).run();
    assert.equal((db.prepare("SELECT seq FROM deliveries WHERE id = 'dlv_new'").get() as { seq: number }).seq, 5, 'no seq is reused');
    assert.throws(() => db.prepare(`UPDATE deliveries SET status = 'lost' WHERE id = 'dlv_0'`).run(), /CHECK constraint failed/);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(indexes, ['deliveries_by_destination', 'deliveries_by_lead', 'deliveries_claimable', 'deliveries_claimed', 'deliveries_failed', 'deliveries_filtered', 'deliveries_per_lead']);
    db.close();
  });
});
