import type pg from 'pg';
import { actorLabel, noPendingHoldsError, personNeedles, redactedEventRow, redactedExcerpt, redactedTimelineRow } from '../../core/erasure-rows.js';
import { redactLead } from '../../core/erasure.js';
import type { ProviderId } from '../../core/lead.js';
import type { LeadErasureNotice } from '../../core/lead-events.js';
import { searchText } from '../../core/search-text.js';
import { leadFromDocument } from '../../core/stored-lead.js';
import { redactedRequestRow } from '../../ingest/erased-copy.js';
import type { ErasedLeadRef } from '../../ingest/redact-body.js';
import type { ErasedCounts, ErasureActor, HeldRequest, LeadErasure } from '../port.js';
import { toErasure, type ErasureRow } from '../rows/lead-rows.js';
import { SELECT_HELD, toHeld, type HeldRow } from '../rows/request-rows.js';

/**
 * Erasure of a person's personal data on PostgreSQL, inside the caller's transaction: the same
 * copies as on SQLite (sqlite/erase-lead.ts says which), with the same per-row decisions
 * (core/erasure-rows.ts). The lead row is locked first, so a webhook of the lead applying at the
 * same moment on any instance either commits before (and is erased) or waits and is held; and the
 * `lead.erased` deliveries `notify` writes (as on SQLite) get a later seq than the lead's earlier ones.
 */
export async function eraseLead(
  c: pg.PoolClient,
  leadId: string,
  by: ErasureActor,
  now: string,
  notify: (notice: LeadErasureNotice) => Promise<number>,
): Promise<LeadErasure | null> {
  const found = await c.query<{ source_id: string; provider_lead_id: string; doc: string }>('SELECT source_id, provider_lead_id, doc FROM leads WHERE id = $1 FOR UPDATE', [leadId]);
  const row = found.rows[0];
  if (row === undefined) return null;
  const before = leadFromDocument(row.doc);
  const { lead, fields } = redactLead(before);
  await c.query('UPDATE leads SET phone = NULL, email = NULL, search_text = $1, doc = $2 WHERE id = $3', [searchText(lead), JSON.stringify(lead), leadId]);
  // Its numbers are no longer searched (migration 0006).
  await c.query('DELETE FROM lead_phones WHERE lead_id = $1', [leadId]);
  const requests = await redactRequests(c, { leadId, providerLeadId: row.provider_lead_id, erasedAt: now });
  const erased: ErasedCounts = {
    leadFields: fields,
    timelineEntries: await redactTimeline(c, leadId),
    requests: requests.all,
    requestsItemOnly: requests.itemOnly,
    heldDiscarded:
      (await c.query(`UPDATE held_requests SET resolution = 'discarded', resolved_at = $1, resolved_by = $2 WHERE lead_id = $3 AND resolution IS NULL`, [now, actorLabel(by), leadId]))
        .rowCount ?? 0,
    events: await redactEvents(c, leadId),
    destinationsNotified: await notify({ lead, erasedAt: now, requestedBy: by.requestedBy }),
    attemptResponses:
      (
        await c.query(
          `UPDATE delivery_attempts SET response_snippet = NULL
           WHERE response_snippet IS NOT NULL AND delivery_id IN (SELECT id FROM deliveries WHERE lead_id = $1)`,
          [leadId],
        )
      ).rowCount ?? 0,
    refusalExcerpts: await redactRefusals(c, row.source_id, personNeedles(row.provider_lead_id, before)),
  };
  await c.query(
    `INSERT INTO lead_erasures (lead_id, erased_at, actor, remote_address, requested_by, erased)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (lead_id) DO UPDATE SET erased_at = $2, actor = $3, remote_address = $4, requested_by = $5, erased = $6,
       hold_lifted_at = NULL, hold_lifted_by = NULL`,
    [leadId, now, by.actor, by.remoteAddress, by.requestedBy, JSON.stringify(erased)],
  );
  return selectErasure(c, leadId);
}

async function redactRefusals(c: pg.PoolClient, sourceId: string, needles: readonly string[]): Promise<number> {
  // At most a ring (50) per source: a bounded scan.
  const rows = (await c.query<{ id: string; body_excerpt: Buffer }>('SELECT id, body_excerpt FROM webhook_refusals WHERE source_id = $1', [sourceId])).rows;
  let changed = 0;
  for (const r of rows) {
    const excerpt = redactedExcerpt(r.body_excerpt, needles);
    if (excerpt === null) continue;
    await c.query('UPDATE webhook_refusals SET body_excerpt = $1 WHERE id = $2', [excerpt, r.id]);
    changed++;
  }
  return changed;
}

async function redactTimeline(c: pg.PoolClient, leadId: string): Promise<number> {
  const rows = (await c.query<{ id: string; kind: string; summary: string; data: string }>('SELECT id, kind, summary, data FROM timeline WHERE lead_id = $1', [leadId])).rows;
  let changed = 0;
  for (const r of rows) {
    const redacted = redactedTimelineRow(r);
    if (redacted === null) continue;
    await c.query('UPDATE timeline SET summary = $1, data = $2 WHERE id = $3', [redacted.summary, redacted.data, r.id]);
    changed++;
  }
  return changed;
}

async function redactEvents(c: pg.PoolClient, leadId: string): Promise<number> {
  const rows = (await c.query<{ id: string; type: string; body: string; payload: string | null }>('SELECT id, type, body, payload FROM events WHERE lead_id = $1', [leadId])).rows;
  let changed = 0;
  for (const r of rows) {
    const redacted = redactedEventRow(r);
    if (redacted === null) continue;
    await c.query('UPDATE events SET body = $1, payload = $2 WHERE id = $3', [redacted.body, redacted.payload, r.id]);
    changed++;
  }
  return changed;
}

interface StoredBody {
  id: string;
  provider: ProviderId;
  body: Buffer;
  auth_payload: string | null;
}

async function redactRequests(c: pg.PoolClient, ref: ErasedLeadRef): Promise<{ all: number; itemOnly: number }> {
  const rows = (
    await c.query<StoredBody>(
      `SELECT r.id, r.provider, r.body, r.auth_payload FROM lead_requests lr JOIN requests r ON r.id = lr.request_id WHERE lr.lead_id = $1`,
      [ref.leadId],
    )
  ).rows;
  let itemOnly = 0;
  for (const r of rows) if ((await redactStoredRequest(c, r, [ref])) === 'item') itemOnly++;
  return { all: rows.length, itemOnly };
}

/** Replace a stored request's body and claims by their copy without these leads' items; `body_sha256` stays. */
async function redactStoredRequest(c: pg.PoolClient, r: StoredBody, leads: readonly ErasedLeadRef[]): Promise<'item' | 'body' | null> {
  const redacted = redactedRequestRow(r, leads);
  if (redacted === null) return null;
  await c.query('UPDATE requests SET body = $1, auth_payload = $2 WHERE id = $3', [redacted.body, redacted.authPayload, r.id]);
  return redacted.scope;
}

/** The audit stub of a lead's erasure, or null. */
export async function selectErasure(q: pg.Pool | pg.PoolClient, leadId: string): Promise<LeadErasure | null> {
  const row = (await q.query<ErasureRow>('SELECT * FROM lead_erasures WHERE lead_id = $1', [leadId])).rows[0];
  return row === undefined ? null : toErasure(row);
}

/** The request's holds still waiting, locked; LH_E_NOT_HELD / LH_E_REQUEST_NOT_FOUND when there are none. */
async function pendingHolds(c: pg.PoolClient, requestId: string): Promise<HeldRow[]> {
  const rows = (await c.query<HeldRow>(`${SELECT_HELD} WHERE h.request_id = $1 AND h.resolution IS NULL ORDER BY h.lead_id FOR UPDATE OF h`, [requestId])).rows;
  if (rows.length > 0) return rows;
  const exists = (await c.query('SELECT 1 FROM requests WHERE id = $1', [requestId])).rowCount !== 0;
  throw noPendingHoldsError(requestId, exists);
}

async function resolve(c: pg.PoolClient, rows: HeldRow[], resolution: 'applied' | 'discarded', by: ErasureActor, now: string): Promise<HeldRequest[]> {
  const label = actorLabel(by);
  await c.query('UPDATE held_requests SET resolution = $1, resolved_at = $2, resolved_by = $3 WHERE request_id = $4 AND lead_id = ANY($5::text[])', [
    resolution,
    now,
    label,
    rows[0]!.request_id,
    rows.map((r) => r.lead_id),
  ]);
  return rows.map((r) => toHeld({ ...r, resolution, resolved_at: now, resolved_by: label }));
}

/** Apply, first half: the waiting holds are marked applied and their leads' holds lifted; the caller reprocesses. */
export async function releaseHeldRequest(c: pg.PoolClient, requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
  const rows = await pendingHolds(c, requestId);
  await c.query('UPDATE lead_erasures SET hold_lifted_at = $1, hold_lifted_by = $2 WHERE lead_id = ANY($3::text[]) AND hold_lifted_at IS NULL', [
    now,
    actorLabel(by),
    rows.map((r) => r.lead_id),
  ]);
  return resolve(c, rows, 'applied', by, now);
}

/** Discard: the waiting holds are marked discarded and the held leads' items redacted from the request's body. */
export async function discardHeldRequest(c: pg.PoolClient, requestId: string, by: ErasureActor, now: string): Promise<HeldRequest[]> {
  const rows = await pendingHolds(c, requestId);
  const request = (await c.query<StoredBody>('SELECT id, provider, body, auth_payload FROM requests WHERE id = $1', [requestId])).rows[0]!;
  const ids = (await c.query<{ id: string; provider_lead_id: string }>('SELECT id, provider_lead_id FROM leads WHERE id = ANY($1::text[])', [rows.map((r) => r.lead_id)])).rows;
  const leads = rows.map((r) => ({ leadId: r.lead_id, providerLeadId: ids.find((l) => l.id === r.lead_id)?.provider_lead_id ?? '', erasedAt: now }));
  await redactStoredRequest(c, request, leads);
  return resolve(c, rows, 'discarded', by, now);
}

