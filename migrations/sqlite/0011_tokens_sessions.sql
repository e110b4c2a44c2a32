-- leadhook schema 11: named API tokens with roles, and browser sessions (issue 12).
--
-- Neither a token nor a session secret is stored: only its SHA-256 (hex), looked up by equality.
-- `last_used_at` / `last_seen_at` are written at most once a minute (src/auth/session-policy.ts).
-- Revoking a token deletes its sessions in the same transaction.

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
);

-- A session made with the first-start admin token has no token_id, and the hash of that admin token
-- (a changed LEADHOOK_ADMIN_TOKEN ends its sessions).
CREATE TABLE sessions (
  secret_hash      TEXT PRIMARY KEY,
  token_id         TEXT,
  admin_token_hash TEXT,
  name             TEXT NOT NULL,
  role             TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at       TEXT NOT NULL,
  last_seen_at     TEXT NOT NULL,
  expires_at       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_token ON sessions (token_id) WHERE token_id IS NOT NULL;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
