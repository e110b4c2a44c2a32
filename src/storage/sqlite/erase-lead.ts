import type Database from 'better-sqlite3';
import { redactLead } from '../../core/erasure.js';
import { actorLabel, personNeedles, redactedEventRow, redactedExcerpt, redactedTimelineRow } from '../../core/erasure-rows.js';
import type { ProviderId } from '../../core/lead.js';
import type { LeadErasureNotice } from '../../core/lead-events.js';
import { redactedRequestRow } from '../../ingest/erased-copy.js';
import type { ErasedLeadRef } from '../../ingest/redact-body.js';
import type { ErasedCounts, ErasureActor, LeadErasure } from '../port.js';
import { toErasure, type ErasureRow } from '../rows/lead-rows.js';
import { searchText, toLead } from './rows.js';

/**
 * Erasure of a person's personal data (`DELETE /api/leads/:id?erase=personal-data`). Runs inside the
 * caller's write transaction, so nothing is ever half-erased. Every copy leadhook holds is redacted
 * (core/erasure.ts says what is personal, core/erasure-rows.ts how each row changes):
 *
 * - the lead document, its phone and e-mail columns, its numbers (`lead_phones`, migration 0014) and
 *   its `q` search text (the trigram index follows through its triggers, migration 0004);
 * - its timeline entries' text and data;
 * - every stored request that carried it (`lead_requests`, migration 0010): the body and LeadPro's
 *   claims are replaced by a redacted copy (ingest/redact-body.ts); `body_sha256` stays, so a retry
 *   of the same bytes is still a duplicate, and the idempotency ledger stays, so a retry of content
 *   already applied is still a duplicate;
 * - its outbound events' bodies and kept provider items (`payload`, for rules); deliveries not sent
 *   yet read the event body when claimed, so they send the redacted lead;
 * - the response snippets of its deliveries' attempts (a receiver may echo what it received);
 * - held webhooks for it still waiting are discarded (their bodies are among the requests above).
 *
 * In the same transaction, `notify` writes the `lead.erased` event and its deliveries (the
 * destinations that took the lead are told to erase their copy, GDPR Art. 19), after the lead's
 * earlier ones, so each destination gets it after every earlier event of the lead.
 *
 * The audit stub (`lead_erasures`) says what was erased, when and by whom; while it holds, a new
 * webhook for the lead is held (apply-ingest.ts). Erasing again redacts what arrived since, and tells
 * the destinations again.
 */
export function eraseLead(
  db: Database.Database,
  leadId: string,
  by: ErasureActor,
  now: string,
  notify: (notice: LeadErasureNotice) => number,
): LeadErasure | null {
  const row = db.prepare('SELECT source_id, provider, provider_lead_id, doc FROM leads WHERE id = ?').get(leadId) as
    | { source_id: string; provider: ProviderId; provider_lead_id: string; doc: string }
    | undefined;
  if (row === undefined) return null;
  const before = toLead(row.doc);
  const { lead, fields } = redactLead(before);
  db.prepare('UPDATE leads SET phone = NULL, email = NULL, search_text = ?, doc = ? WHERE id = ?').run(searchText(lead), JSON.stringify(lead), leadId);
  // Its numbers are no longer searched (migration 0014).
  db.prepare('DELETE FROM lead_phones WHERE lead_id = ?').run(leadId);
  const ref: ErasedLeadRef = { leadId, providerLeadId: row.provider_lead_id, erasedAt: now };
  const requests = redactRequests(db, ref);
  const erased: ErasedCounts = {
    leadFields: fields,
    timelineEntries: redactTimeline(db, leadId),
    requests: requests.all,
    requestsItemOnly: requests.itemOnly,
    heldDiscarded: db
      .prepare(`UPDATE held_requests SET resolution = 'discarded', resolved_at = ?, resolved_by = ? WHERE lead_id = ? AND resolution IS NULL`)
      .run(now, actorLabel(by), leadId).changes,
    events: redactEvents(db, leadId),
    destinationsNotified: notify({ lead, erasedAt: now, requestedBy: by.requestedBy }),
    attemptResponses: db
      .prepare(
        `UPDATE delivery_attempts SET response_snippet = NULL
         WHERE response_snippet IS NOT NULL AND delivery_id IN (SELECT id FROM deliveries WHERE lead_id = ?)`,
      )
      .run(leadId).changes,
    refusalExcerpts: redactRefusals(db, row.source_id, personNeedles(row.provider_lead_id, before)),
  };
  db.prepare(
    `INSERT INTO lead_erasures (lead_id, erased_at, actor, remote_address, requested_by, erased)
     VALUES (@leadId, @now, @actor, @remoteAddress, @requestedBy, @erased)
     ON CONFLICT (lead_id) DO UPDATE SET erased_at = @now, actor = @actor, remote_address = @remoteAddress,
       requested_by = @requestedBy, erased = @erased, hold_lifted_at = NULL, hold_lifted_by = NULL`,
  ).run({ leadId, now, ...by, erased: JSON.stringify(erased) });
  return selectErasure(db, leadId);
}

/**
 * A refused webhook to the lead's source is never processed, so it is not linked to the lead: its
 * body excerpt (the first KiB, as received) is erased when it holds the lead's id or any of the
 * person's values. At most 50 refusals are kept per source, so this is a bounded scan.
 */
function redactRefusals(db: Database.Database, sourceId: string, needles: readonly string[]): number {
  const rows = db.prepare('SELECT id, body_excerpt FROM webhook_refusals WHERE source_id = ?').all(sourceId) as { id: string; body_excerpt: Buffer }[];
  const update = db.prepare('UPDATE webhook_refusals SET body_excerpt = ? WHERE id = ?');
  let changed = 0;
  for (const r of rows) {
    const excerpt = redactedExcerpt(r.body_excerpt, needles);
    if (excerpt === null) continue;
    update.run(excerpt, r.id);
    changed++;
  }
  return changed;
}

function redactTimeline(db: Database.Database, leadId: string): number {
  const rows = db.prepare('SELECT id, kind, summary, data FROM timeline WHERE lead_id = ?').all(leadId) as { id: string; kind: string; summary: string; data: string }[];
  const update = db.prepare('UPDATE timeline SET summary = ?, data = ? WHERE id = ?');
  let changed = 0;
  for (const r of rows) {
    const redacted = redactedTimelineRow(r);
    if (redacted === null) continue;
    update.run(redacted.summary, redacted.data, r.id);
    changed++;
  }
  return changed;
}

function redactEvents(db: Database.Database, leadId: string): number {
  const rows = db.prepare('SELECT id, type, body, payload FROM events WHERE lead_id = ?').all(leadId) as { id: string; type: string; body: string; payload: string | null }[];
  const update = db.prepare('UPDATE events SET body = ?, payload = ? WHERE id = ?');
  let changed = 0;
  for (const r of rows) {
    const redacted = redactedEventRow(r);
    if (redacted === null) continue;
    update.run(redacted.body, redacted.payload, r.id);
    changed++;
  }
  return changed;
}

/** Redact every stored request that carried the lead; counts all changed and those changed item by item. */
function redactRequests(db: Database.Database, ref: ErasedLeadRef): { all: number; itemOnly: number } {
  const rows = db
    .prepare(
      `SELECT r.id, r.provider, r.body, r.auth_payload FROM lead_requests lr JOIN requests r ON r.id = lr.request_id
       WHERE lr.lead_id = ?`,
    )
    .all(ref.leadId) as { id: string; provider: ProviderId; body: Buffer; auth_payload: string | null }[];
  let all = 0;
  let itemOnly = 0;
  for (const r of rows) {
    if (redactStoredRequest(db, r, [ref]) === 'item') itemOnly++;
    all++;
  }
  return { all, itemOnly };
}

/**
 * Replace a stored request's body and claims by their copy without these leads' items; the widest
 * scope used, or null when nothing changed. `body_sha256` is left as it was.
 */
export function redactStoredRequest(
  db: Database.Database,
  r: { id: string; provider: ProviderId; body: Buffer; auth_payload: string | null },
  leads: readonly ErasedLeadRef[],
): 'item' | 'body' | null {
  const redacted = redactedRequestRow(r, leads);
  if (redacted === null) return null;
  db.prepare('UPDATE requests SET body = ?, auth_payload = ? WHERE id = ?').run(redacted.body, redacted.authPayload, r.id);
  return redacted.scope;
}

/** The audit stub of a lead's erasure, or null. */
export function selectErasure(db: Database.Database, leadId: string): LeadErasure | null {
  const row = db.prepare('SELECT * FROM lead_erasures WHERE lead_id = ?').get(leadId) as ErasureRow | undefined;
  return row === undefined ? null : toErasure(row);
}
