import { EMPTY_ATTRIBUTION, type Person } from '../../core/lead.js';
import { snapshotHash } from '../../core/normalize/canonical-json.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { normalizePhone, personPhone } from '../../core/normalize/phone.js';
import { idText, isRecord, omitKeys, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import type { NormalizeContext, NormalizeResult } from '../adapter.js';
import { stageOf } from './stage.js';

/** `data` fields with a canonical home; taken out of `extra` when their value was usable. */
const MAPPED_FIELDS = ['first_name', 'last_name', 'full_name', 'email', 'phone', 'message', 'source'];

/**
 * Map LeadPro's verified claims `{ event, data }` to a snapshot patch. Fields the snapshot does not
 * carry are null. Unmapped `data` fields (type, address, advert_*, meta, questionnaire, office_*,
 * estimations…) stay in `extra` as sent.
 */
export function normalize(item: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(item)) return { ok: false, reason: 'the JWT claims are not a JSON object' };
  const { event, data } = item;
  if (!isRecord(data)) return { ok: false, reason: data === undefined ? 'data is missing' : 'data is not a JSON object' };
  const providerLeadId = typeof data.id === 'number' || typeof data.id === 'string' ? idText(data.id) : null;
  if (providerLeadId === null) return { ok: false, reason: idProblem(data.id) };

  const status = stageOf(data.stage, data.status);
  const email = normalizeEmail(data.email);
  const phone = normalizePhone(data.phone, { defaultCountry: ctx.defaultCountry });
  const createdAt = toIsoTime(data.createdAt);

  const taken = ['id', ...MAPPED_FIELDS.filter((key) => isTaken(data[key]))];
  if (status.field !== null) taken.push(status.field);
  // An unreadable createdAt stays in extra rather than vanish.
  if (createdAt !== null || data.createdAt === null) taken.push('createdAt');

  return {
    ok: true,
    patch: {
      providerLeadId,
      // No event id and no update time in LeadPro events: the snapshot hash tells retries from changes (providers.md §4.7).
      idempotencyKey: `${providerLeadId}:${snapshotHash({ event, data })}`,
      providerEventType: text(event),
      occurredAt: issuedAt(item.iat, ctx.receivedAt),
      isCreation: text(event) === 'lead.created',
      fields: {
        stage: status.stage,
        providerStatus: status.providerStatus,
        person: { ...names(data), email: email.value, emailRaw: email.raw, ...personPhone(phone) },
        message: text(data.message),
        attribution: { ...EMPTY_ATTRIBUTION, source: text(data.source) },
        assignee: null,
        providerCreatedAt: createdAt,
        // LeadPro documents no test flag (providers.md §1.2).
        isTest: false,
        extra: omitKeys(data, taken),
      },
      timeline: [],
    },
  };
}

/**
 * Names as sent. First and last names are derived from `full_name` only when both are missing:
 * the doc's example has `full_name: "Sir Ricard Branson"` beside `first_name: "Richard"` (seed 002 L70, L86).
 */
function names(data: Record<string, unknown>): Pick<Person, 'fullName' | 'firstName' | 'lastName'> {
  const firstName = text(data.first_name);
  const lastName = text(data.last_name);
  const fullName = text(data.full_name);
  if (firstName !== null || lastName !== null) {
    return { fullName: fullName ?? [firstName, lastName].filter((n) => n !== null).join(' '), firstName, lastName };
  }
  if (fullName === null) return { fullName, firstName, lastName };
  const words = withoutTitle(fullName, text(data.title)).split(/\s+/);
  return { fullName, firstName: words[0] ?? null, lastName: words.length > 1 ? words.slice(1).join(' ') : null };
}

function withoutTitle(fullName: string, title: string | null): string {
  if (title === null) return fullName;
  const rest = fullName.slice(title.length).trim();
  return fullName.toLowerCase().startsWith(`${title.toLowerCase()} `) && rest !== '' ? rest : fullName;
}

/**
 * The event's time: the JWT's `iat`, the only time LeadPro gives (providers.md §2.3 #28), but never
 * later than the receipt. Only the holder of the secret sets `iat`, so a future one is a sender clock
 * running fast; taken as it is, it would date the event after every later update, which would all be
 * `stale` (the lead frozen). Refusing the token instead could lose the lead: LeadPro documents no
 * retries. A future `iat` becomes the receipt time at `iat`'s resolution (the whole second), so the
 * next event, dated by its own `iat`, still sorts after it.
 */
function issuedAt(iat: unknown, receivedAt: Date): string | null {
  const issued = typeof iat === 'number' ? toIsoTime(iat) : null;
  if (issued === null || Date.parse(issued) <= receivedAt.getTime()) return issued;
  return new Date(Math.floor(receivedAt.getTime() / 1000) * 1000).toISOString();
}

function idProblem(id: unknown): string {
  if (id === undefined || id === null || typeof id === 'string') return 'data.id is missing';
  return 'data.id is not a number or a string';
}

/** True when the canonical model took the value, so it need not stay in `extra`. */
function isTaken(value: unknown): boolean {
  return value === null || typeof value === 'string' || text(value) !== null;
}
