import type { InboundRequest } from '../providers/adapter.js';

/** Headers that carry credentials: stored and shown as `[redacted]`. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'token', 'cookie', 'x-api-key', 'x-auth-token']);

/**
 * A webhook URL's token (`wh_…`, src/http/routes/sources.ts), also percent-encoded (`wh%5F…`): the
 * only credential of a source without a secret (Anarock). Any header may carry the URL it came to:
 * a reverse proxy's X-Forwarded-Uri, X-Original-URL or Forwarded, a provider's Referer.
 */
const URL_TOKEN = /wh(?:_|%5f)[0-9a-z]+/gi;
const URL_TOKEN_SHOWN = 'wh_[redacted]';

/** A header value with every webhook URL token replaced. */
export function withoutUrlTokens(value: string): string {
  return value.replace(URL_TOKEN, URL_TOKEN_SHOWN);
}

/** A flat copy of the request headers with every credential replaced. */
export function redactHeaders(headers: InboundRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : withoutUrlTokens(Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}

/**
 * Stored headers as the API shows them: webhook URL tokens replaced again (requests stored before
 * {@link redactHeaders} replaced them keep them), so that no reader, a viewer included, gets a
 * source's credential from them.
 */
export function shownHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = withoutUrlTokens(value);
  return out;
}
