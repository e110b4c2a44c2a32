import type { Lead, TimelineEntry, TimelineKind } from '../../core/lead.js';
import type { ItemOutcome, RequestStatus, SourceRecord, StoredRequest, StoredRequestWithBody } from '../port.js';
import type { ProviderId } from '../../core/lead.js';

/** Row shapes as SQLite returns them, and their mapping to port types. */
export interface SourceRow {
  id: string;
  provider: string;
  name: string;
  secret: string;
  default_country: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export function toSource(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    provider: row.provider as ProviderId,
    name: row.name,
    secret: row.secret,
    defaultCountry: row.default_country,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export interface RequestRow {
  id: string;
  source_id: string;
  provider: string;
  received_at: string;
  status: string;
  reason: string | null;
  http_status: number;
  content_type: string | null;
  headers: string;
  body: Buffer;
  body_sha256: string;
  auth_payload: string | null;
  items: string;
  reprocessed_at: string | null;
}

/** A request row without its body, as the list query reads it. */
export type RequestListRow = Omit<RequestRow, 'body' | 'auth_payload'> & { body_size: number };

export function toRequest(row: RequestListRow | RequestRow): StoredRequest {
  const items = JSON.parse(row.items) as ItemOutcome[];
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider as ProviderId,
    receivedAt: row.received_at,
    status: row.status as RequestStatus,
    reason: row.reason,
    httpStatus: row.http_status,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    bodySha256: row.body_sha256,
    bodySize: 'body' in row ? row.body.length : row.body_size,
    items,
    leadIds: [...new Set(items.flatMap((i) => (i.leadId === null ? [] : [i.leadId])))],
    reprocessedAt: row.reprocessed_at,
  };
}

export function toRequestWithBody(row: RequestRow): StoredRequestWithBody {
  return {
    ...toRequest(row),
    body: row.body,
    authPayload: row.auth_payload === null ? undefined : (JSON.parse(row.auth_payload) as unknown),
  };
}

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

export function toLead(doc: string): Lead {
  return JSON.parse(doc) as Lead;
}

/** Lower-cased text the `q` search matches against. */
export function searchText(lead: Lead): string {
  const p = lead.person;
  return [p.fullName, p.email, p.emailRaw, p.phone, p.phoneRaw, lead.providerLeadId]
    .filter((v): v is string => v !== null)
    .join('\n')
    .toLowerCase();
}
