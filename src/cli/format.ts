/** Longest cell before it is cut with an ellipsis (ids are shorter, so never cut). */
const MAX_CELL = 48;

type Cell = string | number | boolean | null | undefined;

/**
 * Characters a terminal would act on or that change how the text around them is read: C0 and C1
 * controls (line breaks, ESC sequences that move the cursor or rewrite the title or clipboard),
 * format characters (bidi overrides and isolates U+202A–U+202E, U+2066–U+2069, marks U+200E/F and
 * U+061C, zero-width and tag characters), the line and paragraph separators U+2028/U+2029, and
 * lone surrogate halves. The joiners U+200C/U+200D stay: scripts such as Devanagari and emoji need them.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const JOINERS = new Set(['\u200c', '\u200d']);
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The visible escape of one unsafe character: `\n`, `\x1b`, `\u202e` or `\u{e0001}`. */
function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xff) return SHORT_ESCAPES[ch] ?? `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Text from a webhook (or any other text leadhook did not write itself) made inert for a terminal:
 * every character of UNSAFE is printed as a visible escape instead of being interpreted, so the text
 * stays on its one line, in its own order, and cannot forge a line of the CLI's output. Everything
 * else, printable ASCII included (a backslash too), passes unchanged; so two texts without a
 * backslash never print the same. Every field of untrusted text the CLI prints goes through this.
 *
 * @example printable('Ann\x1b[2J\nStage: won') // 'Ann\\x1b[2J\\nStage: won'
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => (JOINERS.has(ch) ? ch : escapeChar(ch)));
}

/**
 * A stored body shown inert, one line of the body per line of output, each behind a `  | ` gutter
 * so that no body line can pass for one of the CLI's own; inside a line every unsafe character is
 * escaped (printable), a CR of a CRLF line included.
 *
 * @example bodyBlock('{\n  "a": 1\n}') // '  | {\n  |   "a": 1\n  | }\n'
 */
export function bodyBlock(body: string): string {
  return body.split('\n').map((line) => (line === '' ? '  |' : `  | ${printable(line)}`)).join('\n') + '\n';
}

/** Text of one cell: null and undefined show as `-`. */
export function cell(value: Cell, maxCell: number = MAX_CELL): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = printable(String(value).replace(/\s+/g, ' '));
  return text.length > maxCell ? `${text.slice(0, maxCell - 1)}…` : text;
}

/**
 * A left-aligned text table with an upper-case header row.
 *
 * @example table(['id', 'name'], [['src_1', 'Anarock Mumbai']]) // 'ID     NAME\nsrc_1  Anarock Mumbai\n'
 */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], options: { maxCell?: number } = {}): string {
  // The last column is not padded, so it is never cut either (summaries, URLs).
  const last = headers.length - 1;
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map((c, i) => cell(c, i === last ? Infinity : options.maxCell)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * Aligned `label: value` lines; rows whose value is undefined are left out.
 *
 * @example fields([['Stage', 'won'], ['Phone', null]]) // 'Stage:  won\nPhone:  -\n'
 */
export function fields(rows: readonly (readonly [string, Cell | undefined])[]): string {
  const shown = rows.filter(([, v]) => v !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v === null || v === '' ? '-' : printable(String(v))}`).join('\n') + '\n';
}

/** The time zone time() shows times in (`--tz`, `LEADHOOK_TIMEZONE`); UTC until the CLI sets it. */
let displayZone: Intl.DateTimeFormat | null = null;

/** Show every later time() in this IANA time zone (`Asia/Kolkata`); `UTC` restores the default. */
export function setDisplayTimeZone(timeZone: string): void {
  displayZone = timeZone === 'UTC' ? null : new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * ISO time without milliseconds: in UTC `2019-05-17 08:08:20Z`; in the zone set by
 * setDisplayTimeZone, its wall-clock time and offset: `2019-05-17 13:38:20+05:30`.
 */
export function time(iso: string | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (displayZone === null) return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  const p = Object.fromEntries(displayZone.formatToParts(d).map((part) => [part.type, part.value]));
  const wall = `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${p['second']}`;
  const offsetMin = Math.round((Date.parse(`${wall.replace(' ', 'T')}Z`) - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const abs = Math.abs(offsetMin);
  return `${wall}${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Numbered steps, indented; each step inert (printable), as it may quote a name or a URL. */
export function steps(lines: readonly string[]): string {
  return lines.map((s, i) => `  ${i + 1}. ${printable(s)}`).join('\n') + '\n';
}

/** The raw API answer for `--json`. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The hint under a page that has more results: the same command line with `--cursor` (never `--token`). */
export function moreHint(nextCursor: string | null | undefined, argv: readonly string[]): string {
  if (typeof nextCursor !== 'string') return '';
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--cursor' || arg === '--token') i++;
    else if (!arg.startsWith('--cursor=') && !arg.startsWith('--token=')) kept.push(/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  }
  return `\nMore results: leadhook ${[...kept, '--cursor', nextCursor].join(' ')}\n`;
}
