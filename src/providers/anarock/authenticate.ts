import type { AuthResult, InboundRequest, SourceSecrets } from '../adapter.js';

/**
 * Anarock documents no credential on its callbacks (providers.md §1.1 "Auth"): the unguessable
 * per-source URL token is the credential, and the webhook has already been matched to its source by
 * that token (the current one, or the previous one during a `rotate-url` overlap) before this runs.
 */
export function authenticate(_req: InboundRequest, _secrets: SourceSecrets): AuthResult {
  return { ok: true };
}
