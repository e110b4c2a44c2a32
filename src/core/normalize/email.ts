import { text } from './text.js';

export interface NormalizedEmail {
  /** Trimmed, lower-cased and syntactically valid; else null. */
  value: string | null;
  raw: string | null;
  /** The raw value is a page's e-mail obfuscation placeholder (Cloudflare's `[email protected]`), never an address. */
  obfuscated: boolean;
}

// Pragmatic address syntax: one @, no spaces, a dotted domain with a 2+ letter TLD.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$/;

/**
 * What Cloudflare's e-mail obfuscation leaves in a scraped page instead of an address: the text
 * `[email protected]` (a no-break space inside, sometimes), or its `/cdn-cgi/l/email-protection#…` link.
 */
const OBFUSCATED = /\[\s*email\s*(?:&#160;|&nbsp;)?\s*protected\s*\]|\/cdn-cgi\/l\/email-protection/i;

/**
 * Normalize an e-mail address. Invalid or obfuscated values (Cloudflare's `[email protected]`) give
 * `value: null` and keep `raw`; a lead is never rejected for its e-mail.
 *
 * @example normalizeEmail(' Ann@Example.COM ') // { value: 'ann@example.com', raw: 'Ann@Example.COM', obfuscated: false }
 * @example normalizeEmail('[email protected]') // { value: null, raw: '[email protected]', obfuscated: true }
 */
export function normalizeEmail(value: unknown): NormalizedEmail {
  const raw = text(value);
  if (raw === null) return { value: null, raw: null, obfuscated: false };
  const obfuscated = isObfuscatedEmail(raw);
  const candidate = raw.toLowerCase();
  const isValid = !obfuscated && candidate.length <= 254 && EMAIL.test(candidate) && !candidate.includes('..');
  return { value: isValid ? candidate : null, raw, obfuscated };
}

/** True when `raw` is an e-mail obfuscation placeholder rather than an address (see OBFUSCATED). */
export function isObfuscatedEmail(raw: string): boolean {
  // Any placeholder is short; a long value is read only as far as one could reach.
  return OBFUSCATED.test(raw.slice(0, 512).replace(/[\u00a0\u2000-\u200b\u202f]/g, ' '));
}
