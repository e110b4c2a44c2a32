import type { InboundRequest } from '../providers/adapter.js';

/** Headers that carry credentials: stored and shown as `[redacted]`. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'token', 'cookie', 'x-api-key', 'x-auth-token']);

/** A flat copy of the request headers with every credential replaced. */
export function redactHeaders(headers: InboundRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
