import { RefusalQueue, refusalWrites } from '../../ingest/refusal-ring.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Page } from '../port.js';
import type { NewRefusal, RefusalCounts, RefusalQuery, RefusalStore, StoredRefusal } from '../refusal-port.js';
import { toRefusal, type RefusalRow } from '../rows/refusal-rows.js';
import type { PgDatabase } from './database.js';

/** The list order: receipt time, then the refusal's number in its source (fixed width: text order is number order). Same key as SQLite's. */
const SORT_KEY = `received_at || '#' || lpad(seq::text, 15, '0')`;

/**
 * Refused webhooks on PostgreSQL, coalesced like SQLite's (sqlite/refusal-store.ts): refusals that
 * arrive while a flush is being written wait in memory (at most a ring's worth per source, older
 * ones only counted) and go together in the next flush, one transaction without a wait for the disk
 * (a refusal is a diagnostic, not data). Each kept refusal goes to its source's slot
 * `number mod keptPerSource`; the count row's lock numbers them across instances.
 */
export class PgRefusalStore implements RefusalStore {
  /** Refusals waiting for the next flush, coalesced per source (ingest/refusal-ring.ts). */
  private readonly pending = new RefusalQueue();
  /** The flush the refusals recorded now will be written by (it starts once the running one ends). */
  private next: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly db: PgDatabase) {}

  record(refusal: NewRefusal): Promise<void> {
    this.pending.add(refusal);
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
    const rows = await this.db.read(async (q) => (await q.query<RefusalRow & { sort_key: string }>(sql, params)).rows);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toRefusal), nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null };
  }

  async get(id: string): Promise<StoredRefusal | null> {
    const rows = await this.db.read(async (q) => (await q.query<RefusalRow>('SELECT * FROM webhook_refusals WHERE id = $1', [id])).rows);
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
    const pending = this.pending.take();
    this.next = null;
    await this.db.transaction(async (client) => {
      // A diagnostic: its commit does not wait for the disk (a crash may lose the last few).
      await client.query('SET LOCAL synchronous_commit = off');
      for (const [sourceId, of] of pending) {
        const writes = refusalWrites(of);
        if (writes === null) continue;
        const counted = await client.query<{ total: string }>(
          `INSERT INTO webhook_refusal_counts (source_id, total, first_at, last_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (source_id) DO UPDATE SET total = webhook_refusal_counts.total + $2, last_at = $4
           RETURNING total`,
          [sourceId, writes.added, writes.firstAt, writes.lastAt],
        );
        for (const { refusal: r, seq, slot } of writes.slotsFor(Number(counted.rows[0]!.total))) {
          await client.query(
            `INSERT INTO webhook_refusals (source_id, slot, seq, id, provider, received_at, reason, detail, content_type,
                                           headers, headers_omitted, body_size, body_excerpt)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (source_id, slot) DO UPDATE SET seq = EXCLUDED.seq, id = EXCLUDED.id, provider = EXCLUDED.provider,
               received_at = EXCLUDED.received_at, reason = EXCLUDED.reason, detail = EXCLUDED.detail, content_type = EXCLUDED.content_type,
               headers = EXCLUDED.headers, headers_omitted = EXCLUDED.headers_omitted, body_size = EXCLUDED.body_size, body_excerpt = EXCLUDED.body_excerpt`,
            [sourceId, slot, seq, r.id, r.provider, r.receivedAt, r.reason, r.detail, r.contentType, JSON.stringify(r.headers), r.headersOmitted, r.bodySize, r.bodyExcerpt],
          );
        }
      }
    });
  }
}
