import type { Lead } from './lead.js';

/**
 * A stored lead document (JSON text, as every store keeps it), with the fields that documents
 * written before they existed lack defaulted: old rows stay readable.
 */
export function leadFromDocument(doc: string): Lead {
  return withDefaults(JSON.parse(doc) as Lead);
}

/** {@link leadFromDocument} for a document already parsed (a JSON column a driver decoded). */
export function withDefaults(lead: Lead): Lead {
  // No update has replaced a version-1 lead's attribution, so it is still the first; past that, the
  // first was overwritten before anyone kept it: unknown.
  if (lead.firstAttribution === undefined) lead.firstAttribution = lead.version === 1 ? { ...lead.attribution } : null;
  // Before test leads and several phones per lead: a real lead, one number, no extension.
  lead.isTest ??= false;
  lead.person.otherPhones ??= [];
  lead.person.phoneExtension ??= null;
  return lead;
}
