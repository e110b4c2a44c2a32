import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, fetchJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { adminPath, adminRoutes, check, leadBodyFor, seedAdminIds, type AdminIds } from '../properties/support.js';

/**
 * Issue 11: `GET /openapi.json` is an OpenAPI 3.1 document of the whole admin API, built from the
 * route schemas Fastify validates with. These tests read the routes from the router (a route added
 * later is covered without touching them), check real answers against the documented ones, and
 * attack the documented request bodies to show they are the bodies enforced.
 */

type Json = any;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

interface Operation {
  method: string;
  path: string;
  op: Json;
}

async function fetchDocument(t: TestServer): Promise<{ status: number; contentType: string | null; text: string }> {
  const res = await fetch(`${t.url}/openapi.json`);
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

function operations(doc: Json): Operation[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path, op: item[method] })),
  );
}

/** A router pattern (`/api/sources/:id`) as an OpenAPI path (`/api/sources/{id}`). */
function openApiPath(pattern: string): string {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The documented path a concrete request path is answered by; a static segment wins over a parameter. */
function documentedPath(doc: Json, path: string): string | undefined {
  const matching = Object.keys(doc.paths).filter((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  return matching.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
}

/** Checks an answer against the document: null when it is the documented answer, else why not. */
type AnswerCheck = (method: string, path: string, status: number, body: unknown) => Promise<string | null>;

/**
 * Checks answers against the document's response schemas with Fastify's own validator (ajv),
 * strictly: no coercion, nothing removed. One validating route per documented answer.
 */
async function answerChecker(doc: Json): Promise<{ check: AnswerCheck; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false, ajv: { customOptions: { strict: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true } } });
  const routes = new Map<string, string>();
  for (const { method, path, op } of operations(doc)) {
    for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
      const schema = response.content?.['application/json']?.schema;
      const url = `/check/${routes.size}`;
      routes.set(`${method} ${path} ${status}`, url);
      // An answer documented without content (204) has no body.
      const body = schema === undefined ? { not: {} } : { ...schema, components: doc.components };
      app.post(url, { schema: { body } }, async () => ({ ok: true }));
    }
  }
  await app.ready();
  const check: AnswerCheck = async (method, path, status, body) => {
    const key = (s: string) => `${method.toLowerCase()} ${path} ${s}`;
    const url = routes.get(key(String(status))) ?? routes.get(key(`${String(status)[0]}XX`));
    if (url === undefined) return `no documented answer ${status}`;
    if (body === null || body === undefined) return routes.get(key(String(status))) !== undefined && status === 204 ? null : 'an empty answer';
    const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return res.statusCode === 200 ? null : res.json().message;
  };
  return { check, close: () => app.close() };
}

describe('GET /openapi.json documents the whole admin API', () => {
  let t: TestServer;
  let receiver: Receiver;
  let doc: Json;
  let text: string;

  before(async () => {
    receiver = await startReceiver();
    t = await startTestServer({ allowPrivateDestinations: true });
    const res = await fetchDocument(t);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    text = res.text;
    doc = JSON.parse(text);
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('answers without a token, as JSON, an OpenAPI 3.1 document titled leadhook with the running version', async () => {
    const res = await fetchDocument(t);
    assert.equal(res.status, 200);
    assert.match(String(res.contentType), /^application\/json/);
    assert.match(doc.openapi, /^3\.1\./);
    assert.equal(doc.info.title, 'leadhook');
    const health = await fetchJson(`${t.url}/healthz`, {});
    assert.equal(doc.info.version, health.json.version);
  });

  it('has every /api route the router holds, with its method, and nothing else', () => {
    const routed = adminRoutes(t);
    assert.ok(routed.length >= 20, `routes were read from the router: ${JSON.stringify(routed)}`);
    const gets = new Set(routed.filter(([m]) => m === 'GET').map(([, p]) => p));
    // Fastify answers HEAD for every GET by itself: documented once, as the GET.
    for (const [method, pattern] of routed.filter(([m]) => m === 'HEAD')) assert.ok(gets.has(pattern), `${method} ${pattern} has its GET`);
    const expected = routed.filter(([m]) => m !== 'HEAD').map(([m, p]) => `${m} ${openApiPath(p)}`).sort();
    const documented = operations(doc).map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
    assert.deepEqual(documented, expected);
  });

  it('requires the bearer admin token on every operation, and names, tags and summarizes each one', () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, { ...doc.components.securitySchemes.bearer, type: 'http', scheme: 'bearer' });
    const tags = new Set((doc.tags as { name: string }[]).map((tag) => tag.name));
    assert.deepEqual([...tags].sort(), ['auth', 'deliveries', 'destinations', 'leads', 'requests', 'sources']);
    const ids = new Set<string>();
    for (const { method, path, op } of operations(doc)) {
      const label = `${method} ${path}`;
      assert.deepEqual(op.security, [{ bearer: [] }], label);
      assert.match(op.operationId, /^[a-z][A-Za-z]+$/, label);
      assert.ok(!ids.has(op.operationId), `${label}: operationId ${op.operationId} is unique`);
      ids.add(op.operationId);
      assert.equal(op.tags.length, 1, label);
      assert.ok(tags.has(op.tags[0]), `${label}: tag ${op.tags[0]}`);
      assert.ok(typeof op.summary === 'string' && op.summary.length > 10, label);
      assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${label} documents its success`);
      for (const status of ['4XX', '5XX']) assert.deepEqual(op.responses[status].content['application/json'].schema, { $ref: '#/components/schemas/Error' }, `${label} ${status}`);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const params = (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name).sort();
      assert.deepEqual(params, inPath, `${label} documents its path parameters`);
    }
  });

  it('holds no data: the document of a server with sources, leads and destinations is that of an empty one', async () => {
    const source = await createSource(t, 'praetorian', { name: 'Openapi Secret Source' });
    const hook = await t.hook(source.webhookPath, leadBodyFor('praetorian', 'led_openapi_data', 'Zebulon Openapi'), { authorization: source.secret });
    assert.equal(hook.status, 200);
    const destination = await t.api('POST', '/api/destinations', { name: 'Openapi Destination', url: receiver.url });
    assert.equal(destination.status, 201);
    const now = await fetchDocument(t);
    const fresh = await startTestServer();
    try {
      assert.deepEqual(JSON.parse(now.text), JSON.parse((await fetchDocument(fresh)).text));
    } finally {
      await fresh.close();
    }
    for (const value of [source.id, source.secret, source.webhookPath, 'Openapi Secret Source', 'Zebulon', hook.json.requestId, destination.json.id, destination.json.secret, TEST_ADMIN_TOKEN, t.dataDir]) {
      assert.ok(!now.text.includes(value), `the document does not hold ${value}`);
    }
    assert.ok(!/"examples?"\s*:/.test(now.text), 'the document carries no example values');
  });

  it('answers every operation as documented: success and error bodies match the response schemas', async () => {
    const { check: checkAnswer, close } = await answerChecker(doc);
    const answered = new Set<string>();
    const mismatches: string[] = [];
    const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const res = await t.api(method, path, body, headers);
      const documented = documentedPath(doc, path.split('?')[0]!);
      assert.ok(documented !== undefined, `${method} ${path} is documented`);
      answered.add(`${method} ${documented}`);
      // A CSV export is documented as text/csv: its body is not JSON to check against a schema.
      const isCsv = documented.endsWith('.csv') && res.status === 200;
      const why = isCsv ? null : await checkAnswer(method, documented, res.status, res.json);
      if (why !== null) mismatches.push(`${method} ${path} ${res.status}: ${why}: ${JSON.stringify(res.json).slice(0, 300)}`);
      return res;
    };
    try {
      const source = (await call('POST', '/api/sources', { provider: 'praetorian', name: 'Tour' })).json;
      await call('GET', '/api/sources');
      await call('GET', `/api/sources/${source.id}`);
      await call('PATCH', `/api/sources/${source.id}`, { name: 'Tour renamed', defaultCountry: 'GB' });
      await call('POST', `/api/sources/${source.id}/rotate-url`);
      const destination = (await call('POST', '/api/destinations', { name: 'Tour', url: receiver.url })).json;
      await call('GET', '/api/destinations');
      await call('GET', `/api/destinations/${destination.id}`);
      await call('PATCH', `/api/destinations/${destination.id}`, { name: 'Tour renamed', includeTest: true });
      await call('GET', '/api/rule-templates');
      const hook = (id: string, name: string) => t.hook(source.webhookPath, leadBodyFor('praetorian', id, name), { authorization: source.secret });
      const [first, second] = [await hook('led_tour_1', 'Ann Tour'), await hook('led_tour_2', 'Bob Tour')];
      assert.equal((await t.hook(source.webhookPath, '[]', { authorization: 'not the secret' })).status, 401);
      const leadId = first.json.leads[0].id;
      await call('GET', '/api/leads');
      await call('GET', '/api/leads?q=Tour&isTest=all');
      await call('GET', `/api/leads/${leadId}`);
      await call('GET', `/api/requests?sourceId=${source.id}`);
      const refused = (await call('GET', `/api/requests?status=rejected&sourceId=${source.id}`)).json.items[0];
      await call('GET', `/api/requests/${refused.id}`);
      await call('GET', `/api/requests/${first.json.requestId}`);
      await call('POST', `/api/requests/${first.json.requestId}/reprocess`);
      await receiver.waitFor((received) => received.length >= 2);
      const delivery = (await call('GET', `/api/deliveries?destinationId=${destination.id}`)).json.items[0];
      await call('GET', `/api/deliveries/${delivery.id}`);
      await call('POST', `/api/deliveries/${delivery.id}/retry`);
      await call('POST', `/api/destinations/${destination.id}/replay`, { since: '2020-01-01', status: 'succeeded' });
      await call('POST', `/api/destinations/${destination.id}/test`);
      await call('DELETE', `/api/leads/${leadId}?erase=personal-data&by=tour`);
      await call('DELETE', `/api/leads/${second.json.leads[0].id}?erase=personal-data`);
      await call('GET', `/api/leads/${leadId}`);
      const [heldFirst, heldSecond] = [await hook('led_tour_1', 'Ann Again'), await hook('led_tour_2', 'Bob Again')];
      await call('GET', '/api/requests/held?all=true');
      await call('POST', `/api/requests/${heldFirst.json.requestId}/apply?by=tour`);
      await call('POST', `/api/requests/${heldSecond.json.requestId}/discard`);
      await call('GET', '/api/sources/src_nope');
      await call('GET', '/api/leads', undefined, { authorization: 'Bearer wrong' });
      await call('POST', '/api/destinations', { name: 'no url' });
      await call('DELETE', `/api/destinations/${destination.id}`);
      await call('GET', '/api/stats?from=2026-01-01&to=2026-01-31');
      await call('GET', '/api/leads.csv?provider=praetorian');
      await call('GET', '/api/live');
      const testLead = (await call('POST', `/api/sources/${source.id}/test-lead`)).json;
      assert.ok(typeof testLead.leadId === 'string', 'a test lead was stored');
      await call('POST', '/api/destinations/try-filter', { filter: 'lead.stage == "new"' });
      await call('GET', '/api/session');
      const token = (await call('POST', '/api/tokens', { name: 'Tour', role: 'viewer' })).json;
      await call('GET', '/api/tokens');
      await call('POST', '/api/session', { token: token.token });
      await call('DELETE', '/api/session');
      await call('DELETE', `/api/tokens/${token.id}`);
      await call('DELETE', `/api/sources/${source.id}`);
    } finally {
      await close();
    }
    assert.deepEqual(mismatches, []);
    const unanswered = operations(doc).map(({ method, path }) => `${method.toUpperCase()} ${path}`).filter((op) => !answered.has(op));
    assert.deepEqual(unanswered, [], 'every documented operation was called');
  });

  it('refuses every body that breaks its documented schema, naming the field, and changes nothing (property)', async () => {
    const ids = await seedAdminIds(t);
    // A destination's delivery state (last success, failing since, counts) moves with the deliveries
    // of earlier tests still under way; what a refused body could change is its configuration.
    const configOf = ({ lastSuccessAt: _s, failingSince: _f, filteredCount: _c, lastRuleError: _e, ...config }: Record<string, unknown>) => config;
    const snapshot = async () => [(await t.api('GET', '/api/sources')).json, (await t.api('GET', '/api/destinations')).json.items.map(configOf)];
    const before = await snapshot();
    const attacks = operations(doc)
      .filter(({ op }) => op.requestBody !== undefined)
      .flatMap(({ method, path, op }) => bodyAttacks(op.requestBody.content['application/json'].schema).map((attack) => ({ method, path, attack })));
    assert.ok(attacks.length >= 30, `attacks were derived from the documented bodies: ${attacks.length}`);
    const unknownName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,12}$/);
    await check(
      fc.asyncProperty(fc.constantFrom(...attacks), unknownName, async ({ method, path, attack }, name) => {
        const { body, field } = attack(name);
        if (body === null) return;
        const target = adminPath(path.replace(/\{([^}]+)\}/g, ':$1'), ids);
        const res = await t.api(method.toUpperCase(), target, body);
        const label = `${method} ${target} ${JSON.stringify(body).slice(0, 200)}: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`;
        assert.equal(res.status, 400, label);
        assert.equal(res.json.error.code, 'LH_E_VALIDATION', label);
        assert.deepEqual([res.json.error.details.location, res.json.error.details.field], ['body', field], label);
      }),
      200,
    );
    assert.deepEqual(await snapshot(), before, 'no source or destination changed');
  });
});

/** A body the documented schema refuses, and the field its refusal names; null when `name` does not apply. */
type BodyAttack = (unknownName: string) => { body: Record<string, unknown> | null; field: string };

/**
 * Bodies that break one documented rule of an object body each: a required field left out, an
 * unknown field, a wrong type, a string too long or too short, a number out of range, a value out of
 * its enum. The other required fields hold documented values, so only that rule is broken.
 */
function bodyAttacks(schema: Json): BodyAttack[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = (schema.required ?? []) as string[];
  const base = Object.fromEntries(required.map((f) => [f, validValue(properties[f])]));
  const withField = (field: string, value: unknown): BodyAttack => () => ({ body: { ...base, [field]: value }, field });
  const attacks: BodyAttack[] = required.map((field) => () => ({ body: Object.fromEntries(Object.entries(base).filter(([f]) => f !== field)), field }));
  if (schema.additionalProperties === false) {
    attacks.push((name) => ({ body: Object.hasOwn(properties, name) ? null : { ...base, [name]: 1 }, field: name }));
  }
  for (const [field, p] of Object.entries(properties)) {
    const types = ([] as string[]).concat(p.type ?? []);
    // Not coercible to any of the field's types (the API coerces scalars to one another).
    attacks.push(withField(field, types.includes('array') ? { not: 'an array' } : ['not', 'a', types.join(' or ')]));
    if (typeof p.maxLength === 'number') attacks.push(withField(field, 'x'.repeat(p.maxLength + 1)));
    if (typeof p.minLength === 'number' && p.minLength > 0) attacks.push(withField(field, 'x'.repeat(p.minLength - 1)));
    if (typeof p.maximum === 'number') attacks.push(withField(field, p.maximum + 1));
    if (typeof p.minimum === 'number') attacks.push(withField(field, p.minimum - 1));
    if (Array.isArray(p.enum)) attacks.push(withField(field, `not-${p.enum.join('-')}`));
  }
  return attacks;
}

/** A value the documented field schema accepts. */
function validValue(p: Json): unknown {
  if (Array.isArray(p.enum)) return p.enum[0];
  const type = ([] as string[]).concat(p.type ?? 'string').find((t) => t !== 'null');
  if (type === 'number' || type === 'integer') return p.minimum ?? 1;
  if (type === 'boolean') return true;
  if (type === 'array') return p.items === undefined ? [] : [validValue(p.items)];
  if (type === 'object') return {};
  return 'x'.repeat(Math.max(1, p.minLength ?? 1));
}
