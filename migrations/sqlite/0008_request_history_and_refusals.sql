-- Reprocessing never rewrites history: a request keeps the outcome it was answered with (status,
-- reason, items); each reprocess is kept beside it, the last 20 in `reprocesses` (a JSON array,
-- oldest first) and all of them counted. Requests reprocessed before this migration had their
-- outcome replaced: they count one reprocess, with no entry kept.
ALTER TABLE requests ADD COLUMN reprocess_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN reprocesses TEXT;
UPDATE requests SET reprocess_count = 1 WHERE reprocessed_at IS NOT NULL;

-- Refused webhooks (wrong or missing credentials on a known source): the last 50 per source in a
-- ring of fixed slots (slot = refusal number mod 50, so the oldest is overwritten), never processed;
-- every refusal counted per source. `seq` is the refusal's number in its source (it orders refusals
-- received in the same millisecond).
CREATE TABLE webhook_refusals (
  source_id       TEXT NOT NULL,
  slot            INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  id              TEXT NOT NULL UNIQUE,
  provider        TEXT NOT NULL,
  received_at     TEXT NOT NULL,
  reason          TEXT NOT NULL,
  detail          TEXT NOT NULL,
  content_type    TEXT,
  headers         TEXT NOT NULL,
  headers_omitted INTEGER NOT NULL,
  body_size       INTEGER NOT NULL,
  body_excerpt    BLOB NOT NULL,
  PRIMARY KEY (source_id, slot)
);

CREATE TABLE webhook_refusal_counts (
  source_id TEXT PRIMARY KEY,
  total     INTEGER NOT NULL,
  first_at  TEXT NOT NULL,
  last_at   TEXT NOT NULL
);
