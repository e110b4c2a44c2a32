import { isMarkerOf, type ErasedMarker } from '../core/erasure.js';
import { readJsonBody } from '../core/json/parse-json.js';
import type { ProviderId } from '../core/lead.js';
import { getProvider } from '../providers/index.js';

/** One erased lead whose items are taken out of a stored request. */
export interface ErasedLeadRef {
  leadId: string;
  providerLeadId: string;
  erasedAt: string;
}

/** A stored request's body and LeadPro claims, as redacted; `scope` says how much was replaced. */
export interface RedactedRequest {
  body: Buffer;
  authPayload: unknown;
  /** `item`: only the lead's items of a batch; `body`: the whole body (and claims). */
  scope: 'item' | 'body';
}

const WHOLE_BODY_NOTE =
  'The body held this lead’s personal data and was replaced when it was erased; body_sha256 is still that of the bytes received, so a retry of them is still a duplicate.';

/**
 * The request without the lead's personal data, or null when nothing of it is left to take out.
 *
 * - A JSON array of several items (a batch) keeps every other item: the lead's items (those whose
 *   provider lead id is the lead's, by the provider's own mapping) are replaced by a marker naming
 *   the lead. The array is written again as JSON (its other items keep their values: ids beyond 2^53
 *   become strings, as the mapping reads them).
 * - Anything else (one object, a one-item array, LeadPro's body, a batch where the lead's item
 *   cannot be told apart) is replaced whole by a marker with a note, and so are LeadPro's JWT claims.
 *
 * Costs one JSON read of the body and one mapping per item: linear in the body's size.
 */
export function redactRequestFor(provider: ProviderId, body: Buffer, authPayload: unknown, lead: ErasedLeadRef): RedactedRequest | null {
  const itemMarker: ErasedMarker = { leadhookErased: { leadId: lead.leadId, erasedAt: lead.erasedAt, scope: 'item' } };
  const bodyMarker: ErasedMarker = { leadhookErased: { leadId: lead.leadId, erasedAt: lead.erasedAt, scope: 'body', note: WHOLE_BODY_NOTE } };
  const claims = authPayload === undefined || authPayload === null || isMarkerOf(authPayload, lead.leadId) ? authPayload : bodyMarker;
  const read = body.length === 0 ? null : readJsonBody(body);
  const value = read !== null && read.ok ? read.value : undefined;
  if (isMarkerOf(value, lead.leadId) || (body.length === 0 && claims === authPayload)) return null;
  if (Array.isArray(value) && value.length > 1 && provider !== 'leadpro') {
    let replaced = 0;
    let already = 0;
    const items = value.map((item) => {
      if (isMarkerOf(item, lead.leadId)) return already++, item;
      if (providerLeadIdOf(provider, item) !== lead.providerLeadId) return item;
      replaced++;
      return itemMarker;
    });
    if (replaced === 0 && already > 0 && claims === authPayload) return null;
    if (replaced > 0 || already > 0) return { body: Buffer.from(JSON.stringify(items), 'utf8'), authPayload: claims, scope: 'item' };
  }
  return { body: body.length === 0 ? body : Buffer.from(JSON.stringify(bodyMarker), 'utf8'), authPayload: claims, scope: 'body' };
}

/** The provider lead id the provider's mapping reads from one raw item, or null when it cannot. */
function providerLeadIdOf(provider: ProviderId, item: unknown): string | null {
  const adapter = getProvider(provider);
  try {
    const result = adapter.normalize(item, { defaultCountry: adapter.homeCountry, receivedAt: new Date(0) });
    return result.ok ? result.patch.providerLeadId : null;
  } catch {
    return null;
  }
}
