import { timeOrderedId } from '../core/ids.js';
import { truncate } from '../core/truncate.js';
import type { AuthFailureReason, InboundRequest } from '../providers/adapter.js';
import { REFUSAL_ID_PREFIX, REFUSAL_LIMITS, type NewRefusal } from '../storage/refusal-port.js';
import type { SourceRecord, Store } from '../storage/port.js';
import { redactHeaders } from './redact-headers.js';

/** What a refused webhook was: its source, when, why, and the bytes that came with it. */
export interface RefusedWebhook {
  source: Pick<SourceRecord, 'id' | 'provider'>;
  headers: InboundRequest['headers'];
  body: Buffer;
  contentType: string | null;
  receivedAt: Date;
  reason: AuthFailureReason;
  detail: string;
}

/**
 * Keep a refused webhook in its source's ring (see RefusalStore) so that an admin can see what was
 * sent: bounded whatever was sent (REFUSAL_LIMITS), credentials redacted, the body's first KiB
 * copied (never processed). Never fails: a refusal that cannot be stored is still answered 401.
 */
export async function recordRefusal(store: Store, w: RefusedWebhook): Promise<void> {
  try {
    await store.refusals.record(refusalOf(w));
  } catch {
    // A storage fault: the refusal is only counted in the log (the provider gets its 401 either way).
  }
}

/** The bounded record of a refused webhook. */
export function refusalOf(w: RefusedWebhook): NewRefusal {
  const { headers, omitted } = boundedHeaders(redactHeaders(w.headers));
  return {
    id: timeOrderedId(REFUSAL_ID_PREFIX, w.receivedAt.getTime()),
    sourceId: w.source.id,
    provider: w.source.provider,
    receivedAt: w.receivedAt.toISOString(),
    reason: w.reason,
    detail: truncate(w.detail, REFUSAL_LIMITS.detailLength),
    contentType: w.contentType === null ? null : truncate(w.contentType, REFUSAL_LIMITS.headerValueLength),
    headers,
    headersOmitted: omitted,
    bodySize: w.body.length,
    // A copy: a slice would keep the whole body alive while the refusal waits for its commit.
    bodyExcerpt: Buffer.from(w.body.subarray(0, REFUSAL_LIMITS.bodyExcerptBytes)),
  };
}

/**
 * The headers in their order, each name and value cut to REFUSAL_LIMITS.headerValueLength, as many
 * as fit in REFUSAL_LIMITS.headersBytes of JSON; `omitted` counts the rest.
 */
export function boundedHeaders(all: Record<string, string>): { headers: Record<string, string>; omitted: number } {
  const headers: Record<string, string> = {};
  let bytes = 2; // {}
  let omitted = 0;
  for (const [name, value] of Object.entries(all)) {
    const k = truncate(name, REFUSAL_LIMITS.headerValueLength);
    const v = truncate(value, REFUSAL_LIMITS.headerValueLength);
    const size = Buffer.byteLength(JSON.stringify({ [k]: v })) - 1; // its `"k":"v"` and a comma
    if (bytes + size > REFUSAL_LIMITS.headersBytes || k in headers) omitted++;
    else {
      headers[k] = v;
      bytes += size;
    }
  }
  return { headers, omitted };
}
