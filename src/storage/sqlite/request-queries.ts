import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ITEM_LIMITS, type Page, type RequestQuery, type StoredRequest } from '../port.js';
import { toListedRequest, type RequestListRow } from './rows.js';

/** Where a stored `items` value keeps its outcomes: the array itself (older rows) or its `items`. */
const OUTCOMES_PATH = `CASE json_type(r.items) WHEN 'array' THEN '$' ELSE '$.items' END`;

/** Counts per outcome: stored with the outcomes, or counted from an older row's full array. */
const COUNTS = `CASE json_type(r.items) WHEN 'array' THEN (
    SELECT json_object('total', count(*),
      'created', count(*) FILTER (WHERE value ->> 'outcome' = 'created'),
      'updated', count(*) FILTER (WHERE value ->> 'outcome' = 'updated'),
      'duplicate', count(*) FILTER (WHERE value ->> 'outcome' = 'duplicate'),
      'stale', count(*) FILTER (WHERE value ->> 'outcome' = 'stale'),
      'quarantined', count(*) FILTER (WHERE value ->> 'outcome' = 'quarantined'))
    FROM json_each(r.items))
  ELSE json_extract(r.items, '$.counts') END`;

/**
 * Stored requests, newest first (ids are time-ordered). A page never carries per-item detail beyond
 * the first ITEM_LIMITS.listed items of each request (and their leads): its size is bounded by
 * `limit`, whatever the requests held; `GET /api/requests/:id` shows one request's items. With
 * `leadId`, the requests that touched the lead are that lead's range of `lead_requests` (its primary
 * key), walked newest first, each request read by its key.
 */
export function listRequests(db: Database.Database, query: RequestQuery): Page<StoredRequest> {
  const where: string[] = [];
  const params: unknown[] = [];
  // The id the list is ordered and paged by: the link's, when the lead's links drive the read.
  const id = query.leadId === undefined ? 'r.id' : 'lr.request_id';
  if (query.leadId !== undefined) where.push('lr.lead_id = ?'), params.push(query.leadId);
  if (query.sourceId !== undefined) where.push('r.source_id = ?'), params.push(query.sourceId);
  if (query.status !== undefined) where.push('r.status = ?'), params.push(query.status);
  if (query.cursor !== undefined) where.push(`${id} < ?`), params.push(decodeCursor(query.cursor).id);
  // CROSS JOIN keeps the lead's links as the outer loop (SQLite does not reorder it).
  const from = query.leadId === undefined ? 'requests r' : 'lead_requests lr CROSS JOIN requests r ON r.id = lr.request_id';
  const sql = `SELECT r.id, r.source_id, r.provider, r.received_at, r.status, r.reason, r.http_status, r.content_type, r.headers,
                      length(r.body) AS body_size, r.body_sha256, r.reprocessed_at, r.reprocess_count, r.is_test_send,
                      (SELECT json_group_array(json(value)) FROM json_each(r.items, ${OUTCOMES_PATH}) WHERE key < @listed) AS items_listed,
                      (SELECT json_group_array(lead_id) FROM (
                         SELECT DISTINCT value ->> 'leadId' AS lead_id FROM json_each(r.items, ${OUTCOMES_PATH})
                         WHERE value ->> 'leadId' IS NOT NULL LIMIT @listed)) AS lead_ids,
                      ${COUNTS} AS item_counts
               FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${id} DESC LIMIT @limit`;
  const named = { listed: ITEM_LIMITS.listed, limit: query.limit + 1 };
  const rows = db.prepare(sql).all(...params, named) as RequestListRow[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toListedRequest),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.received_at, last.id) : null,
  };
}
