-- leadhook schema 2: outbound delivery. Events are written in the same transaction as the lead
-- change that causes them (transactional outbox); one delivery row per (event, destination).
CREATE TABLE destinations (
  id                         TEXT PRIMARY KEY,
  name                       TEXT NOT NULL,
  url                        TEXT NOT NULL,
  events                     TEXT NOT NULL,
  filter                     TEXT,
  source_ids                 TEXT,
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_at TEXT,
  disabled_at                TEXT,
  disabled_reason            TEXT,
  last_success_at            TEXT,
  failing_since              TEXT,
  created_at                 TEXT NOT NULL,
  updated_at                 TEXT NOT NULL,
  deleted_at                 TEXT
);

CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  lead_id    TEXT NOT NULL,
  source_id  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  body       TEXT NOT NULL
);
CREATE INDEX events_by_lead ON events (lead_id, seq);

CREATE TABLE deliveries (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  event_id         TEXT NOT NULL,
  destination_id   TEXT NOT NULL,
  lead_id          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT,
  claimed_until    TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  delivered_at     TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_per_lead ON deliveries (destination_id, lead_id, seq);
CREATE INDEX deliveries_by_destination ON deliveries (destination_id, seq);
CREATE INDEX deliveries_by_lead ON deliveries (lead_id, seq);

CREATE TABLE delivery_attempts (
  id               TEXT PRIMARY KEY,
  delivery_id      TEXT NOT NULL,
  attempt_number   INTEGER NOT NULL,
  started_at       TEXT NOT NULL,
  status_code      INTEGER,
  latency_ms       INTEGER NOT NULL,
  error            TEXT,
  response_snippet TEXT
);
CREATE INDEX attempts_by_delivery ON delivery_attempts (delivery_id, attempt_number);
