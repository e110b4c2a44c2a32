/**
 * What an erasure of a person's personal data keeps and what it empties (pure; the store applies it
 * to every copy it holds, src/storage/sqlite/erase-lead.ts).
 *
 * Personal: every `person` field, the `message`, the query and fragment of attribution page URLs
 * (forms put e-mails there), and every `extra` field but the listing fields that say what the lead is
 * about (providers/listing-fields.ts). Kept: ids, source, provider, stage and provider status, the
 * assignee (staff, not the person), the rest of the attribution, and every time.
 */
import { erasureKeptExtra } from '../providers/listing-fields.js';
import type { Lead } from './lead.js';

/** Summary of a timeline entry whose text was erased. */
export const ERASED_TEXT = '(erased)';

/** Timeline kinds whose text holds only stages, statuses and the assignee: kept as they are. */
const NON_PERSONAL_KINDS = new Set(['created', 'first_received', 'status_changed', 'assigned']);

/** A lead with its personal data emptied, and the names of the fields that held some. */
export function redactLead(lead: Lead): { lead: Lead; fields: string[] } {
  const fields: string[] = [];
  const person: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(lead.person ?? {})) {
    if (hasValue(value)) fields.push(`person.${key}`);
    person[key] = Array.isArray(value) ? [] : null;
  }
  if (hasValue(lead.message)) fields.push('message');
  const extra = erasureKeptExtra(lead);
  for (const key of Object.keys(lead.extra ?? {})) if (!(key in extra) || JSON.stringify(extra[key]) !== JSON.stringify(lead.extra[key])) fields.push(`extra.${key}`);
  const redacted: Lead = { ...lead, person: person as unknown as Lead['person'], message: null, extra };
  for (const key of ['attribution', 'firstAttribution'] as const) {
    const attribution = lead[key] as Record<string, unknown> | null | undefined;
    if (attribution === null || attribution === undefined || typeof attribution.pageUrl !== 'string') continue;
    const page = pageWithoutQuery(attribution.pageUrl);
    if (page !== attribution.pageUrl) fields.push(`${key}.pageUrl`);
    (redacted as unknown as Record<string, unknown>)[key] = { ...attribution, pageUrl: page };
  }
  return { lead: redacted, fields };
}

function hasValue(value: unknown): boolean {
  return value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);
}

/** The page URL without query and fragment; a value that is not a URL is erased (null). */
function pageWithoutQuery(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const u = new URL(url);
  return u.search === '' && u.hash === '' && u.username === '' && u.password === '' ? url : `${u.origin}${u.pathname}`;
}

/**
 * Changed fields (`data.changes` of `field_changed` entries and events) that are not personal: their
 * values are kept; every other change keeps its name only.
 */
function isNonPersonalField(name: string): boolean {
  return (
    name === 'stage' ||
    name === 'providerStatus' ||
    name === 'isTest' ||
    name.startsWith('assignee.') ||
    ((name.startsWith('attribution.') || name.startsWith('firstAttribution.')) && !name.endsWith('.pageUrl'))
  );
}

/** `changes` without the personal ones, and the names of those. */
export function redactChanges(changes: unknown): { kept: Record<string, unknown>; erased: string[] } {
  const kept: Record<string, unknown> = {};
  const erased: string[] = [];
  if (changes === null || typeof changes !== 'object') return { kept, erased };
  for (const [name, change] of Object.entries(changes)) {
    if (isNonPersonalField(name)) kept[name] = change;
    else erased.push(name);
  }
  return { kept, erased };
}

/**
 * A timeline entry with its personal text erased. Entries of stages, statuses and assignments stay;
 * a `field_changed` entry keeps the names of every changed field and the values of the non-personal
 * ones; any other entry (notes, calls, appointments, bookings…) keeps only its kind and times.
 */
export function redactTimelineEntry(entry: { kind: string; summary: string; data: Record<string, unknown> }): { summary: string; data: Record<string, unknown> } {
  if (NON_PERSONAL_KINDS.has(entry.kind)) return { summary: entry.summary, data: entry.data };
  if (entry.kind === 'field_changed') {
    const { kept, erased } = redactChanges(entry.data['changes']);
    if (erased.length === 0) return { summary: entry.summary, data: entry.data };
    const names = [...Object.keys(kept), ...erased].join(', ');
    return { summary: `Changed ${names} (personal values erased)`, data: { changes: kept, erasedFields: erased } };
  }
  return { summary: ERASED_TEXT, data: {} };
}

/** A stored outbound event body (`{type, id, timestamp, data: {lead, changes…}}`) with the lead redacted. */
export function redactEventBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const event = body as { data?: unknown };
  if (event.data === null || typeof event.data !== 'object') return body;
  const data = { ...(event.data as Record<string, unknown>) };
  if (data['lead'] !== null && typeof data['lead'] === 'object') data['lead'] = redactLead(data['lead'] as Lead).lead;
  if (data['changes'] !== undefined) {
    const { kept, erased } = redactChanges(data['changes']);
    data['changes'] = kept;
    if (erased.length > 0) data['erasedFields'] = erased;
  }
  return { ...event, data };
}

/** The JSON a redacted request item (or whole body) is replaced by. */
export interface ErasedMarker {
  leadhookErased: { leadId: string; erasedAt: string; scope: 'item' | 'body'; note?: string };
}

/** Whether `value` is the marker left for `leadId`. */
export function isMarkerOf(value: unknown, leadId: string): boolean {
  if (value === null || typeof value !== 'object') return false;
  const m = (value as Partial<ErasedMarker>).leadhookErased;
  return m !== undefined && m !== null && typeof m === 'object' && m.leadId === leadId;
}
