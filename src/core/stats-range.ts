/**
 * The day range of the overview figures (`GET /api/stats?from=…&to=…`): whole days in the
 * configured time zone, read and cut into days here. Pure: no I/O; the clock is a parameter.
 */
import { readBound } from './date-bounds.js';

/** Days shown when no range is given: the last 14, today included. */
export const DEFAULT_STATS_DAYS = 14;
/** Longest range, days: a year, leap day included. */
export const MAX_STATS_DAYS = 366;

/** One day of the range: its date in the time zone and the instants it covers, `[since, until)` (ISO UTC). */
export interface DayBucket {
  day: string;
  since: string;
  until: string;
}

/** A range of whole days, first and last included, with each day's instants. */
export interface StatsRange {
  from: string;
  to: string;
  timeZone: string;
  /** The first instant of `from` (ISO UTC, included). */
  since: string;
  /** The first instant after `to` (ISO UTC, excluded). */
  until: string;
  days: DayBucket[];
}

export type RangeResult = { ok: true; range: StatsRange } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Read `from` and `to` (each `YYYY-MM-DD`, a day in `timeZone`, both included). `to` defaults to
 * today there (at `now`), `from` to {@link DEFAULT_STATS_DAYS} days ending with `to`. Never throws:
 * a bad date, `from` after `to` or a range over {@link MAX_STATS_DAYS} days gives a message.
 *
 * @example readStatsRange({ from: '2026-03-01', to: '2026-03-02' }, 'Asia/Kolkata', new Date()) // days[0].since 2026-02-28T18:30:00.000Z
 */
export function readStatsRange(q: { from?: string | undefined; to?: string | undefined }, timeZone: string, now: Date): RangeResult {
  const to = q.to === undefined ? localDate(now, timeZone) : checkedDate('to', q.to);
  if (typeof to !== 'string') return to;
  const from = checkedDate('from', q.from ?? addDays(to, -(DEFAULT_STATS_DAYS - 1)));
  if (typeof from !== 'string') return from;
  if (from > to) return { ok: false, message: `from (${from}) is after to (${to}): give from on or before to` };
  const count = daysBetween(from, to) + 1;
  if (count > MAX_STATS_DAYS) return { ok: false, message: `from ${from} to ${to} is ${count} days; the most is ${MAX_STATS_DAYS}: give a shorter range` };
  const days: DayBucket[] = [];
  let start = dayStart(from, timeZone);
  for (let day = from; ; day = addDays(day, 1)) {
    const next = dayStart(addDays(day, 1), timeZone);
    days.push({ day, since: start, until: next });
    start = next;
    if (day === to) break;
  }
  return { ok: true, range: { from, to, timeZone, since: days[0]!.since, until: days[days.length - 1]!.until, days } };
}

/** The date of `instant` in `timeZone`, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of dateFormatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return `${parts['year']!.padStart(4, '0')}-${parts['month']!.padStart(2, '0')}-${parts['day']!.padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** `value` when it is a calendar date `YYYY-MM-DD` (years 0001 to 9998, so its next day exists), else why not. */
function checkedDate(field: string, value: string): string | { ok: false; message: string } {
  const m = DATE.exec(value);
  const bad = { ok: false as const, message: `${field} must be a date YYYY-MM-DD (a day in the configured time zone), not ${JSON.stringify(value.slice(0, 40))}` };
  if (m === null) return bad;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || y > 9998 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return bad;
  return value;
}

function daysInMonth(y: number, m: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** The UTC midnight of a `YYYY-MM-DD` date as ms (any year from 0001). */
function utcMidnight(date: string): number {
  const d = new Date(0);
  d.setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return d.getTime();
}

function addDays(date: string, n: number): string {
  const d = new Date(utcMidnight(date) + n * 86_400_000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

function daysBetween(from: string, to: string): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / 86_400_000);
}

/** The first instant of `date` in `timeZone`, read as the lead date filters read a plain date. */
function dayStart(date: string, timeZone: string): string {
  const read = readBound('day', date, 'since', timeZone);
  if (!read.ok || read.bound.kind !== 'since') throw new Error(`not a readable date: ${date}`);
  return read.bound.atOrAfter;
}
