import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { text } from './text.js';

export interface NormalizedPhone {
  /** E.164, only when libphonenumber finds a valid number. */
  e164: string | null;
  /** The value as the provider sent it (numbers stringified), or null when absent. */
  raw: string | null;
}

export interface PhoneHints {
  /** ISO 3166 alpha-2 region to read national numbers in (source setting, else provider home). */
  defaultCountry: string;
  /**
   * A country the payload names: a dialling code (`"+91"`, `"91"`) or an alpha-2 code (`"IN"`, `"in"`).
   * It wins over `defaultCountry` (providers.md R9).
   */
  countryCode?: unknown;
}

/**
 * Normalize a phone number to E.164. Never throws and never drops the raw value.
 *
 * @example normalizePhone('9999999988', { defaultCountry: 'GB', countryCode: '+91' }) // { e164: '+919999999988', … }
 */
export function normalizePhone(value: unknown, hints: PhoneHints): NormalizedPhone {
  const raw = phoneText(value);
  if (raw === null) return { e164: null, raw: null };
  const options = regionOptions(hints);
  const parsed = parsePhoneNumberFromString(raw, options);
  if (parsed?.isValid() === true) return { e164: parsed.number, raw };
  return { e164: null, raw };
}

function phoneText(value: unknown): string | null {
  // A number means the provider's producer already parsed it (LeadPro `phone: 07123456789` → 7123456789):
  // libphonenumber restores the national form from the region.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return text(value);
}

function regionOptions(hints: PhoneHints): { defaultCountry?: CountryCode; defaultCallingCode?: string } {
  const cc = text(hints.countryCode);
  if (cc !== null) {
    const digits = cc.replace(/[^\d]/g, '');
    if (/^\+?\d{1,4}$/.test(cc.replace(/\s/g, '')) && digits.length > 0) return { defaultCallingCode: digits };
    if (/^[a-z]{2}$/i.test(cc)) return { defaultCountry: cc.toUpperCase() as CountryCode };
  }
  return { defaultCountry: hints.defaultCountry.toUpperCase() as CountryCode };
}

/**
 * Every E.164 number a typed search string can mean: itself when it carries a country code,
 * else its reading in each of `regions` (a team receives leads from several countries).
 */
export function phoneSearchCandidates(typed: string, regions: readonly string[]): string[] {
  const found = new Set<string>();
  const cleaned = typed.trim().replace(/^00/, '+');
  if (cleaned.startsWith('+')) {
    const p = parsePhoneNumberFromString(cleaned);
    if (p?.isPossible() === true) found.add(p.number);
    return [...found];
  }
  for (const region of regions) {
    const p = parsePhoneNumberFromString(cleaned, region.toUpperCase() as CountryCode);
    if (p?.isPossible() === true) found.add(p.number);
  }
  // Digits that already include a country code, typed without the plus.
  const p = parsePhoneNumberFromString(`+${cleaned.replace(/[^\d]/g, '')}`);
  if (p?.isValid() === true) found.add(p.number);
  return [...found];
}

/** True when libphonenumber knows the region (for a source's `defaultCountry`). */
export { isSupportedCountry } from 'libphonenumber-js/max';
