/**
 * Subscription filters: a CEL expression (https://cel.dev) over three variables —
 *
 * - `event`   the outbound event: `{ type, id, timestamp, data }`;
 * - `lead`    the canonical {@link Lead};
 * - `payload` the provider's own JSON item, as received (any JSON; big ids may be strings).
 *
 * Expressions are parsed and type-checked once, at creation: a syntax error, an unknown variable or
 * function, or a result that cannot be a bool is refused there, with its position. Evaluation never
 * throws: a runtime error is "no match" with the error reported.
 *
 * Missing fields: in CEL, selecting a key that is absent (`payload.calls` when there is no `calls`) or
 * indexing past the end (`payload.calls[0]` on `[]`) is an error, so the filter does not match. That is
 * usually the right answer ("no call" is not "a call over 60 s"), and `&&`/`||` absorb errors when the
 * other side decides (`false && <error>` is false). Where absence must count, write it:
 * `!has(payload.last_status) || payload.last_status != "In Call Center"`, or with optional chaining,
 * `payload.?last_status.orValue("") != "In Call Center"`.
 */
import { Environment, type ParseResult, type TypeCheckResult } from '@marcbachmann/cel-js';
import type { Lead } from '../core/lead.js';

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

export type CompileResult =
  | { ok: true; filter: CompiledFilter }
  | { ok: false; message: string; position: SourcePosition | null };

// One environment for every filter: building it is the expensive part (cel-js README).
const ENV = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  .registerVariable('event', 'map', { description: 'the outbound event: type, id, timestamp, data' })
  .registerVariable('lead', 'map', { description: 'the canonical lead' })
  .registerVariable('payload', 'dyn', { description: "the provider's own JSON item" });

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
    message: summary + hintFor(expression, err),
    position: offset === undefined ? null : positionOf(expression, Math.min(offset, expression.length)),
  };
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
  if (expression.trim() === '') return { ok: false, message: 'the filter expression is empty', position: null };
  if (expression.length > MAX_FILTER_LENGTH) {
    return { ok: false, message: `the filter expression is longer than ${MAX_FILTER_LENGTH} characters`, position: null };
  }
  let program: ParseResult;
  let checked: TypeCheckResult;
  try {
    program = ENV.parse(expression);
    checked = program.check();
  } catch (err) {
    return failure(expression, err as CelError);
  }
  if (!checked.valid) return failure(expression, (checked.error ?? { message: 'invalid expression' }) as CelError);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, message: `a filter must give a bool; this one gives ${checked.type}`, position: null };
  }

  const evaluate = (ctx: FilterContext): FilterEvaluation => {
    let value: unknown;
    try {
      value = program({ event: ctx.event, lead: ctx.lead, payload: ctx.payload ?? null });
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
