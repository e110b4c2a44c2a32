import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { REFUSAL_LIMITS } from '../../src/storage/refusal-port.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { assertHealthy, check, databaseBytes, send } from './support.js';

/**
 * Refused webhooks are kept in a fixed-size ring per source (issue 10): whatever a flood of refused
 * requests carries (any headers up to the server's header limit, any body up to the body limit), each
 * source keeps at most REFUSAL_LIMITS.keptPerSource of them, each bounded, and counts every one.
 * Asserted on counts and bytes, never on a clock.
 */
const BODY_LIMIT = 64 * 1024;
/** Most bytes one refusal adds to an answer: 1 KiB of body as base64, 4 KiB of headers, the short fields. */
const REFUSAL_ANSWER_BYTES = 8 * 1024;
/**
 * Database bytes a source's ring may take: its kept refusals (body excerpt, headers, fields; under 7 KiB
 * each), twice over for half-full B-tree pages, and its counter.
 */
const DB_BYTES_PER_SOURCE = REFUSAL_LIMITS.keptPerSource * 7 * 1024 * 2 + 4096;
/** Pages any write may add beside that (the schema's indexes splitting once). */
const DB_FIXED_BYTES = 64 * 1024;

const REFUSING = ['praetorian', 'casayes', 'leadpro'] as const;
type Refusing = (typeof REFUSING)[number];

let t: TestServer;
const sources = {} as Record<Refusing, { id: string; webhookPath: string }>;
const sent = new Map<string, number>();
let bodiesSentBytes = 0;


/** Header names an HTTP client may send freely (none that frames the message: no length, host or encoding). */
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,60}$/);
/** Any visible ASCII or Latin-1 text a header value may hold. */
const headerValue = fc.stringMatching(/^[\x21-\x7e\xa0-\xff][\x20-\x7e\xa0-\xff]{0,3000}$/);
/** A wrong or missing credential for each provider. */
const wrongCredentials = fc.oneof(
  fc.constant({}),
  fc.record({ authorization: headerValue }),
  fc.record({ token: headerValue }),
  fc.record({ authorization: headerValue.map((v) => `Bearer ${v}`) }),
);
const refused = fc.record({
  provider: fc.constantFrom(...REFUSING),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 30 }),
  credentials: wrongCredentials,
  contentType: fc.constantFrom('application/json', 'text/plain', '', 'x'.repeat(2000)),
  body: fc.oneof(fc.uint8Array({ maxLength: BODY_LIMIT }), fc.string({ unit: 'binary', maxLength: 4000 })).map((b) => Buffer.from(b)),
});
type Refused = typeof refused extends fc.Arbitrary<infer T> ? T : never;

async function sendRefused(r: Refused): Promise<void> {
  const source = sources[r.provider];
  const res = await send(t, 'POST', source.webhookPath, { headers: { ...r.headers, ...r.credentials, 'content-type': r.contentType }, body: r.body });
  assert.equal(res.status, 401, `${r.provider}: ${res.status} ${res.text.slice(0, 200)}`);
  sent.set(source.id, (sent.get(source.id) ?? 0) + 1);
  bodiesSentBytes += r.body.length;
}

/** Every source's ring and counters, checked against what was sent; each answer bounded. */
async function assertRingsBounded(): Promise<void> {
  for (const provider of REFUSING) {
    const { id } = sources[provider];
    const page = await send(t, 'GET', `/api/requests?status=rejected&sourceId=${id}&limit=500`, { headers: { authorization: `Bearer ${t.server.adminToken}` } });
    assert.equal(page.status, 200);
    const items = page.json.items as any[];
    assert.ok(items.length <= REFUSAL_LIMITS.keptPerSource, `${provider}: ${items.length} kept`);
    assert.equal(items.length, Math.min(REFUSAL_LIMITS.keptPerSource, sent.get(id) ?? 0), `${provider}: the ring holds the last ones`);
    assert.ok(Buffer.byteLength(page.text) <= REFUSAL_LIMITS.keptPerSource * REFUSAL_ANSWER_BYTES, `${provider}: list answer ${page.text.length} bytes`);
    for (const item of items) {
      const excerpt = item.bodyExcerptBase64 === null ? Buffer.from(item.bodyExcerpt, 'utf8') : Buffer.from(item.bodyExcerptBase64, 'base64');
      assert.ok(excerpt.length <= REFUSAL_LIMITS.bodyExcerptBytes, `excerpt of ${excerpt.length} bytes`);
      assert.equal(item.bodyTruncated, item.bodySize > REFUSAL_LIMITS.bodyExcerptBytes);
      assert.ok(Buffer.byteLength(JSON.stringify(item.headers)) <= REFUSAL_LIMITS.headersBytes);
      assert.ok(Buffer.byteLength(JSON.stringify(item)) <= REFUSAL_ANSWER_BYTES, `one refusal: ${JSON.stringify(item).length} bytes`);
      for (const name of ['authorization', 'token']) if (item.headers[name] !== undefined) assert.equal(item.headers[name], '[redacted]');
    }
    const one = items[0] === undefined ? null : await t.api('GET', `/api/requests/${items[0].id}`);
    if (one !== null) assert.deepEqual(one.json, items[0]);
    const counts = (await t.api('GET', `/api/sources/${id}`)).json.refusals;
    assert.equal(counts.total, sent.get(id) ?? 0, `${provider}: every refusal counted`);
  }
}

describe('refused webhooks: a flood fills a fixed ring per source and never grows the database past it', () => {
  let startBytes = 0;
  before(async () => {
    t = await startTestServer({ bodyLimit: BODY_LIMIT });
    for (const provider of REFUSING) sources[provider] = await createSource(t, provider);
    startBytes = databaseBytes(t);
  });
  after(() => t.close());

  it('fills each ring with refusals at the header and body limits, and the ring holds', async () => {
    const huge = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-filler-${i}`, 'v'.repeat(3000)]));
    for (const provider of REFUSING) {
      const flood = Array.from({ length: REFUSAL_LIMITS.keptPerSource + 10 }, (_, i) => ({
        provider,
        headers: huge,
        credentials: { authorization: `wrong-${i}` },
        contentType: 'application/json',
        body: Buffer.alloc(BODY_LIMIT, 0x41 + (i % 26)),
      }));
      await Promise.all(flood.map(sendRefused));
    }
    await assertRingsBounded();
    assert.ok(bodiesSentBytes > REFUSING.length * DB_BYTES_PER_SOURCE, 'more was sent than the rings may hold');
  });

  it('keeps at most the ring per source, every refusal counted, each excerpt ≤ 1 KiB, each answer bounded (property)', async () => {
    await check(
      fc.asyncProperty(fc.array(refused, { minLength: 1, maxLength: 40 }), async (flood) => {
        // Concurrently, so refusals arriving together are coalesced into one write.
        await Promise.all(flood.map(sendRefused));
        await assertRingsBounded();
        const growth = databaseBytes(t) - startBytes;
        assert.ok(growth <= REFUSING.length * DB_BYTES_PER_SOURCE + DB_FIXED_BYTES, `the database grew ${growth} bytes`);
      }),
      12,
    );
    await assertHealthy(t);
  });
});
