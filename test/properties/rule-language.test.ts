import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ThreadRuleEvaluator } from '../../src/delivery/rule-evaluator.js';
import { compileFilter } from '../../src/delivery/rule-filter.js';
import { check } from './support.js';

/**
 * Issue 9: a destination rule could stall every webhook (a backtracking `matches`, nested
 * comprehensions over list literals). Attack the rule language with expressions built from its
 * grammar: each is refused at creation (with a stable kind and a message), or, once accepted, is
 * evaluated on the rule thread to a verdict within its deadline. Nothing throws out of either step,
 * and nothing runs on the main thread but the parse and the static estimate.
 */

/** Pieces of patterns, hostile ones included: backtracking, backreferences, lookaround, bad syntax. */
const PATTERN_PARTS = ['(\\w+\\s?)+', '(a+)+', '(a|aa)*', '(.*a){12}', '\\1', '(?=a)', '(?<!b)', '[', 'a{1000}', '^', '$', '\\d+', '.', 'x*', '[a-z]', '(?i)ab'];

const pattern = fc
  .array(fc.oneof(fc.constantFrom(...PATTERN_PARTS), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 5 })
  .map((parts) => JSON.stringify(parts.join('')));

const listLiteral = fc.integer({ min: 0, max: 300 }).map((n) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`);

/** Expressions of three kinds; variables `v0…` are those of the comprehensions around. */
const grammar = fc.letrec<{ bool: string; list: string; str: string; int: string }>((tie) => ({
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('true', 'false', 'has(payload.name)', 'lead.stage == "new"'),
    fc.tuple(tie('str'), pattern).map(([s, p]) => `${s}.matches(${p})`),
    fc.tuple(tie('str'), pattern).map(([s, p]) => `matches(${s}, ${p})`),
    fc.tuple(tie('str'), tie('str')).map(([s, p]) => `${s}.matches(${p})`),
    fc.tuple(tie('int'), tie('int')).map(([a, b]) => `${a} > ${b}`),
    fc.tuple(tie('bool'), tie('bool'), fc.constantFrom('&&', '||')).map(([a, b, op]) => `(${a} ${op} ${b})`),
    tie('bool').map((b) => `!(${b})`),
    fc.tuple(tie('list'), fc.constantFrom('all', 'exists', 'exists_one'), tie('bool')).map(([l, m, b]) => `${l}.${m}(v, ${b})`),
    // Nested comprehensions, the other stall of the report.
    fc.tuple(tie('list'), tie('list'), tie('list')).map(([a, b, c]) => `${a}.all(v, ${b}.all(w, ${c}.exists(x, v + w + x < 0)))`),
    fc.tuple(tie('list'), tie('list')).map(([a, b]) => `${a}.all(v, ${b}.all(w, w >= v))`),
  ),
  list: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    listLiteral,
    fc.constantFrom('payload.items', 'payload.words'),
    fc.tuple(tie('list'), tie('int')).map(([l, i]) => `${l}.map(v, ${i})`),
    fc.tuple(tie('list'), tie('bool')).map(([l, b]) => `${l}.filter(v, ${b})`),
    fc.tuple(tie('list'), tie('list')).map(([a, b]) => `(${a} + ${b})`),
  ),
  str: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('payload.name', 'lead.person.fullName', 'event.type', 'string(v)'),
    fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `(${a} + ${b})`),
  ),
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -5, max: 1000 }).map(String),
    fc.constantFrom('v', 'payload.count'),
    tie('list').map((l) => `size(${l})`),
    tie('str').map((s) => `size(${s})`),
  ),
}));

const EVENT = JSON.stringify({ type: 'lead.created', id: 'evt_1', timestamp: '2024-01-01T00:00:00.000Z', data: { lead: { stage: 'new', person: { fullName: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' } } } });
const PAYLOAD = JSON.stringify({
  name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!',
  count: 7,
  items: Array.from({ length: 2000 }, (_, i) => i),
  words: Array.from({ length: 200 }, (_, i) => `word ${i} aaaaaaaaaaaaaaaaaaaa!`),
});

describe('the rule language under attack', () => {
  const rules = new ThreadRuleEvaluator({ deadlineMs: 100 });
  after(() => rules.close());

  it('refuses an expression at creation or evaluates it off the main thread to a verdict, never throwing', async () => {
    await check(
      fc.asyncProperty(grammar.bool, async (expression) => {
        const compiled = compileFilter(expression);
        if (!compiled.ok) {
          assert.ok(compiled.kind === 'invalid' || compiled.kind === 'too_costly');
          assert.equal(typeof compiled.message, 'string');
          assert.notEqual(compiled.message, '');
          return;
        }
        const verdict = await rules.evaluate({ expression, eventBody: EVENT, payload: PAYLOAD });
        assert.equal(typeof verdict.matched, 'boolean');
        if (verdict.error !== undefined) {
          assert.equal(verdict.matched, false, 'a failing rule fails closed');
          assert.equal(typeof verdict.error, 'string');
        }
      }),
      80,
    );
  });
});
