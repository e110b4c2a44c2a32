import pg from 'pg';

/**
 * PostgreSQL text cannot hold U+0000, and jsonb cannot hold the JSON escape `\u0000`; SQLite holds
 * both, and a hostile webhook or name may carry them. So every string sent to PostgreSQL is encoded
 * reversibly, and every text or JSON value read back decoded, with U+001F as the escape:
 * U+0000 → U+001F "0", U+001F → U+001F "1", and in JSON text `\u0000` → `\u001f0`,
 * `\u001f` → `\u001f1`. A JSON document stays valid, and PostgreSQL's own JSON keeps the scheme:
 * a string it extracts (`->>`) reads as raw U+001F "0", and JSON it prints writes `\u001f0`, and
 * both decode to the original. Equal strings stay equal; ordering and substrings are kept except
 * around the escaped characters. (A string extracted with `->>` that holds the literal text
 * `\u001f0` reads back as `\u0000`: leadhook extracts only its own ids, times and outcomes.)
 */
const ESCAPE = '\u001f';
const ENCODE = /\\\\|\\u0000|\\u001f|\u0000|\u001f/g;
const DECODE = /\\\\|\\u001f[01]|\u001f[01]/g;

const encoded: Record<string, string> = { '\\u0000': '\\u001f0', '\\u001f': '\\u001f1', '\u0000': `${ESCAPE}0`, [ESCAPE]: `${ESCAPE}1` };
const decoded: Record<string, string> = { '\\u001f0': '\\u0000', '\\u001f1': '\\u001f', [`${ESCAPE}0`]: '\u0000', [`${ESCAPE}1`]: ESCAPE };

/** `text` as stored in PostgreSQL (see above). */
export function encodeText(text: string): string {
  return text.includes('\u0000') || text.includes(ESCAPE) || text.includes('\\u') ? text.replace(ENCODE, (m) => encoded[m] ?? m) : text;
}

/** The string `encodeText` was given. */
export function decodeText(text: string): string {
  return text.includes(ESCAPE) || text.includes('\\u001f') ? text.replace(DECODE, (m) => decoded[m] ?? m) : text;
}

function encodeParam(value: unknown): unknown {
  if (typeof value === 'string') return encodeText(value);
  if (Array.isArray(value)) return value.map(encodeParam);
  return value;
}

const TEXT_OIDS = new Set([25, 1043, 1042, 19]); // text, varchar, bpchar, name
const TEXT_ARRAY_OIDS = new Set([1009, 1015]); // text[], varchar[]
const JSON_OIDS = new Set([114, 3802]); // json, jsonb

/** pg's parsers, with text, text[] and JSON values decoded. */
export const nulSafeTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): any {
    const parse = pg.types.getTypeParser(oid, format as 'text');
    if (format === 'binary') return parse;
    if (TEXT_OIDS.has(oid)) return (value: string) => decodeText(value);
    if (TEXT_ARRAY_OIDS.has(oid)) return (value: string) => (parse(value) as (string | null)[]).map((v) => (v === null ? v : decodeText(v)));
    if (JSON_OIDS.has(oid)) return (value: string) => JSON.parse(value, (_key, v: unknown) => (typeof v === 'string' ? decodeText(v) : v));
    return parse;
  },
};

/** A pg client whose string parameters (also inside arrays) are encoded with `encodeText`. */
export class NulSafeClient extends pg.Client {
  override query(...args: any[]): any {
    const [first, second] = args;
    if (Array.isArray(second)) args[1] = second.map(encodeParam);
    else if (first !== null && typeof first === 'object' && typeof first.submit !== 'function' && Array.isArray(first.values)) {
      args[0] = { ...first, values: first.values.map(encodeParam) };
    }
    return (super.query as (...a: any[]) => any)(...args);
  }
}
