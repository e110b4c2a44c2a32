import { REFUSAL_ID_PREFIX, type StoredRefusal } from '../../storage/refusal-port.js';
import { shownHeaders } from '../../ingest/redact-headers.js';
import { bodyAsText } from './body-text.js';

/** Whether `id` names a refused webhook (`GET /api/requests/:id` shows them too). */
export function isRefusalId(id: string): boolean {
  return id.startsWith(`${REFUSAL_ID_PREFIX}_`);
}

/**
 * A refused webhook as the API shows it, beside stored requests (`status: "rejected"`, answered
 * 401): why, the headers (credentials redacted) and the first KiB of the body, as text when it is
 * UTF-8 without control characters (a character cut at the end of the excerpt is left out), else
 * base64. At most about 2 KiB of excerpt and 4 KiB of headers, whatever was sent.
 */
export function refusalOut(r: StoredRefusal) {
  const truncated = r.bodyExcerpt.length < r.bodySize;
  const text = excerptText(r.bodyExcerpt, truncated);
  return {
    id: r.id,
    sourceId: r.sourceId,
    provider: r.provider,
    receivedAt: r.receivedAt,
    status: 'rejected' as const,
    httpStatus: 401,
    reason: r.reason,
    detail: r.detail,
    contentType: r.contentType,
    headers: shownHeaders(r.headers),
    headersOmitted: r.headersOmitted,
    bodySize: r.bodySize,
    bodyExcerpt: text,
    bodyExcerptBase64: text === null ? r.bodyExcerpt.toString('base64') : null,
    bodyTruncated: truncated,
  };
}

/** The excerpt as text; when the body was cut, up to 3 bytes of a character the cut split are dropped first. */
function excerptText(excerpt: Buffer, truncated: boolean): string | null {
  const tries = truncated ? Math.min(3, excerpt.length) : 0;
  for (let drop = 0; drop <= tries; drop++) {
    const text = bodyAsText(excerpt.subarray(0, excerpt.length - drop));
    if (text !== null) return text;
  }
  return null;
}
