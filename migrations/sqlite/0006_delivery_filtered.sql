-- Destination rules run on the delivery side (off the ingest transaction), so:
--   * an event keeps the provider's item its rules read (`payload`), only when a destination with a
--     rule is among its candidates;
--   * a delivery whose rule does not match, fails or runs over its budget ends `filtered` (the reason
--     in last_error, no HTTP attempt);
--   * a destination counts its filtered deliveries and keeps its last rule failure.
ALTER TABLE events ADD COLUMN payload TEXT;

ALTER TABLE destinations ADD COLUMN filtered_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE destinations ADD COLUMN last_rule_error TEXT;
ALTER TABLE destinations ADD COLUMN last_rule_error_at TEXT;
ALTER TABLE destinations ADD COLUMN last_rule_error_delivery_id TEXT;

-- SQLite cannot change a CHECK constraint in place: rebuild the table, keeping seq (and its sequence).
CREATE TABLE deliveries_next (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  event_id         TEXT NOT NULL,
  destination_id   TEXT NOT NULL,
  lead_id          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'filtered')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT,
  claimed_until    TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  delivered_at     TEXT
);
INSERT INTO deliveries_next (seq, id, event_id, destination_id, lead_id, status, attempts, next_attempt_at, claimed_until,
                             last_status_code, last_error, created_at, updated_at, delivered_at)
  SELECT seq, id, event_id, destination_id, lead_id, status, attempts, next_attempt_at, claimed_until,
         last_status_code, last_error, created_at, updated_at, delivered_at
  FROM deliveries;
DELETE FROM sqlite_sequence WHERE name = 'deliveries_next';
INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries_next', seq FROM sqlite_sequence WHERE name = 'deliveries';
DROP TABLE deliveries;
ALTER TABLE deliveries_next RENAME TO deliveries;

CREATE INDEX deliveries_per_lead ON deliveries (destination_id, lead_id, seq);
CREATE INDEX deliveries_by_destination ON deliveries (destination_id, seq);
CREATE INDEX deliveries_by_lead ON deliveries (lead_id, seq);
-- As in 0005: only the statuses a worker or a listing looks for are indexed by status.
CREATE INDEX deliveries_claimable ON deliveries (destination_id, next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX deliveries_claimed ON deliveries (claimed_until) WHERE status = 'delivering';
CREATE INDEX deliveries_failed ON deliveries (seq) WHERE status = 'failed';
CREATE INDEX deliveries_filtered ON deliveries (seq) WHERE status = 'filtered';
