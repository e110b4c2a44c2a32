/**
 * Provider timestamps to ISO-8601 UTC with millisecond precision (providers.md R6).
 * Numbers are epoch seconds (floats allowed), or milliseconds when above 1e12. Strings may be
 * ISO-8601 with any number of fractional digits and an offset; a string of digits is an epoch.
 * Zone-less ISO strings are read as UTC. Returns null for anything unreadable.
 *
 * @example toIsoTime(1540967316) // '2018-10-31T06:28:36.000Z'
 */
export function toIsoTime(value: unknown): string | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return fromEpoch(Number(s));
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (m === null) return null;
  const [, date, time = '00:00:00', fraction = '', zone = 'Z'] = m;
  const ms = fraction.padEnd(3, '0').slice(0, 3);
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const hms = time.length === 5 ? `${time}:00` : time;
  const parsed = new Date(`${date}T${hms}.${ms}${offset}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = n > 1e12 ? n : n * 1000;
  const date = new Date(Math.round(ms));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The latest of some ISO instants, ignoring nulls. */
export function latestIso(values: Iterable<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const v of values) if (v != null && (best === null || v > best)) best = v;
  return best;
}
