/**
 * `matches` for subscription filters on RE2 (re2js, pure JavaScript): matching takes time linear in
 * the text, whatever the pattern, so no pattern can backtrack for minutes over a form field. RE2
 * refuses what it cannot match in linear time (backreferences, lookaround); a literal pattern is
 * checked when the filter is created, a pattern computed at run time fails closed.
 */
import { RE2JS } from 're2js';
import { cached } from './lru.js';

/** Longest accepted pattern, in characters. */
export const MAX_PATTERN_LENGTH = 1024;
/** Largest accepted compiled program (RE2JS `programSize`, roughly instructions). */
export const MAX_PATTERN_PROGRAM = 5000;
/** Compiled patterns kept for reuse. */
const CACHE_SIZE = 256;

export type PatternCheck = { ok: true; regex: RE2JS } | { ok: false; reason: string };

const cache = new Map<string, PatternCheck>();

function compilePattern(pattern: string): PatternCheck {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `the regular expression is longer than ${MAX_PATTERN_LENGTH} characters` };
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `unsupported regular expression ${JSON.stringify(pattern)}: ${why} (RE2 syntax: no backreferences or lookaround)` };
  }
  if (regex.programSize() > MAX_PATTERN_PROGRAM) return { ok: false, reason: `the regular expression ${JSON.stringify(pattern)} is too large` };
  return { ok: true, regex };
}

/**
 * Compile a pattern with RE2 semantics, or say why it is refused. Results, refusals included, are
 * cached (bounded, least recently used out).
 *
 * @example
 * checkPattern('(a)\\1')   // { ok: false, reason: 'unsupported regular expression "(a)\\1": … invalid escape sequence …' }
 */
export function checkPattern(pattern: string): PatternCheck {
  return cached(cache, pattern, CACHE_SIZE, () => compilePattern(pattern));
}

/**
 * CEL `text.matches(pattern)`: whether the pattern matches any part of the text (RE2 syntax, as the
 * CEL specification says). Throws when the pattern is refused; the filter then does not match.
 */
export function re2Matches(text: string, pattern: string): boolean {
  const checked = checkPattern(pattern);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.regex.test(text);
}
