/**
 * The per-row decisions of an erasure (pure): which stored rows change and how. Every store runs the
 * same ones over its rows (src/storage/sqlite/erase-lead.ts); core/erasure.ts says what is personal.
 */
import { ERASED_TEXT, redactEventBody, redactLead, redactTimelineEntry } from './erasure.js';
import { hubError, type HubError } from './errors.js';
import type { Lead } from './lead.js';
import type { ErasureActor } from '../storage/port.js';

export { ERASED_TEXT };

/** How the actor is named where one text is kept (`admin`, `admin (by dpo@example.com)`). */
export function actorLabel(by: ErasureActor): string {
  return by.requestedBy === null ? by.actor : `${by.actor} (by ${by.requestedBy})`;
}

/**
 * What to look for in text kept as received (refused webhooks' body excerpts): the provider lead id
 * and the person's values, distinct, at least 3 characters long (shorter ones match by chance).
 */
export function personNeedles(providerLeadId: string, lead: Lead): string[] {
  const p = lead.person;
  const values = [providerLeadId, p.fullName, p.email, p.emailRaw, p.phone, p.phoneRaw, ...(p.otherPhones ?? [])].filter((v): v is string => typeof v === 'string');
  return [...new Set(values)].filter((n) => n.length >= 3);
}

/**
 * A refused webhook's body excerpt is replaced by ERASED_TEXT when it holds any needle; null when it
 * is kept. A refusal is never processed, so it is not linked to a lead: this is how it is found.
 */
export function redactedExcerpt(excerpt: Buffer, needles: readonly string[]): Buffer | null {
  const text = excerpt.toString('utf8');
  return needles.some((n) => text.includes(n)) ? Buffer.from(ERASED_TEXT) : null;
}

/** A stored timeline row with its personal text erased (data as JSON text), or null when it does not change. */
export function redactedTimelineRow(row: { kind: string; summary: string; data: string }): { summary: string; data: string } | null {
  const redacted = redactTimelineEntry({ kind: row.kind, summary: row.summary, data: JSON.parse(row.data) as Record<string, unknown> });
  const data = JSON.stringify(redacted.data);
  return redacted.summary === row.summary && data === row.data ? null : { summary: redacted.summary, data };
}

/**
 * A stored event's body redacted and what it kept for rules (EventWrite.payload): a provider item is
 * dropped (null); the lead as erased that a `lead.erased` event keeps stays, redacted again (a lead
 * erased again may have taken personal data since, never into an earlier event). Null when neither
 * changes.
 */
export function redactedEventRow(row: { type: string; body: string; payload: string | null }): { body: string; payload: string | null } | null {
  const body = JSON.stringify(redactEventBody(JSON.parse(row.body)));
  const payload = row.type === 'lead.erased' && row.payload !== null ? JSON.stringify(redactLead(JSON.parse(row.payload) as Lead).lead) : null;
  return body === row.body && payload === row.payload ? null : { body, payload };
}

/** Why a request's holds cannot be applied or discarded: none waiting (LH_E_NOT_HELD), or no such request. */
export function noPendingHoldsError(requestId: string, requestExists: boolean): HubError {
  return requestExists ? hubError('LH_E_NOT_HELD', requestId) : hubError('LH_E_REQUEST_NOT_FOUND', requestId);
}
