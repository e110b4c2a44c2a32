-- leadhook schema 10: lead date filters, the `q` search over kept provider fields, and erasure of a
-- person's personal data.

-- 1. Date filters. `last_event_at` has its index (leads_by_activity); the first-seen time is read from
-- the document, so an index on it costs no change to the write path.
ALTER TABLE leads ADD COLUMN first_seen_at TEXT GENERATED ALWAYS AS (json_extract(doc, '$.firstSeenAt')) VIRTUAL;
CREATE INDEX leads_by_first_seen ON leads (first_seen_at, id);

-- 2. The search text now also holds the project, city and listing fields a provider keeps in `extra`
-- (src/providers/listing-fields.ts). Leads stored before get theirs now: leadhook_search_text() is
-- src/storage/sqlite/rows.ts searchText(), registered by migrate.ts. The trigram index is then built
-- again from the new texts, and the queue of leads waiting for it is empty.
UPDATE leads SET search_text = leadhook_search_text(doc);
DELETE FROM leads_fts_pending;
INSERT INTO leads_fts (leads_fts) VALUES ('rebuild');

-- 3. Which stored requests carry a lead (every applied, stale, duplicate or held item), so that an
-- erasure finds every raw body holding the person's data. Filled from the idempotency ledger and the
-- items the requests recorded.
CREATE TABLE lead_requests (
  lead_id    TEXT NOT NULL,
  request_id TEXT NOT NULL,
  PRIMARY KEY (lead_id, request_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO lead_requests (lead_id, request_id) SELECT lead_id, request_id FROM lead_events;
INSERT OR IGNORE INTO lead_requests (lead_id, request_id)
  SELECT j.value ->> 'leadId', r.id
  FROM requests r, json_each(r.items, CASE json_type(r.items) WHEN 'array' THEN '$' ELSE '$.items' END) j
  WHERE j.value ->> 'leadId' IS NOT NULL;

-- 4. One row per lead whose personal data was erased: when, by whom, what. While `hold_lifted_at`
-- is null, a new webhook for the lead is held (below) instead of applied.
CREATE TABLE lead_erasures (
  lead_id        TEXT PRIMARY KEY,
  erased_at      TEXT NOT NULL,
  actor          TEXT NOT NULL,
  remote_address TEXT,
  requested_by   TEXT,
  erased         TEXT NOT NULL,
  hold_lifted_at TEXT,
  hold_lifted_by TEXT
) WITHOUT ROWID;

-- 5. Webhooks for an erased lead, stored and answered but not applied until an admin applies or
-- discards them.
CREATE TABLE held_requests (
  request_id  TEXT NOT NULL,
  lead_id     TEXT NOT NULL,
  held_at     TEXT NOT NULL,
  resolution  TEXT CHECK (resolution IN ('applied', 'discarded')),
  resolved_at TEXT,
  resolved_by TEXT,
  PRIMARY KEY (request_id, lead_id)
) WITHOUT ROWID;
CREATE INDEX held_requests_pending ON held_requests (request_id) WHERE resolution IS NULL;
