/** JSON for reading: bodies re-indented exactly as received, and parsed values shown indented. */

/**
 * `text` re-indented when it is a JSON object or array, else null (a bare value has nothing to
 * indent). The text itself is re-indented rather than parsed and printed again, so numbers (beyond
 * 2^53 too), duplicate keys, escapes and key order stay exactly as received.
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
