import { CappedWarnings } from './capped-warnings.js';

/**
 * Reads a webhook body as JSON the way providers.md §2.6 asks: strict JSON grammar, but
 * - a duplicate object key is merged instead of silently dropping the first value (R3: Anarock's
 *   2020 document repeats `extra_details`; `JSON.parse` would lose `cp_id`);
 * - an integer beyond 2^53 is kept exactly, as a string (R4: ids must never be rounded).
 * The common case (no duplicates, no big integers) costs one `JSON.parse` and two scans. Every other
 * body costs time and memory linear in its size: warnings are capped (capped-warnings.ts), a key
 * path is built only for a warning that may be kept, and duplicates merge in place.
 */
export type JsonReadResult =
  | { ok: true; value: unknown; warnings: string[] }
  | { ok: false; message: string; position: number | null };

const MAX_DEPTH = 512;
/** A key path is built up to about this many characters (a warning shows fewer). */
const MAX_PATH_TEXT = 256;
const BIG_DIGIT_RUN = /\d{16,}/;
const KEY_COLON = /"\s*:/g;

/** Decode UTF-8 bytes (warning on invalid sequences) and read them as JSON. */
export function readJsonBody(body: Buffer): JsonReadResult {
  const source = body.toString('utf8');
  const isInvalidUtf8 = source.includes('\ufffd') && !Buffer.from(source, 'utf8').equals(body);
  const result = readJson(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source);
  if (result.ok && isInvalidUtf8) result.warnings.unshift('invalid_utf8');
  return result;
}

/** Read JSON text; see the module comment for how it differs from `JSON.parse`. */
export function readJson(source: string): JsonReadResult {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return slowRead(source); // gives the error with its position
  }
  // JSON.parse accepts any depth; the slow reader refuses past MAX_DEPTH with the position, so that
  // nothing downstream (normalizers, canonical hashing, storage) recurses deeper than that.
  const keys = countKeys(value);
  if (keys === null || BIG_DIGIT_RUN.test(source) || countMatches(KEY_COLON, source) !== keys) {
    return slowRead(source);
  }
  return { ok: true, value, warnings: [] };
}

/** How many times `pattern` (global) matches `source`, without collecting the matches. */
function countMatches(pattern: RegExp, source: string): number {
  let n = 0;
  pattern.lastIndex = 0;
  while (pattern.exec(source) !== null) n++;
  return n;
}

/** Object keys in the whole value, or null when it nests deeper than MAX_DEPTH. Iterative: no stack overflow. */
function countKeys(root: unknown): number | null {
  let n = 0;
  if (root === null || typeof root !== 'object') return 0;
  const stack: [object, number][] = [[root, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value as object);
    if (!Array.isArray(value)) n += children.length;
    if (children.length > 0 && depth + 1 > MAX_DEPTH) return null;
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return n;
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function slowRead(source: string): JsonReadResult {
  const reader = new Reader(source);
  try {
    reader.skipSpace();
    if (reader.pos >= source.length) throw new JsonSyntaxError('empty body', 0);
    const value = reader.value(0);
    reader.skipSpace();
    if (reader.pos < source.length) reader.fail('unexpected data after the JSON value');
    return { ok: true, value, warnings: reader.warnings.list() };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, message: err.message, position: err.position };
    throw err;
  }
}

class Reader {
  pos = 0;
  readonly warnings = new CappedWarnings();
  /** Keys and indexes from the root to the value being read; joined only for a warning. */
  private readonly path: (string | number)[] = [];
  constructor(private readonly s: string) {}

  /** The current key path as `a.b[2].c`, cut once it is longer than a warning can show. */
  private pathText(): string {
    let out = '';
    for (let i = 0; i < this.path.length && out.length <= MAX_PATH_TEXT; i++) {
      const segment = this.path[i]!;
      out += typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${segment.slice(0, MAX_PATH_TEXT)}`;
    }
    return out;
  }

  fail(what: string): never {
    const near = this.s.slice(this.pos, this.pos + 20);
    throw new JsonSyntaxError(`${what} at position ${this.pos}${near ? ` near ${JSON.stringify(near)}` : ''}`, this.pos);
  }

  skipSpace(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    if (this.s.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (this.s.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (this.s.startsWith('null', this.pos)) return (this.pos += 4), null;
    return this.fail(c === undefined ? 'unexpected end of JSON' : 'unexpected character');
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (this.s[this.pos] === '}') return this.pos++, out;
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] !== '"') this.fail('expected a double-quoted key');
      const key = this.string();
      this.skipSpace();
      if (this.s[this.pos] !== ':') this.fail(`expected ':' after key ${JSON.stringify(key)}`);
      this.pos++;
      this.path.push(key);
      const v = this.value(depth + 1);
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        this.warnings.add(() => `duplicate_key:${this.pathText()}`);
        out[key] = mergeDuplicate(out[key], v);
      } else {
        defineKey(out, key, v);
      }
      this.path.pop();
      this.skipSpace();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') (this.pos--, this.fail("expected ',' or '}'"));
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (this.s[this.pos] === ']') return this.pos++, out;
    for (;;) {
      this.path.push(out.length);
      out.push(this.value(depth + 1));
      this.path.pop();
      this.skipSpace();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') (this.pos--, this.fail("expected ',' or ']'"));
    }
  }

  string(): string {
    const start = ++this.pos;
    const s = this.s;
    let out = '';
    let chunk = start;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(chunk, this.pos++);
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        out += s.slice(chunk, this.pos);
        out += this.escape();
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  escape(): string {
    const e = this.s[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hex = this.s.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail('bad escape');
    }
  }

  number(): number | string {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (m === null) return this.fail('bad number');
    this.pos += m[0].length;
    const n = Number(m[0]);
    // R4: an integer past 2^53 would be rounded; keep its exact digits.
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return m[0];
    return n;
  }
}

/** A plain own key, even one named `__proto__` (never a prototype). */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  // Assignment is much faster; only `__proto__` is an accessor on Object.prototype.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Null, '', [] or {}; constant time (an object with keys stops at its first). */
function isEmpty(v: unknown): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (!isObject(v)) return false;
  for (const key in v) if (Object.prototype.hasOwnProperty.call(v, key)) return false;
  return true;
}

/**
 * R3: objects merge key by key; otherwise the later value wins unless it is empty. Objects merge
 * in place into the earlier one (both were just read and belong to nobody else): a key repeated n
 * times costs the size of its n values, not n copies of the growing merge.
 */
function mergeDuplicate(earlier: unknown, later: unknown): unknown {
  if (isObject(earlier) && isObject(later)) {
    for (const k of Object.keys(later)) {
      const v = later[k];
      if (Object.prototype.hasOwnProperty.call(earlier, k)) earlier[k] = mergeDuplicate(earlier[k], v);
      else defineKey(earlier, k, v);
    }
    return earlier;
  }
  return isEmpty(later) && !isEmpty(earlier) ? earlier : later;
}
