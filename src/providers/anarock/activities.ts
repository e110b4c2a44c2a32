import type { TimelineItem } from '../../core/lead.js';
import { snapshotHash } from '../../core/normalize/canonical-json.js';
import { enumKey, idText, isRecord, text } from '../../core/normalize/text.js';
import { toIsoTime } from '../../core/normalize/time.js';
import { numberOf, records, truncate } from './coerce.js';
import { dispositionKindOf } from './status.js';

type CallOutcome = 'connected' | 'no_answer' | 'failed' | 'unknown';

/** The agent of a note or call: `agent_details` (2019+) or a bare `agent_id`; null when neither. */
function agentOf(entry: Record<string, unknown>): { id: string | null; name: string | null } | null {
  const details = isRecord(entry['agent_details']) ? entry['agent_details'] : {};
  const id = idText(details['id']) ?? idText(entry['agent_id']);
  const name = text(details['name']);
  return id === null && name === null ? null : { id, name };
}

/** `notes[]` (top level or inside an event) → `note` entries keyed by `note_id` (providers.md §4.8). */
export function noteItems(notes: unknown): TimelineItem[] {
  return records(notes).map((note) => {
    const noteId = idText(note['note_id']);
    const body = text(note['data']);
    return {
      kind: 'note',
      occurredAt: toIsoTime(note['created_at']) ?? toIsoTime(note['updated_at']),
      summary: body === null ? 'Note' : truncate(body, 200),
      data: { noteId, type: text(note['note_type']), text: body, agent: agentOf(note) },
      dedupeKey: `note:${noteId ?? snapshotHash(note)}`,
    };
  });
}

/** `calls[]` → `call` entries keyed by call `id`. */
export function callItems(calls: unknown): TimelineItem[] {
  return records(calls).map((call) => {
    const callId = idText(call['id']);
    const direction = text(call['action']);
    // §2.1 #11: start_time == end_time next to duration_in_sec 26, so the duration is only ever read.
    const durationSec = numberOf(call['duration_in_sec']);
    const outcome = callOutcome(call, durationSec);
    const parts = [direction === null ? 'Call' : `${capitalise(direction)} call`];
    if (durationSec !== null) parts.push(`${durationSec} s`);
    parts.push(outcome.replace('_', ' '));
    return {
      kind: 'call',
      occurredAt: toIsoTime(call['start_time']) ?? toIsoTime(call['inserted_at']),
      summary: parts.join(', '),
      data: {
        callId,
        direction,
        from: text(call['from']),
        to: text(call['to']),
        durationSec,
        outcome,
        recordingUrl: text(call['recording_url']),
        agent: agentOf(call),
      },
      dedupeKey: `call:${callId ?? snapshotHash(call)}`,
    };
  });
}

function callOutcome(call: Record<string, unknown>, durationSec: number | null): CallOutcome {
  const first = enumKey(text(call['first_leg_status']) ?? '');
  const second = enumKey(text(call['second_leg_status']) ?? '');
  if ((first === 'completed' || second === 'completed') && durationSec !== null && durationSec > 0) return 'connected';
  // Exotel-style leg statuses: the second leg is the customer's phone.
  if (second === 'no_answer' || second === 'busy' || second === 'canceled' || second === 'cancelled') return 'no_answer';
  if (second === 'failed') return 'failed';
  return 'unknown';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `dispositions[]` (call-centre outcomes) → `disposition` entries keyed by `id`. */
export function dispositionItems(dispositions: unknown): TimelineItem[] {
  return records(dispositions).map((d) => {
    const dispositionId = idText(d['id']);
    const type = dispositionKindOf(d['disposition_type']);
    const reason = text(d['reason']);
    return {
      kind: 'disposition',
      occurredAt: toIsoTime(d['created_at']),
      summary: `Disposition: ${type ?? 'unspecified'}${reason === null ? '' : ` (${truncate(reason, 120)})`}`,
      data: { dispositionId, type, rawType: text(d['disposition_type']), reason, agentName: text(d['agent_name']) },
      dedupeKey: `disposition:${dispositionId ?? snapshotHash(d)}`,
    };
  });
}
