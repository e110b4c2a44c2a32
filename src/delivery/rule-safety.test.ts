import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lead } from '../core/lead.js';
import { filterCost, UNKNOWN_RANGE_SIZE } from './rule-cost.js';
import { compileFilter, type FilterContext } from './rule-filter.js';
import { checkPattern, re2Matches } from './rule-regex.js';
import { Environment } from '@marcbachmann/cel-js';

/**
 * Issue 9: a `matches()` with a backtracking pattern over a 30-character name, or nested
 * comprehensions over list literals, stalled the server for a minute. `matches` now runs on RE2
 * (linear in the text) and an expression's cost is estimated and bounded when it is created.
 */

const CATASTROPHIC = '^(\\w+\\s?)+$';
const NAME_30 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!';

function ctx(payload: unknown): FilterContext {
  return { event: { type: 'lead.created', id: 'evt_1', timestamp: '2024-01-01T00:00:00.000Z', data: {} }, lead: {} as Lead, payload };
}

function accepted(expression: string) {
  const r = compileFilter(expression);
  assert.ok(r.ok, r.ok ? '' : `${r.kind}: ${r.message}`);
  return r.filter;
}

const list = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;

describe('matches on RE2', () => {
  it('accepts the backtracking pattern of the report and answers over a 30-character name (JavaScript RegExp took a minute)', () => {
    const f = accepted(`payload.name.matches(${JSON.stringify(CATASTROPHIC)})`);
    assert.deepEqual(f.evaluate(ctx({ name: NAME_30 })), { matched: false });
    assert.deepEqual(f.evaluate(ctx({ name: 'Asha Rao' })), { matched: true });
    assert.equal(re2Matches('a'.repeat(100_000) + '!', CATASTROPHIC), false);
  });

  it('keeps CEL semantics: a search anywhere in the text, in both the method and the global form', () => {
    assert.deepEqual(accepted('"lead 42 from web".matches("[0-9]+")').evaluate(ctx(null)), { matched: true });
    assert.deepEqual(accepted('matches(payload.s, "^web$")').evaluate(ctx({ s: 'web' })), { matched: true });
    assert.deepEqual(accepted('matches(payload.s, "^web$")').evaluate(ctx({ s: 'webs' })), { matched: false });
  });

  for (const [what, pattern] of [
    ['a backreference', '(a)\\\\1'],
    ['a lookahead', '(?=a)b'],
    ['a negative lookahead', '(?!a)b'],
    ['a lookbehind', '(?<=a)b'],
  ] as const) {
    it(`refuses ${what} in a literal pattern at creation, with the pattern's position`, () => {
      const expression = `payload.name.matches("${pattern}")`;
      const r = compileFilter(expression);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, 'invalid');
      assert.match(r.message, /unsupported regular expression/);
      assert.equal(r.position?.offset, expression.indexOf('"'));
    });
  }

  it('fails closed with the reason when a pattern computed at run time is not RE2', () => {
    const f = accepted('payload.name.matches(payload.pattern)');
    const verdict = f.evaluate(ctx({ name: 'aa', pattern: '(a)\\1' }));
    assert.equal(verdict.matched, false);
    assert.match(verdict.error ?? '', /unsupported regular expression/);
  });

  it('caches compiled patterns, refusals included', () => {
    assert.equal(checkPattern('x+y'), checkPattern('x+y'));
    assert.equal(checkPattern('(?=a)'), checkPattern('(?=a)'));
    assert.equal(checkPattern('a'.repeat(2000)).ok, false, 'an overlong pattern is refused');
  });
});

describe('filter cost at creation', () => {
  const ast = (e: string) => new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true }).parse(e).ast;

  it('multiplies nested comprehensions by the size of their ranges', () => {
    assert.equal(filterCost(ast('true')), 1);
    const one = filterCost(ast(`${list(10)}.all(a, a >= 0)`));
    const two = filterCost(ast(`${list(10)}.all(a, ${list(10)}.all(b, a >= b))`));
    assert.ok(two > 9 * one, `${two} vs ${one}`);
    assert.ok(filterCost(ast('payload.items.exists(i, i > 5)')) >= UNKNOWN_RANGE_SIZE * 3, 'a range from the event counts as UNKNOWN_RANGE_SIZE');
    assert.equal(filterCost(ast(`${list(3)}.map(x, x).all(y, y > 0)`)) < filterCost(ast('payload.l.all(y, y > 0)')), true, 'map keeps its range size');
  });

  it('refuses nested comprehensions over list literals with LH_E_FILTER_TOO_COSTLY material', () => {
    const L = list(100);
    const r = compileFilter(`${L}.all(a, ${L}.all(b, ${L}.all(c, a + b + c >= 0)))`);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.kind, 'too_costly');
    assert.match(r.message, /evaluation steps; the limit is 5,000,000/);
  });

  it('accepts the rules people write: one or two comprehensions over the event', () => {
    accepted('payload.dispositions.exists(d, d.disposition_type in ["fresh", "patch_out"])');
    accepted('payload.calls.exists(c, c.tags.exists(t, t == "vip"))');
  });

  it('refuses shapes beyond the parse limits (list literal size, depth)', () => {
    assert.equal(compileFilter(`${list(300)}.size() > 0`).ok, false);
    assert.equal(compileFilter(`${'('.repeat(60)}true${')'.repeat(60)}`).ok, false);
  });
});
