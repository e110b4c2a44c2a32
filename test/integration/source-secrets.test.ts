import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fixtureBytes } from '../helpers/fixtures.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check, send } from '../properties/support.js';

/** Secrets that could never match the header a provider sends, each with the word its refusal names. */
const NEVER_MATCHING: readonly [string, RegExp][] = [
  ['', /fewer than 8 characters/],
  ['        ', /white space only/],
  [' \u00a0\t\u3000\n\r   ', /white space only/],
  [' tok-0123456789', /starts or ends with white space/],
  ['tok-0123456789\n', /starts or ends with white space/],
  ['tok-0123456789\u00a0', /starts or ends with white space/],
  ['tok-01234\t56789', /control character/],
  ['tok-01234\x0056789', /control character/],
  ['tok-01234\x7f56789', /control character/],
  ['tok-01234\x8556789', /control character/],
];

describe('a source secret is refused when it could never match', () => {
  let t: TestServer;
  let casayes: { id: string; webhookPath: string };

  before(async () => {
    t = await startTestServer();
    casayes = await createSource(t, 'casayes', { secret: 'original-token-123' });
  });
  after(() => t.close());

  it('refuses empty, white-space-only, space-padded and control-character secrets at creation and at rotation, with LH_E_VALIDATION', async () => {
    for (const [secret, reason] of NEVER_MATCHING) {
      for (const provider of ['casayes', 'praetorian', 'leadpro', 'anarock']) {
        const created = await t.api('POST', '/api/sources', { provider, name: 'x', secret });
        assert.equal(created.status, 400, `${provider} ${JSON.stringify(secret)}: ${JSON.stringify(created.json)}`);
        assert.equal(created.json.error.code, 'LH_E_VALIDATION');
        assert.match(created.json.error.message, reason);
      }
      const rotated = await t.api('PATCH', `/api/sources/${casayes.id}`, { secret });
      assert.equal(rotated.status, 400, JSON.stringify(rotated.json));
      assert.equal(rotated.json.error.code, 'LH_E_VALIDATION');
      assert.match(rotated.json.error.message, reason);
    }
    assert.equal((await t.api('GET', '/api/sources')).json.items.length, 1, 'no source was created');
    const stillOriginal = await t.hook(casayes.webhookPath, fixtureBytes('casayes', 'seed-lead.json'), { token: 'original-token-123' });
    assert.equal(stillOriginal.status, 200, 'a refused rotation leaves the secret as it was');
  });

  it('refuses a secret with non-ASCII characters for a provider that sends it in a header, and takes it as a LeadPro signing key', async () => {
    const header = await t.api('POST', '/api/sources', { provider: 'casayes', name: 'x', secret: 'ключ-секрет-42' });
    assert.equal(header.status, 400);
    assert.match(header.json.error.message, /printable ASCII/);
    const signingKey = await t.api('POST', '/api/sources', { provider: 'leadpro', name: 'x', secret: 'ключ-секрет-42' });
    assert.equal(signingKey.status, 201, JSON.stringify(signingKey.json));
    await t.api('DELETE', `/api/sources/${signingKey.json.id}`);
  });

  it('answers 404 for a new secret of a source that does not exist', async () => {
    const res = await t.api('PATCH', '/api/sources/src_nope', { secret: 'tok-0123456789' });
    assert.equal(res.status, 404);
  });

  it('a secret that is accepted authenticates the webhook that carries it (property)', async () => {
    const secret = fc.oneof(
      fc.string({ minLength: 8, maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', 'a', 'Z', '9', '-', 'é', '\x00', '"'), minLength: 8, maxLength: 16 }),
    );
    const body = fixtureBytes('casayes', 'seed-lead.json');
    await check(
      fc.asyncProperty(secret, async (s) => {
        const res = await t.api('PATCH', `/api/sources/${casayes.id}`, { secret: s });
        if (res.status !== 200) {
          assert.equal(res.json.error.code, 'LH_E_VALIDATION', JSON.stringify(res.json));
          return;
        }
        const hook = await send(t, 'POST', casayes.webhookPath, { headers: { 'content-type': 'application/json', token: s }, body });
        assert.equal(hook.status, 200, `${JSON.stringify(s)} was accepted but does not authenticate: ${hook.text}`);
      }),
      100,
    );
  });
});
