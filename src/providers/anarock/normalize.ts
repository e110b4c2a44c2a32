import type { Assignee, Person } from '../../core/lead.js';
import { snapshotHash } from '../../core/normalize/canonical-json.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { normalizePhone, personPhone } from '../../core/normalize/phone.js';
import { idText, isRecord, omitKeys, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import type { NormalizeContext, NormalizeResult } from '../adapter.js';
import { newestProviderTime } from './occurred-at.js';
import { stageOf } from './status.js';
import { timelineOf } from './timeline.js';

// Top-level keys that have a canonical home or become timeline entries; every other key goes to
// `extra` verbatim (providers.md R11), including status_changes, last_status and latest_event_details.
const MAPPED_KEYS = [
  'lead_id',
  'name',
  'email',
  'phone',
  'country_code',
  'lead_status',
  'channel_name',
  'source',
  'sub_source',
  'placement',
  'agent_name',
  'agent_email',
  'created_at',
  'notes',
  'calls',
  'event_details',
  'dispositions',
] as const;

/**
 * Map one Anarock callback snapshot to a lead patch. Fails only for a non-object item or one
 * without a usable `lead_id`; odd values elsewhere are coerced or skipped.
 *
 * @example normalize({ lead_id: 925089, lead_status: 'Interested' }, ctx) // { ok: true, patch: { fields: { stage: 'qualified', … } … } }
 */
export function normalize(item: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(item)) return { ok: false, reason: `item is not a JSON object (got ${describe(item)})` };
  const providerLeadId = idText(item['lead_id']);
  if (providerLeadId === null) {
    const got = item['lead_id'];
    const isMissing = got === undefined || got === null || (typeof got === 'string' && text(got) === null);
    const reason = isMissing ? 'lead_id is missing' : `lead_id is not a usable id (got ${describe(got)})`;
    return { ok: false, reason };
  }
  const hash = snapshotHash(item);
  const occurredAt = newestProviderTime(item);
  return {
    ok: true,
    patch: {
      providerLeadId,
      // providers.md §4.7: Anarock sends no event id; the same snapshot (even re-serialised) is one event.
      idempotencyKey: `${providerLeadId}:${hash}`,
      providerEventType: text(item['action']),
      occurredAt,
      fields: {
        stage: stageOf(item['lead_status']),
        providerStatus: text(item['lead_status']),
        person: personOf(item, ctx),
        message: null,
        attribution: {
          channel: text(item['channel_name']),
          source: text(item['source']),
          subSource: text(item['sub_source']),
          placement: text(item['placement']),
          pageUrl: null,
        },
        assignee: assigneeOf(item),
        providerCreatedAt: toIsoTime(item['created_at']),
        // Anarock documents no test flag (providers.md §1.1).
        isTest: false,
        extra: omitKeys(item, MAPPED_KEYS),
      },
      timeline: timelineOf(item, { providerLeadId, snapshotHash: hash, occurredAt }),
    },
  };
}

function personOf(item: Record<string, unknown>, ctx: NormalizeContext): Person {
  const fullName = text(item['name']);
  const words = fullName?.split(/\s+/) ?? [];
  const hasTwoWords = fullName !== null && words.length >= 2;
  const email = normalizeEmail(item['email']);
  // country_code is a dialling code ("+91") in callbacks but alpha-2 ("IN", "in") in the inbound API
  // (providers.md §1.1); phone may already carry +91 or be national since 2023 (§2.2 #18).
  const phone = normalizePhone(item['phone'], { defaultCountry: ctx.defaultCountry, countryCode: item['country_code'] });
  return {
    fullName,
    firstName: hasTwoWords ? (words[0] ?? null) : fullName,
    lastName: hasTwoWords ? words.slice(1).join(' ') : null,
    email: email.value,
    emailRaw: email.raw,
    ...personPhone(phone),
  };
}

function assigneeOf(item: Record<string, unknown>): Assignee | null {
  // "only if agent is attached … can be null if lead is with call center" (providers.md §1.1).
  const name = text(item['agent_name']);
  const email = text(item['agent_email']);
  return name === null && email === null ? null : { name, email };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
