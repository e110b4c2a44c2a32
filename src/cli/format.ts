/** Longest cell before it is cut with an ellipsis (ids are shorter, so never cut). */
const MAX_CELL = 48;

type Cell = string | number | boolean | null | undefined;

/**
 * Text from a webhook made safe for a terminal: control characters (ESC sequences that move the
 * cursor, rewrite the title or the clipboard; C1 controls; bidi overrides that reorder what is shown)
 * are printed as visible `\x..`/`\u....` escapes instead of being interpreted.
 *
 * @example printable('Ann\x1b[2J') // 'Ann\\x1b[2J'
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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

/** ISO time without milliseconds, in UTC: `2019-05-17 08:08:20Z`. */
export function time(iso: string | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Numbered steps, indented. */
export function steps(lines: readonly string[]): string {
  return lines.map((s, i) => `  ${i + 1}. ${s}`).join('\n') + '\n';
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
