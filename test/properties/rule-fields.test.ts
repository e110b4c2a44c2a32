import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFilter } from '../../src/delivery/rule-filter.js';
import { DECLARED_VARIABLES, objectOf, type ObjectDecl } from '../../src/delivery/rule-schema.js';
import { check } from './support.js';

/**
 * Issue 10: a filter naming a field that does not exist (`lead.stagee`) was accepted and silently
 * never matched. Random field paths from `event` and `lead`, mixing declared names and made-up ones,
 * written as `a.b` or `a["b"]`, inside `has()` or a list: a path is refused exactly when one of its names is not
 * a field of the declared type it is read from, at that name, and the name it suggests is a field of
 * that type.
 */

/** CEL's reserved words: not usable as a `.name`. */
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

const madeUpName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,11}$/).filter((n) => !RESERVED.has(n));

interface Step {
  name: string;
  /** `.name`, or `["name"]`. */
  indexed: boolean;
}

/** A path of up to 5 names: each declared (when the type has fields) or made up. */
const path = fc.record({
  root: fc.constantFrom(...Object.keys(DECLARED_VARIABLES)),
  picks: fc.array(fc.tuple(fc.nat(), fc.boolean(), madeUpName, fc.boolean()), { minLength: 1, maxLength: 5 }),
});

interface Expected {
  /** The first name the declared type does not have, with that type. */
  unknown: { step: number; type: ObjectDecl } | null;
  steps: Step[];
}

/** Walk the declared types: a declared name leads into its object type; a map or a scalar ends the checked part. */
function resolve(root: string, picks: [number, boolean, string, boolean][]): Expected {
  let type: ObjectDecl | null = DECLARED_VARIABLES[root]!;
  const steps: Step[] = [];
  let unknown: Expected['unknown'] = null;
  for (const [n, declared, madeUp, indexed] of picks) {
    const names = type === null ? [] : Object.keys(type.fields);
    const name = declared && names.length > 0 ? names[n % names.length]! : madeUp;
    steps.push({ name, indexed });
    if (type === null || unknown !== null) continue;
    const field = type.fields[name];
    if (field === undefined) {
      unknown = { step: steps.length - 1, type };
      continue;
    }
    type = objectOf(field);
    // A scalar cannot be selected into: the path ends at it.
    if (type === null && field !== 'map') break;
  }
  return { unknown, steps };
}

describe('filter field names (property)', () => {
  it('refuses a path on event or lead exactly when a name is not a declared field, suggesting a declared field', async () => {
    await check(
      fc.asyncProperty(path, async ({ root, picks }) => {
        const { unknown, steps } = resolve(root, picks);
        // has() takes a chain of `.name` (cel-js refuses an index inside); an indexed path goes in a list.
        const isHas = steps.every((s) => !s.indexed);
        let expression = isHas ? `has(${root}` : `[${root}`;
        const offsets: number[] = [];
        for (const s of steps) {
          offsets.push(expression.length + 1); // after the `.` or the `[`
          expression += s.indexed ? `[${JSON.stringify(s.name)}]` : `.${s.name}`;
        }
        expression += isHas ? ')' : '].size() == 1';
        const result = compileFilter(expression);
        if (unknown === null) {
          assert.ok(result.ok, `${expression}: ${result.ok ? '' : result.message}`);
          return;
        }
        assert.ok(!result.ok, `${expression} is accepted`);
        assert.equal(result.kind, 'invalid');
        const bad = steps[unknown.step]!.name;
        assert.ok(result.message.includes(`has no field \`${bad}\``), `${expression}: ${result.message}`);
        assert.equal(result.position?.offset, offsets[unknown.step], expression);
        const suggested = /did you mean `([^`]+)`\?/.exec(result.message)?.[1];
        if (suggested !== undefined) assert.ok(suggested in unknown.type.fields, `${suggested} is a field of ${unknown.type.name}`);
        else assert.ok(result.message.includes(`its fields are ${Object.keys(unknown.type.fields).join(', ')}`), result.message);
      }),
      300,
    );
  });
});
