-- leadhook PostgreSQL schema 1: the meaning of the SQLite schema after migrations/sqlite/0001–0010,
-- except the outbound delivery tables (0002_delivery.sql). Times are ISO-8601 UTC text, as on SQLite,
-- so text order is time order and cursors are the same on both stores; JSON is kept as text, byte
-- for byte as written. Text columns compare byte by byte (COLLATE "C"), as SQLite does, whatever the
-- database's collation: ids and times sort the same on both stores.

-- Sources: `id` is the public id; `url_token` the secret part of the webhook URL (0009).
CREATE TABLE sources (
  id                            TEXT COLLATE "C" PRIMARY KEY,
  provider                      TEXT COLLATE "C" NOT NULL,
  name                          TEXT COLLATE "C" NOT NULL,
  url_token                     TEXT COLLATE "C" NOT NULL,
  previous_url_token            TEXT COLLATE "C",
  previous_url_token_expires_at TEXT COLLATE "C",
  secret                        TEXT COLLATE "C" NOT NULL,
  previous_secret               TEXT COLLATE "C",
  previous_secret_expires_at    TEXT COLLATE "C",
  default_country               TEXT COLLATE "C",
  created_at                    TEXT COLLATE "C" NOT NULL,
  updated_at                    TEXT COLLATE "C" NOT NULL,
  deleted_at                    TEXT COLLATE "C"
);
CREATE UNIQUE INDEX sources_by_url_token ON sources (url_token);
CREATE INDEX sources_by_previous_url_token ON sources (previous_url_token) WHERE previous_url_token IS NOT NULL;

-- Inbound requests: the exact body bytes; the outcome answered, and the reprocesses beside it (0008).
CREATE TABLE requests (
  id              TEXT COLLATE "C" PRIMARY KEY,
  source_id       TEXT COLLATE "C" NOT NULL,
  provider        TEXT COLLATE "C" NOT NULL,
  received_at     TEXT COLLATE "C" NOT NULL,
  status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('accepted', 'duplicate', 'quarantined')),
  reason          TEXT COLLATE "C",
  http_status     INTEGER NOT NULL,
  content_type    TEXT COLLATE "C",
  headers         TEXT COLLATE "C" NOT NULL,
  body            BYTEA NOT NULL,
  body_sha256     TEXT COLLATE "C" NOT NULL,
  auth_payload    TEXT COLLATE "C",
  items           TEXT COLLATE "C" NOT NULL,
  reprocessed_at  TEXT COLLATE "C",
  reprocess_count INTEGER NOT NULL DEFAULT 0,
  reprocesses     TEXT COLLATE "C"
);
CREATE INDEX requests_by_source ON requests (source_id, id DESC);
CREATE INDEX requests_by_status ON requests (status, id DESC);

-- Leads (the projection); `doc` is the lead document. One lead per provider lead of a source.
CREATE TABLE leads (
  id               TEXT COLLATE "C" PRIMARY KEY,
  source_id        TEXT COLLATE "C" NOT NULL,
  provider         TEXT COLLATE "C" NOT NULL,
  provider_lead_id TEXT COLLATE "C" NOT NULL,
  stage            TEXT COLLATE "C" NOT NULL,
  phone            TEXT COLLATE "C",
  email            TEXT COLLATE "C",
  search_text      TEXT COLLATE "C" NOT NULL,
  last_event_at    TEXT COLLATE "C" NOT NULL,
  ordering_ts      TEXT COLLATE "C" NOT NULL,
  version          INTEGER NOT NULL,
  is_test          BOOLEAN NOT NULL DEFAULT false,
  first_seen_at    TEXT COLLATE "C" GENERATED ALWAYS AS (doc::jsonb ->> 'firstSeenAt') STORED,
  doc              TEXT COLLATE "C" NOT NULL,
  UNIQUE (source_id, provider_lead_id)
);
CREATE INDEX leads_by_activity ON leads (last_event_at DESC, id DESC);
CREATE INDEX leads_by_phone ON leads (phone) WHERE phone IS NOT NULL;
CREATE INDEX leads_by_email ON leads (email) WHERE email IS NOT NULL;
CREATE INDEX leads_by_source_activity ON leads (source_id, last_event_at DESC, id DESC);
CREATE INDEX leads_by_stage_activity ON leads (stage, last_event_at DESC, id DESC);
CREATE INDEX leads_by_provider_activity ON leads (provider, last_event_at DESC, id DESC);
CREATE INDEX leads_test_by_activity ON leads (last_event_at DESC, id DESC) WHERE is_test;
CREATE INDEX leads_by_first_seen ON leads (first_seen_at, id);

-- The `q` search (a substring of search_text): a pg_trgm GIN index answers LIKE '%…%' from the
-- index when the extension can be created (it is, by a superuser or a database owner on PG 13+);
-- without it, the search reads the leads in activity order and tests each (same answers, slower on
-- millions of leads). The extension lives in one schema per database: the index names its operator
-- class there, wherever it is.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'leadhook: pg_trgm is not available (%): the q search scans leads', SQLERRM;
END $$;
DO $$
DECLARE trgm_schema TEXT;
BEGIN
  SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF trgm_schema IS NOT NULL THEN
    EXECUTE format('CREATE INDEX leads_search_trgm ON leads USING gin (search_text %I.gin_trgm_ops)', trgm_schema);
  END IF;
END $$;

-- One row per applied (or seen) provider item: the idempotency ledger.
CREATE TABLE lead_events (
  source_id       TEXT COLLATE "C" NOT NULL,
  idempotency_key TEXT COLLATE "C" NOT NULL,
  lead_id         TEXT COLLATE "C" NOT NULL,
  request_id      TEXT COLLATE "C" NOT NULL,
  outcome         TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (source_id, idempotency_key)
);

CREATE TABLE timeline (
  id          TEXT COLLATE "C" PRIMARY KEY,
  lead_id     TEXT COLLATE "C" NOT NULL,
  dedupe_key  TEXT COLLATE "C" NOT NULL,
  kind        TEXT COLLATE "C" NOT NULL,
  occurred_at TEXT COLLATE "C",
  recorded_at TEXT COLLATE "C" NOT NULL,
  summary     TEXT COLLATE "C" NOT NULL,
  data        TEXT COLLATE "C" NOT NULL,
  request_id  TEXT COLLATE "C" NOT NULL,
  UNIQUE (lead_id, dedupe_key)
);

-- Refused webhooks: the last 50 per source in fixed slots (slot = number mod 50), every one counted (0008).
CREATE TABLE webhook_refusals (
  source_id       TEXT COLLATE "C" NOT NULL,
  slot            INTEGER NOT NULL,
  seq             BIGINT NOT NULL,
  id              TEXT COLLATE "C" NOT NULL UNIQUE,
  provider        TEXT COLLATE "C" NOT NULL,
  received_at     TEXT COLLATE "C" NOT NULL,
  reason          TEXT COLLATE "C" NOT NULL,
  detail          TEXT COLLATE "C" NOT NULL,
  content_type    TEXT COLLATE "C",
  headers         TEXT COLLATE "C" NOT NULL,
  headers_omitted INTEGER NOT NULL,
  body_size       INTEGER NOT NULL,
  body_excerpt    BYTEA NOT NULL,
  PRIMARY KEY (source_id, slot)
);

CREATE TABLE webhook_refusal_counts (
  source_id TEXT COLLATE "C" PRIMARY KEY,
  total     BIGINT NOT NULL,
  first_at  TEXT COLLATE "C" NOT NULL,
  last_at   TEXT COLLATE "C" NOT NULL
);

-- Which stored requests carry a lead, so that an erasure finds every raw body holding it (0010).
CREATE TABLE lead_requests (
  lead_id    TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (lead_id, request_id)
);

-- Erasures of a person's personal data; while hold_lifted_at is null, new webhooks for the lead are held.
CREATE TABLE lead_erasures (
  lead_id        TEXT COLLATE "C" PRIMARY KEY,
  erased_at      TEXT COLLATE "C" NOT NULL,
  actor          TEXT COLLATE "C" NOT NULL,
  remote_address TEXT COLLATE "C",
  requested_by   TEXT COLLATE "C",
  erased         TEXT COLLATE "C" NOT NULL,
  hold_lifted_at TEXT COLLATE "C",
  hold_lifted_by TEXT COLLATE "C"
);

CREATE TABLE held_requests (
  request_id  TEXT COLLATE "C" NOT NULL,
  lead_id     TEXT COLLATE "C" NOT NULL,
  held_at     TEXT COLLATE "C" NOT NULL,
  resolution  TEXT COLLATE "C" CHECK (resolution IN ('applied', 'discarded')),
  resolved_at TEXT COLLATE "C",
  resolved_by TEXT COLLATE "C",
  PRIMARY KEY (request_id, lead_id)
);
CREATE INDEX held_requests_pending ON held_requests (request_id) WHERE resolution IS NULL;

-- Installation-wide settings every instance shares (the generated admin token).
CREATE TABLE settings (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);
