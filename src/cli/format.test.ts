import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fields, printable, table } from './format.js';

describe('CLI output of webhook text', () => {
  it('prints terminal escape sequences visibly instead of letting the terminal run them', () => {
    const hostile = 'Ann\x1b]0;pwned\x07\x1b[2J\r\x9b31m';
    const out = table(['name'], [[hostile]]) + fields([['Name', hostile]]);
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.match(out, /Ann\\x1b\]0;pwned\\x07\\x1b\[2J/);
  });

  it('shows bidi overrides that would reorder a name as escapes', () => {
    assert.equal(printable('abc\u202Edcba'), 'abc\\u202edcba');
  });

  it('keeps ordinary text, non-Latin names and line breaks of a fields value as they are', () => {
    assert.equal(printable('Rāhul शर्मा — O\'Brien, "=SUM(1)"\nline 2\ttab'), 'Rāhul शर्मा — O\'Brien, "=SUM(1)"\nline 2\ttab');
  });
});
