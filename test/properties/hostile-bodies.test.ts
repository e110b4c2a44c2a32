import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SETTINGS } from '../../src/config.js';
import { MAX_WARNINGS } from '../../src/core/json/capped-warnings.js';
import { MAX_ITEMS_PER_WEBHOOK, OVER_ITEM_LIMIT_REASON } from '../../src/ingest/prepare-items.js';
import { ITEM_LIMITS, ITEM_REASON_LENGTH, REPROCESS_LIMITS, REQUEST_REASON_LENGTH } from '../../src/storage/port.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { PROVIDERS, assertAnswer, assertHealthy, check, credentials, databaseBytes, pick, send, signJwt, type Provider, type RawResponse } from './support.js';

/**
 * The cost model of one webhook (issue 9), asserted on counts and bytes, never on a clock: whatever
 * a body up to the size limit holds, what it adds to the database is at most
 * DB_BYTES_PER_BODY_BYTE × its size + DB_FIXED_BYTES, its warnings and reasons are capped, and the
 * answers of `GET /api/requests/:id` and `GET /api/requests` stay within a constant.
 */
const BODY_LIMIT = Number(SETTINGS.bodyLimit.default);
/**
 * Bytes of database per byte of hostile body. The worst case is 7: the body itself (1), and a lead
 * whose name is the whole body, in invalid UTF-8: each byte becomes U+FFFD (3 bytes), and Anarock's
 * and CasaYes's mappings keep the name twice (full and first name). The `q` search text keeps only
 * the first 1000 characters of each field, so it adds a constant.
 */
const DB_BYTES_PER_BODY_BYTE = 8;
/** Database bytes any request may add beside that: its row, a lead, pages split on the way. */
const DB_FIXED_BYTES = 256 * 1024;
/** `GET /api/requests/:id` beyond twice the body (text with escapes, or base64): items, reasons, headers. */
const DETAIL_FIXED_BYTES = 256 * 1024;
/** `GET /api/requests?limit=50`: at most this per listed request (headers, reason, 10 items, counts). */
const LIST_BYTES_PER_REQUEST = 8 * 1024;
/** Most items `GET /api/requests/:id` lists one by one. */
const ITEMS_SHOWN_MAX = ITEM_LIMITS.appliedKept + ITEM_LIMITS.quarantinedKept;

let t: TestServer;
const sources = {} as Record<Provider, { id: string; webhookPath: string; secret: string }>;
let serial = 0;
const uniqueId = (prefix: string) => `${prefix}_${process.pid}_${++serial}`;


/** The provider's field for its lead id, in the object that carries the lead. */
const ID_FIELD: Record<Provider, string> = { anarock: 'lead_id', casayes: 'LeadReference', leadpro: 'id', praetorian: 'id' };
/** The provider's field for the lead's name (the normalizers copy it into several name fields). */
const NAME_FIELD: Record<Provider, string> = { anarock: 'name', casayes: 'SenderName', leadpro: 'full_name', praetorian: 'first_name' };

/**
 * Valid credentials. LeadPro reads its lead from the JWT (bounded by the header limit), so its JWT
 * carries a small lead and the hostile body goes through the body reader beside it.
 */
function credentialsFor(provider: Provider, secret: string): Record<string, string> {
  if (provider !== 'leadpro') return credentials(provider, secret, '');
  return { authorization: `Bearer ${signJwt(JSON.stringify({ event: 'lead.created', data: { id: uniqueId('jwt'), full_name: 'Jwt' } }), secret)}` };
}

/** `unit` repeated, comma-separated, as many times as fit in `room` bytes (at least once). */
function fill(unit: string, room: number): string {
  const count = Math.max(1, Math.floor((room + 1) / (unit.length + 1)));
  return new Array<string>(count).fill(unit).join(',');
}

/** A lead object of `provider` (JSON text) whose one extra member is `member` (`"key":value`, or several). */
function leadAround(provider: Provider, member: string): string {
  return `{"${ID_FIELD[provider]}":"${uniqueId('hostile')}",${member}}`;
}

/** The hostile shapes, each filling about `size` bytes. */
const SHAPES = {
  /** One key repeated under a long key path: once kept a full path string per repeat. */
  duplicateKeyFlood: (provider: Provider, size: number, levels: number, keyLength: number) => {
    const open = `"${'k'.repeat(keyLength)}":{`.repeat(levels);
    const shell = leadAround(provider, `"x":{${open}${'}'.repeat(levels)}}`);
    return leadAround(provider, `"x":{${open}${fill('"d":{"e":0}', size - shell.length)}${'}'.repeat(levels)}}`);
  },
  /** One object key repeated, each copy adding a member: once copied the growing merge each time. */
  duplicateKeyMerge: (provider: Provider, size: number) => {
    const members: string[] = [];
    let length = 64;
    for (let i = 0; length < size; i++) {
      const member = `"x":{"k${i}":${i}}`;
      members.push(member);
      length += member.length + 1;
    }
    return leadAround(provider, members.join(','));
  },
  /** A batch of garbage items (the body is an array): once stored one outcome each. */
  garbageBatch: (_provider: Provider, size: number, unit: string) => `[${fill(unit, size - 2)}]`,
  /** Arrays nested just under the depth limit, repeated. */
  deepNesting: (provider: Provider, size: number, depth: number) => {
    const unit = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    return leadAround(provider, `"n":[${fill(unit, size - 80)}]`);
  },
  /** The lead's name as one long string. */
  longString: (provider: Provider, size: number, char: string) => {
    const key = NAME_FIELD[provider];
    const value = char.repeat(Math.max(1, Math.floor((size - 80) / Buffer.byteLength(char))));
    return leadAround(provider, `"${key}":"${value}"`);
  },
  /** Integers past 2^53 (the slow reader keeps their digits). */
  bigIntegers: (provider: Provider, size: number) => leadAround(provider, `"n":[${fill('123456789012345678901234', size - 80)}]`),
} as const;

/** A body of invalid UTF-8 bytes inside a lead's string (`key`: its name, or a field no mapping reads). */
function invalidUtf8(provider: Provider, size: number, bytes: readonly number[], key: string): Buffer {
  const [head, tail] = leadAround(provider, `"${key}":"@"`).split('@') as [string, string];
  const room = Math.max(bytes.length, size - head.length - tail.length);
  const middle = Buffer.alloc(room - (room % bytes.length));
  for (let i = 0; i < middle.length; i++) middle[i] = bytes[i % bytes.length]!;
  return Buffer.concat([Buffer.from(head), middle, Buffer.from(tail)]);
}

type Hostile = fc.Arbitrary<{ label: string; body: Buffer }>;

/** Each hostile shape for `provider` at about `size` bytes. */
function hostileShapes(provider: Provider, size: number): Hostile[] {
  const text = (label: string, body: string) => ({ label, body: Buffer.from(body) });
  return [
    fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 2000 })).map(([levels, keyLength]) =>
      text(`duplicate keys under ${levels}×${keyLength}`, SHAPES.duplicateKeyFlood(provider, size, levels, keyLength)),
    ),
    fc.constant(null).map(() => text('duplicate key merge', SHAPES.duplicateKeyMerge(provider, size))),
    fc.constantFrom('0', 'null', '{}', '[]', '"x"', '{"id":{}}', '{"lead_id":[1]}', '{"data":{"id":true}}', 'true').map((unit) =>
      text(`garbage batch of ${unit}`, SHAPES.garbageBatch(provider, size, unit)),
    ),
    fc.integer({ min: 1, max: 500 }).map((depth) => text(`nesting ${depth} deep`, SHAPES.deepNesting(provider, size, depth))),
    fc.constantFrom('x', 'é', '€', '\\n', '\\u0001', '\\"', '😀').map((char) => text(`long string of ${char}`, SHAPES.longString(provider, size, char))),
    fc.constant(null).map(() => text('big integers', SHAPES.bigIntegers(provider, size))),
    fc.tuple(fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x80, 0x80]), fc.constantFrom('note', NAME_FIELD[provider])).map(([bytes, key]) => ({
      label: `invalid UTF-8 ${bytes.join(' ')} in ${key}`,
      body: invalidUtf8(provider, size, bytes, key),
    })),
  ];
}

/** Post one hostile body and check every bound of the cost model on it. */
async function postAndMeasure(provider: Provider, label: string, body: Buffer): Promise<void> {
  assert.ok(body.length <= BODY_LIMIT, `${label}: a body within the limit (${body.length})`);
  const where = `${provider} ${label} (${body.length} bytes)`;
  const dbBefore = databaseBytes(t);
  const source = sources[provider];
  const res: RawResponse = await send(t, 'POST', source.webhookPath, { body, headers: { 'content-type': 'application/json', ...credentialsFor(provider, source.secret) } });
  assertAnswer(res, where);
  const grown = databaseBytes(t) - dbBefore;
  const dbBound = DB_BYTES_PER_BODY_BYTE * body.length + DB_FIXED_BYTES;
  assert.ok(grown <= dbBound, `${where}: the database grew by ${grown} bytes, more than ${dbBound}`);
  if (process.env.HOSTILE_DEBUG) console.error(where, (grown / body.length).toFixed(2));
  if (res.status === 200) assert.ok((res.json.quarantined?.length ?? 0) <= ITEM_LIMITS.quarantinedKept, where);

  const requestId = res.json?.requestId;
  if (typeof requestId !== 'string') return;
  const detail = await send(t, 'GET', `/api/requests/${requestId}`, { headers: { authorization: `Bearer ${t.server.adminToken}` } });
  assert.equal(detail.status, 200, where);
  const detailBound = 2 * body.length + DETAIL_FIXED_BYTES;
  assert.ok(detail.text.length <= detailBound, `${where}: GET /api/requests/:id answered ${detail.text.length} bytes, more than ${detailBound}`);
  const stored = detail.json;
  assert.ok(stored.reason === null || stored.reason.length <= REQUEST_REASON_LENGTH, `${where}: reason of ${stored.reason?.length}`);
  assert.ok(stored.items.length <= ITEMS_SHOWN_MAX, `${where}: ${stored.items.length} items listed`);
  for (const item of stored.items) assert.ok(item.reason === null || item.reason.length <= ITEM_REASON_LENGTH, where);
  assert.ok(stored.quarantine.reasons.length <= ITEM_LIMITS.reasonsKept, where);
  for (const r of stored.quarantine.reasons) assert.ok(r.firstIndexes.length <= ITEM_LIMITS.indexesPerReason && r.reason.length <= ITEM_REASON_LENGTH, where);
  assert.equal(stored.itemCounts.quarantined, res.status === 200 ? (res.json.quarantinedCount ?? 0) : 0, `${where}: every quarantined item is counted`);
  const duplicateKeyWarnings = (stored.reason ?? '').match(/duplicate_key:/g)?.length ?? 0;
  assert.ok(duplicateKeyWarnings <= MAX_WARNINGS, `${where}: ${duplicateKeyWarnings} duplicate-key warnings kept`);
}

/** `GET /api/requests?limit=50`: bounded by the page size, whatever the requests held. */
async function assertListBounded(): Promise<void> {
  const list = await send(t, 'GET', '/api/requests?limit=50', { headers: { authorization: `Bearer ${t.server.adminToken}` } });
  assert.equal(list.status, 200);
  const bound = 50 * LIST_BYTES_PER_REQUEST;
  assert.ok(list.text.length <= bound, `GET /api/requests?limit=50 answered ${list.text.length} bytes, more than ${bound}`);
  for (const r of list.json.items) {
    assert.ok(r.items.length <= ITEM_LIMITS.listed && r.leadIds.length <= ITEM_LIMITS.listed, 'a list shows a few items per request');
    assert.equal(typeof r.itemCounts.total, 'number', 'and the counts of all');
  }
}

describe('hostile bodies up to the size limit: every cost bounded by the body size', () => {
  before(async () => {
    t = await startTestServer();
    for (const provider of PROVIDERS) sources[provider] = await createSource(t, provider);
  });
  after(() => t.close());

  it(`adds at most ${DB_BYTES_PER_BODY_BYTE}× the body (+${DB_FIXED_BYTES / 1024} KiB) to the database and caps warnings, reasons and answers, for small hostile bodies`, async () => {
    const input = fc
      .record({ provider: fc.constantFrom(...PROVIDERS), size: fc.integer({ min: 256, max: 48 * 1024 }) })
      .chain(({ provider, size }) => fc.oneof(...hostileShapes(provider, size)).map((b) => ({ provider, ...b })));
    await check(
      fc.asyncProperty(input, async ({ provider, label, body }) => postAndMeasure(provider, label, body)),
      60,
    );
    await assertListBounded();
    await assertHealthy(t);
  });

  it('holds the same bounds for hostile bodies at the size limit, each shape once on a provider the seed picks', async () => {
    const shapes = hostileShapes('praetorian', 0).length;
    for (let shape = 0; shape < shapes; shape++) {
      const provider = pick(fc.constantFrom(...PROVIDERS), shape);
      const { label, body } = pick(hostileShapes(provider, BODY_LIMIT - 64)[shape]!, shape);
      await postAndMeasure(provider, label, body);
    }
    await assertListBounded();
    await assertHealthy(t);
  });

  it('stores a batch of 500,000 garbage items as counts per reason, applies only the first 1,000 items, and applies the rest (its one valid lead) on reprocess', async () => {
    const valid = `{"id":"${uniqueId('among_garbage')}","data":{"first_name":"Kept"}}`;
    const zeros = fill('0', BODY_LIMIT - valid.length - 3);
    const body = Buffer.from(`[${zeros},${valid}]`);
    const items = (zeros.length + 1) / 2 + 1;
    await postAndMeasure('praetorian', 'garbage batch with one lead', body);
    const list = await send(t, 'GET', `/api/requests?sourceId=${sources.praetorian.id}&limit=1`, { headers: { authorization: `Bearer ${t.server.adminToken}` } });
    const [listed] = list.json.items;
    assert.equal(listed.itemCounts.total, items);
    assert.equal(listed.itemCounts.quarantined, items, 'the valid lead is past the per-webhook limit');
    assert.equal(listed.itemCounts.created, 0);
    const first = (await t.api('GET', `/api/requests/${listed.id}`)).json;
    assert.deepEqual(
      first.quarantine.reasons.map((r: any) => [r.count, r.firstIndexes, r.reason === OVER_ITEM_LIMIT_REASON]),
      [
        [MAX_ITEMS_PER_WEBHOOK, [0, 1, 2, 3, 4], false],
        [items - MAX_ITEMS_PER_WEBHOOK, [1000, 1001, 1002, 1003, 1004], true],
      ],
    );
    const again = await t.api('POST', `/api/requests/${listed.id}/reprocess`);
    assert.equal(again.status, 200);
    assert.equal(again.json.quarantinedCount, items - 1, 'reprocessing re-reads every item of the kept body, past the limit too');
    assert.equal(again.json.quarantined.length, ITEM_LIMITS.quarantinedKept);
    assert.deepEqual(again.json.leads.map((l: any) => l.outcome), ['created']);
    const stored = (await t.api('GET', `/api/requests/${listed.id}`)).json;
    assert.equal(stored.quarantine.count, items, 'the request keeps the outcome it was answered with');
    const [reprocessed] = stored.reprocesses;
    assert.equal(reprocessed.quarantine.count, items - 1);
    assert.deepEqual(reprocessed.quarantine.reasons.map((r: any) => [r.count, r.firstIndexes]), [[items - 1, [0, 1, 2, 3, 4]]]);
    assert.ok(reprocessed.items.length <= REPROCESS_LIMITS.itemsPerReprocess);
    assert.ok(stored.reprocessedAt);
  });
});
