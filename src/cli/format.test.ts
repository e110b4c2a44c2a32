import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bodyBlock, cell, fields, printable, table } from './format.js';

/** What must never reach a terminal raw: C0/C1 controls, format (bidi, zero-width) characters but the joiners, U+2028/U+2029, lone surrogates. */
const RAW_UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u;

/** Characters that matter here, so that short random texts hit them often. */
const SPECIALS = ['\n', '\r', '\t', '\x00', '\x1b', '\x7f', '\x85', '\x9b', '\u061c', '\u200b', '\u200d', '\u200e', '\u2028', '\u2029', '\u202e', '\u2066', '\ufeff', '\u{e0041}', '\ud800', '\udfff', '\\', 'x', 'é'];

/** Any unicode text: every code point (controls, bidi, separators, astral, lone surrogate halves). */
const anyText = fc.string({ unit: fc.oneof(fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), fc.constantFrom(...SPECIALS)), maxLength: 60 });

describe('CLI output of webhook text', () => {
  it('prints terminal escape sequences visibly instead of letting the terminal run them', () => {
    const hostile = 'Ann\x1b]0;pwned\x07\x1b[2J\r\x9b31m';
    const out = table(['name'], [[hostile]]) + fields([['Name', hostile]]);
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.match(out, /Ann\\x1b\]0;pwned\\x07\\x1b\[2J/);
  });

  it('shows bidi overrides, isolates and marks that would reorder a name as escapes', () => {
    assert.equal(printable('abc\u202Edcba'), 'abc\\u202edcba');
    assert.equal(printable('\u2066x\u2069\u200e\u200f\u061c'), '\\u2066x\\u2069\\u200e\\u200f\\u061c');
  });

  it('keeps a fields value on its one line: a newline, U+2028, U+2029 or NEL in it cannot forge the next label', () => {
    const out = fields([['Name', 'Ann\nStage:  won\u2028Phone: 1\u2029x\x85y\r\tz'], ['Stage', 'new']]);
    assert.deepEqual(out.split('\n'), ['Name:   Ann\\nStage:  won\\u2028Phone: 1\\u2029x\\x85y\\r\\tz', 'Stage:  new', '']);
  });

  it('keeps ordinary text, non-Latin names, joiners and emoji as they are', () => {
    const names = 'Rāhul शर्मा — O\'Brien, "=SUM(1)" \\d+ क्‍ष 👩‍💻 José';
    assert.equal(printable(names), names);
  });

  it('escapes astral format characters (tags) with their full code point', () => {
    assert.equal(printable('a\u{e0041}b'), 'a\\u{e0041}b');
  });

  it('shows a body line by line behind a gutter, each line inert', () => {
    assert.equal(bodyBlock('{\n  "name": "Ann\x1b[2J"\r\n}\n'), '  | {\n  |   "name": "Ann\\x1b[2J"\\r\n  | }\n  |\n');
  });

  it('leaves no control, bidi or line-separator character in any text (property)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = printable(text);
        assert.doesNotMatch(out, RAW_UNSAFE);
        assert.doesNotMatch(cell(text, Infinity), RAW_UNSAFE);
        assert.equal(bodyBlock(text).split('\n').length, text.split('\n').length + 1);
        for (const line of bodyBlock(text).split('\n').slice(0, -1)) assert.match(line, /^ {2}\|/);
      }),
      { numRuns: 2000 },
    );
  });

  it('passes printable ASCII through unchanged (property)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }), (text) => assert.equal(printable(text), text)));
  });

  it('prints two different texts without a backslash differently (property)', () => {
    const noBackslash = anyText.filter((s) => !s.includes('\\'));
    fc.assert(
      fc.property(noBackslash, noBackslash, (a, b) => {
        fc.pre(a !== b);
        assert.notEqual(printable(a), printable(b));
      }),
      { numRuns: 2000 },
    );
    // A near miss a random pair rarely hits: a surrogate half against the whole pair.
    assert.notEqual(printable('\ud83d'), printable('\ud83d\ude00'));
  });
});
