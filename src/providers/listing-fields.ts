import type { Lead, ProviderId } from '../core/lead.js';

/**
 * A provider field kept in `lead.extra` that says what the lead is about (a project, a listing, a
 * property, a city) rather than who the person is: the `q` search reads these, and an erasure of
 * personal data keeps those not marked `personal`.
 */
export interface ListingField {
  /** Keys from `lead.extra` down to the value, as the provider named them. */
  path: readonly string[];
  /**
   * The value may describe the person (LeadPro's `advert_address` is the vendor's own home for a
   * valuation; Praetorian's organization is the person's employer): erased with the personal data.
   */
  personal: boolean;
}

/** Per provider, the extra fields of {@link ListingField} (providers.md §1 and §4.4, "property"). */
export const LISTING_FIELDS: Readonly<Record<ProviderId, readonly ListingField[]>> = {
  anarock: [
    { path: ['project_name'], personal: false },
    { path: ['project_id'], personal: false },
    { path: ['developer'], personal: false },
    { path: ['city'], personal: false },
  ],
  leadpro: [
    { path: ['property_reference'], personal: false },
    { path: ['office_name'], personal: false },
    { path: ['advert_address'], personal: true },
    { path: ['advert_postcode'], personal: true },
  ],
  casayes: [
    { path: ['EntityReference'], personal: false },
    { path: ['EntityPublicId'], personal: false },
    { path: ['EntityType'], personal: false },
  ],
  praetorian: [
    { path: ['data', 'organization_name'], personal: true },
    { path: ['data', 'organization_city'], personal: true },
  ],
};

/** The value at `path` in `extra` when it is text or a finite number; else null. */
function rawAt(extra: unknown, path: readonly string[]): string | number | null {
  let value = extra;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function valueAt(extra: unknown, path: readonly string[]): string | null {
  const v = rawAt(extra, path);
  return v === null ? null : String(v);
}

/** A provider's listing fields; none for a name that is not a provider (`valueOf` is not one either). */
function listingFieldsOf(provider: string): readonly ListingField[] {
  return Object.hasOwn(LISTING_FIELDS, provider) ? LISTING_FIELDS[provider as ProviderId] : [];
}

/** The listing fields' values of a lead, in {@link LISTING_FIELDS} order (an unknown provider has none). */
export function listingValues(lead: Pick<Lead, 'provider' | 'extra'>): string[] {
  const fields = listingFieldsOf(lead.provider);
  return fields.flatMap((f) => {
    const v = valueAt(lead.extra, f.path);
    return v === null ? [] : [v];
  });
}

/**
 * What of `extra` an erasure keeps: the listing fields not marked personal, at their paths; every
 * other key (free text the person wrote, their address, income…) goes.
 */
export function erasureKeptExtra(lead: Pick<Lead, 'provider' | 'extra'>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const f of listingFieldsOf(lead.provider)) {
    if (f.personal) continue;
    const v = rawAt(lead.extra, f.path);
    if (v === null) continue;
    let at = kept;
    for (const key of f.path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[f.path[f.path.length - 1]!] = v;
  }
  return kept;
}
