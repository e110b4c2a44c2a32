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

/**
 * `text` re-indented when it is JSON, else null. The text itself is re-indented rather than parsed
 * and printed again, so numbers (beyond 2^53 too), escapes and key order stay exactly as received.
 */
export function prettyJson(text: string): string | null {
  const t = text.trim();
  if (t === '' || (t[0] !== '{' && t[0] !== '[')) return null;
  try {
    JSON.parse(t);
  } catch {
    return null;
  }
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += t[i + 1] ?? '';
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < t.length && /\s/.test(t[j]!)) j++;
      if (t[j] === close) {
        out += c + close;
        i = j;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else {
      out += c;
    }
  }
  return out;
}

/** Any value as indented JSON (values the API already parsed: claims, extra fields). */
export function showJson(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
