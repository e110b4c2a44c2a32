import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

/** Longest message a schema violation can produce: it quotes at most a cut field name and a cut value. */
const MAX_MESSAGE = 400;

/**
 * Hostile bodies against the schema-violation messages (src/http/validation-message.ts), through
 * real HTTP: whatever keys and values a client sends, a 400 is one short line with a stable code
 * and a `details.field`, and never a 500.
 */
describe('validation messages under hostile input', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  const hostileKey = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('\n\x1b[2J', '\u202e', 'a'.repeat(5000), '__proto__', 'constructor', 'events'));
  const hostileValue = fc.oneof(
    fc.string({ maxLength: 2000 }),
    fc.constant('x'.repeat(100_000)),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 50 }), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
  );

  it('answers every body to POST /api/destinations with a one-line message and a field, never a 500', async () => {
    await check(
      fc.asyncProperty(fc.dictionary(hostileKey, hostileValue, { maxKeys: 4 }), fc.boolean(), async (body, withName) => {
        const sent = withName ? { name: 'n', url: 'https://example.com/hook', ...body } : body;
        const res = await t.api('POST', '/api/destinations', sent);
        assert.ok(res.status < 500, `no 5xx: ${res.status} ${JSON.stringify(res.json)}`);
        if (res.status !== 400 || res.json.error.code !== 'LH_E_VALIDATION' || res.json.error.details?.field === undefined) return;
        const { message, details } = res.json.error;
        assert.equal(typeof details.field, 'string');
        assert.ok(message.length <= MAX_MESSAGE, `short: ${message.length} characters`);
        assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/, 'no control characters from the client in the message');
      }),
      60,
    );
  });
});
