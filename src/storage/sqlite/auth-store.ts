import type Database from 'better-sqlite3';
import type { ApiTokenRecord, AuthStore, FoundSession, NewApiToken, SessionRecord } from '../auth-port.js';
import { SESSION_SELECT, sessionParams, toFoundSession, toToken, type SessionRow, type TokenRow } from '../rows/auth-rows.js';
import type { CommitBatcher } from './commit-batcher.js';
import { perConnection, type ConnectionView } from './connection-view.js';

function prepare(db: Database.Database) {
  return {
    insertToken: db.prepare('INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES (@id, @name, @role, @tokenHash, @createdAt)'),
    token: db.prepare('SELECT * FROM api_tokens WHERE id = ?'),
    tokens: db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id'),
    tokenByHash: db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?'),
    revoke: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    deleteSessionsOf: db.prepare('DELETE FROM sessions WHERE token_id = ?'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at <= @notAfter)'),
    insertSession: db.prepare(
      `INSERT INTO sessions (secret_hash, token_id, admin_token_hash, name, role, created_at, last_seen_at, expires_at)
       VALUES (@secretHash, @tokenId, @adminTokenHash, @name, @role, @createdAt, @lastSeenAt, @expiresAt)`,
    ),
    prune: db.prepare('DELETE FROM sessions WHERE expires_at < @expiresBefore OR last_seen_at < @lastSeenBefore'),
    session: db.prepare(`${SESSION_SELECT} WHERE s.secret_hash = ?`),
    touchSession: db.prepare('UPDATE sessions SET last_seen_at = @now WHERE secret_hash = @secretHash AND last_seen_at <= @notAfter'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE secret_hash = ?'),
  };
}

/**
 * Tokens and sessions on SQLite. Creating and revoking commit durably with the group commit;
 * last-used times are `relaxed` writes (in the WAL, not fsynced on their own: a crash may lose the
 * last minute of them, never a revocation).
 */
export class SqliteAuthStore implements AuthStore {
  private readonly statements = perConnection(prepare);

  constructor(
    private readonly c: ConnectionView,
    private readonly batcher: CommitBatcher,
  ) {}

  async createToken(token: NewApiToken): Promise<ApiTokenRecord> {
    return this.batcher.run(() => {
      this.st().insertToken.run({ id: token.id, name: token.name, role: token.role, tokenHash: token.tokenHash, createdAt: token.createdAt });
      return toToken(this.st().token.get(token.id) as TokenRow);
    });
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.c.read(() => (this.st().tokens.all() as TokenRow[]).map(toToken));
  }

  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = this.c.read(() => this.st().tokenByHash.get(tokenHash) as TokenRow | undefined);
    return row === undefined ? null : toToken(row);
  }

  async revokeToken(id: string, now: string): Promise<ApiTokenRecord | null> {
    return this.batcher.run(() => {
      const st = this.st();
      if (st.token.get(id) === undefined) return null;
      st.revoke.run(now, id);
      st.deleteSessionsOf.run(id);
      return toToken(st.token.get(id) as TokenRow);
    });
  }

  async touchToken(id: string, now: string, notAfter: string): Promise<void> {
    await this.batcher.run(() => void this.st().touchToken.run({ id, now, notAfter }), 'relaxed');
  }

  async createSession(session: SessionRecord, prune: { expiresBefore: string; lastSeenBefore: string }): Promise<void> {
    await this.batcher.run(() => {
      this.st().prune.run(prune);
      this.st().insertSession.run(sessionParams(session));
    });
  }

  async findSession(secretHash: string): Promise<FoundSession | null> {
    const row = this.c.read(() => this.st().session.get(secretHash) as SessionRow | undefined);
    return row === undefined ? null : toFoundSession(row);
  }

  async touchSession(secretHash: string, now: string, notAfter: string): Promise<void> {
    await this.batcher.run(() => void this.st().touchSession.run({ secretHash, now, notAfter }), 'relaxed');
  }

  async deleteSession(secretHash: string): Promise<boolean> {
    return this.batcher.run(() => this.st().deleteSession.run(secretHash).changes > 0);
  }

  private st(): ReturnType<typeof prepare> {
    return this.statements(this.c.db);
  }
}
