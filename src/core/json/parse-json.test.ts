import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WARNINGS, MAX_WARNING_LENGTH } from './capped-warnings.js';
import { readJson } from './parse-json.js';

/** `"k…":{` `levels` times around `inner`: a key path of levels × keyLength characters. */
function underLongPath(levels: number, keyLength: number, inner: string): string {
  return `{${`"${'k'.repeat(keyLength)}":{`.repeat(levels)}${inner}${'}'.repeat(levels + 1)}`;
}

describe('readJson on hostile duplicate keys', () => {
  it('keeps one capped warning for 100,000 repeats of a key under an 8 KB key path, and counts the rest', () => {
    const result = readJson(underLongPath(8, 1000, new Array(100_000).fill('"d":0').join(',')));
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 2);
    assert.equal(result.warnings[0]!.length, MAX_WARNING_LENGTH, 'the path is cut');
    assert.match(result.warnings[0]!, /^duplicate_key:kkk/);
    assert.equal(result.warnings[1], 'and 99998 more');
  });

  it(`keeps the first ${MAX_WARNINGS} distinct warnings and counts the others`, () => {
    const keys = Array.from({ length: 50 }, (_, i) => `"k${i}":0,"k${i}":1`).join(',');
    const result = readJson(`{${keys}}`);
    assert.ok(result.ok);
    assert.deepEqual(result.warnings.slice(0, 3), ['duplicate_key:k0', 'duplicate_key:k1', 'duplicate_key:k2']);
    assert.equal(result.warnings.length, MAX_WARNINGS + 1);
    assert.equal(result.warnings[MAX_WARNINGS], 'and 30 more');
  });

  it('merges a key repeated 60,000 times, each copy adding a member, into one object holding all of them', () => {
    const copies = Array.from({ length: 60_000 }, (_, i) => `"x":{"k${i}":${i}}`).join(',');
    const result = readJson(`{${copies},"x":{}}`);
    assert.ok(result.ok);
    const x = (result.value as { x: Record<string, number> }).x;
    assert.equal(Object.keys(x).length, 60_000);
    assert.equal(x['k59999'], 59_999);
  });

  it('still merges R3 style: nested objects key by key, a later empty value never erases an earlier one', () => {
    const result = readJson('{"a":{"b":{"c":1},"b":{"d":2}},"a":{"b":{"c":3},"e":""},"a":{"e":"kept"},"a":{"e":null}}');
    assert.ok(result.ok);
    assert.deepEqual(result.value, { a: { b: { c: 3, d: 2 }, e: 'kept' } });
    assert.deepEqual(result.warnings, ['duplicate_key:a.b', 'duplicate_key:a', 'and 2 more']);
  });

  it('keeps a duplicated __proto__ key as a plain key', () => {
    const result = readJson('{"__proto__":{"a":1},"__proto__":{"b":2}}');
    assert.ok(result.ok);
    const value = result.value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { a: 1, b: 2 });
  });
});
