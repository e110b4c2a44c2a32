-- leadhook schema 9: a source's webhook URL carries a URL token, no longer its id.
--
-- Until now a source's id (`src_` + 160 random bits) was the secret part of its webhook URL, so every
-- lead, request and forwarded event carried Anarock's only credential. Now:
--   * `id` is a stable public id, what leads, requests, events and destinations reference;
--   * `url_token` is the secret part of the URL (shown only in the source's own admin view), and
--     `rotate-url` replaces it, the previous one still accepted until previous_url_token_expires_at;
--   * a replaced secret still authenticates until previous_secret_expires_at.
-- Existing URLs keep working: an existing source's id becomes its URL token, it gets a new public id,
-- and every reference to the old id is rewritten to the new one here, in this migration's transaction.

CREATE TABLE source_id_map (
  old_id TEXT PRIMARY KEY,
  new_id TEXT NOT NULL UNIQUE
) WITHOUT ROWID;
-- 'src_' and 26 hex characters (104 random bits): the length of the public ids leadhook makes now.
INSERT INTO source_id_map (old_id, new_id) SELECT id, 'src_' || lower(hex(randomblob(13))) FROM sources;

CREATE TABLE sources_next (
  id                            TEXT PRIMARY KEY,
  provider                      TEXT NOT NULL,
  name                          TEXT NOT NULL,
  url_token                     TEXT NOT NULL,
  previous_url_token            TEXT,
  previous_url_token_expires_at TEXT,
  secret                        TEXT NOT NULL,
  previous_secret               TEXT,
  previous_secret_expires_at    TEXT,
  default_country               TEXT,
  created_at                    TEXT NOT NULL,
  updated_at                    TEXT NOT NULL,
  deleted_at                    TEXT
);
INSERT INTO sources_next (id, provider, name, url_token, secret, default_country, created_at, updated_at, deleted_at)
  SELECT m.new_id, s.provider, s.name, s.id, s.secret, s.default_country, s.created_at, s.updated_at, s.deleted_at
  FROM sources s JOIN source_id_map m ON m.old_id = s.id;
DROP TABLE sources;
ALTER TABLE sources_next RENAME TO sources;
-- Every webhook looks its source up by the token of its URL, or by the previous one.
CREATE UNIQUE INDEX sources_by_url_token ON sources (url_token);
CREATE INDEX sources_by_previous_url_token ON sources (previous_url_token) WHERE previous_url_token IS NOT NULL;

-- References by column (every table of migrations 1 to 8 with a source_id).
UPDATE leads SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = leads.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);
UPDATE requests SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = requests.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);
UPDATE lead_events SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = lead_events.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);
UPDATE events SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = events.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);
UPDATE webhook_refusals SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = webhook_refusals.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);
UPDATE webhook_refusal_counts SET source_id = (SELECT new_id FROM source_id_map WHERE old_id = webhook_refusal_counts.source_id)
  WHERE source_id IN (SELECT old_id FROM source_id_map);

-- References inside JSON: the lead document, the lead inside each stored event body (delivered as
-- is, also when replayed), and the sources a destination is limited to. json_set keeps every other
-- byte's meaning (SQLite keeps number literals as written, so ids beyond 2^53 stay exact). The
-- search text (leads_fts) holds no source id, and its triggers fire on search_text only.
UPDATE leads SET doc = json_set(doc, '$.sourceId', (SELECT new_id FROM source_id_map WHERE old_id = json_extract(leads.doc, '$.sourceId')))
  WHERE json_extract(doc, '$.sourceId') IN (SELECT old_id FROM source_id_map);
UPDATE events SET body = json_set(body, '$.data.lead.sourceId', (SELECT new_id FROM source_id_map WHERE old_id = json_extract(events.body, '$.data.lead.sourceId')))
  WHERE json_valid(body) AND json_extract(body, '$.data.lead.sourceId') IN (SELECT old_id FROM source_id_map);
UPDATE destinations SET source_ids = (
    SELECT json_group_array(COALESCE(m.new_id, j.value) ORDER BY j.key)
    FROM json_each(destinations.source_ids) j LEFT JOIN source_id_map m ON m.old_id = j.value
  )
  WHERE source_ids IS NOT NULL AND json_valid(source_ids) AND json_type(source_ids) = 'array';

DROP TABLE source_id_map;
