/** How the console writes dates, times, phones and numbers: one place, the same everywhere. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const relativeShort = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "12 Mar 2026, 14:05", or "—" for none. */
export function formatDateTime(value: string | number | Date | null | undefined, options: { seconds?: boolean } = {}): string {
  const date = toDate(value);
  if (date === null) return '—';
  return (options.seconds === true ? dateTimeSeconds : dateTime).format(date);
}

/** "12 Mar 2026", or "—". A plain `YYYY-MM-DD` day is shown as that day, whatever the browser's zone. */
export function formatDate(value: string | number | Date | null | undefined): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    return dateOnly.format(new Date(y, m - 1, d));
  }
  const date = toDate(value);
  return date === null ? '—' : dateOnly.format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", "yesterday", "just now"; `now` is injectable for tests. */
export function formatRelative(value: string | number | Date | null | undefined, now: number = Date.now()): string {
  return relativeWith(relative, value, now);
}

/** formatRelative in few letters, for narrow columns: "3 min. ago", "yesterday", "just now". */
export function formatRelativeShort(value: string | number | Date | null | undefined, now: number = Date.now()): string {
  return relativeWith(relativeShort, value, now);
}

function relativeWith(format: Intl.RelativeTimeFormat, value: string | number | Date | null | undefined, now: number): string {
  const date = toDate(value);
  if (date === null) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}

/** Country codes of the providers' home countries (and a few neighbours) and how their numbers group. */
const PHONE_GROUPS: [string, (rest: string) => string][] = [
  ['91', (r) => (r.length === 10 ? `${r.slice(0, 5)} ${r.slice(5)}` : r)],
  ['44', (r) => (r.length === 10 ? (r.startsWith('7') ? `${r.slice(0, 4)} ${r.slice(4)}` : `${r.slice(0, 2)} ${r.slice(2, 6)} ${r.slice(6)}`) : r)],
  ['351', (r) => (r.length === 9 ? `${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)}` : r)],
  ['1', (r) => (r.length === 10 ? `${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)}` : r)],
  ['34', (r) => (r.length === 9 ? `${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)}` : r)],
];

/**
 * A phone for reading: an E.164 number of a known country grouped (+91 98765 43210, +351 919 111 222);
 * anything else exactly as stored.
 */
export function formatPhone(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (!/^\+\d{6,15}$/.test(value)) return value;
  for (const [code, group] of PHONE_GROUPS) {
    if (value.startsWith(`+${code}`)) return `+${code} ${group(value.slice(code.length + 1))}`;
  }
  return value;
}

const integer = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer.format(n);
}

/** A 0..1 ratio as "97.5%", or "—" for none. */
export function formatPercent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : percent.format(ratio);
}

/** "240 ms", "1.2 s", or "—". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A stage id as words: "site_visit_scheduled" → "Site visit scheduled". */
export function formatStage(stage: string | null | undefined): string {
  if (stage === null || stage === undefined || stage === '') return '—';
  const words = stage.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Today (or `offsetDays` from it) as `YYYY-MM-DD` in the browser's zone. */
export function isoDay(offsetDays = 0, now: number = Date.now()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
