/**
 * Reading the date bounds of a list filter (`firstSeenSince=2026-12-01`, `lastActivityUntil=…`).
 * Pure: no I/O, no clock. Stored times are ISO 8601 UTC with milliseconds (`Date#toISOString`), so
 * a bound is turned into the same form and compared as text.
 */

/** How a bound is read: `since` is the first instant included, `until` the last. */
export type BoundKind = 'since' | 'until';

/** A bound as an inclusive ISO UTC instant, ready to compare with stored times. */
export type TimeBound = { kind: 'since'; atOrAfter: string } | { kind: 'until'; atOrBefore: string };

export type BoundResult = { ok: true; bound: TimeBound } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** `2026-12-01T09:30`, seconds and a fraction optional, then `Z`, `±HH:MM`, `±HHMM` or nothing (local time). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
/** Longest value read: a timestamp with nanoseconds and an offset is 35 characters. */
const MAX_LENGTH = 40;

/** What the accepted formats are, for an error message. */
export function acceptedFormats(timeZone: string): string {
  return `use a date YYYY-MM-DD (a day in ${timeZone}) or an ISO 8601 time such as 2026-12-01T09:30:00Z or 2026-12-01T15:00:00+05:30`;
}

/**
 * Read one bound. A plain date is that whole day in `timeZone`: `since` starts at its first instant,
 * `until` ends at its last millisecond. A time with an offset or `Z` is that instant, one without is
 * a wall-clock time in `timeZone`; both bounds include it. Dates are years 0001 to 9999 (a bound
 * beyond what a stored time can hold is moved to its edge). Never throws: a bad value gives a
 * message naming `field`.
 *
 * @example readBound('firstSeenSince', '2026-12-01', 'since', 'Asia/Kolkata') // atOrAfter 2026-11-30T18:30:00.000Z
 */
export function readBound(field: string, value: string, kind: BoundKind, timeZone: string): BoundResult {
  const bad = (why: string): BoundResult => ({ ok: false, message: `${field} ${why}: ${acceptedFormats(timeZone)}` });
  if (value.length > MAX_LENGTH) return bad('is too long to be a date');
  const trimmed = value.trim();
  const date = DATE.exec(trimmed);
  if (date !== null) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!isCalendarDate(y, m, d)) return bad(`is not a calendar date (${JSON.stringify(value)})`);
    const instant = kind === 'since' ? wallClockToUtc(y, m, d, 0, 0, 0, 0, timeZone) : wallClockToUtc(y, m, d + 1, 0, 0, 0, 0, timeZone) - 1;
    return toBound(kind, instant, bad);
  }
  const dt = DATE_TIME.exec(trimmed);
  if (dt === null) return bad(`is not a date or time (${JSON.stringify(value.slice(0, MAX_LENGTH))})`);
  const [y, mo, d, h, mi] = [Number(dt[1]), Number(dt[2]), Number(dt[3]), Number(dt[4]), Number(dt[5])];
  const s = dt[6] === undefined ? 0 : Number(dt[6]);
  const ms = dt[7] === undefined ? 0 : Number(dt[7].slice(0, 3).padEnd(3, '0'));
  if (!isCalendarDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return bad(`is not a valid time (${JSON.stringify(value)})`);
  const zone = dt[8];
  let instant: number;
  if (zone === undefined) instant = wallClockToUtc(y, mo, d, h, mi, s, ms, timeZone);
  else {
    const offset = zone === 'Z' || zone === 'z' ? 0 : offsetMinutes(zone);
    if (offset === null) return bad(`has an offset out of range (${JSON.stringify(zone)})`);
    instant = utc(y, mo, d, h, mi, s, ms) - offset * 60_000;
  }
  return toBound(kind, instant, bad);
}

/** The earliest and latest instants a stored ISO time can hold (years 0001 to 9999). */
const EARLIEST = new Date('0001-01-01T00:00:00.000Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

function toBound(kind: BoundKind, instant: number, bad: (why: string) => BoundResult): BoundResult {
  if (!Number.isFinite(instant)) return bad('is out of range (years 0001 to 9999)');
  const iso = new Date(Math.min(LATEST, Math.max(EARLIEST, instant))).toISOString();
  return { ok: true, bound: kind === 'since' ? { kind, atOrAfter: iso } : { kind, atOrBefore: iso } };
}

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

/** `+05:30` / `-0800` as minutes east of UTC, or null past ±23:59. */
function offsetMinutes(zone: string): number | null {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2, 4));
  if (h > 23 || m > 59) return null;
  return sign * (h * 60 + m);
}

/** `Date.UTC` for any year, 0001–0099 included (which it would read as 19xx). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes `timeZone` is ahead of UTC at `instant`. */
function zoneOffsetAt(instant: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    offsetFormatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(instant))) parts[p.type] = p.value;
  const year = parts['era'] === 'BC' || parts['era'] === 'B' ? 1 - Number(parts['year']) : Number(parts['year']);
  const asUtc = utc(year, Number(parts['month']), Number(parts['day']), Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  return Math.round((asUtc - wholeSecond) / 60_000);
}

/** A day, ms: offsets a day either side of a wall time are those around any change near it. */
const DAY_MS = 86_400_000;

/**
 * The UTC instant of a wall-clock time in `timeZone` (days past the month's end roll over): the
 * earliest instant that reads as that time there, so a day starts at its first instant even where
 * clocks go back soon after midnight (Australia/Sydney, Pacific/Auckland: the offset at the wall time
 * read as UTC is already the one after the change). In a daylight-saving gap (no instant reads as it)
 * the time is read with the offset before the change, so it lands just after it.
 *
 * The true instant lies within 14 hours of the wall time read as UTC, so the offsets a day either
 * side are those before and after any change near it; with guesses at the wall time and at that
 * guess, every offset that may be in force at the instant is a candidate, and the candidates that
 * read back as the wall time are the instants it names.
 */
function wallClockToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, timeZone: string): number {
  const wall = utc(y, mo, d, h, mi, s, ms);
  const offsets = new Map<number, number>();
  const offset = (instant: number): number => {
    let o = offsets.get(instant);
    if (o === undefined) offsets.set(instant, (o = zoneOffsetAt(instant, timeZone) * 60_000));
    return o;
  };
  const before = offset(wall - DAY_MS);
  // No change near it (the common case): one offset, one instant.
  if (before === offset(wall + DAY_MS) && offset(wall - before) === before) return wall - before;
  const first = wall - offset(wall);
  const second = wall - offset(first);
  const candidates = new Set([first, second, wall - before, wall - offset(wall + DAY_MS)]);
  const exact = [...candidates].filter((c) => c + offset(c) === wall);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}
