import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isObfuscatedEmail, normalizeEmail } from './email.js';

describe('normalizeEmail', () => {
  it('lower-cases and trims a valid address', () => {
    assert.deepEqual(normalizeEmail(' Ann.Lee@Example.COM '), { value: 'ann.lee@example.com', raw: 'Ann.Lee@Example.COM', obfuscated: false });
  });

  it("recognizes Cloudflare's obfuscation placeholder (no-break space inside too) as an invalid, obfuscated value, raw kept", () => {
    for (const raw of ['[email protected]', '[email\u00a0protected]', '[ Email Protected ]', '/cdn-cgi/l/email-protection#4a2f272b232664']) {
      const e = normalizeEmail(raw);
      assert.equal(e.value, null, raw);
      assert.equal(e.obfuscated, true, raw);
      assert.ok(e.raw !== null && isObfuscatedEmail(e.raw), raw);
    }
  });

  it('marks other invalid values invalid but not obfuscated', () => {
    for (const raw of ['not an address', 'a@b', 'a..b@example.com']) {
      assert.deepEqual(normalizeEmail(raw), { value: null, raw, obfuscated: false }, raw);
    }
  });
});
