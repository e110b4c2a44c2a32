import type { ApiTokenRecord, AuthStore, FoundSession, NewApiToken, SessionRecord } from '../auth-port.js';
import { SESSION_SELECT, sessionParams, toFoundSession, toToken, type SessionRow, type TokenRow } from '../rows/auth-rows.js';
import type { PgDatabase } from './database.js';

/**
 * Tokens and sessions on PostgreSQL, shared by every instance: a token revoked through one instance
 * (its sessions deleted in the same transaction) is refused by all at their next request, since
 * nothing here is cached. Last-used times are written without waiting for the disk (a diagnostic).
 */
export class PgAuthStore implements AuthStore {
  constructor(private readonly db: PgDatabase) {}

  async createToken(token: NewApiToken): Promise<ApiTokenRecord> {
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<TokenRow>(
        'INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [token.id, token.name, token.role, token.tokenHash, token.createdAt],
      );
      return toToken(rows[0]!);
    });
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.db.read(async (q) => (await q.query<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id')).rows.map(toToken));
  }

  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const rows = await this.db.read(async (q) => (await q.query<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash])).rows);
    return rows[0] === undefined ? null : toToken(rows[0]);
  }

  async revokeToken(id: string, now: string): Promise<ApiTokenRecord | null> {
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<TokenRow>('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *', [id, now]);
      if (rows[0] === undefined) return null;
      await c.query('DELETE FROM sessions WHERE token_id = $1', [id]);
      return toToken(rows[0]);
    });
  }

  async touchToken(id: string, now: string, notAfter: string): Promise<void> {
    await this.db.transaction(async (c) => {
      await c.query('SET LOCAL synchronous_commit = off');
      await c.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)', [id, now, notAfter]);
    });
  }

  async createSession(session: SessionRecord, prune: { expiresBefore: string; lastSeenBefore: string }): Promise<void> {
    const p = sessionParams(session);
    await this.db.transaction(async (c) => {
      await c.query('DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2', [prune.expiresBefore, prune.lastSeenBefore]);
      await c.query(
        `INSERT INTO sessions (secret_hash, token_id, admin_token_hash, name, role, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [p.secretHash, p.tokenId, p.adminTokenHash, p.name, p.role, p.createdAt, p.lastSeenAt, p.expiresAt],
      );
    });
  }

  async findSession(secretHash: string): Promise<FoundSession | null> {
    const rows = await this.db.read(async (q) => (await q.query<SessionRow>(`${SESSION_SELECT} WHERE s.secret_hash = $1`, [secretHash])).rows);
    return rows[0] === undefined ? null : toFoundSession(rows[0]);
  }

  async touchSession(secretHash: string, now: string, notAfter: string): Promise<void> {
    await this.db.transaction(async (c) => {
      await c.query('SET LOCAL synchronous_commit = off');
      await c.query('UPDATE sessions SET last_seen_at = $2 WHERE secret_hash = $1 AND last_seen_at <= $3', [secretHash, now, notAfter]);
    });
  }

  async deleteSession(secretHash: string): Promise<boolean> {
    return this.db.transaction(async (c) => ((await c.query('DELETE FROM sessions WHERE secret_hash = $1', [secretHash])).rowCount ?? 0) > 0);
  }
}
