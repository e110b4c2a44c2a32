import { text } from './text.js';

export interface NormalizedEmail {
  /** Trimmed, lower-cased and syntactically valid; else null. */
  value: string | null;
  raw: string | null;
}

// Pragmatic address syntax: one @, no spaces, a dotted domain with a 2+ letter TLD.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$/;

/**
 * Normalize an e-mail address. Invalid or obfuscated values (Cloudflare's `[email protected]`) give
 * `value: null` and keep `raw`; a lead is never rejected for its e-mail.
 */
export function normalizeEmail(value: unknown): NormalizedEmail {
  const raw = text(value);
  if (raw === null) return { value: null, raw: null };
  const candidate = raw.toLowerCase();
  const isValid = candidate.length <= 254 && EMAIL.test(candidate) && !candidate.includes('..');
  return { value: isValid ? candidate : null, raw };
}
