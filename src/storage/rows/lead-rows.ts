import type { TimelineEntry, TimelineKind } from '../../core/lead.js';
import type { ErasedCounts, LeadErasure } from '../port.js';

/** A `timeline` row, as both stores return it (data as JSON text). */
export interface TimelineRow {
  id: string;
  lead_id: string;
  dedupe_key: string;
  kind: string;
  occurred_at: string | null;
  recorded_at: string;
  summary: string;
  data: string;
  request_id: string;
}

export function toTimelineEntry(row: TimelineRow): TimelineEntry {
  return {
    id: row.id,
    kind: row.kind as TimelineKind,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    summary: row.summary,
    data: JSON.parse(row.data) as Record<string, unknown>,
    dedupeKey: row.dedupe_key,
    requestId: row.request_id,
  };
}

/** A `lead_erasures` row: the audit stub of one erasure (counts as JSON text). */
export interface ErasureRow {
  lead_id: string;
  erased_at: string;
  actor: 'admin';
  remote_address: string | null;
  requested_by: string | null;
  erased: string;
  hold_lifted_at: string | null;
  hold_lifted_by: string | null;
}

export function toErasure(row: ErasureRow): LeadErasure {
  return {
    leadId: row.lead_id,
    erasedAt: row.erased_at,
    actor: row.actor,
    remoteAddress: row.remote_address,
    requestedBy: row.requested_by,
    erased: JSON.parse(row.erased) as ErasedCounts,
    holdLiftedAt: row.hold_lifted_at,
    holdLiftedBy: row.hold_lifted_by,
  };
}
