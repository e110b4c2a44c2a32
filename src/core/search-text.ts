import { listingValues } from '../providers/listing-fields.js';
import type { Lead } from './lead.js';

/**
 * Characters of each field the `q` search reads: names, e-mails, phones and ids are far shorter, and
 * a webhook's megabyte-long "name" must not cost a megabyte of search text and its index.
 */
export const SEARCH_FIELD_LENGTH = 1000;

/**
 * Lower-cased text the `q` search matches against: each field's first SEARCH_FIELD_LENGTH characters.
 * The fields: name, e-mails, phones, provider lead id, and the provider fields kept in `extra` that
 * say what the lead is about (project, city, listing, property: providers/listing-fields.ts).
 * Every store indexes this text (SQLite: migration 0010 recomputes it through `leadhook_search_text`).
 */
export function searchText(lead: Lead): string {
  const p = lead.person;
  return [p.fullName, p.email, p.emailRaw, p.phone, p.phoneRaw, lead.providerLeadId, ...listingValues(lead)]
    .filter((v): v is string => v !== null && v !== undefined)
    .map((v) => v.slice(0, SEARCH_FIELD_LENGTH))
    .join('\n')
    .toLowerCase();
}
