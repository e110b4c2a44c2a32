import { creationPatch } from '../shared/creation-patch.js';
import type { Person } from '../../core/lead.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { normalizePhone, personPhone } from '../../core/normalize/phone.js';
import { idText, isRecord, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import type { NormalizeContext, NormalizeResult } from '../adapter.js';
import { CaseInsensitiveFields } from './fields.js';

/**
 * Map one CasaYes lead to a creation patch. The tenant-profile fields (`EntityType`,
 * `NumberResidents`, `HasPets`, `MonthlyIncome`…) and any new key stay in `extra` as sent.
 */
export function normalize(item: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(item)) return { ok: false, reason: 'the lead is not a JSON object' };
  const fields = new CaseInsensitiveFields(item);
  const reference = fields.get('LeadReference');
  const providerLeadId = typeof reference === 'string' || typeof reference === 'number' ? idText(reference) : null;
  if (providerLeadId === null) return { ok: false, reason: missingReference(fields, reference) };

  const name = text(fields.get('SenderName'));
  const [firstName, lastName] = splitName(name);
  const email = normalizeEmail(fields.get('SenderEmail'));
  const phone = normalizePhone(fields.get('SenderPhone'), { defaultCountry: ctx.defaultCountry });
  const created = toIsoTime(fields.get('CreatedDate'));
  const person: Person = {
    fullName: name,
    firstName,
    lastName,
    email: email.value,
    emailRaw: email.raw,
    ...personPhone(phone),
  };

  fields.take('LeadReference');
  for (const key of ['SenderName', 'SenderEmail', 'SenderPhone', 'Message', 'Source']) {
    if (isTaken(fields.get(key))) fields.take(key);
  }
  // An unreadable date stays in extra rather than vanish.
  if (created !== null || fields.get('CreatedDate') === null) fields.take('CreatedDate');

  return creationPatch({
    providerLeadId,
    item,
    createdAt: created,
    person,
    message: text(fields.get('Message')),
    attribution: { source: text(fields.get('Source')) },
    // CasaYes documents no test flag (providers.md §1.3).
    isTest: false,
    extra: fields.rest(),
  });
}

function missingReference(fields: CaseInsensitiveFields, reference: unknown): string {
  // The listing webhook shares the `token` auth and may reach the same URL (providers.md §1.3).
  if (fields.get('ListingPublicId') !== undefined) {
    return 'LeadReference is missing: this looks like a CasaYes listing event, not a lead';
  }
  if (reference === undefined || reference === null || typeof reference === 'string') return 'LeadReference is missing';
  return 'LeadReference is not a string';
}

/** First word and the rest; a single word is a first name. */
function splitName(name: string | null): [string | null, string | null] {
  if (name === null) return [null, null];
  const space = name.search(/\s/);
  if (space === -1) return [name, null];
  return [name.slice(0, space), name.slice(space + 1).trim() || null];
}

/** True when the canonical model took the value, so it need not stay in `extra`. */
function isTaken(value: unknown): boolean {
  return value === null || typeof value === 'string' || text(value) !== null;
}
