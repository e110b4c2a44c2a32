import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Page } from '../port.js';
import { RefusalQueue, refusalWrites } from '../../ingest/refusal-ring.js';
import type { NewRefusal, RefusalCounts, RefusalQuery, RefusalStore, StoredRefusal } from '../refusal-port.js';
import { toRefusal, type RefusalRow } from '../rows/refusal-rows.js';
import type { CommitBatcher } from './commit-batcher.js';
import { perConnection, type ConnectionView } from './connection-view.js';

/** The list order: receipt time, then the refusal's number in its source (fixed width, so text order is number order). */
const SORT_KEY = `received_at || printf('#%015d', seq)`;

function prepare(db: Database.Database) {
  return {
    // One upsert per source per flush: `total` before it is what numbers the new refusals' slots.
    count: db.prepare(
      `INSERT INTO webhook_refusal_counts (source_id, total, first_at, last_at) VALUES (@sourceId, @added, @firstAt, @lastAt)
       ON CONFLICT (source_id) DO UPDATE SET total = total + @added, last_at = @lastAt
       RETURNING total`,
    ).pluck(),
    keep: db.prepare(
      `INSERT OR REPLACE INTO webhook_refusals (source_id, slot, seq, id, provider, received_at, reason, detail, content_type,
                                                headers, headers_omitted, body_size, body_excerpt)
       VALUES (@sourceId, @slot, @seq, @id, @provider, @receivedAt, @reason, @detail, @contentType,
               @headers, @headersOmitted, @bodySize, @bodyExcerpt)`,
    ),
    get: db.prepare('SELECT * FROM webhook_refusals WHERE id = ?'),
    countsOf: db.prepare('SELECT total, first_at AS since, last_at AS lastAt FROM webhook_refusal_counts WHERE source_id = ?'),
    countsAll: db.prepare('SELECT coalesce(sum(total), 0) AS total, min(first_at) AS since, max(last_at) AS lastAt FROM webhook_refusal_counts'),
  };
}

/**
 * Refused webhooks on SQLite, coalesced: refusals arriving before the next group commit wait in
 * memory (at most REFUSAL_LIMITS.keptPerSource per source; older ones are only counted) and are
 * written by one `relaxed` job (no fsync of its own: a refusal is a diagnostic, not data), each into
 * its source's fixed slot `number mod keptPerSource`. A flood thus costs one small write per kept
 * refusal per commit at most, and the table never holds more than the ring per source.
 */
export class SqliteRefusalStore implements RefusalStore {
  private readonly statements = perConnection(prepare);
  /** Refusals waiting for the next flush, coalesced per source (ingest/refusal-ring.ts). */
  private readonly pending = new RefusalQueue();
  /** The queued flush every refusal recorded before it runs waits for. */
  private queued: Promise<void> | null = null;

  constructor(
    private readonly c: ConnectionView,
    private readonly batcher: CommitBatcher,
  ) {}

  record(refusal: NewRefusal): Promise<void> {
    this.pending.add(refusal);
    if (this.queued !== null) return this.queued;
    const job = this.batcher.run(() => this.flush(), 'relaxed');
    this.queued = job;
    // A batch that failed before this job ran: its refusals are dropped (their callers were told), the next one queues afresh.
    job.catch(() => {
      if (this.queued !== job) return;
      this.queued = null;
      this.pending.take();
    });
    return job;
  }

  /**
   * Newest first: by receipt time, then by number within the source (refusals of one millisecond).
   * The table holds at most a ring per source, so this reads at most that many rows per source.
   */
  async list(query: RefusalQuery): Promise<Page<StoredRefusal>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.sourceId !== undefined) where.push('source_id = ?'), params.push(query.sourceId);
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      where.push(`(${SORT_KEY} < ? OR (${SORT_KEY} = ? AND id < ?))`), params.push(c.sortKey, c.sortKey, c.id);
    }
    const sql = `SELECT *, ${SORT_KEY} AS sort_key FROM webhook_refusals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY sort_key DESC, id DESC LIMIT ?`;
    const rows = this.c.read(() => this.c.db.prepare(sql).all(...params, query.limit + 1) as (RefusalRow & { sort_key: string })[]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toRefusal), nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null };
  }

  async get(id: string): Promise<StoredRefusal | null> {
    const row = this.c.read(() => this.st().get.get(id) as RefusalRow | undefined);
    return row === undefined ? null : toRefusal(row);
  }

  async counts(sourceId?: string): Promise<RefusalCounts> {
    const row = this.c.read(() => (sourceId === undefined ? this.st().countsAll.get() : this.st().countsOf.get(sourceId)) as RefusalCounts | undefined);
    return row ?? { total: 0, since: null, lastAt: null };
  }

  /** Write every pending refusal (inside the batch's transaction). */
  private flush(): void {
    const pending = this.pending.take();
    this.queued = null;
    const st = this.st();
    for (const [sourceId, of] of pending) {
      const writes = refusalWrites(of);
      if (writes === null) continue;
      const total = st.count.get({ sourceId, added: writes.added, firstAt: writes.firstAt, lastAt: writes.lastAt }) as number;
      for (const { refusal, seq, slot } of writes.slotsFor(total)) st.keep.run({ ...refusal, seq, slot, headers: JSON.stringify(refusal.headers) });
    }
  }

  private st(): ReturnType<typeof prepare> {
    return this.statements(this.c.db);
  }
}
