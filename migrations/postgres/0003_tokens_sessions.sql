-- leadhook PostgreSQL schema 3: named API tokens with roles, and browser sessions (issue 12), as
-- migrations/sqlite/0011_tokens_sessions.sql. In the database every instance shares, so a token
-- made, used or revoked through one instance is seen by all at once, and any instance serves a session.
-- Only SHA-256 hashes (hex) of tokens and session secrets are stored.

CREATE TABLE api_tokens (
  id           TEXT COLLATE "C" PRIMARY KEY,
  name         TEXT COLLATE "C" NOT NULL,
  role         TEXT COLLATE "C" NOT NULL CHECK (role IN ('admin', 'viewer')),
  token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at   TEXT COLLATE "C" NOT NULL,
  last_used_at TEXT COLLATE "C",
  revoked_at   TEXT COLLATE "C"
);

CREATE TABLE sessions (
  secret_hash      TEXT COLLATE "C" PRIMARY KEY,
  token_id         TEXT COLLATE "C",
  admin_token_hash TEXT COLLATE "C",
  name             TEXT COLLATE "C" NOT NULL,
  role             TEXT COLLATE "C" NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at       TEXT COLLATE "C" NOT NULL,
  last_seen_at     TEXT COLLATE "C" NOT NULL,
  expires_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_by_token ON sessions (token_id) WHERE token_id IS NOT NULL;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
