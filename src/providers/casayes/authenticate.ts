import type { AuthResult, InboundRequest, SourceSecrets } from '../adapter.js';
import { headerValue, matchesAnySecret } from '../shared/credentials.js';

/** CasaYes sends the token it supplied to the CRM in a header literally named `token` (seed 003 L17). */
export function authenticate(req: InboundRequest, secrets: SourceSecrets): AuthResult {
  const presented = headerValue(req, 'token');
  if (presented === null) {
    return { ok: false, reason: 'missing_credentials', detail: 'The request has no token header.' };
  }
  if (!matchesAnySecret(presented, secrets)) {
    return { ok: false, reason: 'bad_credentials', detail: "The token header does not match the source's token." };
  }
  return { ok: true };
}
