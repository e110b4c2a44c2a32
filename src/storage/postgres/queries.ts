import type pg from 'pg';
import type { Lead } from '../../core/lead.js';
import { leadFromDocument } from '../../core/stored-lead.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ITEM_LIMITS, type HeldRequest, type HeldRequestQuery, type LeadQuery, type Page, type RequestQuery, type StoredRequest } from '../port.js';
import { SELECT_HELD, toHeld, toListedRequest, type HeldRow, type RequestListRow } from '../rows/request-rows.js';

/** Numbered parameters ($1, $2…) collected while a query is built. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}

/** `text` as a LIKE pattern matching it anywhere (its %, _ and \ taken literally). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A page of `limit` from `limit + 1` rows, with the cursor of its last row when there is more. */
function page<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => [string, string]): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(...cursorOf(last)) : null };
}

/**
 * Leads, most recently active first, filtered; keyset-paginated on (last_event_at, id), the cursor
 * of the SQLite store. `q` is a case-insensitive substring of the search text (LIKE, which the
 * pg_trgm index of migration 0001 answers when the extension was available).
 */
export async function listLeads(q: pg.Pool, query: LeadQuery): Promise<Page<Lead>> {
  const where: string[] = [];
  const p = new Params();
  if (query.phones !== undefined) {
    if (query.phones.length === 0) return { items: [], nextCursor: null };
    // Any of a lead's numbers (`lead_phones`, migration 0006): a lead matched by two is still one row.
    where.push(`id IN (SELECT lead_id FROM lead_phones WHERE phone = ANY(${p.add(query.phones)}::text[]))`);
  }
  if (query.email !== undefined) where.push(`email = ${p.add(query.email)}`);
  if (query.stage !== undefined) where.push(`stage = ${p.add(query.stage)}`);
  if (query.provider !== undefined) where.push(`provider = ${p.add(query.provider)}`);
  if (query.sourceId !== undefined) where.push(`source_id = ${p.add(query.sourceId)}`);
  if (query.isTest !== undefined) where.push(query.isTest ? 'is_test' : 'NOT is_test');
  // A lead's first sighting is never after its last activity: firstSeenSince also bounds last_event_at.
  const since = [query.lastActivitySince, query.firstSeenSince].filter((v): v is string => v !== undefined).sort().pop();
  if (since !== undefined) where.push(`last_event_at >= ${p.add(since)}`);
  if (query.lastActivityUntil !== undefined) where.push(`last_event_at <= ${p.add(query.lastActivityUntil)}`);
  if (query.firstSeenSince !== undefined) where.push(`first_seen_at >= ${p.add(query.firstSeenSince)}`);
  if (query.firstSeenUntil !== undefined) where.push(`first_seen_at <= ${p.add(query.firstSeenUntil)}`);
  // PostgreSQL text cannot hold NUL, which a search text never contains either: nothing matches.
  if (query.q !== undefined) {
    if (query.q.includes('\0')) return { items: [], nextCursor: null };
    where.push(`search_text LIKE ${p.add(containsPattern(query.q.toLowerCase()))}`);
  }
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push(`(last_event_at, id) < (${p.add(c.sortKey)}, ${p.add(c.id)})`);
  }
  const sql = `SELECT id, last_event_at, doc FROM leads ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY last_event_at DESC, id DESC LIMIT ${p.add(query.limit + 1)}`;
  const rows = (await q.query<{ id: string; last_event_at: string; doc: string }>(sql, p.values)).rows;
  return page(rows, query.limit, (r) => leadFromDocument(r.doc), (r) => [r.last_event_at, r.id]);
}

/** Where a stored `items` value keeps its outcomes: the array itself (older rows, copied from SQLite) or its `items`. */
const OUTCOMES = `(CASE jsonb_typeof(r.items::jsonb) WHEN 'array' THEN r.items::jsonb ELSE r.items::jsonb -> 'items' END)`;

/** Counts per outcome: stored with the outcomes, or counted from an older row's full array. */
const COUNTS = `CASE jsonb_typeof(r.items::jsonb) WHEN 'array' THEN (
    SELECT jsonb_build_object('total', count(*),
      'created', count(*) FILTER (WHERE v ->> 'outcome' = 'created'),
      'updated', count(*) FILTER (WHERE v ->> 'outcome' = 'updated'),
      'duplicate', count(*) FILTER (WHERE v ->> 'outcome' = 'duplicate'),
      'stale', count(*) FILTER (WHERE v ->> 'outcome' = 'stale'),
      'quarantined', count(*) FILTER (WHERE v ->> 'outcome' = 'quarantined'))
    FROM jsonb_array_elements(r.items::jsonb) AS e(v))
  ELSE r.items::jsonb -> 'counts' END`;

/**
 * Stored requests, newest first (ids are time-ordered). Like SQLite's, a page carries the first
 * ITEM_LIMITS.listed items of each request, their leads and the counts of all, never the body.
 */
export async function listRequests(q: pg.Pool, query: RequestQuery): Promise<Page<StoredRequest>> {
  const where: string[] = [];
  const p = new Params();
  // With `leadId`, the lead's range of `lead_requests` (its primary key) drives the read, newest first.
  const id = query.leadId === undefined ? 'r.id' : 'lr.request_id';
  if (query.leadId !== undefined) where.push(`lr.lead_id = ${p.add(query.leadId)}`);
  if (query.sourceId !== undefined) where.push(`r.source_id = ${p.add(query.sourceId)}`);
  if (query.status !== undefined) where.push(`r.status = ${p.add(query.status)}`);
  if (query.cursor !== undefined) where.push(`${id} < ${p.add(decodeCursor(query.cursor).id)}`);
  const from = query.leadId === undefined ? 'requests r' : 'lead_requests lr JOIN requests r ON r.id = lr.request_id';
  const listed = p.add(ITEM_LIMITS.listed);
  const sql = `SELECT r.id, r.source_id, r.provider, r.received_at, r.status, r.reason, r.http_status, r.content_type, r.headers,
                      octet_length(r.body) AS body_size, r.body_sha256, r.reprocessed_at, r.reprocess_count, r.is_test_send,
                      (SELECT coalesce(jsonb_agg(v ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(${OUTCOMES}) WITH ORDINALITY AS e(v, n)
                        WHERE n <= ${listed})::text AS items_listed,
                      (SELECT coalesce(jsonb_agg(lead_id ORDER BY first), '[]'::jsonb) FROM (
                         SELECT v ->> 'leadId' AS lead_id, min(n) AS first FROM jsonb_array_elements(${OUTCOMES}) WITH ORDINALITY AS e(v, n)
                         WHERE v ->> 'leadId' IS NOT NULL GROUP BY 1 ORDER BY 2 LIMIT ${listed}) d)::text AS lead_ids,
                      (${COUNTS})::text AS item_counts
               FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${id} DESC LIMIT ${p.add(query.limit + 1)}`;
  const rows = (await q.query<RequestListRow>(sql, p.values)).rows;
  return page(rows, query.limit, toListedRequest, (r) => [r.received_at, r.id]);
}

/** Held webhooks, newest request first, keyset-paginated on (request, lead) as on SQLite. */
export async function listHeldRequests(q: pg.Pool, query: HeldRequestQuery): Promise<Page<HeldRequest>> {
  const where: string[] = [];
  const p = new Params();
  if (query.pendingOnly) where.push('h.resolution IS NULL');
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push(`(h.request_id, h.lead_id) < (${p.add(c.sortKey)}, ${p.add(c.id)})`);
  }
  const sql = `${SELECT_HELD} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY h.request_id DESC, h.lead_id DESC LIMIT ${p.add(query.limit + 1)}`;
  const rows = (await q.query<HeldRow>(sql, p.values)).rows;
  return page(rows, query.limit, toHeld, (r) => [r.request_id, r.lead_id]);
}
