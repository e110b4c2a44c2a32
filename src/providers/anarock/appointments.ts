import type { TimelineItem } from '../../core/lead.js';
import { snapshotHash } from '../../core/normalize/canonical-json.js';
import { enumKey, idText, isRecord, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import { records } from './coerce.js';
import { eventKindOf, eventStatusOf, type AppointmentStatus } from './status.js';

const KIND_LABEL: Readonly<Record<string, string>> = {
  follow_up: 'Follow-up',
  site_visit: 'Site visit',
  meeting: 'Meeting',
};

/**
 * `event_details[]` and `latest_event_details` → `appointment` entries.
 * The key carries the status, so a status change of one event is a new entry and a resent one is not
 * (providers.md §4.8). `latest_event_details` has no status and is only used when `event_details`
 * does not list the same event (the 2018 payloads have no `event_details` at all).
 */
export function appointmentItems(eventDetails: unknown, latestEvent: unknown): TimelineItem[] {
  const events = records(eventDetails);
  const items = events.map((event) => appointmentItem(event, event['event_status']));
  if (isRecord(latestEvent)) {
    const latestId = idText(latestEvent['event_id']);
    const isListed = latestId !== null && events.some((e) => idText(e['event_id']) === latestId);
    if (!isListed) items.push(appointmentItem(latestEvent, null));
  }
  return items;
}

function appointmentItem(event: Record<string, unknown>, rawStatus: unknown): TimelineItem {
  const eventId = idText(event['event_id']);
  const kind = eventKindOf(event['event_type']);
  const statusText = text(rawStatus);
  const status: AppointmentStatus = statusText === null ? 'scheduled' : eventStatusOf(statusText);
  // An unrecognised status keeps its own spelling in the key, so two different unknown statuses
  // of one event stay two entries.
  const keyStatus = status === 'unknown' && statusText !== null ? enumKey(statusText) : status;
  const startsAt = toIsoTime(event['start_time']);
  const label = (kind === null ? undefined : KIND_LABEL[kind]) ?? (kind === null ? 'Appointment' : `Appointment (${kind})`);
  return {
    kind: 'appointment',
    // start_time/end_time are when the appointment is, possibly in the future: never the entry's time.
    occurredAt: toIsoTime(event['event_updated_at']) ?? toIsoTime(event['event_created_at']),
    summary: `${label} ${status}${startsAt === null ? '' : ` for ${startsAt}`}`,
    data: {
      eventId,
      kind,
      status,
      rawType: text(event['event_type']),
      rawStatus: statusText,
      startsAt,
      endsAt: toIsoTime(event['end_time']),
    },
    dedupeKey: `appointment:${eventId ?? snapshotHash(omitNotes(event))}:${keyStatus}`,
  };
}

// Notes added to an event must not change the fallback key of an event that has no id.
function omitNotes(event: Record<string, unknown>): Record<string, unknown> {
  const { notes: _notes, event_status: _status, ...rest } = event;
  return rest;
}
