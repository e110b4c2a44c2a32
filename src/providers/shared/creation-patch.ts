import type { Attribution, LeadPatch, Person } from '../../core/lead.js';
import { EMPTY_ATTRIBUTION } from '../../core/lead.js';
import { snapshotHash } from '../../core/normalize/canonical-json.js';
import type { NormalizeResult } from '../adapter.js';

export interface CreationLead {
  providerLeadId: string;
  /** The provider's item as parsed: its canonical hash tells a retry from new content. */
  item: unknown;
  /** Provider creation time (ISO); not an ordering key (every version of the lead carries the same). */
  createdAt: string | null;
  person: Person;
  message: string | null;
  attribution: Partial<Attribution>;
  /** The provider's test flag (Praetorian `production: false`); false when it has none (CasaYes). */
  isTest: boolean;
  extra: Record<string, unknown>;
}

/**
 * The patch of a creation-only provider (CasaYes, Praetorian): a lead at stage `new`. These
 * providers may resend an id with more or other data, and carry no update time: events are keyed
 * like snapshots, id + hash of the item's canonical JSON (providers.md §4.7), so content already
 * seen for the lead (any earlier version) is a duplicate and new content applies as an update,
 * ordered by receipt.
 */
export function creationPatch(lead: CreationLead): NormalizeResult {
  const patch: LeadPatch = {
    providerLeadId: lead.providerLeadId,
    idempotencyKey: `${lead.providerLeadId}:${snapshotHash(lead.item)}`,
    providerEventType: null,
    occurredAt: null,
    fields: {
      stage: 'new',
      providerStatus: null,
      person: lead.person,
      message: lead.message,
      attribution: { ...EMPTY_ATTRIBUTION, ...lead.attribution },
      assignee: null,
      providerCreatedAt: lead.createdAt,
      isTest: lead.isTest,
      extra: lead.extra,
    },
    timeline: [],
  };
  return { ok: true, patch };
}
