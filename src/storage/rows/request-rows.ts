import type { ProviderId } from '../../core/lead.js';
import { decodeItems, leadIdsOf } from '../../ingest/stored-items.js';
import type { HeldRequest, ItemCounts, ItemOutcome, RequestStatus, StoredRequest, StoredRequestWithBody } from '../port.js';
import { decodeReprocesses } from '../sqlite/request-reprocesses.js';

/** A `requests` row, as both stores return it (JSON as text, the body as bytes). */
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
  /** JSON, see sqlite/request-reprocesses.ts; null when none kept. */
  reprocesses: string | null;
  /** 0/1 on SQLite, a boolean on PostgreSQL (migrations 0013 / 0005). */
  is_test_send: number | boolean;
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
    isTestSend: row.is_test_send === true || row.is_test_send === 1,
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

/** One request, with its body and every item it recorded (a bounded number; see ingest/stored-items.ts). */
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

/** A hold of a request on one lead (`held_requests`), with its request's source and receipt time ({@link SELECT_HELD}). */
export interface HeldRow {
  request_id: string;
  lead_id: string;
  source_id: string;
  received_at: string;
  held_at: string;
  resolution: 'applied' | 'discarded' | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

/** The columns of {@link HeldRow}, the same SQL on both stores; callers add WHERE and ORDER BY. */
export const SELECT_HELD = `SELECT h.request_id, h.lead_id, r.source_id, r.received_at, h.held_at, h.resolution, h.resolved_at, h.resolved_by
  FROM held_requests h JOIN requests r ON r.id = h.request_id`;

export function toHeld(row: HeldRow): HeldRequest {
  return {
    requestId: row.request_id,
    leadId: row.lead_id,
    sourceId: row.source_id,
    receivedAt: row.received_at,
    heldAt: row.held_at,
    resolution: row.resolution,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}
