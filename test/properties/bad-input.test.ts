import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fixtureBytes, fixtureJson } from '../helpers/fixtures.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import {
  FIXTURES,
  PROVIDERS,
  assertAnswer,
  assertHealthy,
  assertRecorded,
  check,
  credentials,
  pick,
  send,
  signJwt,
  storedCount,
  type Provider,
  type RawResponse,
} from './support.js';

/** Small enough that bodies past it stay cheap to generate; the 413 path is the same at any size. */
const BODY_LIMIT = 256 * 1024;
/** src/core/json/parse-json.ts MAX_DEPTH: the deepest value a body may hold. */
const MAX_DEPTH = 512;

let t: TestServer;
const sources = {} as Record<Provider, any>;
let serial = 0;
/** A provider lead id no other run uses. */
const uniqueId = (prefix: string) => `${prefix}_${process.pid}_${++serial}`;

/** POST `body` to the provider's source with valid credentials (LeadPro: a JWT over these bytes). */
function post(provider: Provider, body: Buffer | string, headers: Record<string, string> = { 'content-type': 'application/json' }, source = sources[provider]): Promise<RawResponse> {
  return send(t, 'POST', source.webhookPath, { body, headers: { ...headers, ...credentials(provider, source.secret, body) } });
}

/** Post, check the answer contract and that anything stored is visible with its reason. */
async function postAndCheck(provider: Provider, body: Buffer | string, label: string, headers?: Record<string, string>): Promise<RawResponse> {
  const res = await post(provider, body, headers);
  assertAnswer(res, `${provider} ${label}`);
  await assertRecorded(t, res, `${provider} ${label}`);
  return res;
}

function praetorianLead(id: string, firstName = 'Valid'): Record<string, unknown> {
  return { id, created: '2024-01-02T03:04:05Z', data: { first_name: firstName, last_name: 'Sibling', email: `${id}@example.com` } };
}

/** `depth` nested containers around `inner`, alternating per `shape` ('[' or '{"k":'). */
function nested(depth: number, shape: readonly ('a' | 'o')[], inner: string): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const isArray = shape[i % shape.length] === 'a';
    open += isArray ? '[' : '{"k":';
    close = (isArray ? ']' : '}') + close;
  }
  return open + inner + close;
}

/** A lead body of `provider` with `value` (JSON text) placed in a field no mapping reads. */
function leadWith(provider: Provider, id: string, value: string): string {
  switch (provider) {
    case 'anarock':
      return `{"lead_id":"${id}","name":"Deep","extra_field":${value}}`;
    case 'casayes':
      return `{"LeadReference":"${id}","SenderName":"Deep","Extra":${value}}`;
    case 'leadpro':
      return `{"event":"lead.created","data":{"id":"${id}","full_name":"Deep","meta":${value}}}`;
    case 'praetorian':
      return `[{"id":"${id}","data":{"first_name":"Deep","extra":${value}}}]`;
  }
}

describe('bad webhook input: never a 5xx, never a crash, never a valid lead lost, always an answer', () => {
  before(async () => {
    t = await startTestServer({ bodyLimit: BODY_LIMIT });
    for (const provider of PROVIDERS) sources[provider] = await createSource(t, provider);
  });
  after(() => t.close());

  it('answers arbitrary bytes on every provider source with 200, a stored 400, or a 4xx that says what was wrong', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
      fc.string({ unit: 'binary', maxLength: 512 }).map((s) => Buffer.from(s, 'utf8')),
      fc.jsonValue().map((v) => JSON.stringify(v)).chain((s) => fc.nat({ max: s.length }).map((cut) => Buffer.from(s.slice(0, cut)))),
    );
    await check(
      fc.asyncProperty(fc.constantFrom(...PROVIDERS), bytes, async (provider, body) => {
        await postAndCheck(provider, body, `bytes ${body.toString('hex').slice(0, 80)}`);
      }),
      100,
    );
    await assertHealthy(t);
  });

  it('answers any JSON value (fc.jsonValue, fc.anything) with 200 or 400 and records every quarantined item with its reason', async () => {
    const serialized = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
      fc.anything({ maxDepth: 5, withNullPrototype: true, withObjectString: true }).map((v) => JSON.stringify(v) ?? String(v)),
      fc.dictionary(fc.constantFrom('lead_id', 'id', 'LeadReference', 'data', 'event', 'name', 'SenderName', 'created'), fc.jsonValue({ maxDepth: 3 })).map((v) => JSON.stringify(v)),
    );
    await check(
      fc.asyncProperty(fc.constantFrom(...PROVIDERS), serialized, async (provider, body) => {
        await postAndCheck(provider, body, `json ${body.slice(0, 120)}`);
      }),
      100,
    );
    await assertHealthy(t);
  });

  it('turns every valid Praetorian lead of a batch into a lead, whatever garbage its siblings are', async () => {
    const garbage = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ id: fc.oneof(fc.constant(null), fc.double(), fc.boolean(), fc.object(), fc.constant('')), data: fc.anything({ maxDepth: 2 }) }, { requiredKeys: [] }),
      fc.anything({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown),
    );
    const batch = fc.record({
      valid: fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
      junk: fc.array(garbage, { maxLength: 6 }),
      order: fc.array(fc.nat(), { maxLength: 10 }),
    });
    await check(
      fc.asyncProperty(batch, async ({ valid, junk, order }) => {
        const leads = valid.map((name) => ({ lead: praetorianLead(uniqueId('led_prop'), name), isValid: true }));
        const items: { lead: unknown; isValid: boolean }[] = [...leads, ...junk.map((lead) => ({ lead, isValid: false }))];
        // Shuffle by the generated order so valid leads sit anywhere among the junk.
        order.forEach((k, i) => {
          const a = i % items.length;
          const b = k % items.length;
          [items[a], items[b]] = [items[b]!, items[a]!];
        });
        const res = await postAndCheck('praetorian', JSON.stringify(items.map((i) => i.lead)), 'batch');
        assert.equal(res.status, 200);
        assert.equal(res.json.leads.length + (res.json.quarantined?.length ?? 0), items.length, 'every element is accounted for');
        for (const { lead } of leads) {
          const id = (lead as { id: string }).id;
          const out = res.json.leads.find((l: any) => l.providerLeadId === id);
          assert.ok(out, `valid sibling ${id} became a lead: ${JSON.stringify(res.json)}`);
          const stored = await t.api('GET', `/api/leads/${out.id}`);
          assert.equal(stored.status, 200);
          assert.equal(stored.json.providerLeadId, id);
          assert.equal(stored.json.person.email, `${id}@example.com`.toLowerCase());
        }
        for (const q of res.json.quarantined ?? []) assert.equal(items[q.index]?.isValid, false, 'only junk is quarantined');
      }),
      50,
    );
  });

  it(`refuses nesting deeper than ${MAX_DEPTH} with a stored 400 that says so, and takes shallower documents`, async () => {
    const input = fc.record({
      provider: fc.constantFrom(...PROVIDERS),
      depth: fc.oneof(fc.integer({ min: 1, max: MAX_DEPTH - 2 }), fc.integer({ min: MAX_DEPTH - 2, max: MAX_DEPTH + 2 }), fc.integer({ min: MAX_DEPTH + 3, max: 6000 })),
      shape: fc.array(fc.constantFrom<'a' | 'o'>('a', 'o'), { minLength: 1, maxLength: 4 }),
      inner: fc.constantFrom('1', '"x"', 'null', '[]', '{}', '123456789012345678901234567890'),
      atRoot: fc.boolean(),
    });
    await check(
      fc.asyncProperty(input, async ({ provider, depth, shape, inner, atRoot }) => {
        const id = uniqueId('deep');
        const value = nested(depth, shape, inner);
        const body = atRoot ? value : leadWith(provider, id, value);
        // Depth of the deepest value: containers of the lead body around it, plus the nesting itself.
        const around = atRoot ? 0 : { anarock: 1, casayes: 1, leadpro: 2, praetorian: 3 }[provider];
        const deepest = around + depth;
        const res = await postAndCheck(provider, body, `depth ${depth} ${shape.join('')} ${inner} root=${atRoot}`);
        if (deepest > MAX_DEPTH) {
          if (provider === 'leadpro') {
            assert.equal(res.status, 401, 'LeadPro reads the lead from the JWT: unreadable claims are a malformed token');
            assert.match(res.json.error.message, /nesting deeper than 512/);
          } else {
            assert.equal(res.status, 400);
            assert.equal(res.json.error.code, 'LH_E_INVALID_JSON');
            assert.match(res.json.error.message, /nesting deeper than 512/);
          }
        } else if (provider === 'leadpro' && atRoot && shape[0] === 'a') {
          assert.equal(res.status, 401, 'JWT claims must be an object');
        } else {
          assert.equal(res.status, 200, `depth ${deepest} is allowed`);
          if (!atRoot) assert.equal(res.json.leads[0]?.providerLeadId, id, 'the lead around a deep (allowed) value is kept');
        }
      }),
      60,
    );
    for (const provider of ['anarock', 'casayes', 'praetorian'] as const) {
      // Was a 500 (stack overflow in the JSON reader's fast path) before the reader counted iteratively.
      const res = await postAndCheck(provider, nested(30_000, ['a'], ''), 'depth 30000');
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /nesting deeper than 512/);
    }
    await assertHealthy(t);
  });

  it('answers 413 with an error body and stores nothing for bodies past the limit, and takes huge strings and arrays up to it', async () => {
    const source = await createSource(t, 'praetorian');
    const input = fc.record({
      size: fc.oneof(fc.integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 64 }), fc.integer({ min: 100, max: BODY_LIMIT * 3 })),
      kind: fc.constantFrom('string', 'array', 'batch', 'escapes'),
    });
    let stored = 0;
    await check(
      fc.asyncProperty(input, async ({ size, kind }) => {
        const id = uniqueId('huge');
        const shell = (fill: string) =>
          kind === 'batch' ? `[${fill}${JSON.stringify(praetorianLead(id))}]` : `[{"id":"${id}","data":{"first_name":"Huge","blob":${fill}}}]`;
        const room = Math.max(6, size - shell(kind === 'batch' ? '' : '""').length);
        const fill =
          kind === 'string' ? `"${'x'.repeat(room)}"`
          : kind === 'escapes' ? `"${'\\u00e9'.repeat(Math.floor(room / 6))}"`
          : kind === 'array' ? `[${'0,'.repeat(Math.floor((room - 3) / 2))}0]`
          : `"${'y'.repeat(1021)}",`.repeat(Math.floor(room / 1025)) + '0,'.repeat(Math.floor((room % 1025) / 2));
        const body = shell(fill);
        const res = await post('praetorian', body, { 'content-type': 'application/json' }, source);
        assertAnswer(res, `${kind} of ${body.length} bytes`);
        if (body.length > BODY_LIMIT) {
          assert.equal(res.status, 413);
          assert.equal(res.json.error.code, 'LH_E_PAYLOAD_TOO_LARGE');
          assert.match(res.json.error.message, new RegExp(`${BODY_LIMIT} bytes`));
        } else {
          assert.equal(res.status, 200);
          assert.ok(res.json.leads.some((l: any) => l.providerLeadId === id), 'the lead of a large body is kept');
          stored++;
        }
      }),
      24,
    );
    assert.equal(await storedCount(t, source.id), stored, 'a 413 stores nothing');
    await assertHealthy(t);
  });

  it('keeps a lead whose text holds invalid UTF-8, with the exact bytes and an invalid_utf8 warning', async () => {
    const invalid = fc.array(
      fc.constantFrom([0xff], [0xfe], [0x80], [0xc0, 0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]),
      { minLength: 1, maxLength: 4 },
    );
    await check(
      fc.asyncProperty(fc.constantFrom('anarock', 'casayes', 'praetorian') as fc.Arbitrary<Provider>, invalid, async (provider, seqs) => {
        const id = uniqueId('utf8');
        const [head, tail] = leadWith(provider, id, '"NAME"').split('NAME') as [string, string];
        const body = Buffer.concat([Buffer.from(head), ...seqs.map((s) => Buffer.from(s)), Buffer.from('ok'), Buffer.from(tail)]);
        // Pieces can join into a valid sequence (e2 82 + 80 is U+2080): only invalid bodies count here.
        fc.pre(!Buffer.from(body.toString('utf8'), 'utf8').equals(body));
        const res = await postAndCheck(provider, body, `utf8 ${body.toString('hex')}`);
        assert.equal(res.status, 200);
        assert.equal(res.json.leads[0]?.providerLeadId, id);
        const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
        assert.equal(stored.body, null, 'not valid text, so not shown as text');
        assert.ok(Buffer.from(stored.bodyBase64, 'base64').equals(body), 'the exact bytes are kept');
        assert.match(stored.reason, /invalid_utf8/);
      }),
      30,
    );
  });

  it('merges duplicate keys and keeps integers beyond 2^53 exactly', async () => {
    // Duplicate keys: both values reach the lead, and the request records the warning.
    const dup = await postAndCheck('praetorian', `[{"id":"${uniqueId('dup')}","data":{"first_name":"Ana"},"data":{"last_name":"Lima"},"id":"led_dup_later","id":""}]`, 'dup');
    assert.equal(dup.status, 200);
    const dupLead = (await t.api('GET', `/api/leads/${dup.json.leads[0].id}`)).json;
    assert.equal(dupLead.person.fullName, 'Ana Lima');
    assert.equal(dupLead.providerLeadId, 'led_dup_later', 'a later non-empty value wins, an empty one does not erase it');
    assert.match((await t.api('GET', `/api/requests/${dup.json.requestId}`)).json.reason, /duplicate_key:\[0\]\.data/);

    await check(
      fc.asyncProperty(
        fc.constantFrom(...PROVIDERS),
        fc.bigInt({ min: 2n ** 53n + 1n, max: 10n ** 40n }),
        fc.constantFrom('lead_id', 'id', 'LeadReference', 'name', 'created', 'data', 'x'),
        fc.jsonValue({ maxDepth: 2 }),
        async (provider, big, key, other) => {
          const digits = big.toString();
          const idField = { anarock: 'lead_id', casayes: 'LeadReference', praetorian: 'id', leadpro: 'id' }[provider];
          // The id is a big integer; some key appears twice, the second time with another value.
          const item = `{"${idField}":${digits},"${key}":${JSON.stringify(other)},"${key}":"second","n":${digits}0}`;
          const body = provider === 'leadpro' ? `{"event":"lead.created","data":${item}}` : provider === 'praetorian' ? `[${item}]` : item;
          const res = await postAndCheck(provider, body, `big ${digits} dup ${key}`);
          assert.equal(res.status, 200);
          if (key !== idField) {
            assert.equal(res.json.leads[0]?.providerLeadId, digits, 'the id is kept digit for digit');
            const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
            assert.equal(lead.providerLeadId, digits);
          }
        },
      ),
      40,
    );
  });

  it('answers an empty body with a stored 400 saying so, except for LeadPro, whose lead is in the JWT', async () => {
    for (const provider of PROVIDERS) {
      const res = provider === 'leadpro'
        ? await send(t, 'POST', sources.leadpro.webhookPath, { body: '', headers: { authorization: signJwt(JSON.stringify({ event: 'lead.created', data: { id: uniqueId('empty') } }), sources.leadpro.secret) } })
        : await post(provider, '', {});
      assertAnswer(res, `${provider} empty`);
      await assertRecorded(t, res, `${provider} empty`);
      if (provider === 'leadpro') assert.equal(res.status, 200);
      else {
        assert.equal(res.status, 400);
        assert.equal(res.json.error.code, 'LH_E_INVALID_JSON');
        assert.match(res.json.error.message, /empty body/);
      }
    }
  });

  it('reads the body as JSON whatever the content type says: text/plain, form, multipart, none, empty or malformed', async () => {
    const types: (string | null)[] = [
      null,
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      'application/json; charset=latin1',
      'json',
      ';;',
      'application/json, text/plain',
    ];
    for (const provider of PROVIDERS) {
      for (const type of types) {
        const id = uniqueId('ctype');
        const body = leadWith(provider, id, '1');
        const res = await postAndCheck(provider, body, `content-type ${type}`, type === null ? {} : { 'content-type': type });
        assert.equal(res.status, 200, `content-type ${JSON.stringify(type)}`);
        assert.equal(res.json.leads[0]?.providerLeadId, id);
        const stored = (await t.api('GET', `/api/requests/${res.json.requestId}`)).json;
        assert.equal(stored.contentType, type, 'the content type is stored as sent');
      }
    }
    // A real form or multipart body is not JSON: a stored 400 that says where it stopped.
    for (const [type, body] of [['application/x-www-form-urlencoded', 'id=led_1&first_name=A'], ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="id"\r\n\r\nled_1\r\n--xyz--\r\n']] as const) {
      const res = await postAndCheck('praetorian', body, type, { 'content-type': type });
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /position 0/);
    }
  });

  describe('wrong types in the fields of every provider fixture', () => {
    /** Where a fixture's items keep their provider lead id: touching these may lose that item, nothing else may. */
    const identity: Record<Provider, (string | number)[][]> = {
      anarock: [['lead_id']],
      casayes: [['LeadReference']],
      leadpro: [['data', 'id']],
      praetorian: [['id']],
    };
    const idOf = (provider: Provider, item: any): string | null => {
      const v = provider === 'anarock' ? item.lead_id : provider === 'casayes' ? item.LeadReference : provider === 'leadpro' ? item.data?.id : item.id;
      return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
    };
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => {
            const path = [...prefix, Array.isArray(value) ? Number(k) : k];
            return [path, ...paths(v, path)];
          })
        : [];
    const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    const anyType = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.double(),
      fc.integer(),
      fc.bigInt({ min: 2n ** 60n, max: 2n ** 70n }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    );
    /** JSON text of the fixture with the value at `path` replaced (bigints as raw digits). */
    function mutate(fixture: unknown, path: (string | number)[], value: unknown): string {
      const copy = structuredClone(fixture) as any;
      let parent = copy;
      for (const k of path.slice(0, -1)) parent = parent[k];
      parent[path[path.length - 1]!] = typeof value === 'bigint' ? `__BIG__${value}` : value;
      return JSON.stringify(copy).replace(/"__BIG__(\d+)"/g, '$1');
    }

    interface Mutation {
      path: (string | number)[];
      value: unknown;
    }
    const show = (m: Mutation) => `${m.path.join('.')} = ${(JSON.stringify(m.value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(m.value)).slice(0, 60)}`;

    /**
     * Send mutated copies of a fixture and check: the answer contract; every item whose id was not
     * touched still becomes its lead (is not quarantined); every item is accounted for. Several
     * copies go in one request as a batch (every provider but LeadPro reads a JSON array as one),
     * each item mapped exactly as it would be alone; LeadPro's JWT carries one object at a time.
     */
    async function sendMutations(provider: Provider, name: string, fixture: unknown, mutations: Mutation[]): Promise<void> {
      const isBatch = Array.isArray(fixture);
      const texts = mutations.map((m) => mutate(fixture, m.path, m.value));
      const body = provider === 'leadpro' ? texts[0]! : `[${texts.map((x) => (isBatch ? x.slice(1, -1) : x)).join(',')}]`;
      const label = `${name} ${mutations.map(show).join(' | ')}`.slice(0, 2000);
      const res = await postAndCheck(provider, body, label);
      assert.equal(res.status, 200, label);
      const items: unknown[] = isBatch ? (fixture as unknown[]) : [fixture];
      const quarantined = new Set<number>((res.json.quarantined ?? []).map((q: any) => q.index));
      assert.equal(res.json.leads.length + quarantined.size, items.length * mutations.length, `every item is accounted for (${label})`);
      mutations.forEach((m, k) => {
        items.forEach((item, index) => {
          const id = idOf(provider, item);
          const itemPath = isBatch ? [index] : [];
          const touchesId = identity[provider].some((idPath) => {
            const full = [...itemPath, ...idPath];
            return m.path.length <= full.length && m.path.every((key, i) => key === full[i]);
          });
          if (id === null || touchesId) return;
          assert.ok(!quarantined.has(k * items.length + index), `lead ${id} is not lost when ${name} ${show(m)}: ${JSON.stringify(res.json.quarantined)}`);
          assert.ok(res.json.leads.some((l: any) => l.providerLeadId === id), `lead ${id} is in the answer (${label})`);
        });
      });
    }

    for (const provider of PROVIDERS) {
      for (const name of FIXTURES[provider]) {
        it(`${provider}/${name}: a value of another type in each field, one at a time, loses no lead whose id is intact`, async () => {
          const fixture = fixtureJson(provider, name);
          const all = paths(fixture);
          const mutations = all.map((path, salt): Mutation => {
            let parent: any = fixture;
            for (const k of path) parent = parent[k];
            const original = typeOf(parent);
            const value = pick(anyType.filter((v) => typeOf(v) !== original && !(typeof v === 'bigint' && original === 'number')), salt + all.length * name.length);
            return { path, value };
          });
          // As many copies as fit well within the body limit, at most 25.
          const perRequest = provider === 'leadpro' ? 1 : Math.min(25, Math.floor((BODY_LIMIT * 0.75) / (JSON.stringify(fixture).length + 2000)));
          for (let i = 0; i < mutations.length; i += perRequest) await sendMutations(provider, name, fixture, mutations.slice(i, i + perRequest));
        });
      }
    }

    it('any fixture, any field, any value (fc.anything): loses no lead whose id is intact', async () => {
      const cases = PROVIDERS.flatMap((provider) => FIXTURES[provider].map((name) => ({ provider, name, fixture: fixtureJson(provider, name) as unknown })));
      const input = fc
        .constantFrom(...cases)
        .chain((c) => fc.record({ c: fc.constant(c), path: fc.constantFrom(...paths(c.fixture)), value: fc.oneof(anyType, fc.anything({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown)) }));
      await check(
        fc.asyncProperty(input, async ({ c, path, value }) => sendMutations(c.provider, c.name, c.fixture, [{ path, value }])),
        60,
      );
      await assertHealthy(t);
    });
  });

  it("answers every provider's fixtures sent to every other provider's source without a 5xx and without making a lead", async () => {
    for (const from of PROVIDERS) {
      for (const name of FIXTURES[from]) {
        for (const to of PROVIDERS) {
          if (to === from) continue;
          const res = await postAndCheck(to, fixtureBytes(from, name), `${from}/${name} -> ${to}`);
          if (res.status === 200) {
            assert.deepEqual(res.json.leads, [], `${from}/${name} sent to ${to} is quarantined, not read as a lead`);
          } else {
            assert.equal(to, 'leadpro', `${from}/${name} -> ${to}: ${res.status}`);
            assert.equal(res.status, 401, 'a JSON array is not a JWT claims object');
          }
        }
      }
    }
    // And without the target's credentials, refused like any other unauthenticated request.
    for (const to of ['leadpro', 'casayes', 'praetorian'] as const) {
      const res = await send(t, 'POST', sources[to].webhookPath, { body: fixtureBytes('anarock', 'v2018-snapshot.json'), headers: { 'content-type': 'application/json' } });
      assertAnswer(res, `anarock -> ${to} without credentials`);
      assert.equal(res.status, 401);
    }
  });

  it('answers malformed HTTP on a raw socket with a JSON 4xx, or closes it, and keeps serving', async () => {
    const { port } = new URL(t.url);
    const prefixes = ['', `POST ${sources.praetorian.webhookPath} HTTP/1.1\r\n`, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', `POST /hooks/x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n`];
    const rawExchange = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.setTimeout(3000, () => socket.destroy());
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', () => {});
        socket.on('close', () => resolve(Buffer.concat(chunks)));
        socket.end(bytes);
      });
    await check(
      fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ minLength: 1, maxLength: 512 }), async (prefix, tail) => {
        const reply = (await rawExchange(Buffer.concat([Buffer.from(prefix), Buffer.from(tail), Buffer.from('\r\n\r\n')]))).toString('latin1');
        if (reply === '') return; // the server may just close a connection that never formed a request
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]);
        assert.ok(status >= 200 && status < 500, `never a 5xx: ${reply.slice(0, 200)}`);
        const head = reply.slice(0, reply.indexOf('\r\n\r\n'));
        assert.match(head, /content-type: application\/json/i, reply.slice(0, 300));
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        const body = JSON.parse(reply.slice(head.length + 4, head.length + 4 + length));
        if (status >= 400) assert.match(body.error.code, /^LH_E_/);
      }),
      40,
    );
    // A LeadPro JWT past the 128 KiB header limit: a JSON 431, not Node's bare one.
    const huge = signJwt(JSON.stringify({ event: 'lead.created', data: { id: 1, pad: 'x'.repeat(140 * 1024) } }), sources.leadpro.secret);
    const res = await send(t, 'POST', sources.leadpro.webhookPath, { body: '{}', headers: { authorization: huge, 'content-type': 'application/json' } });
    assert.equal(res.status, 431);
    assert.equal(res.json.error.code, 'LH_E_HEADERS_TOO_LARGE');
    await assertHealthy(t);
  });
});
