/**
 * The overview's range and counts (src/core/stats-range.ts, src/core/stats.ts, the stores' stats
 * queries, GET /api/stats) against any input: any range of days in any of several time zones is cut
 * into days that tile it exactly; leads are counted in the day of the zone they were first seen in;
 * any query string is answered 200 or 400, never 5xx. Seeded: `FC_SEED=<seed>` replays a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { percentile } from '../../src/core/stats.js';
import { localDate, MAX_STATS_DAYS, readStatsRange } from '../../src/core/stats-range.js';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';
import { addSource, praetorianLead, send } from '../contract/inputs.js';
import { fetchJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

/**
 * Zones with whole-hour, half-hour and 45-minute offsets, daylight saving and the date line, and zones
 * east of UTC whose clocks go back soon after midnight (Australia, New Zealand, Lord Howe's half hour).
 */
const ZONES = [
  'UTC',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'America/St_Johns',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Australia/Lord_Howe',
];

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A calendar date between 1970 and 2100. */
const date = fc.integer({ min: 0, max: 47_000 }).map((d) => isoDate(d * DAY_MS));

describe('stats ranges (property)', () => {
  it('cuts any range of at most a year into its days in the time zone, tiling it without gap or overlap', async () => {
    await check(
      fc.asyncProperty(date, fc.integer({ min: 0, max: MAX_STATS_DAYS - 1 }), fc.constantFrom(...ZONES), async (from, length, zone) => {
        const to = isoDate(Date.parse(from) + length * DAY_MS);
        const read = readStatsRange({ from, to }, zone, new Date());
        assert.ok(read.ok, JSON.stringify(read));
        const { range } = read;
        assert.deepEqual([range.from, range.to, range.days.length], [from, to, length + 1]);
        assert.equal(range.days[0]?.since, range.since);
        assert.equal(range.days[range.days.length - 1]?.until, range.until);
        for (const [i, d] of range.days.entries()) {
          assert.equal(d.day, isoDate(Date.parse(from) + i * DAY_MS));
          if (i > 0) assert.equal(d.since, range.days[i - 1]?.until, 'no gap, no overlap');
          // A day the zone skipped (Kiribati's jump over the date line: no 1994-12-31 there) is empty.
          if (d.since === d.until) continue;
          // Its first and last instants are that day in the zone; the instant before is the day before.
          assert.equal(localDate(new Date(d.since), zone), d.day);
          assert.equal(localDate(new Date(Date.parse(d.until) - 1), zone), d.day);
          assert.notEqual(localDate(new Date(Date.parse(d.since) - 1), zone), d.day);
        }
      }),
      300,
    );
  });

  it('refuses anything but two dates at most a year apart, in order, with a message; never throws', async () => {
    const text = fc.oneof(date, fc.string({ maxLength: 12 }), fc.constantFrom('2025-02-29', '2024-02-29', '0000-01-01', '9999-12-31', '2025-13-01', '2025-1-1', ' 2025-01-01', '2025-01-01T00:00Z'));
    await check(
      fc.asyncProperty(fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), fc.constantFrom(...ZONES), async (from, to, zone) => {
        const read = readStatsRange({ from, to }, zone, new Date());
        if (!read.ok) {
          assert.match(read.message, /from|to/);
          return;
        }
        assert.ok(read.range.from <= read.range.to);
        assert.ok(read.range.days.length <= MAX_STATS_DAYS);
        if (from !== undefined) assert.equal(read.range.from, from);
        if (to !== undefined) assert.equal(read.range.to, to);
      }),
      1000,
    );
  });

  it('takes the percentile by nearest rank, as sorting every value would', async () => {
    await check(
      fc.asyncProperty(fc.array(fc.record({ value: fc.integer({ min: 0, max: 60_000 }), count: fc.integer({ min: 0, max: 5 }) }), { maxLength: 30 }), fc.integer({ min: 1, max: 100 }), async (counts, p) => {
        const all = counts.flatMap((c) => Array<number>(c.count).fill(c.value)).sort((a, b) => a - b);
        assert.equal(percentile(counts, p), all.length === 0 ? null : all[Math.ceil((p / 100) * all.length) - 1]);
      }),
      500,
    );
  });
});

describe('stats counts on a real store (property)', () => {
  it("counts each real lead in the zone's day it was first seen, per provider, and no test lead", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadhook-stats-prop-'));
    let n = 0;
    try {
      await check(
        fc.asyncProperty(
          fc.constantFrom(...ZONES),
          fc.array(fc.record({ minute: fc.integer({ min: 0, max: 6 * 24 * 60 }), isTest: fc.boolean(), provider: fc.constantFrom('praetorian' as const, 'anarock' as const) }), { maxLength: 12 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 3 }),
          async (zone, leads, startDay, length) => {
            const store = openSqliteStore(join(dir, `run-${++n}.db`));
            try {
              const base = Date.parse('2025-03-28T00:00:00.000Z');
              const sources = { praetorian: await addSource(store, 'praetorian'), anarock: await addSource(store, 'anarock') };
              const expected = new Map<string, number>();
              const from = isoDate(base + startDay * DAY_MS);
              const to = isoDate(base + (startDay + length) * DAY_MS);
              for (const [i, l] of leads.entries()) {
                const at = new Date(base + l.minute * 60_000);
                const isTest = l.isTest && l.provider === 'praetorian';
                const body = l.provider === 'praetorian' ? [praetorianLead({ production: !isTest })] : { lead_id: 500_000 + i + n * 100, name: `Lead ${i}` };
                const result = await send(store, sources[l.provider], body, at.toISOString());
                assert.equal(result.items[0]?.outcome, 'created');
                const day = localDate(at, zone);
                if (!isTest && day >= from && day <= to) expected.set(`${day} ${l.provider}`, (expected.get(`${day} ${l.provider}`) ?? 0) + 1);
              }
              const read = readStatsRange({ from, to }, zone, new Date());
              assert.ok(read.ok);
              const rows = await store.console.stats(read.range);
              assert.deepEqual(new Map(rows.leadsPerDay.map((r) => [`${r.day} ${r.provider}`, r.count])), expected);
              assert.equal(rows.leadsByStage.reduce((s, r) => s + r.count, 0), [...expected.values()].reduce((s, c) => s + c, 0));
            } finally {
              await store.close();
            }
          },
        ),
        40,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /api/stats with any query (property)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ timeZone: 'Asia/Kolkata' });
  });
  after(async () => t.close());

  it('answers 200 with the range asked for, or 400 LH_E_VALIDATION; never 5xx', async () => {
    const value = fc.oneof(date, fc.string({ maxLength: 50 }), fc.constantFrom('', '2025-02-29', '2024-02-29', '%00', '9999-12-31', '0001-01-01', '2025-01-01&from=2025-01-02'));
    const param = fc.tuple(fc.constantFrom('from', 'to', 'From', 'limit', 'from[]'), value);
    await check(
      fc.asyncProperty(fc.array(param, { maxLength: 3 }), async (params) => {
        const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await fetchJson(`${t.url}/api/stats?${qs}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        const label = `${qs}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`;
        if (res.status === 200) {
          assert.equal(res.json.timeZone, 'Asia/Kolkata', label);
          assert.ok(res.json.from <= res.json.to, label);
          assert.equal(res.json.leadsPerDay.length % 4, 0, label);
          return;
        }
        assert.equal(res.status, 400, label);
        assert.equal(res.json.error.code, 'LH_E_VALIDATION', label);
      }),
      200,
    );
  });
});
