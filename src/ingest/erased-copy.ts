import type { ProviderId } from '../core/lead.js';
import type { ItemsOutcome } from '../storage/port.js';
import { redactRequestFor, type ErasedLeadRef } from './redact-body.js';

/** {@link redactRequestFor} for several leads in turn; the widest scope used, or null when nothing changed. */
export function redactRequestBody(
  provider: ProviderId,
  body: Buffer,
  authPayload: unknown,
  leads: readonly ErasedLeadRef[],
): { body: Buffer; authPayload: unknown; scope: 'item' | 'body' } | null {
  let current = { body, authPayload, scope: null as 'item' | 'body' | null };
  for (const lead of leads) {
    const next = redactRequestFor(provider, current.body, current.authPayload, lead);
    if (next !== null) current = { ...next, scope: current.scope === 'body' ? 'body' : next.scope };
  }
  return current.scope === null ? null : { ...current, scope: current.scope };
}

/**
 * A stored request row's body and claims (`auth_payload`, JSON text) without these leads' items, and
 * the widest scope used; null when nothing changes. Every store writes it back as is (`body_sha256` stays).
 */
export function redactedRequestRow(
  r: { provider: ProviderId; body: Buffer; auth_payload: string | null },
  leads: readonly ErasedLeadRef[],
): { body: Buffer; authPayload: string | null; scope: 'item' | 'body' } | null {
  const redacted = redactRequestBody(r.provider, r.body, r.auth_payload === null ? undefined : (JSON.parse(r.auth_payload) as unknown), leads);
  if (redacted === null) return null;
  return { body: redacted.body, authPayload: redacted.authPayload === undefined ? null : JSON.stringify(redacted.authPayload), scope: redacted.scope };
}

/**
 * The leads still erased that a new request's duplicate items belong to (a retry of what was
 * applied before the erasure): its stored copy goes without their items. One lookup per distinct
 * duplicate lead.
 */
export function erasedDuplicateLeads(outcome: ItemsOutcome, holdingErasure: (leadId: string) => string | undefined): ErasedLeadRef[] {
  const leads: ErasedLeadRef[] = [];
  for (const item of outcome.items) {
    if (item.outcome !== 'duplicate' || item.leadId === null || item.providerLeadId === null) continue;
    if (leads.some((l) => l.leadId === item.leadId)) continue;
    const erasedAt = holdingErasure(item.leadId);
    if (erasedAt !== undefined) leads.push({ leadId: item.leadId, providerLeadId: item.providerLeadId, erasedAt });
  }
  return leads;
}
