/**
 * Subscription filters: a CEL expression (https://cel.dev) over three variables —
 *
 * - `event`   the outbound event: `{ type, id, timestamp, data }`, parsed from the stored body that is sent;
 * - `lead`    the canonical {@link Lead} (`event.data.lead`);
 * - `payload` the provider's own JSON item, as received (any JSON; big ids may be strings).
 *
 * `event` and `lead` have declared types (rule-schema.ts); `payload` is dynamic. Expressions are
 * parsed and type-checked once, at creation: a syntax error, an unknown variable or function, a field
 * that `event` or `lead` does not have (with the nearest name, rule-fields.ts), a result that cannot
 * be a bool, or a literal `matches` pattern RE2 does not support is refused there, with its position;
 * so is an expression whose estimated cost (rule-cost.ts) is over budget. Evaluation never throws: a
 * runtime error is "no match" with the error reported. `matches` runs on RE2 (rule-regex.ts), in time
 * linear in the text. Filters are evaluated on the rule thread (rule-thread.ts), never on the thread
 * that takes webhooks.
 *
 * Missing fields: in CEL, selecting a key that is absent (`payload.calls` when there is no `calls`) or
 * indexing past the end (`payload.calls[0]` on `[]`) is an error, so the filter does not match. That is
 * usually the right answer ("no call" is not "a call over 60 s"), and `&&`/`||` absorb errors when the
 * other side decides (`false && <error>` is false). Where absence must count, write it:
 * `!has(payload.last_status) || payload.last_status != "In Call Center"`, or with optional chaining,
 * `payload.?last_status.orValue("") != "In Call Center"`.
 */
import { Environment, type ASTNode, type ParseResult, type TypeCheckResult } from '@marcbachmann/cel-js';
import type { Lead } from '../core/lead.js';
import { filterCost, MAX_FILTER_COST, UNKNOWN_RANGE_SIZE } from './rule-cost.js';
import { findUnknownField } from './rule-fields.js';
import { checkPattern, re2Matches } from './rule-regex.js';
import { EVENT_TYPE, LEAD_TYPE, registerDeclaredTypes, toCelValue } from './rule-schema.js';

/** Longest accepted filter expression, in characters. */
export const MAX_FILTER_LENGTH = 4096;

/** The outbound event as filters see it. */
export interface FilterEvent {
  type: string;
  id: string;
  timestamp: string;
  data: unknown;
}

/** What a filter is evaluated against. */
export interface FilterContext {
  event: FilterEvent;
  lead: Lead;
  /** The provider's JSON item; null when there is none. */
  payload: unknown;
}

/** Where in the expression an error is: 1-based line and column, 0-based offset. */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

/** Result of one evaluation: `error` is set when the expression failed or did not give a bool. */
export interface FilterEvaluation {
  matched: boolean;
  error?: string;
}

/** A compiled filter: compile once, evaluate many times. */
export interface CompiledFilter {
  readonly expression: string;
  /** Match, with the reason when an error made it "no match". */
  evaluate(ctx: FilterContext): FilterEvaluation;
  /** Shorthand for `evaluate(ctx).matched`. */
  matches(ctx: FilterContext): boolean;
}

/** `too_costly`: the expression is valid but its estimated cost is over {@link MAX_FILTER_COST}. */
export type CompileResult =
  | { ok: true; filter: CompiledFilter }
  | { ok: false; kind: 'invalid' | 'too_costly'; message: string; position: SourcePosition | null };

/**
 * The name `text.matches(pattern)` is rewritten to before type-checking, so that it runs on RE2: the
 * CEL library's own `string.matches` (JavaScript RegExp) cannot be replaced, and no expression can
 * spell this name (`~` is not an identifier character).
 */
const RE2_MATCHES = 'matches~re2';

// Parse limits: an expression is at most MAX_FILTER_LENGTH characters; these bound its shape.
const LIMITS = { maxAstNodes: 2048, maxDepth: 48, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 8 };

// One environment for every filter: building it is the expensive part (cel-js README).
const ENV = registerDeclaredTypes(new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false, limits: LIMITS }))
  .registerVariable('payload', 'dyn', { description: "the provider's own JSON item" })
  .registerFunction('matches(string, string): bool', re2Matches, { description: 'RE2 search: whether the pattern matches part of the text' })
  .registerFunction({
    name: RE2_MATCHES,
    receiverType: 'string',
    returnType: 'bool',
    params: [{ name: 'pattern', type: 'string' }],
    handler: re2Matches,
  });

interface CelError {
  message: string;
  code?: string;
  summary?: string;
  range?: { start: number };
}

function positionOf(expression: string, offset: number): SourcePosition {
  const before = expression.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1, offset };
}

/** The doc's consumer rules are JavaScript; say what CEL wants instead when that is the mistake. */
function hintFor(expression: string, err: CelError): string {
  const at = err.range?.start ?? -1;
  if (err.code === 'unknown_variable') return ' (the variables are event, lead and payload, e.g. payload.action)';
  if (expression[at] === '`') return ' (CEL strings use "double" or \'single\' quotes, not backticks)';
  if (expression[at] === '=' && /[=!]==/.test(expression.slice(Math.max(0, at - 2), at + 2))) return ' (CEL uses == and !=, not === and !==)';
  return '';
}

function failure(expression: string, err: CelError): CompileResult {
  const summary = err.summary ?? err.message.split('\n')[0] ?? 'invalid expression';
  const offset = err.range?.start;
  return {
    ok: false,
    kind: 'invalid',
    message: summary + hintFor(expression, err),
    position: offset === undefined ? null : positionOf(expression, Math.min(offset, expression.length)),
  };
}

/** Every `matches` call with the pattern node: `text.matches(p)` and `matches(text, p)`. */
function matchesCalls(ast: ASTNode): { node: ASTNode; pattern: ASTNode }[] {
  const out: { node: ASTNode; pattern: ASTNode }[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    if (typeof x !== 'object' || x === null || !('op' in x)) return;
    const node = x as ASTNode;
    if (node.op === 'rcall' && node.args[0] === 'matches' && node.args[2].length === 1) out.push({ node, pattern: node.args[2][0]! });
    if (node.op === 'call' && node.args[0] === 'matches' && node.args[1].length === 2) out.push({ node, pattern: node.args[1][1]! });
    if (node.op !== 'value') visit(node.args);
  };
  visit(ast);
  return out;
}

/** A literal pattern RE2 refuses (backreferences, lookaround, bad syntax), refused at creation. */
function refusedPattern(expression: string, ast: ASTNode): CompileResult | null {
  for (const { pattern } of matchesCalls(ast)) {
    if (pattern.op !== 'value' || typeof pattern.args !== 'string') continue;
    const checked = checkPattern(pattern.args);
    if (!checked.ok) return { ok: false, kind: 'invalid', message: checked.reason, position: positionOf(expression, pattern.range.start) };
  }
  return null;
}

/** Point every `text.matches(p)` at the RE2 implementation (the global form is registered as is). */
function renameMatches(ast: ASTNode): void {
  for (const { node } of matchesCalls(ast)) if (node.op === 'rcall') (node.args as unknown as string[])[0] = RE2_MATCHES;
}

function describeError(err: unknown): string {
  const e = err as Partial<CelError> | null;
  return e?.summary ?? (typeof e?.message === 'string' ? e.message.split('\n')[0]! : String(err));
}

/**
 * Parse and type-check a filter expression.
 *
 * @example
 * const r = compileFilter('payload.action == "disposition_created"')
 * if (!r.ok) reply400(r.message, r.position)        // e.g. 'Unexpected token: EOF' at { line: 1, column: 18, offset: 17 }
 * else r.filter.matches({ event, lead, payload })   // true / false, never throws
 */
export function compileFilter(expression: string): CompileResult {
  if (expression.trim() === '') return { ok: false, kind: 'invalid', message: 'the filter expression is empty', position: null };
  if (expression.length > MAX_FILTER_LENGTH) {
    return { ok: false, kind: 'invalid', message: `the filter expression is longer than ${MAX_FILTER_LENGTH} characters`, position: null };
  }
  let program: ParseResult;
  let checked: TypeCheckResult;
  try {
    // Checked as written first, so that errors name `matches` as the user spelled it.
    const parsed = ENV.parse(expression);
    const unknown = findUnknownField(parsed.ast);
    if (unknown !== null) return { ok: false, kind: 'invalid', message: unknown.message, position: positionOf(expression, unknown.offset) };
    checked = parsed.check();
    if (!checked.valid) return failure(expression, (checked.error ?? { message: 'invalid expression' }) as CelError);
    program = ENV.parse(expression);
  } catch (err) {
    return failure(expression, err as CelError);
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, kind: 'invalid', message: `a filter must give a bool; this one gives ${checked.type}`, position: null };
  }
  const refused = refusedPattern(expression, program.ast);
  if (refused !== null) return refused;
  const cost = filterCost(program.ast);
  if (cost > MAX_FILTER_COST) {
    return {
      ok: false,
      kind: 'too_costly',
      message:
        `the filter may take about ${cost.toLocaleString('en')} evaluation steps; the limit is ${MAX_FILTER_COST.toLocaleString('en')} ` +
        `(nested comprehensions multiply; a list from the event counts as ${UNKNOWN_RANGE_SIZE} elements)`,
      position: null,
    };
  }
  renameMatches(program.ast);
  const rechecked = program.check();
  if (!rechecked.valid) return failure(expression, (rechecked.error ?? { message: 'invalid expression' }) as CelError);

  const evaluate = (ctx: FilterContext): FilterEvaluation => {
    let value: unknown;
    try {
      value = program({ event: toCelValue(EVENT_TYPE, ctx.event), lead: toCelValue(LEAD_TYPE, ctx.lead), payload: ctx.payload ?? null });
    } catch (err) {
      return { matched: false, error: describeError(err) };
    }
    if (typeof value === 'boolean') return { matched: value };
    return { matched: false, error: `the filter gave ${value === null ? 'null' : typeof value}, not a bool` };
  };
  return {
    ok: true,
    filter: { expression, evaluate, matches: (ctx) => evaluate(ctx).matched },
  };
}
