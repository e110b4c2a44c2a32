import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readBound } from '../../src/core/date-bounds.js';
import { localDate } from '../../src/core/stats-range.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

const FIELDS = ['firstSeenSince', 'firstSeenUntil', 'lastActivitySince', 'lastActivityUntil'] as const;

/** Text that looks like a date often: digits, separators, zones, and anything else. */
const dateLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789-:TZ+.tz '.split('')), minLength: 1, maxLength: 40 }),
  fc.date({ min: new Date(-70_000_000_000_000), max: new Date(300_000_000_000_000), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 12000 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 33 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('the lead date filters with any value', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ timeZone: 'America/New_York' });
    const src = await createSource(t, 'anarock');
    await t.hook(src.webhookPath, { lead_id: 1, name: 'Dated', lead_status: 'New' });
  });
  after(() => t.close());

  it('answers 200 with leads inside the bounds, or a 400 naming the parameter and the formats; never a 5xx (property)', async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...FIELDS), dateLike, async (field, value) => {
        const res = await t.api('GET', `/api/leads?${field}=${encodeURIComponent(value)}&limit=5`);
        const what = `${field}=${JSON.stringify(value)}: ${res.status} ${JSON.stringify(res.json)}`;
        if (res.status === 200) {
          assert.ok(Array.isArray(res.json.items), what);
          return;
        }
        assert.equal(res.status, 400, what);
        assert.equal(res.json.error.code, 'LH_E_VALIDATION', what);
        assert.ok(res.json.error.message.includes(field), `the message names ${field}: ${what}`);
        if (value.length <= 500 && value.length > 0) assert.match(res.json.error.message, /YYYY-MM-DD .* ISO 8601/, what);
      }),
      300,
    );
  });

  it('keeps or drops the one lead exactly as its times compare with the bound (property)', async () => {
    const lead = (await t.api('GET', '/api/leads')).json.items[0];
    await check(
      fc.asyncProperty(fc.constantFrom(...FIELDS), fc.integer({ min: -3_600_000, max: 3_600_000 }), async (field, shift) => {
        const at = field.startsWith('firstSeen') ? lead.firstSeenAt : lead.lastEventAt;
        const bound = new Date(Date.parse(at) + shift).toISOString();
        const res = await t.api('GET', `/api/leads?${field}=${bound}`);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const inside = field.endsWith('Since') ? at >= bound : at <= bound;
        assert.equal(res.json.items.length, inside ? 1 : 0, `${field}=${bound} for ${at}`);
      }),
      100,
    );
  });
});

describe('the erasure and held-request routes with any input', () => {
  let t: TestServer;
  let requestId: string;
  before(async () => {
    t = await startTestServer();
    const src = await createSource(t, 'anarock');
    requestId = (await t.hook(src.webhookPath, { lead_id: 2, name: 'Kept', lead_status: 'New' })).json.requestId;
  });
  after(() => t.close());

  it('answers any id, erase and by with a 4xx error that has a code, and erases nothing it was not asked to (property)', async () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('personal-data', 'PERSONAL-DATA', 'personal-data ', ''), fc.string({ minLength: 190, maxLength: 260 }));
    await check(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), text, fc.option(text), fc.constantFrom('DELETE lead', 'apply', 'discard'), async (id, erase, by, route) => {
        const qs = new URLSearchParams({ erase, ...(by === null ? {} : { by }) }).toString();
        const path = route === 'DELETE lead' ? `/api/leads/${encodeURIComponent(id)}?${qs}` : `/api/requests/${encodeURIComponent(id)}/${route}?${by === null ? '' : `by=${encodeURIComponent(by)}`}`;
        const res = await t.api(route === 'DELETE lead' ? 'DELETE' : 'POST', path);
        assert.ok(res.status >= 400 && res.status < 500, `${route} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
        assert.match(res.json.error.code, /^LH_E_[A-Z_]+$/);
      }),
      200,
    );
    const kept = (await t.api('GET', '/api/leads')).json.items[0];
    assert.equal(kept.person.fullName, 'Kept');
    assert.equal((await t.api('POST', `/api/requests/${requestId}/apply`)).json.error.code, 'LH_E_NOT_HELD', 'a request never held is not applied');
  });
});

/** Every IANA zone this Node knows (canonical names), and UTC. */
const ALL_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone')];
const DAY = 86_400_000;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset at `ms` as Intl names it (`GMT+11:00`): read apart from the code under test. */
function offsetName(zone: string, ms: number): string {
  let f = offsetFormats.get(zone);
  if (f === undefined) offsetFormats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  return f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
}
const changeDays = new Map<string, string[]>();
/** The local dates around each offset change of `zone` in `year` (sampled every 6 hours), or none. */
function daysAroundChanges(zone: string, year: number): string[] {
  const key = `${zone} ${year}`;
  let days = changeDays.get(key);
  if (days !== undefined) return days;
  const found = new Set<string>();
  const start = Date.UTC(year, 0, 1);
  let previous = offsetName(zone, start);
  for (let ms = start + DAY / 4; ms < Date.UTC(year + 1, 0, 1); ms += DAY / 4) {
    const now = offsetName(zone, ms);
    if (now !== previous) for (const at of [ms - DAY / 4, ms, ms + DAY / 4]) found.add(localDate(new Date(at), zone));
    previous = now;
  }
  changeDays.set(key, (days = [...found]));
  return days;
}
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('a date bound is the whole day in the time zone (property)', () => {
  it('starts day D at the earliest instant whose local date is D, and ends it just before D + 1 starts, in any zone, on any day, clock changes included', async () => {
    // Years with standard offsets everywhere (before 1970 some zones still kept local mean time, in seconds).
    const year = fc.integer({ min: 1975, max: 2045 });
    const anyDay = year.chain((y) => fc.integer({ min: 0, max: 364 }).map((d) => isoDay(Date.UTC(y, 0, 1) + d * DAY)));
    const zoneAndDay = fc.oneof(
      fc.tuple(fc.constantFrom(...ALL_ZONES), anyDay),
      // Days the clocks change (or the days either side), where a start of day is easy to get wrong.
      fc.tuple(fc.constantFrom(...ALL_ZONES), year).chain(([zone, y]) => {
        const days = daysAroundChanges(zone, y);
        return fc.tuple(fc.constant(zone), days.length === 0 ? anyDay : fc.constantFrom(...days));
      }),
      fc.tuple(fc.constantFrom('Australia/Sydney', 'Pacific/Auckland', 'Australia/Lord_Howe', 'Asia/Gaza', 'America/Santiago', 'Pacific/Apia'), year).chain(([zone, y]) => {
        const days = daysAroundChanges(zone, y);
        return fc.tuple(fc.constant(zone), days.length === 0 ? anyDay : fc.constantFrom(...days));
      }),
    );
    await check(
      fc.asyncProperty(zoneAndDay, async ([zone, day]) => {
        const since = readBound('firstSeenSince', day, 'since', zone);
        const until = readBound('firstSeenUntil', day, 'until', zone);
        assert.ok(since.ok && since.bound.kind === 'since' && until.ok && until.bound.kind === 'until');
        const start = Date.parse(since.bound.atOrAfter);
        const end = Date.parse(until.bound.atOrBefore);
        const what = `${day} in ${zone}: since ${since.bound.atOrAfter} (${localDate(new Date(start), zone)}), until ${until.bound.atOrBefore}`;
        // The earliest instant whose local date is D (or after D, on a day a zone skipped).
        assert.ok(localDate(new Date(start - 1), zone) < day, `the instant before the start is on an earlier day: ${what}`);
        assert.ok(localDate(new Date(start), zone) >= day, `the start is on the day: ${what}`);
        assert.ok(localDate(new Date(end), zone) <= day, `the end is on the day: ${what}`);
        assert.ok(localDate(new Date(end + 1), zone) > day, `the instant after the end is on a later day: ${what}`);
      }),
      800,
    );
  });

  it('starts 5 April 2026 in Australia/Sydney at midnight daylight time, an hour before its clocks go back', () => {
    const read = readBound('firstSeenSince', '2026-04-05', 'since', 'Australia/Sydney');
    assert.ok(read.ok && read.bound.kind === 'since');
    assert.equal(read.bound.atOrAfter, '2026-04-04T13:00:00.000Z');
  });
});
