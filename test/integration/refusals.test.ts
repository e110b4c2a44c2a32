import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REFUSAL_LIMITS } from '../../src/storage/refusal-port.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

describe('refused webhooks are visible', () => {
  let t: TestServer;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestServer();
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  after(() => t.close());

  it('keeps a webhook refused for a wrong secret (reason, redacted headers, size, body) without storing or processing it', async () => {
    const source = await createSource(t, 'praetorian');
    const body = JSON.stringify([{ id: 'led_refused1', data: { first_name: 'Refused' } }]);
    const res = await t.hook(source.webhookPath, body, { authorization: 'wrong-secret', 'x-request-origin': 'crm-42' });
    assert.equal(res.status, 401);

    const page = (await t.api('GET', `/api/requests?status=rejected&sourceId=${source.id}`)).json;
    assert.equal(page.items.length, 1);
    const [refusal] = page.items;
    assert.match(refusal.id, /^rej_/);
    assert.equal(refusal.sourceId, source.id);
    assert.equal(refusal.provider, 'praetorian');
    assert.equal(refusal.status, 'rejected');
    assert.equal(refusal.httpStatus, 401);
    assert.equal(refusal.reason, 'bad_credentials');
    assert.match(refusal.detail, /does not match/);
    assert.equal(refusal.headers.authorization, '[redacted]');
    assert.equal(refusal.headers['x-request-origin'], 'crm-42');
    assert.equal(refusal.bodySize, Buffer.byteLength(body));
    assert.equal(refusal.bodyExcerpt, body);
    assert.equal(refusal.bodyTruncated, false);
    assert.deepEqual((await t.api('GET', `/api/requests/${refusal.id}`)).json, refusal);

    const stored = (await t.api('GET', `/api/requests?sourceId=${source.id}`)).json;
    assert.deepEqual(stored.items, [], 'nothing stored as a request');
    assert.equal(stored.refusals.total, 1, 'the list of stored requests says webhooks were refused');
    assert.equal((await t.api('GET', '/api/leads?q=led_refused1')).json.items.length, 0, 'never processed');

    const shown = (await t.api('GET', `/api/sources/${source.id}`)).json;
    assert.deepEqual(shown.refusals, { total: 1, since: refusal.receivedAt, lastAt: refusal.receivedAt });
  });

  it(`keeps the first ${REFUSAL_LIMITS.bodyExcerptBytes} bytes of a long body, and shows text cut inside a character as text`, async () => {
    const source = await createSource(t, 'casayes');
    const body = Buffer.from(`{"SenderName":"${'é'.repeat(2000)}"}`);
    assert.equal((await t.hook(source.webhookPath, body, { token: 'not-the-token' })).status, 401);
    const [refusal] = (await t.api('GET', `/api/requests?status=rejected&sourceId=${source.id}`)).json.items;
    assert.equal(refusal.bodySize, body.length);
    assert.equal(refusal.bodyTruncated, true);
    assert.equal(refusal.bodyExcerptBase64, null);
    assert.ok(Buffer.byteLength(refusal.bodyExcerpt) <= REFUSAL_LIMITS.bodyExcerptBytes);
    assert.ok(body.toString('utf8').startsWith(refusal.bodyExcerpt));
    assert.ok(Buffer.byteLength(refusal.bodyExcerpt) >= REFUSAL_LIMITS.bodyExcerptBytes - 3);
  });

  it(`keeps the last ${REFUSAL_LIMITS.keptPerSource} refusals of a source, overwriting the oldest, and counts every one`, async () => {
    const source = await createSource(t, 'praetorian');
    const sent = REFUSAL_LIMITS.keptPerSource + 5;
    for (let i = 0; i < sent; i++) assert.equal((await t.hook(source.webhookPath, `[{"id":"ring${i}"}]`, { authorization: 'nope-nope' })).status, 401);
    const page = (await t.api('GET', `/api/requests?status=rejected&sourceId=${source.id}&limit=500`)).json;
    assert.equal(page.items.length, REFUSAL_LIMITS.keptPerSource);
    assert.deepEqual(
      page.items.map((r: any) => r.bodyExcerpt),
      Array.from({ length: REFUSAL_LIMITS.keptPerSource }, (_, i) => `[{"id":"ring${sent - 1 - i}"}]`),
      'the newest first; the oldest 5 overwritten',
    );
    const counts = (await t.api('GET', `/api/sources/${source.id}`)).json.refusals;
    assert.equal(counts.total, sent);
    assert.ok(counts.since < page.items.at(-1).receivedAt || counts.since === page.items.at(-1).receivedAt);
    assert.equal(counts.lastAt, page.items[0].receivedAt);

    const first = (await t.api('GET', `/api/requests?status=rejected&sourceId=${source.id}&limit=20`)).json;
    const second = (await t.api('GET', `/api/requests?status=rejected&sourceId=${source.id}&limit=20&cursor=${first.nextCursor}`)).json;
    assert.deepEqual([...first.items, ...second.items].map((r: any) => r.id), page.items.slice(0, 40).map((r: any) => r.id), 'pages follow one another');
  });

  it('does not record a webhook to an unknown source (404)', async () => {
    const before = (await t.api('GET', '/api/requests')).json.refusals.total;
    assert.equal((await t.hook('/hooks/src_doesnotexist', '[]', { authorization: 'x' })).status, 404);
    assert.equal((await t.api('GET', '/api/requests')).json.refusals.total, before);
  });

  it('answers 404 for a refusal id that is not kept', async () => {
    const res = await t.api('GET', '/api/requests/rej_0000000000000000000000000000');
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'LH_E_REQUEST_NOT_FOUND');
  });

  it('`requests list --status rejected` and `requests show rej_…` show what was wrong, webhook text inert; `requests list` points at them', async () => {
    const source = await createSource(t, 'leadpro');
    const body = '{"event":"lead.created","data":{"full_name":"Ann\u001b[2J\nStage: won"}}';
    assert.equal((await t.hook(source.webhookPath, body, { authorization: 'Bearer not.a-jwt' })).status, 401);
    const listed = await cli(['requests', 'list', '--status', 'rejected', '--source', source.id], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /REASON\n/);
    assert.match(listed.stdout, new RegExp(`rej_\\w+\\s+${source.id}\\s+leadpro\\s+.*rejected\\s+401\\s+${Buffer.byteLength(body)}\\s+malformed_token: `));
    const id = /(rej_\w+)/.exec(listed.stdout)?.[1] ?? '';
    const shown = await cli(['requests', 'show', id], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Status:\s+rejected \(answered HTTP 401\); not stored, not processed/);
    assert.match(shown.stdout, /Reason:\s+malformed_token: /);
    assert.match(shown.stdout, /authorization: \[redacted\]/);
    assert.match(shown.stdout, /  \| \{"event":"lead\.created","data":\{"full_name":"Ann\\x1b\[2J\n  \| Stage: won"\}\}/);
    assert.doesNotMatch(shown.stdout, /\u001b/);
    assert.doesNotMatch(shown.stdout, /^Stage: won/m, 'a body line cannot pass for one of the CLI’s');

    const empty = await cli(['requests', 'list', '--source', source.id], env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /No stored requests found\.\n\n1 webhook\(s\) refused for wrong or missing credentials since .*: leadhook requests list --status rejected/);

    const sourceShown = await cli(['sources', 'show', source.id], env);
    assert.equal(sourceShown.code, 0, sourceShown.stderr);
    assert.match(sourceShown.stdout, new RegExp(`Refused:\\s+1 webhook since .*, last .* \\(see: leadhook requests list --status rejected --source ${source.id}\\)`));
  });
});
