-- leadhook schema 1: sources, inbound requests (raw bytes), leads (projection), lead events
-- (idempotency keys), timeline.
CREATE TABLE sources (
  id              TEXT PRIMARY KEY,
  provider        TEXT NOT NULL,
  name            TEXT NOT NULL,
  secret          TEXT NOT NULL,
  default_country TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  deleted_at      TEXT
);

CREATE TABLE requests (
  id             TEXT PRIMARY KEY,
  source_id      TEXT NOT NULL,
  provider       TEXT NOT NULL,
  received_at    TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'quarantined')),
  reason         TEXT,
  http_status    INTEGER NOT NULL,
  content_type   TEXT,
  headers        TEXT NOT NULL,
  body           BLOB NOT NULL,
  body_sha256    TEXT NOT NULL,
  auth_payload   TEXT,
  items          TEXT NOT NULL,
  reprocessed_at TEXT
);
CREATE INDEX requests_by_source ON requests (source_id, id DESC);
CREATE INDEX requests_by_status ON requests (status, id DESC);

CREATE TABLE leads (
  id               TEXT PRIMARY KEY,
  source_id        TEXT NOT NULL,
  provider         TEXT NOT NULL,
  provider_lead_id TEXT NOT NULL,
  stage            TEXT NOT NULL,
  phone            TEXT,
  email            TEXT,
  search_text      TEXT NOT NULL,
  last_event_at    TEXT NOT NULL,
  ordering_ts      TEXT NOT NULL,
  version          INTEGER NOT NULL,
  doc              TEXT NOT NULL,
  UNIQUE (source_id, provider_lead_id)
);
CREATE INDEX leads_by_activity ON leads (last_event_at DESC, id DESC);
CREATE INDEX leads_by_phone ON leads (phone) WHERE phone IS NOT NULL;
CREATE INDEX leads_by_email ON leads (email) WHERE email IS NOT NULL;

-- One row per applied (or seen) provider item: the idempotency ledger.
CREATE TABLE lead_events (
  source_id       TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  lead_id         TEXT NOT NULL,
  request_id      TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  PRIMARY KEY (source_id, idempotency_key)
) WITHOUT ROWID;

CREATE TABLE timeline (
  id          TEXT PRIMARY KEY,
  lead_id     TEXT NOT NULL,
  dedupe_key  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  occurred_at TEXT,
  recorded_at TEXT NOT NULL,
  summary     TEXT NOT NULL,
  data        TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  UNIQUE (lead_id, dedupe_key)
);
