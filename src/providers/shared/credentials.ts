import { createHash, timingSafeEqual } from 'node:crypto';
import type { InboundRequest, SourceSecrets } from '../adapter.js';

/**
 * Compare a presented credential with the secret in constant time. Both sides are hashed first,
 * so neither the length nor a common prefix of the secret leaks through timing.
 */
export function secretsEqual(presented: string, secret: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b) && presented.length === secret.length;
}

/** The accepted secrets as a list, current first. */
export function secretList(secrets: SourceSecrets): readonly string[] {
  return typeof secrets === 'string' ? [secrets] : secrets;
}

/**
 * Whether the presented credential equals any accepted secret. Every secret is compared, each in
 * constant time, whichever matches: the time taken tells nothing about which one did.
 */
export function matchesAnySecret(presented: string, secrets: SourceSecrets): boolean {
  let isMatch = false;
  for (const secret of secretList(secrets)) isMatch = secretsEqual(presented, secret) || isMatch;
  return isMatch;
}

/** One header's value (the first, when repeated), or null when absent or empty. */
export function headerValue(req: InboundRequest, name: string): string | null {
  const raw = req.headers[name.toLowerCase()];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** `Bearer abc` → `abc`; a raw value is returned as it is (providers send both). */
export function stripBearer(value: string): string {
  const m = /^bearer\s+(.+)$/i.exec(value);
  return m?.[1]?.trim() ?? value;
}
