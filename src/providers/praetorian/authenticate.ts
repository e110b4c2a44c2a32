import type { AuthResult, InboundRequest, SourceSecrets } from '../adapter.js';
import { headerValue, matchesAnySecret, stripBearer } from '../shared/credentials.js';

/**
 * Praetorian sends the secret the customer gave it as the whole `Authorization` value, with no
 * scheme (seed 004 L10–L14); a `Bearer ` prefix is accepted too.
 */
export function authenticate(req: InboundRequest, secrets: SourceSecrets): AuthResult {
  const presented = headerValue(req, 'authorization');
  if (presented === null) {
    return { ok: false, reason: 'missing_credentials', detail: 'The request has no Authorization header.' };
  }
  // Both forms are compared, in constant time, so a secret that itself starts with "Bearer " still works.
  const isMatch = matchesAnySecret(presented, secrets) || matchesAnySecret(stripBearer(presented), secrets);
  if (!isMatch) {
    return { ok: false, reason: 'bad_credentials', detail: "The Authorization header does not match the source's secret." };
  }
  return { ok: true };
}
