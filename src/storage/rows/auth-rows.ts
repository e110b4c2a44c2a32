import type { Role } from '../../auth/access.js';
import type { ApiTokenRecord, FoundSession, SessionRecord } from '../auth-port.js';

/** An `api_tokens` row, as both stores return it. */
export interface TokenRow {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A `sessions` row with its token's state ({@link SESSION_SELECT}), as both stores return it. */
export interface SessionRow {
  secret_hash: string;
  token_id: string | null;
  admin_token_hash: string | null;
  name: string;
  role: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  token_found: number | null;
  token_revoked_at: string | null;
  token_last_used_at: string | null;
}

export function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function toFoundSession(row: SessionRow): FoundSession {
  return {
    secretHash: row.secret_hash,
    tokenId: row.token_id,
    adminTokenHash: row.admin_token_hash,
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    token: row.token_found === null || row.token_found === undefined ? null : { revokedAt: row.token_revoked_at, lastUsedAt: row.token_last_used_at },
  };
}

/** A session's columns, in the order of the INSERT. */
export function sessionParams(s: SessionRecord) {
  return {
    secretHash: s.secretHash,
    tokenId: s.tokenId,
    adminTokenHash: s.adminTokenHash,
    name: s.name,
    role: s.role,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
  };
}

/** The session columns and its token's state (one query, the same on both stores). */
export const SESSION_SELECT = `SELECT s.secret_hash, s.token_id, s.admin_token_hash, s.name, s.role, s.created_at, s.last_seen_at, s.expires_at,
         CASE WHEN t.id IS NULL THEN NULL ELSE 1 END AS token_found, t.revoked_at AS token_revoked_at, t.last_used_at AS token_last_used_at
  FROM sessions s LEFT JOIN api_tokens t ON t.id = s.token_id`;
