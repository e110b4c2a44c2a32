/** Decoding (never verifying) a compact JWT for display; the server's verdict is told separately. */

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface DecodedJwt {
  header: unknown;
  claims: unknown;
}

function base64UrlJson(segment: string): unknown {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
}

/** The header and claims of `text` when it is a compact JWT (optionally after `Bearer `), else null. */
export function decodeJwt(text: string): DecodedJwt | null {
  const token = text.trim().replace(/^Bearer\s+/i, '');
  if (token.length > 1_000_000 || !COMPACT.test(token)) return null;
  const [head, body] = token.split('.') as [string, string, string];
  try {
    const header = base64UrlJson(head);
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return null;
    return { header, claims: base64UrlJson(body) };
  } catch {
    return null;
  }
}
