import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateSqlite } from './migrate.js';
import { listLeads } from './queries.js';

/** A lead row as migration 13 left it, its document holding `person`. */
function insertLead(db: Database.Database, id: string, person: Record<string, unknown>, lastEventAt: string): void {
  const doc = { id, sourceId: 'src_1', provider: 'praetorian', providerLeadId: id, stage: 'new', person, lastEventAt, firstSeenAt: lastEventAt };
  db.prepare(
    `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, phone, email, search_text, last_event_at, ordering_ts, version, doc)
     VALUES (?, 'src_1', 'praetorian', ?, 'new', ?, NULL, '', ?, ?, 1, ?)`,
  ).run(id, id, typeof person['phone'] === 'string' ? person['phone'] : null, lastEventAt, lastEventAt, JSON.stringify(doc));
}

describe('migration 14: every number of a lead', () => {
  it('backfills lead_phones from the stored documents, and `?phone=` reads it through its index', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, 13);
    insertLead(db, 'lead_a', { phone: '+919820012345', otherPhones: ['+919820054321', '+919820012345'] }, '2026-01-01T00:00:00.000Z');
    insertLead(db, 'lead_b', { phone: '+919820054321' }, '2026-01-02T00:00:00.000Z');
    insertLead(db, 'lead_c', { phone: null, otherPhones: [] }, '2026-01-03T00:00:00.000Z');
    insertLead(db, 'lead_d', { phone: '+919820099999', otherPhones: 'not a list' }, '2026-01-04T00:00:00.000Z');
    assert.deepEqual(migrateSqlite(db), [14]);
    const rows = db.prepare('SELECT lead_id, phone FROM lead_phones ORDER BY lead_id, phone').all();
    assert.deepEqual(rows, [
      { lead_id: 'lead_a', phone: '+919820012345' },
      { lead_id: 'lead_a', phone: '+919820054321' },
      { lead_id: 'lead_b', phone: '+919820054321' },
      { lead_id: 'lead_d', phone: '+919820099999' },
    ]);
    const found = listLeads(db, { phones: ['+919820054321', '+919820012345'], limit: 10 });
    assert.deepEqual(found.items.map((l) => l.id), ['lead_b', 'lead_a']);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM (SELECT DISTINCT lead_id FROM lead_phones WHERE phone IN (?, ?)) AS matched
      CROSS JOIN leads ON leads.id = matched.lead_id ORDER BY last_event_at DESC, id DESC LIMIT 10`).all('a', 'b') as { detail: string }[]).map((r) => r.detail);
    assert.ok(plan.some((d) => d.includes('lead_phones_by_phone')), plan.join('\n'));
    assert.ok(!plan.some((d) => /^SCAN (leads|lead_phones)\b/.test(d)), plan.join('\n'));
    db.close();
  });
});
