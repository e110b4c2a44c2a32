import type { Stage } from '../../core/lead.js';
import { enumKey, text } from '../../core/normalize/text.js';

// providers.md §4.5 "Anarock lead_status": every spelling seen across the 2018–2023 documents,
// keyed by enumKey() so case, spaces and underscores do not matter.
const LEAD_STATUS_STAGE: Readonly<Record<string, Stage>> = {
  new: 'new',
  fresh: 'new',
  claimed: 'assigned',
  interest: 'qualified',
  interested: 'qualified',
  meeting_done: 'appointment_done',
  visit_done: 'appointment_done',
  final_negotitaion: 'negotiation',
  final_negotiation: 'negotiation',
  booking_done: 'won',
  fail: 'lost',
  failed: 'lost',
  junk: 'junk',
  in_call_center: 'working',
  in_call_centre: 'working',
  // providers.md §4.5 says In Transfer keeps the previous stage. An adapter sees one snapshot and
  // cannot know that stage, and LeadFields.stage must be set, so 'unknown' is the only honest value;
  // providerStatus still carries "In Transfer" for the hub or a later re-normalisation.
  in_transfer: 'unknown',
  linked: 'duplicate',
};

/** Pipeline stage for an Anarock `lead_status`; unrecognised or missing statuses give `unknown`. */
export function stageOf(leadStatus: unknown): Stage {
  const raw = text(leadStatus);
  if (raw === null) return 'unknown';
  return lookup(LEAD_STATUS_STAGE, enumKey(raw)) ?? 'unknown';
}

// providers.md §4.5 "Anarock disposition_type"; the 2020 doc lists follow_up but its example says followup.
const DISPOSITION_KIND: Readonly<Record<string, string>> = {
  follow_up: 'follow_up',
  followup: 'follow_up',
  call_back: 'call_back',
  callback: 'call_back',
  not_contacted: 'not_contacted',
  fresh: 'transfer_to_sales',
  patch_out: 'transfer_to_sales',
  failed: 'failed',
  junk: 'junk',
};

/** Canonical disposition kind; an unknown value is returned as sent (trimmed), a missing one as null. */
export function dispositionKindOf(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  return lookup(DISPOSITION_KIND, enumKey(raw)) ?? raw;
}

const EVENT_KIND: Readonly<Record<string, string>> = {
  followup: 'follow_up',
  follow_up: 'follow_up',
  sv: 'site_visit',
  site_visit: 'site_visit',
  f2f: 'meeting',
};

/** Appointment kind for an Anarock `event_type` (providers.md §4.5); unknown kept as sent. */
export function eventKindOf(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  return lookup(EVENT_KIND, enumKey(raw)) ?? raw;
}

/** providers.md §4.3 `AppointmentStatus`. */
export type AppointmentStatus = 'scheduled' | 'done' | 'cancelled' | 'unknown';

const EVENT_STATUS: Readonly<Record<string, AppointmentStatus>> = {
  new: 'scheduled',
  done: 'done',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

/** Appointment status for an Anarock `event_status` (`new|done|cancelled`, never enumerated upstream). */
export function eventStatusOf(value: unknown): AppointmentStatus {
  const raw = text(value);
  if (raw === null) return 'unknown';
  return lookup(EVENT_STATUS, enumKey(raw)) ?? 'unknown';
}

/** Own-key lookup: a provider value like `constructor` must not reach Object.prototype. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
