import { creationPatch } from '../shared/creation-patch.js';
import type { Person } from '../../core/lead.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { normalizePhone, personPhone } from '../../core/normalize/phone.js';
import { idText, isRecord, omitKeys, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import type { NormalizeContext, NormalizeResult } from '../adapter.js';

/**
 * Map one Praetorian lead (draft array element, or Lexipol ID API object) to a creation patch.
 * Fields with no canonical home stay in `extra` with their nesting: top-level keys as sent, form
 * fields under `extra.data` (providers.md R11).
 */
export function normalize(item: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(item)) return { ok: false, reason: 'the lead element is not a JSON object' };
  const providerLeadId = isIdValue(item.id) ? idText(item.id) : null;
  if (providerLeadId === null) return { ok: false, reason: idProblem(item.id) };

  const data = isRecord(item.data) ? item.data : {};
  // Lexipol ID API objects also carry `email` at the top level (cub-java Lead.java).
  const email = normalizeEmail(text(data.email) !== null ? data.email : item.email);
  const phone = normalizePhone(data.phone, { defaultCountry: ctx.defaultCountry });
  const messageKey = text(data.interested_in) !== null ? 'interested_in' : 'message';
  const created = toIsoTime(item.created);

  const person: Person = {
    fullName: joinNames([data.first_name, data.middle_name, data.last_name]),
    firstName: text(data.first_name),
    lastName: text(data.last_name),
    email: email.value,
    emailRaw: email.raw,
    ...personPhone(phone),
  };
  const dataTaken = ['first_name', 'middle_name', 'last_name', 'phone', 'email', messageKey].filter(
    (key) => isTaken(data[key]),
  );
  const topTaken = ['id'];
  if (isTaken(item.url)) topTaken.push('url');
  // An unreadable `created` stays in extra rather than vanish.
  if (created !== null || item.created === null) topTaken.push('created');
  if (isRecord(item.data)) topTaken.push('data');
  const extra = omitKeys(item, topTaken);
  const dataRest = omitKeys(data, dataTaken);
  if (Object.keys(dataRest).length > 0) extra.data = dataRest;

  return creationPatch({
    providerLeadId,
    item,
    createdAt: created,
    person,
    message: text(data[messageKey]),
    attribution: { pageUrl: text(item.url) },
    isTest: isTestLead(item.production),
    extra: extra,
  });
}

/**
 * Lexipol ID API objects carry `production: false` on test and stage leads (providers.md §1.4); the
 * draft's values default to strings, so `"false"` and `0` say the same. Absent or anything else: a real lead.
 */
function isTestLead(production: unknown): boolean {
  if (production === false || production === 0) return true;
  return typeof production === 'string' && ['false', '0'].includes(production.trim().toLowerCase());
}

function idProblem(id: unknown): string {
  if (id === undefined || id === null || typeof id === 'string') return 'id is missing (an empty placeholder element?)';
  return 'id is not a string or an integer';
}

function isIdValue(id: unknown): id is string | number {
  return typeof id === 'string' || typeof id === 'number';
}

/** True when the canonical model took the value, so it need not stay in `extra`. */
function isTaken(value: unknown): boolean {
  return value === null || typeof value === 'string' || text(value) !== null;
}

function joinNames(parts: unknown[]): string | null {
  const names = parts.map(text).filter((part): part is string => part !== null);
  return names.length === 0 ? null : names.join(' ');
}
