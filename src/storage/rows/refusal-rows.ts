import type { ProviderId } from '../../core/lead.js';
import type { AuthFailureReason } from '../../providers/adapter.js';
import type { StoredRefusal } from '../refusal-port.js';

/** A `webhook_refusals` row, as both stores return it (headers as JSON text, the excerpt as bytes). */
export interface RefusalRow {
  id: string;
  source_id: string;
  provider: string;
  received_at: string;
  reason: string;
  detail: string;
  content_type: string | null;
  headers: string;
  headers_omitted: number;
  body_size: number;
  body_excerpt: Buffer;
}

export function toRefusal(row: RefusalRow): StoredRefusal {
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider as ProviderId,
    receivedAt: row.received_at,
    reason: row.reason as AuthFailureReason,
    detail: row.detail,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    headersOmitted: row.headers_omitted,
    bodySize: row.body_size,
    bodyExcerpt: row.body_excerpt,
  };
}
