import { isRecord } from '../../core/normalize/text.js';
import { latestIso, toIsoTime } from '../../core/normalize/time.js';
import { records } from './coerce.js';

const ENTRY_TIMES: Readonly<Record<string, readonly string[]>> = {
  notes: ['created_at', 'updated_at'],
  calls: ['inserted_at', 'updated_at', 'start_time'],
  dispositions: ['created_at'],
};

/**
 * The newest provider time in one snapshot (providers.md §4.6 "Ordering"), or null.
 * Anarock sends no per-callback time, so this is the best ordering key it gives.
 * Event `start_time`/`end_time` are left out on purpose: they are when an appointment is planned,
 * often in the future. `booking_docs` times are left out too: they date the documents, and the
 * booking itself already moves `status_changes.moved_to_booking_done`.
 */
export function newestProviderTime(item: Record<string, unknown>): string | null {
  const times: (string | null)[] = [toIsoTime(item['created_at']), toIsoTime(item['claimed_at'])];
  const changes = item['status_changes'];
  if (isRecord(changes)) {
    // status_before_cc is a status name inside this map of epochs (§2.2 #7).
    for (const [key, value] of Object.entries(changes)) if (key.startsWith('moved_to_')) times.push(toIsoTime(value));
  }
  for (const [field, keys] of Object.entries(ENTRY_TIMES)) {
    for (const entry of records(item[field])) for (const key of keys) times.push(toIsoTime(entry[key]));
  }
  for (const event of records(item['event_details'])) {
    times.push(toIsoTime(event['event_updated_at']), toIsoTime(event['event_created_at']));
    for (const note of records(event['notes'])) times.push(toIsoTime(note['created_at']), toIsoTime(note['updated_at']));
  }
  return latestIso(times);
}
