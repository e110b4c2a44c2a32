import { Metadata, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { Person } from '../lead.js';
import { text } from './text.js';

export interface NormalizedPhone {
  /** E.164 of the first valid number in the value, only when libphonenumber finds one. */
  e164: string | null;
  /** The value as the provider sent it (numbers stringified), or null when absent. */
  raw: string | null;
  /** Every other valid number the value lists (E.164, in order, deduplicated, never `e164`), at most MAX_OTHER_PHONES. */
  others: string[];
  /** The extension written after the first valid number (`ext 2`, `x 2`, `extn 2`, `#2`), or null. */
  extension: string | null;
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

/** Other numbers kept beside the first one (`person.otherPhones`). */
export const MAX_OTHER_PHONES = 5;

/**
 * Characters of a phone value that are read: longer values are cut before parsing (the raw value is
 * kept whole). Five numbers with extensions and separators fit in far less.
 */
export const MAX_PHONE_TEXT = 256;

/**
 * Pieces of a value parsed at most: the first number, MAX_OTHER_PHONES others and one that is not a
 * number. One parse each (~10–30 µs), so a hostile value costs at most a few times a plain one.
 */
const MAX_PHONE_PIECES = MAX_OTHER_PHONES + 2;

/** Between several numbers in one value: `/`, `,`, `;`, `|`, a line break, or the word `or`. */
const SEPARATORS = /[/,;|\n\r]|\s+or\s+/i;

/**
 * Normalize a phone value as people write it: one or several numbers (`9820012345 / 9820054321`),
 * dialled from the source's country (`0091 98200 12345`, `011 91 …`), with an extension
 * (`98200 12345 ext 2`), in any script's digits. Never throws and never drops the raw value; costs
 * at most MAX_PHONE_PIECES parses of at most MAX_PHONE_TEXT characters in all.
 *
 * @example normalizePhone('9999999988', { defaultCountry: 'GB', countryCode: '+91' }) // { e164: '+919999999988', … }
 * @example normalizePhone('0091 98200 12345 / 98200 54321 ext 7', { defaultCountry: 'IN' }) // { e164: '+919820012345', others: ['+919820054321'], extension: null, … }
 */
export function normalizePhone(value: unknown, hints: PhoneHints): NormalizedPhone {
  const raw = phoneText(value);
  if (raw === null) return { e164: null, raw: null, others: [], extension: null };
  const region = regionOf(hints);
  const found: PhoneNumber[] = [];
  const pieces = asciiDigits(raw.slice(0, MAX_PHONE_TEXT)).split(SEPARATORS).slice(0, MAX_PHONE_PIECES);
  for (const piece of pieces) {
    const parsed = parsePiece(piece, region);
    if (parsed !== null && !found.some((p) => p.number === parsed.number)) found.push(parsed);
    if (found.length > MAX_OTHER_PHONES) break;
  }
  const [first, ...rest] = found;
  if (first === undefined) return { e164: null, raw, others: [], extension: null };
  return { e164: first.number, raw, others: rest.map((p) => p.number), extension: first.ext ?? null };
}

/** The person fields of a normalized phone value. */
export function personPhone(phone: NormalizedPhone): Pick<Person, 'phone' | 'phoneRaw' | 'otherPhones' | 'phoneExtension'> {
  return { phone: phone.e164, phoneRaw: phone.raw, otherPhones: phone.others, phoneExtension: phone.extension };
}

function phoneText(value: unknown): string | null {
  // A number means the provider's producer already parsed it (LeadPro `phone: 07123456789` → 7123456789):
  // libphonenumber restores the national form from the region.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return text(value);
}

/** How national numbers are read, and the international prefixes dialled from where the lead came. */
interface Region {
  options: { defaultCountry?: CountryCode; defaultCallingCode?: string };
  /** International dialling prefixes (`00`, `011`…) of the source's country and of the payload's. */
  iddPrefixes: RegExp[];
}

function regionOf(hints: PhoneHints): Region {
  const home = knownCountry(hints.defaultCountry);
  const cc = text(hints.countryCode);
  let options: Region['options'] = home === null ? {} : { defaultCountry: home };
  let named: CountryCode | null = null;
  if (cc !== null) {
    const compact = cc.replace(/\s/g, '');
    // An unknown calling code (`+999`) is no hint: libphonenumber would throw on it.
    const callingCode = compact.replace(/^\+/, '');
    if (/^\d{1,4}$/.test(callingCode) && metadata.hasCallingCode(callingCode)) {
      options = { defaultCallingCode: callingCode };
      named = mainCountryOf(callingCode);
    } else if (/^[a-z]{2}$/i.test(cc)) {
      named = knownCountry(cc);
      if (named !== null) options = { defaultCountry: named };
    }
  }
  const countries = [...new Set([home, named].filter((c): c is CountryCode => c !== null))];
  return { options, iddPrefixes: countries.map(iddPrefixOf).filter((p): p is RegExp => p !== null) };
}

/**
 * One written number, parsed once: when it starts with an international prefix dialled from the
 * source's or the payload's country (`00` 91…, `011` 91…), as the international number it dials
 * (no national number starts with its country's international prefix); else as written, national
 * numbers in the region. Null unless valid.
 */
function parsePiece(piece: string, region: Region): PhoneNumber | null {
  const digits = piece.replace(/\D/g, '');
  // Shorter than any number, or longer than any number with an extension: not worth a parse.
  if (digits.length < 4 || digits.length > 40) return null;
  if (!piece.includes('+')) {
    for (const idd of region.iddPrefixes) {
      const m = idd.exec(digits);
      if (m !== null) return validParse(`+${withoutDigits(piece, m[0].length)}`, {});
    }
  }
  return validParse(piece, region.options);
}

/** `piece` after its first `count` digits (and whatever precedes them). */
function withoutDigits(piece: string, count: number): string {
  let seen = 0;
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++seen === count) return piece.slice(i + 1);
  }
  return '';
}

/** The number `text` holds when libphonenumber finds it valid, else null (never throws). */
function validParse(text: string, options: Region['options']): PhoneNumber | null {
  try {
    const parsed = parsePhoneNumberFromString(text, options);
    return parsed !== undefined && parsed.isValid() ? parsed : null;
  } catch {
    // libphonenumber throws on metadata it lacks (an unknown calling code); no number then.
    return null;
  }
}

/** The parts of libphonenumber's metadata read here; its type declarations list only selectNumberingPlan. */
interface MetadataReader {
  hasCountry(country: string): boolean;
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): CountryCode[] | undefined;
  selectNumberingPlan(country: CountryCode): void;
  numberingPlan?: { IDDPrefix(): string | undefined };
}

const metadata = new Metadata() as unknown as MetadataReader;

function knownCountry(code: string): CountryCode | null {
  const upper = code.toUpperCase();
  return metadata.hasCountry(upper) ? (upper as CountryCode) : null;
}

/** The main country of a calling code (`91` → IN, `1` → US), or null for an unknown code. */
function mainCountryOf(callingCode: string): CountryCode | null {
  return metadata.getCountryCodesForCallingCode(callingCode)?.[0] ?? null;
}

const iddCache = new Map<CountryCode, RegExp | null>();

/** The international dialling prefix of a country, from libphonenumber's metadata (`00` in IN, GB, PT; `011` in US). */
function iddPrefixOf(country: CountryCode): RegExp | null {
  let prefix = iddCache.get(country);
  if (prefix === undefined) {
    metadata.selectNumberingPlan(country);
    const idd = metadata.numberingPlan?.IDDPrefix();
    prefix = idd === undefined || idd === '' ? null : new RegExp(`^(?:${idd})`);
    iddCache.set(country, prefix);
  }
  return prefix;
}

const DECIMAL_DIGIT = /\p{Nd}/u;
const digitValues = new Map<string, string>();

/**
 * The text with every decimal digit of any script as its ASCII digit (`९८२००` → `98200`):
 * NFKC first (full-width and mathematical digits), then each remaining script's digits, whose
 * values Unicode lays out as runs of 0–9.
 */
function asciiDigits(value: string): string {
  return value.normalize('NFKC').replace(/\p{Nd}/gu, (ch) => {
    if (ch >= '0' && ch <= '9') return ch;
    let digit = digitValues.get(ch);
    if (digit === undefined) {
      const code = ch.codePointAt(0) ?? 0;
      let start = code;
      // The longest run of decimal digits left after NFKC is 20 (U+116D0–U+116E3).
      while (code - start < 40 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
      digit = String((code - start) % 10);
      digitValues.set(ch, digit);
    }
    return digit;
  });
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
