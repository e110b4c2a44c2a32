-- leadhook schema 4: indexes that keep `GET /api/leads` fast on a store of millions of leads
-- (bench/README.md, "Scale").
--
-- 1. The `q` search: a case-insensitive substring of the name, e-mail, phone or provider lead id,
-- i.e. of the already lower-cased leads.search_text. A trigram FTS5 table answers a substring of 3
-- or more characters from its index instead of reading every lead; src/storage/sqlite/queries.ts
-- decides when to use it and still tests instr() on every row, so the answer is the same either way.
-- External content: the text stays in `leads` only; the index is keyed by the leads rowid. (VACUUM
-- keeps these rowids in current SQLite; should a tool ever renumber them:
-- INSERT INTO leads_fts (leads_fts) VALUES ('rebuild').)
CREATE VIRTUAL TABLE leads_fts USING fts5 (
  search_text,
  content = 'leads',
  content_rowid = 'rowid',
  tokenize = 'trigram'
);

-- Leads whose text is not in leads_fts yet. FTS5 writes its pending terms to disk at every SAVEPOINT,
-- and the write path opens two per lead, so indexing each lead as it is written costs a new index
-- segment per lead (~0.1 ms of CPU). Instead a written lead is queued here, and the write path
-- (apply-ingest.ts) indexes the queue in one statement once it holds enough leads; a `q` search
-- reads the queue too (a few dozen rows at most). Invariant: a lead is either in the queue or
-- indexed, never both.
CREATE TABLE leads_fts_pending (lead_rowid INTEGER PRIMARY KEY);

CREATE TRIGGER leads_fts_after_insert AFTER INSERT ON leads BEGIN
  INSERT OR IGNORE INTO leads_fts_pending (lead_rowid) VALUES (new.rowid);
END;

-- A changed text: take the old one out of the index (unless still queued), and queue the lead.
CREATE TRIGGER leads_fts_after_update AFTER UPDATE OF search_text ON leads
WHEN old.search_text IS NOT new.search_text BEGIN
  INSERT INTO leads_fts (leads_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text
  WHERE NOT EXISTS (SELECT 1 FROM leads_fts_pending WHERE lead_rowid = old.rowid);
  INSERT OR IGNORE INTO leads_fts_pending (lead_rowid) VALUES (new.rowid);
END;

CREATE TRIGGER leads_fts_after_delete AFTER DELETE ON leads BEGIN
  INSERT INTO leads_fts (leads_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text
  WHERE NOT EXISTS (SELECT 1 FROM leads_fts_pending WHERE lead_rowid = old.rowid);
  DELETE FROM leads_fts_pending WHERE lead_rowid = old.rowid;
END;

-- Leads already stored (a database from schema 3) are indexed now, in this migration's transaction.
INSERT INTO leads_fts (leads_fts) VALUES ('rebuild');

-- 2. The source, stage and provider filters, in the list's order (most recently active first): a page
-- is read from the index in order, however few leads match among millions, with no sort.
CREATE INDEX leads_by_source_activity ON leads (source_id, last_event_at DESC, id DESC);
CREATE INDEX leads_by_stage_activity ON leads (stage, last_event_at DESC, id DESC);
CREATE INDEX leads_by_provider_activity ON leads (provider, last_event_at DESC, id DESC);
