import type { ProviderId } from '../../core/lead.js';
import type { AuthFailureReason } from '../../providers/adapter.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Page } from '../port.js';
import { REFUSAL_LIMITS, type NewRefusal, type RefusalCounts, type RefusalQuery, type RefusalStore, type StoredRefusal } from '../refusal-port.js';
import type { PgDatabase } from './database.js';

interface RefusalRow {
  id: string;
  source_id: string;
  provider: string;
  received_at: string;
  reason: string;
  detail: string;
  content_type: string | null;
  headers: string;
  headers_omitted: number;
  body_size: number;
  body_excerpt: Buffer;
  sort_key: string;
}

function toRefusal(row: RefusalRow): StoredRefusal {
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider as ProviderId,
    receivedAt: row.received_at,
    reason: row.reason as AuthFailureReason,
    detail: row.detail,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    headersOmitted: row.headers_omitted,
    bodySize: row.body_size,
    bodyExcerpt: row.body_excerpt,
  };
}

/** The list order: receipt time, then the refusal's number in its source (fixed width: text order is number order). Same key as SQLite's. */
const SORT_KEY = `received_at || '#' || lpad(seq::text, 15, '0')`;

/** Refusals of one source waiting for the next flush: at most a ring's worth, the rest counted. */
interface PendingOfSource {
  firstAt: string;
  kept: NewRefusal[];
  superseded: number;
}

/**
 * Refused webhooks on PostgreSQL, coalesced like SQLite's (sqlite/refusal-store.ts): refusals that
 * arrive while a flush is being written wait in memory (at most a ring's worth per source, older
 * ones only counted) and go together in the next flush, one transaction without a wait for the disk
 * (a refusal is a diagnostic, not data). Each kept refusal goes to its source's slot
 * `number mod keptPerSource`; the count row's lock numbers them across instances.
 */
export class PgRefusalStore implements RefusalStore {
  private pending = new Map<string, PendingOfSource>();
  /** The flush the refusals recorded now will be written by (it starts once the running one ends). */
  private next: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly db: PgDatabase) {}

  record(refusal: NewRefusal): Promise<void> {
    const of = this.pending.get(refusal.sourceId) ?? { firstAt: refusal.receivedAt, kept: [], superseded: 0 };
    this.pending.set(refusal.sourceId, of);
    of.kept.push(refusal);
    if (of.kept.length > REFUSAL_LIMITS.keptPerSource) {
      of.kept.shift();
      of.superseded++;
    }
    if (this.next !== null) return this.next;
    const flush = this.running.then(
      () => this.flush(),
      () => this.flush(),
    );
    this.next = flush;
    this.running = flush;
    return flush;
  }

  async list(query: RefusalQuery): Promise<Page<StoredRefusal>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (value: unknown) => `$${params.push(value)}`;
    if (query.sourceId !== undefined) where.push(`source_id = ${p(query.sourceId)}`);
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      const key = p(c.sortKey);
      where.push(`(${SORT_KEY} < ${key} OR (${SORT_KEY} = ${key} AND id < ${p(c.id)}))`);
    }
    const sql = `SELECT *, ${SORT_KEY} AS sort_key FROM webhook_refusals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY sort_key DESC, id DESC LIMIT ${p(query.limit + 1)}`;
    const rows = await this.db.read(async (q) => (await q.query<RefusalRow>(sql, params)).rows);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toRefusal), nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null };
  }

  async get(id: string): Promise<StoredRefusal | null> {
    const rows = await this.db.read(async (q) => (await q.query<RefusalRow>(`SELECT *, '' AS sort_key FROM webhook_refusals WHERE id = $1`, [id])).rows);
    return rows[0] === undefined ? null : toRefusal(rows[0]);
  }

  async counts(sourceId?: string): Promise<RefusalCounts> {
    const sql =
      sourceId === undefined
        ? 'SELECT coalesce(sum(total), 0)::bigint AS total, min(first_at) AS since, max(last_at) AS "lastAt" FROM webhook_refusal_counts'
        : 'SELECT total, first_at AS since, last_at AS "lastAt" FROM webhook_refusal_counts WHERE source_id = $1';
    const rows = await this.db.read(async (q) => (await q.query<{ total: string; since: string | null; lastAt: string | null }>(sql, sourceId === undefined ? [] : [sourceId])).rows);
    const row = rows[0];
    return row === undefined ? { total: 0, since: null, lastAt: null } : { total: Number(row.total), since: row.since, lastAt: row.lastAt };
  }

  /** Write every pending refusal in one transaction. */
  private async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    this.next = null;
    await this.db.transaction(async (client) => {
      // A diagnostic: its commit does not wait for the disk (a crash may lose the last few).
      await client.query('SET LOCAL synchronous_commit = off');
      for (const [sourceId, { firstAt, kept, superseded }] of pending) {
        const last = kept[kept.length - 1];
        if (last === undefined) continue;
        const added = kept.length + superseded;
        const counted = await client.query<{ total: string }>(
          `INSERT INTO webhook_refusal_counts (source_id, total, first_at, last_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (source_id) DO UPDATE SET total = webhook_refusal_counts.total + $2, last_at = $4
           RETURNING total`,
          [sourceId, added, firstAt, last.receivedAt],
        );
        const total = Number(counted.rows[0]!.total);
        for (const [i, r] of kept.entries()) {
          const seq = total - kept.length + i;
          await client.query(
            `INSERT INTO webhook_refusals (source_id, slot, seq, id, provider, received_at, reason, detail, content_type,
                                           headers, headers_omitted, body_size, body_excerpt)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (source_id, slot) DO UPDATE SET seq = EXCLUDED.seq, id = EXCLUDED.id, provider = EXCLUDED.provider,
               received_at = EXCLUDED.received_at, reason = EXCLUDED.reason, detail = EXCLUDED.detail, content_type = EXCLUDED.content_type,
               headers = EXCLUDED.headers, headers_omitted = EXCLUDED.headers_omitted, body_size = EXCLUDED.body_size, body_excerpt = EXCLUDED.body_excerpt`,
            [sourceId, seq % REFUSAL_LIMITS.keptPerSource, seq, r.id, r.provider, r.receivedAt, r.reason, r.detail, r.contentType, JSON.stringify(r.headers), r.headersOmitted, r.bodySize, r.bodyExcerpt],
          );
        }
      }
    });
  }
}
