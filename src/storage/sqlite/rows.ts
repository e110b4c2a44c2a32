import type { TimelineEntry, TimelineKind } from '../../core/lead.js';
import type { ItemCounts, ItemOutcome, RequestStatus, SourceRecord, StoredRequest, StoredRequestWithBody } from '../port.js';
import type { ProviderId } from '../../core/lead.js';
import { decodeItems, leadIdsOf } from '../../ingest/stored-items.js';
import { decodeReprocesses } from './request-reprocesses.js';

/** Row shapes as SQLite returns them, and their mapping to port types. */
export interface SourceRow {
  id: string;
  provider: string;
  name: string;
  url_token: string;
  previous_url_token: string | null;
  previous_url_token_expires_at: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
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
    urlToken: row.url_token,
    previousUrlToken: row.previous_url_token,
    previousUrlTokenExpiresAt: row.previous_url_token_expires_at,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
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
  reprocess_count: number;
  /** JSON, see request-reprocesses.ts; null when none kept. */
  reprocesses: string | null;
}

/**
 * A request row as the list query reads it: no body, and instead of every stored item, the first
 * few (`items_listed`), their distinct leads (`lead_ids`) and the counts (`item_counts`), all JSON.
 */
export type RequestListRow = Omit<RequestRow, 'body' | 'auth_payload' | 'items' | 'reprocesses'> & {
  body_size: number;
  items_listed: string;
  item_counts: string;
  lead_ids: string;
};

type RequestHead = Omit<StoredRequest, 'items' | 'itemCounts' | 'leadIds'>;

function toRequestHead(row: RequestListRow | RequestRow): RequestHead {
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
    reprocessedAt: row.reprocessed_at,
    reprocessCount: row.reprocess_count,
  };
}

/** A request of a list page: its first few items and the counts of all. */
export function toListedRequest(row: RequestListRow): StoredRequest {
  return {
    ...toRequestHead(row),
    items: JSON.parse(row.items_listed) as ItemOutcome[],
    itemCounts: JSON.parse(row.item_counts) as ItemCounts,
    leadIds: JSON.parse(row.lead_ids) as string[],
  };
}

/** One request, with its body and every item it recorded (a bounded number; see request-items.ts). */
export function toRequestWithBody(row: RequestRow): StoredRequestWithBody {
  const { items, counts, quarantine } = decodeItems(row.items);
  return {
    ...toRequestHead(row),
    items,
    itemCounts: counts,
    leadIds: leadIdsOf(items),
    quarantine,
    reprocesses: decodeReprocesses(row.reprocesses),
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

// The stored lead document and its search text are the same for every store (src/core).
export { leadFromDocument as toLead } from '../../core/stored-lead.js';
export { searchText, SEARCH_FIELD_LENGTH } from '../../core/search-text.js';
