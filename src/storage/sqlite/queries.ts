import type Database from 'better-sqlite3';
import type { Lead } from '../../core/lead.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { LeadQuery, Page } from '../port.js';
import { toLead } from './rows.js';

/** Leads, most recently active first, filtered; keyset-paginated on (last_event_at, id). */
export function listLeads(db: Database.Database, query: LeadQuery): Page<Lead> {
  const where: string[] = [];
  const params: unknown[] = [];
  let from = 'leads';
  if (query.phones !== undefined) {
    if (query.phones.length === 0) return { items: [], nextCursor: null };
    // Any of a lead's numbers (`lead_phones`, migration 0014): its index gives the few matching leads,
    // each once (DISTINCT), read by key; CROSS JOIN keeps them the outer loop, as the `q` candidates below.
    from = `(SELECT DISTINCT lead_id FROM lead_phones WHERE phone IN (${query.phones.map(() => '?').join(', ')})) AS matched
            CROSS JOIN leads ON leads.id = matched.lead_id`;
    params.push(...query.phones);
  }
  if (query.email !== undefined) where.push('email = ?'), params.push(query.email);
  if (query.stage !== undefined) where.push('stage = ?'), params.push(query.stage);
  if (query.provider !== undefined) where.push('provider = ?'), params.push(query.provider);
  if (query.sourceId !== undefined) where.push('source_id = ?'), params.push(query.sourceId);
  // A literal, not a parameter: `is_test = 1` lets SQLite read the partial index of test leads (migration 0007).
  if (query.isTest !== undefined) where.push(query.isTest ? 'leads.is_test = 1' : 'leads.is_test = 0');
  addDateFilters(query, where, params);
  if (query.q !== undefined) {
    const q = query.q.toLowerCase();
    // The trigram index (plus the few leads queued for it) narrows the rows when the text is rare;
    // the instr() test stays either way, so both plans return exactly the same leads. CROSS JOIN
    // keeps those candidates as the outer loop, whatever other filter has an index of its own.
    if (isIndexedSearchWorthIt(db, q, query)) {
      from = `(SELECT rowid AS lead_rowid FROM leads_fts WHERE leads_fts MATCH ? UNION ALL SELECT lead_rowid FROM leads_fts_pending) AS candidates
              CROSS JOIN leads ON leads.rowid = candidates.lead_rowid`;
      params.unshift(ftsPhrase(q));
    }
    where.push('instr(leads.search_text, ?) > 0');
    params.push(q);
  }
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push('(last_event_at < ? OR (last_event_at = ? AND id < ?))');
    params.push(c.sortKey, c.sortKey, c.id);
  }
  const sql = `SELECT id, last_event_at, doc FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY last_event_at DESC, id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, query.limit + 1) as { id: string; last_event_at: string; doc: string }[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => toLead(r.doc)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.last_event_at, last.id) : null,
  };
}

/**
 * The date filters, as text comparisons of ISO UTC times (stored times are all `toISOString()`).
 * Last activity reads leads_by_activity, the list's own order; first seen reads leads_by_first_seen
 * (migration 0010). A lead's first sighting is never after its last activity, so `firstSeenSince` also
 * bounds `last_event_at`: a recent first-seen window walks only the recently active part of the
 * activity index, whichever index SQLite picks.
 */
function addDateFilters(query: LeadQuery, where: string[], params: unknown[]): void {
  const since = maxIso(query.lastActivitySince, query.firstSeenSince);
  if (since !== undefined) where.push('last_event_at >= ?'), params.push(since);
  if (query.lastActivityUntil !== undefined) where.push('last_event_at <= ?'), params.push(query.lastActivityUntil);
  if (query.firstSeenSince !== undefined) where.push('first_seen_at >= ?'), params.push(query.firstSeenSince);
  if (query.firstSeenUntil !== undefined) where.push('first_seen_at <= ?'), params.push(query.firstSeenUntil);
}

function maxIso(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/**
 * Above this many leads containing the `q` text, reading the most recently active leads in order and
 * testing each (leads_by_activity) finds a page sooner than fetching and sorting every match: with at
 * least this many matches among N leads, a page of 50 is found within ~50·N/this rows.
 */
const INDEXED_SEARCH_MAX_MATCHES = 5000;

/**
 * Whether `q` should go through the trigram index (leads_fts, migration 0004; leads_fts_pending holds
 * the leads written since it was last updated, never more than a few dozen): it must be 3 or more
 * characters (a trigram index cannot answer shorter text) without a NUL, no phone or e-mail filter may already pick
 * a handful of rows through its own index, and the text must be rare enough that fetching and sorting
 * all its matches costs less than walking the activity order (counted from the index, bounded).
 */
function isIndexedSearchWorthIt(db: Database.Database, q: string, query: LeadQuery): boolean {
  // FTS5 reads its query up to a NUL ("unterminated string"); instr() compares the whole text.
  if ([...q].length < 3 || q.includes('\0') || query.phones !== undefined || query.email !== undefined) return false;
  const matches = db
    .prepare('SELECT count(*) FROM (SELECT 1 FROM leads_fts WHERE leads_fts MATCH ? LIMIT ?)')
    .pluck()
    .get(ftsPhrase(q), INDEXED_SEARCH_MAX_MATCHES + 1) as number;
  return matches <= INDEXED_SEARCH_MAX_MATCHES;
}

/** `q` as one FTS5 string: with the trigram tokenizer, the leads whose text contains it. */
function ftsPhrase(q: string): string {
  return `"${q.replace(/"/g, '""')}"`;
}
