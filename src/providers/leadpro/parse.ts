import { readJsonBody } from '../../core/json/parse-json.js';
import { canonicalJson } from '../../core/normalize/canonical-json.js';
import { isRecord, omitKeys } from '../../core/normalize/text.js';
import type { InboundRequest, ParseResult } from '../adapter.js';

/** RFC 7519 §4.1 registered claims: token metadata, not part of LeadPro's `{event, data}` body. */
const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

/**
 * The lead is the verified JWT claims: LeadPro says the token "contains the full payload, and we
 * recommend using this instead of the actual payload" (seed 002 L103). The body is kept raw by the
 * hub; when it says something else than the claims, a warning records it (providers.md §1.2).
 */
export function parse(req: InboundRequest, authPayload: unknown): ParseResult {
  if (!isRecord(authPayload)) {
    return { ok: false, reason: 'no verified JWT claims object: LeadPro leads are read from the Authorization token' };
  }
  const warnings = bodyMatchesClaims(req.body, authPayload) ? [] : ['body_differs_from_jwt_claims'];
  return { ok: true, items: [authPayload], isPing: false, warnings };
}

function bodyMatchesClaims(body: Buffer, claims: Record<string, unknown>): boolean {
  if (body.length === 0) return true;
  const read = readJsonBody(body);
  return read.ok && canonicalJson(read.value) === canonicalJson(omitKeys(claims, REGISTERED_CLAIMS));
}
