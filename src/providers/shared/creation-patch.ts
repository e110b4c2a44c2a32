import type { Attribution, LeadPatch, Person } from '../../core/lead.js';
import { EMPTY_ATTRIBUTION } from '../../core/lead.js';
import type { NormalizeResult } from '../adapter.js';

export interface CreationLead {
  providerLeadId: string;
  /** Provider creation time (ISO), also the ordering key. */
  createdAt: string | null;
  person: Person;
  message: string | null;
  attribution: Partial<Attribution>;
  extra: Record<string, unknown>;
}

/**
 * The patch of a creation-only provider (CasaYes, Praetorian): every lead arrives once, at stage
 * `new`, and its provider id is the event's idempotency key (providers.md §4.7), so a retry, even
 * with other bytes, is a duplicate.
 */
export function creationPatch(lead: CreationLead): NormalizeResult {
  const patch: LeadPatch = {
    providerLeadId: lead.providerLeadId,
    idempotencyKey: lead.providerLeadId,
    providerEventType: null,
    occurredAt: lead.createdAt,
    fields: {
      stage: 'new',
      providerStatus: null,
      person: lead.person,
      message: lead.message,
      attribution: { ...EMPTY_ATTRIBUTION, ...lead.attribution },
      assignee: null,
      providerCreatedAt: lead.createdAt,
      extra: lead.extra,
    },
    timeline: [],
  };
  return { ok: true, patch };
}
