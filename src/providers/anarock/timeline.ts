import type { TimelineItem } from '../../core/lead.js';
import { TIMELINE_SUMMARY_LENGTH } from '../../core/merge-lead.js';
import { truncate } from '../../core/truncate.js';
import { enumKey, isRecord, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import { callItems, dispositionItems, noteItems } from './activities.js';
import { appointmentItems } from './appointments.js';
import { records } from './coerce.js';

/** What the timeline needs to know about the snapshot as a whole. */
export interface SnapshotRef {
  providerLeadId: string;
  /** Hash of the whole snapshot: the only identity a re-enquiry has. */
  snapshotHash: string;
  occurredAt: string | null;
}

/**
 * The history one Anarock snapshot describes, one entry per dedupe key (providers.md §4.8).
 * Anarock resends every array in every snapshot, so the keys are what make storage idempotent.
 * No `created`/`status_changed` entries: the hub derives those by diffing snapshots.
 */
export function timelineOf(item: Record<string, unknown>, ref: SnapshotRef): TimelineItem[] {
  const all = [
    ...noteItems(item['notes']),
    // Event notes share the note_id space with top-level notes.
    ...records(item['event_details']).flatMap((event) => noteItems(event['notes'])),
    ...callItems(item['calls']),
    ...appointmentItems(item['event_details'], item['latest_event_details']),
    ...dispositionItems(item['dispositions']),
    ...bookingItems(item, ref),
    ...reenquiryItems(item, ref),
  ];
  const seen = new Set<string>();
  return all.filter((entry) => !seen.has(entry.dedupeKey) && seen.add(entry.dedupeKey));
}

function bookingItems(item: Record<string, unknown>, ref: SnapshotRef): TimelineItem[] {
  const booking = item['booking_details'];
  if (!isRecord(booking) || Object.keys(booking).length === 0) return [];
  const changes = isRecord(item['status_changes']) ? item['status_changes'] : {};
  const unit = text(booking['unit_no']);
  const type = text(booking['apartment_type']);
  const details = [unit === null ? null : `unit ${unit}`, type].filter((s) => s !== null);
  return [
    {
      kind: 'booking',
      occurredAt: toIsoTime(changes['moved_to_booking_done']),
      summary: details.length === 0 ? 'Booking' : truncate(`Booking: ${details.join(', ')}`, TIMELINE_SUMMARY_LENGTH),
      data: { ...booking },
      // One booking per lead, updated in place (providers.md §4.8).
      dedupeKey: `booking:${ref.providerLeadId}`,
    },
  ];
}

function reenquiryItems(item: Record<string, unknown>, ref: SnapshotRef): TimelineItem[] {
  const action = text(item['action']);
  // §2.2 #11: inquiry_created is a new enquiry on an existing lead, not a new lead.
  if (action === null || enumKey(action) !== 'inquiry_created') return [];
  return [
    {
      kind: 'reenquiry',
      occurredAt: ref.occurredAt,
      summary: 'New enquiry on an existing lead',
      data: {
        source: text(item['source']),
        subSource: text(item['sub_source']),
        channel: text(item['channel_name']),
        projectName: text(item['project_name']),
      },
      dedupeKey: `reenquiry:${ref.snapshotHash}`,
    },
  ];
}
