import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HubError } from '../../src/core/errors.js';
import { receiveWebhook } from '../../src/ingest/receive-webhook.js';
import { cli } from '../helpers/cli.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { credentials, leadBodyFor, type Provider } from '../properties/support.js';

const HOUR_MS = 3_600_000;
let serial = 0;

/** A body with one new lead (or lead `id` again) for each provider. */
const leadBody = (provider: Provider, id = `rot_${process.pid}_${++serial}`) => leadBodyFor(provider, id, 'Rota Tion');

const tokenOf = (webhookPath: string) => webhookPath.slice('/hooks/'.length);

describe('rotating a source secret or webhook URL loses no lead', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  /** POST a lead to `path` with `secret`'s credentials. */
  const hook = (provider: Provider, path: string, secret: string, body = leadBody(provider)) => t.hook(path, body, credentials(provider, secret, body));

  /** Receive one webhook in-process on the server's own store, as if it arrived at `at`: the receipt time decides what is still accepted. */
  async function receivedAt(provider: Provider, token: string, secret: string, at: number): Promise<number | string> {
    const body = leadBody(provider);
    try {
      const out = await receiveWebhook(t.server.store, {
        urlToken: token,
        headers: { 'content-type': 'application/json', ...credentials(provider, secret, body) },
        body: Buffer.from(body),
        contentType: 'application/json',
        receivedAt: new Date(at),
      });
      return out.statusCode;
    } catch (error) {
      if (error instanceof HubError) return error.code;
      throw error;
    }
  }

  for (const provider of ['praetorian', 'casayes', 'leadpro'] as const) {
    it(`${provider}: after rotate-secret both secrets authenticate until the overlap ends, then only the new one; overlapHours 0 stops the old one at once`, async () => {
      const old = `old-${provider}-secret-0123`;
      const source = await createSource(t, provider, { secret: old });
      const requestedAt = Date.now();
      const rotated = await t.api('PATCH', `/api/sources/${source.id}`, { rotateSecret: true });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
      const fresh: string = rotated.json.secret;
      assert.notEqual(fresh, old);
      const expiry = Date.parse(rotated.json.previousSecretExpiresAt);
      assert.ok(Math.abs(expiry - (requestedAt + 24 * HOUR_MS)) < 60_000, `default overlap is 24 h: ${rotated.json.previousSecretExpiresAt}`);
      assert.equal((await t.api('GET', `/api/sources/${source.id}`)).json.previousSecretExpiresAt, rotated.json.previousSecretExpiresAt, 'the source view shows it');

      assert.equal((await hook(provider, source.webhookPath, old)).status, 200, 'the old secret during the overlap');
      assert.equal((await hook(provider, source.webhookPath, fresh)).status, 200, 'the new secret');
      assert.equal((await hook(provider, source.webhookPath, 'wrong-secret-0123')).status, 401, 'any other');

      const token = tokenOf(source.webhookPath);
      assert.equal(await receivedAt(provider, token, old, expiry - 1), 200, 'old secret, received just before the overlap ends');
      assert.equal(await receivedAt(provider, token, old, expiry), 'LH_E_WEBHOOK_UNAUTHORIZED', 'old secret, received when the overlap ends');
      assert.equal(await receivedAt(provider, token, fresh, expiry + HOUR_MS), 200, 'the new secret after it');

      const immediate = await t.api('PATCH', `/api/sources/${source.id}`, { rotateSecret: true, overlapHours: 0 });
      assert.equal(immediate.status, 200);
      assert.equal(immediate.json.previousSecretExpiresAt, null);
      assert.equal((await hook(provider, source.webhookPath, fresh)).status, 401, 'the replaced secret stops now');
      assert.equal((await hook(provider, source.webhookPath, old)).status, 401, 'and so does the one before it');
      assert.equal((await hook(provider, source.webhookPath, immediate.json.secret)).status, 200);
    });
  }

  it('a secret given with an overlap of 2 hours: the old one works until then', async () => {
    const source = await createSource(t, 'casayes', { secret: 'casayes-token-first' });
    const res = await t.api('PATCH', `/api/sources/${source.id}`, { secret: 'casayes-token-second', overlapHours: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.json.secret, 'casayes-token-second');
    const expiry = Date.parse(res.json.previousSecretExpiresAt);
    assert.ok(Math.abs(expiry - (Date.parse(res.json.updatedAt) + 2 * HOUR_MS)) < 1000, res.json.previousSecretExpiresAt);
    const token = tokenOf(source.webhookPath);
    assert.equal(await receivedAt('casayes', token, 'casayes-token-first', expiry - 1), 200);
    assert.equal(await receivedAt('casayes', token, 'casayes-token-first', expiry + 1), 'LH_E_WEBHOOK_UNAUTHORIZED');
  });

  for (const provider of ['anarock', 'praetorian'] as const) {
    it(`${provider}: rotate-url gives the same source a new URL; the old one reaches it until the overlap ends, and both feed the same lead`, async () => {
      const source = await createSource(t, provider);
      const leadRef = `rot_url_${provider}_${process.pid}`;
      const first = await hook(provider, source.webhookPath, source.secret, leadBody(provider, leadRef));
      assert.equal(first.status, 200, JSON.stringify(first.json));
      const leadId: string = first.json.leads[0].id;

      const rotated = await t.api('POST', `/api/sources/${source.id}/rotate-url`);
      assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
      assert.equal(rotated.json.id, source.id, 'the same source');
      assert.notEqual(rotated.json.webhookPath, source.webhookPath);
      assert.match(rotated.json.webhookPath, /^\/hooks\/wh_[0-9a-z]{32}$/);
      const expiry = Date.parse(rotated.json.previousWebhookUrlExpiresAt);
      assert.ok(Math.abs(expiry - (Date.parse(rotated.json.updatedAt) + 24 * HOUR_MS)) < 1000, rotated.json.previousWebhookUrlExpiresAt);
      const shown = (await t.api('GET', `/api/sources/${source.id}`)).json;
      assert.equal(shown.webhookPath, rotated.json.webhookPath, 'the source view shows the new URL');
      assert.equal(shown.previousWebhookUrlExpiresAt, rotated.json.previousWebhookUrlExpiresAt);

      for (const path of [source.webhookPath, rotated.json.webhookPath]) {
        const again = await hook(provider, path, source.secret, leadBody(provider, leadRef));
        assert.equal(again.status, 200, `${path}: ${JSON.stringify(again.json)}`);
        assert.equal(again.json.leads[0].id, leadId, 'the same lead, not a duplicate under a new source');
      }
      const leads = (await t.api('GET', `/api/leads?sourceId=${source.id}`)).json.items;
      assert.deepEqual(leads.map((l: { id: string }) => l.id), [leadId], 'one lead for the source');

      const [oldToken, newToken] = [tokenOf(source.webhookPath), tokenOf(rotated.json.webhookPath)];
      assert.equal(await receivedAt(provider, oldToken, source.secret, expiry - 1), 200, 'old URL, received just before the overlap ends');
      assert.equal(await receivedAt(provider, oldToken, source.secret, expiry), 'LH_E_SOURCE_NOT_FOUND', 'old URL, received when it ends');
      assert.equal(await receivedAt(provider, newToken, source.secret, expiry + HOUR_MS), 200, 'the new URL after it');
    });
  }

  it('rotate-url with overlapHours 0: the old URL answers 404 at once, showing only the start of what was sent', async () => {
    const source = await createSource(t, 'anarock');
    const rotated = await t.api('POST', `/api/sources/${source.id}/rotate-url`, { overlapHours: 0 });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.json.previousWebhookUrlExpiresAt, null);
    const gone = await t.hook(source.webhookPath, leadBody('anarock'));
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'LH_E_SOURCE_NOT_FOUND');
    const token = tokenOf(source.webhookPath);
    assert.ok(gone.json.error.message.includes(`${token.slice(0, 8)}…`), gone.json.error.message);
    assert.equal(gone.json.error.message.includes(token.slice(0, 9)), false, 'no more than its start');
    assert.equal((await t.hook(rotated.json.webhookPath, leadBody('anarock'))).status, 200);
  });

  it('rotating the URL again keeps only the URL it replaced; deleting the source closes both', async () => {
    const source = await createSource(t, 'anarock');
    const second = (await t.api('POST', `/api/sources/${source.id}/rotate-url`, { overlapHours: 1 })).json;
    const third = (await t.api('POST', `/api/sources/${source.id}/rotate-url`, { overlapHours: 1 })).json;
    assert.equal((await t.hook(source.webhookPath, leadBody('anarock'))).status, 404, 'the first URL was dropped by the second rotation');
    assert.equal((await t.hook(second.webhookPath, leadBody('anarock'))).status, 200, 'the URL the last rotation replaced');
    assert.equal((await t.hook(third.webhookPath, leadBody('anarock'))).status, 200);
    assert.equal((await t.api('DELETE', `/api/sources/${source.id}`)).status, 204);
    for (const path of [second.webhookPath, third.webhookPath]) assert.equal((await t.hook(path, leadBody('anarock'))).status, 404, path);
  });

  it('a public source id is not a webhook URL, and the source list shows no URL', async () => {
    const source = await createSource(t, 'anarock');
    assert.equal((await t.hook(`/hooks/${source.id}`, leadBody('anarock'))).status, 404);
    const listed = (await t.api('GET', '/api/sources')).json.items.find((s: { id: string }) => s.id === source.id);
    assert.equal(listed.webhookPath, undefined);
    assert.equal(listed.webhookUrl, undefined);
    assert.equal(JSON.stringify(listed).includes(tokenOf(source.webhookPath)), false);
  });

  it('refuses an overlap out of range, an overlap without a new secret, and rotate-url of an unknown or deleted source', async () => {
    const source = await createSource(t, 'praetorian');
    for (const body of [{ rotateSecret: true, overlapHours: -1 }, { rotateSecret: true, overlapHours: 721 }, { rotateSecret: true, overlapHours: 'soon' }, { overlapHours: 2 }]) {
      const res = await t.api('PATCH', `/api/sources/${source.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.code, 'LH_E_VALIDATION');
    }
    for (const body of [{ overlapHours: -1 }, { overlapHours: 721 }, { overlap: 2 }]) {
      const res = await t.api('POST', `/api/sources/${source.id}/rotate-url`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.code, 'LH_E_VALIDATION');
    }
    assert.equal((await t.hook(source.webhookPath, leadBody('praetorian'), { authorization: source.secret })).status, 200, 'nothing changed');
    assert.equal((await t.api('POST', '/api/sources/src_nope/rotate-url')).json.error.code, 'LH_E_SOURCE_NOT_FOUND');
    await t.api('DELETE', `/api/sources/${source.id}`);
    assert.equal((await t.api('POST', `/api/sources/${source.id}/rotate-url`)).status, 404);
  });

  it('CLI: rotate-url and rotate-secret --overlap print the new URL or secret and until when the old one works; --overlap 0 stops it now; a bad duration is a usage error', async () => {
    const env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const source = await createSource(t, 'praetorian');
    const url = await cli(['sources', 'rotate-url', source.id, '--overlap', '2h'], env);
    assert.equal(url.code, 0, url.stderr);
    const newUrl = /^Webhook URL:\s+(\S+)$/m.exec(url.stdout)?.[1];
    assert.ok(newUrl !== undefined && newUrl.startsWith(`${t.url}/hooks/wh_`) && !newUrl.endsWith(source.webhookPath), url.stdout);
    assert.match(url.stdout, /The old URL still works until /);
    assert.match(url.stdout, /^Previous URL:\s+still accepted until /m);
    assert.equal((await t.hook(source.webhookPath, leadBody('praetorian'), { authorization: source.secret })).status, 200, 'the old URL during the overlap');

    const secret = await cli(['sources', 'rotate-secret', source.id, '--overlap', '0', '--json'], env);
    assert.equal(secret.code, 0, secret.stderr);
    assert.equal(JSON.parse(secret.stdout).previousSecretExpiresAt, null);
    const text = await cli(['sources', 'rotate-secret', source.id, '--overlap', '90m'], env);
    assert.match(text.stdout, /The old secret still works until /);
    const bad = await cli(['sources', 'rotate-url', source.id, '--overlap', 'tomorrow'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /LH_E_CLI_USAGE/);
    assert.match(bad.stderr, /--overlap "tomorrow" is not a duration/);

    const list = await cli(['sources', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.includes('/hooks/'), false, 'the list shows no webhook URL');
    assert.match(list.stdout, /leadhook sources show <id>/);
  });
});
