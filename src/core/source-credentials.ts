/**
 * The credentials of a source and, after a rotation, the ones they replaced with until when those
 * are still accepted (storage/port.ts `SourceRecord` has these fields).
 */
export interface SourceCredentials {
  urlToken: string;
  previousUrlToken: string | null;
  previousUrlTokenExpiresAt: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  deletedAt: string | null;
}

/**
 * Whether a webhook presenting URL token `token` at `at` (ISO time) reaches the source: its current
 * token, or its previous one before that expires; never a deleted source. ISO times of the same
 * form compare as strings.
 *
 * @example urlTokenAccepted(source, source.previousUrlToken, '2026-01-01T00:00:00.000Z') // true until it expires
 */
export function urlTokenAccepted(source: SourceCredentials, token: string, at: string): boolean {
  if (source.deletedAt !== null) return false;
  if (token === source.urlToken) return true;
  return token === source.previousUrlToken && source.previousUrlTokenExpiresAt !== null && at < source.previousUrlTokenExpiresAt;
}

/** The secrets that authenticate a webhook received at `at`: the current one, then the previous one until it expires. */
export function acceptedSecrets(source: SourceCredentials, at: string): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = source;
  return previousSecret !== null && previousSecretExpiresAt !== null && at < previousSecretExpiresAt ? [secret, previousSecret] : [secret];
}
