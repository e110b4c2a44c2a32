import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

/** Every byte percent-encoded: the exact bytes reach the server, even those that are not UTF-8. */
function percentEncoded(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Text that means something to FTS5, SQL or the query string, so random texts hit it often. */
const SPECIALS = ['\0', '"', '""', "'", '*', '^', ':', '-', '+', '(', ')', 'NEAR(', 'NEAR/2', ' AND ', ' OR ', ' NOT ', '{', '}', '%', '_', '\\', '&', '=', '#', '\u2028', '\ud800', '\udfff', '\u202e', '\x1b', ' ', '\u00a0', 'aé'];

/** Any unicode text (lone surrogate halves included), dense in SPECIALS. */
const anyText = fc.string({ unit: fc.oneof(fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), fc.constantFrom(...SPECIALS)), minLength: 1, maxLength: 40 });

/**
 * Printable text a lead name may hold: graphemes of any script, and SPECIALS but the lone
 * surrogates. Σ, σ and ς are left out: JavaScript lower-cases Σ by context (ς at the end of a word),
 * so a search that ends with Σ misses the same letters in the middle of a word (see the README).
 */
const printableText = fc.string({ unit: fc.oneof(fc.constantFrom(...SPECIALS.filter((s) => !/[\ud800-\udfff]/.test(s))), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 3, maxLength: 30 }).filter((s) => !/[Σσς]/.test(s));

describe('searching leads with any q', () => {
  let t: TestServer;
  let hookPath: string;
  let leadNumber = 0;

  before(async () => {
    t = await startTestServer();
    hookPath = (await createSource(t, 'anarock')).webhookPath;
    // Leads to search among: names with NUL, quotes and FTS5 syntax in them.
    for (const name of ['Ann "NEAR(x" Zed', 'Bo\0b*^:', 'Émile Ünal']) await postLead(name);
  });
  after(() => t.close());

  async function postLead(name: string): Promise<string> {
    leadNumber++;
    const res = await t.hook(hookPath, { lead_id: 900_000 + leadNumber, name, country_code: '+91', phone: `98${55_000_000 + leadNumber}`, lead_status: 'New' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.leads[0].id;
  }

  it('answers any q, any bytes included, with 200 or a 400 LH_E_VALIDATION, never a 5xx (property)', async () => {
    const bytes = fc.oneof(
      anyText.map((q) => Buffer.from(q, 'utf8')),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
    );
    await check(
      fc.asyncProperty(bytes, async (q) => {
        const res = await t.api('GET', `/api/leads?q=${percentEncoded(q)}&limit=5`);
        const what = `q=${percentEncoded(q)}: ${res.status} ${JSON.stringify(res.json)}`;
        assert.ok(res.status === 200 || (res.status === 400 && res.json.error.code === 'LH_E_VALIDATION'), what);
      }),
      300,
    );
  });

  it('finds NUL, quotes and FTS5 operators as the literal text they are', async () => {
    for (const [q, name] of [['"NEAR(x"', 'Ann "NEAR(x" Zed'], ['o\0b*^', 'Bo\0b*^:'], ['b*^:', 'Bo\0b*^:'], ['ÉMILE ü', 'Émile Ünal']] as const) {
      const res = await t.api('GET', `/api/leads?q=${percentEncoded(Buffer.from(q))}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json.items.map((l: { person: { fullName: string } }) => l.person.fullName), [name], JSON.stringify(q));
    }
  });

  it('answers a q of white space only with a 400 that says why', async () => {
    const res = await t.api('GET', `/api/leads?q=${encodeURIComponent(' \u00a0\t ')}`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'LH_E_VALIDATION');
    assert.match(res.json.error.message, /q has no text/);
  });

  it('finds a lead by any printable text of 3 or more characters in its name (property)', async () => {
    await check(
      fc.asyncProperty(printableText, fc.stringMatching(/^[a-z]{0,4}$/), async (text, around) => {
        const id = await postLead(`${around} ${text} ${around}Q`);
        const res = await t.api('GET', `/api/leads?q=${percentEncoded(Buffer.from(text, 'utf8'))}&limit=500`);
        if (text.trim() === '' || [...text.trim()].length < 3) return; // a search for "   " is a 400 (above)
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.ok(res.json.items.some((l: { id: string }) => l.id === id), `${JSON.stringify(text)} does not find ${id}`);
      }),
      150,
    );
  });
});
