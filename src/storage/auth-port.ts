import type { Role } from '../auth/access.js';

/**
 * Named API tokens and browser sessions, kept in the database so that any instance serves any
 * request (PostgreSQL). Only SHA-256 hashes of tokens and session secrets are stored
 * (src/auth/credentials.ts); the decisions (expiry, when to write last-used times) are made by the
 * caller (src/auth/session-policy.ts), the store only executes them.
 */

/** A named API token as stored (never the token itself). */
export interface ApiTokenRecord {
  /** Public id, `tok_…` (time-ordered). */
  id: string;
  name: string;
  role: Role;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  createdAt: string;
  /** Last time the token (or a session made with it) was used, written at most once a minute; null: never. */
  lastUsedAt: string | null;
  /** When it was revoked; null while it works. */
  revokedAt: string | null;
}

export type NewApiToken = Pick<ApiTokenRecord, 'id' | 'name' | 'role' | 'tokenHash' | 'createdAt'>;

/** A browser session as stored (never its secret). */
export interface SessionRecord {
  /** SHA-256 of the session secret (the cookie's value), hex: the session's key. */
  secretHash: string;
  /** The named token it was made with; null when made with the first-start admin token. */
  tokenId: string | null;
  /** SHA-256 of the first-start admin token it was made with (null for a named token's): a changed admin token ends such sessions. */
  adminTokenHash: string | null;
  name: string;
  role: Role;
  createdAt: string;
  /** Its last request, written at most once a minute. */
  lastSeenAt: string;
  /** Absolute expiry (creation + the longest session). */
  expiresAt: string;
}

/** A session found by its secret's hash, with the state of the token it was made with. */
export interface FoundSession extends SessionRecord {
  /** The named token (null for the first-start admin token's sessions, or when the token is gone). */
  token: Pick<ApiTokenRecord, 'revokedAt' | 'lastUsedAt'> | null;
}

export interface AuthStore {
  createToken(token: NewApiToken): Promise<ApiTokenRecord>;
  /** Every token, revoked ones included, oldest first. */
  listTokens(): Promise<ApiTokenRecord[]>;
  /** The token whose hash is `tokenHash` (revoked or not); null when none. */
  findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  /**
   * Revoke a token and delete its sessions, in one transaction. Revoking a revoked token changes
   * nothing (it keeps its first revocation time). Null when there is no token with that id.
   */
  revokeToken(id: string, now: string): Promise<ApiTokenRecord | null>;
  /** Set the token's last-used time to `now`, unless the stored one is later than `notAfter` (written recently, maybe by another instance). */
  touchToken(id: string, now: string, notAfter: string): Promise<void>;

  /** Store a new session; sessions ended before the prune bounds are deleted in the same transaction. */
  createSession(session: SessionRecord, prune: { expiresBefore: string; lastSeenBefore: string }): Promise<void>;
  /** The session whose secret hashes to `secretHash`; null when none. */
  findSession(secretHash: string): Promise<FoundSession | null>;
  /** Set the session's last request time to `now`, unless the stored one is later than `notAfter`. */
  touchSession(secretHash: string, now: string, notAfter: string): Promise<void>;
  /** Delete a session; whether it existed. */
  deleteSession(secretHash: string): Promise<boolean>;
}
