import type Database from 'better-sqlite3';
import { actorLabel, noPendingHoldsError } from '../../core/erasure-rows.js';
import type { ProviderId } from '../../core/lead.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ErasureActor, HeldRequest, HeldRequestQuery, Page } from '../port.js';
import { SELECT_HELD, toHeld, type HeldRow } from '../rows/request-rows.js';
import { redactStoredRequest } from './erase-lead.js';

/**
 * Webhooks held because their lead's personal data was erased (apply-ingest.ts holds them; migration
 * 0010). An admin decides for each request: apply (the hold on its leads is lifted and the request is
 * reprocessed, so it applies like any webhook) or discard (its held leads' items are redacted).
 */


/** Held webhooks, newest request first (ids are time-ordered), keyset-paginated on (request, lead). */
export function listHeldRequests(db: Database.Database, query: HeldRequestQuery): Page<HeldRequest> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.pendingOnly) where.push('h.resolution IS NULL');
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push('(h.request_id < ? OR (h.request_id = ? AND h.lead_id < ?))');
    params.push(c.sortKey, c.sortKey, c.id);
  }
  const rows = db
    .prepare(`${SELECT_HELD} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY h.request_id DESC, h.lead_id DESC LIMIT ?`)
    .all(...params, query.limit + 1) as HeldRow[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page.map(toHeld), nextCursor: rows.length > query.limit && last ? encodeCursor(last.request_id, last.lead_id) : null };
}

/** The request's holds still waiting; LH_E_REQUEST_NOT_FOUND / LH_E_NOT_HELD when there are none. */
function pendingHolds(db: Database.Database, requestId: string): HeldRow[] {
  const rows = db.prepare(`${SELECT_HELD} WHERE h.request_id = ? AND h.resolution IS NULL ORDER BY h.lead_id`).all(requestId) as HeldRow[];
  if (rows.length > 0) return rows;
  throw noPendingHoldsError(requestId, db.prepare('SELECT 1 FROM requests WHERE id = ?').get(requestId) !== undefined);
}

function resolve(db: Database.Database, rows: HeldRow[], resolution: 'applied' | 'discarded', by: ErasureActor, now: string): HeldRequest[] {
  const update = db.prepare('UPDATE held_requests SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE request_id = ? AND lead_id = ?');
  for (const r of rows) update.run(resolution, now, actorLabel(by), r.request_id, r.lead_id);
  return rows.map((r) => toHeld({ ...r, resolution, resolved_at: now, resolved_by: actorLabel(by) }));
}

/**
 * Apply, first half: the request's waiting holds are marked applied and their leads take webhooks
 * again (the erasure's hold is lifted; its audit stub stays). The caller then reprocesses the request.
 */
export function releaseHeldRequest(db: Database.Database, requestId: string, by: ErasureActor, now: string): HeldRequest[] {
  const rows = pendingHolds(db, requestId);
  const lift = db.prepare('UPDATE lead_erasures SET hold_lifted_at = ?, hold_lifted_by = ? WHERE lead_id = ? AND hold_lifted_at IS NULL');
  for (const r of rows) lift.run(now, actorLabel(by), r.lead_id);
  return resolve(db, rows, 'applied', by, now);
}

/** Discard: the request's waiting holds are marked discarded and the held leads' items redacted from its body. */
export function discardHeldRequest(db: Database.Database, requestId: string, by: ErasureActor, now: string): HeldRequest[] {
  const rows = pendingHolds(db, requestId);
  const request = db.prepare('SELECT id, provider, body, auth_payload FROM requests WHERE id = ?').get(requestId) as {
    id: string;
    provider: ProviderId;
    body: Buffer;
    auth_payload: string | null;
  };
  const leads = rows.map((r) => ({
    leadId: r.lead_id,
    providerLeadId: (db.prepare('SELECT provider_lead_id FROM leads WHERE id = ?').pluck().get(r.lead_id) as string | undefined) ?? '',
    erasedAt: now,
  }));
  redactStoredRequest(db, request, leads);
  return resolve(db, rows, 'discarded', by, now);
}
