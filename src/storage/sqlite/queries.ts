import type Database from 'better-sqlite3';
import type { Lead } from '../../core/lead.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { LeadQuery, Page, RequestQuery, StoredRequest } from '../port.js';
import { toLead, toRequest, type RequestListRow } from './rows.js';

/** Leads, most recently active first, filtered; keyset-paginated on (last_event_at, id). */
export function listLeads(db: Database.Database, query: LeadQuery): Page<Lead> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.phones !== undefined) {
    if (query.phones.length === 0) return { items: [], nextCursor: null };
    where.push(`phone IN (${query.phones.map(() => '?').join(', ')})`);
    params.push(...query.phones);
  }
  if (query.email !== undefined) where.push('email = ?'), params.push(query.email);
  if (query.stage !== undefined) where.push('stage = ?'), params.push(query.stage);
  if (query.provider !== undefined) where.push('provider = ?'), params.push(query.provider);
  if (query.sourceId !== undefined) where.push('source_id = ?'), params.push(query.sourceId);
  if (query.q !== undefined) {
    where.push("instr(search_text, ?) > 0");
    params.push(query.q.toLowerCase());
  }
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push('(last_event_at < ? OR (last_event_at = ? AND id < ?))');
    params.push(c.sortKey, c.sortKey, c.id);
  }
  const sql = `SELECT id, last_event_at, doc FROM leads ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY last_event_at DESC, id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, query.limit + 1) as { id: string; last_event_at: string; doc: string }[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => toLead(r.doc)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.last_event_at, last.id) : null,
  };
}

/** Stored requests, newest first (ids are time-ordered). */
export function listRequests(db: Database.Database, query: RequestQuery): Page<StoredRequest> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.sourceId !== undefined) where.push('source_id = ?'), params.push(query.sourceId);
  if (query.status !== undefined) where.push('status = ?'), params.push(query.status);
  if (query.cursor !== undefined) where.push('id < ?'), params.push(decodeCursor(query.cursor).id);
  const sql = `SELECT id, source_id, provider, received_at, status, reason, http_status, content_type, headers,
                      length(body) AS body_size, body_sha256, items, reprocessed_at
               FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, query.limit + 1) as RequestListRow[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRequest),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.received_at, last.id) : null,
  };
}
