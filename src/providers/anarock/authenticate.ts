import type { AuthResult, InboundRequest } from '../adapter.js';

/**
 * Anarock documents no credential on its callbacks (providers.md §1.1 "Auth"): the unguessable
 * per-source URL is the credential, and the router has already matched it before this runs.
 */
export function authenticate(_req: InboundRequest, _secret: string): AuthResult {
  return { ok: true };
}
