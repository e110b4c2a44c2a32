import { truncate } from '../truncate.js';

/** Most distinct warnings kept for one body; the rest are only counted. */
export const MAX_WARNINGS = 20;
/** Longest warning kept, characters (a key path of a hostile body can be a megabyte long). */
export const MAX_WARNING_LENGTH = 200;
/** Most warnings whose text is built, repeats included: past them, a warning is only counted. */
const MAX_WARNINGS_EXAMINED = 5 * MAX_WARNINGS;


/**
 * The warnings of one body, bounded whatever the body holds: the first {@link MAX_WARNINGS}
 * distinct ones, each at most {@link MAX_WARNING_LENGTH} characters, then only a count. A warning's
 * text can be a callback, called for the first few warnings only (while one may still be kept), so
 * a flood of warnings costs a counter increment each.
 */
export class CappedWarnings {
  private readonly kept = new Set<string>();
  private total = 0;

  /** Record one warning; a `text` callback is called only for the first few warnings. */
  add(text: string | (() => string)): void {
    this.total++;
    if (this.kept.size >= MAX_WARNINGS || this.total > MAX_WARNINGS_EXAMINED) return;
    this.kept.add(truncate(typeof text === 'string' ? text : text(), MAX_WARNING_LENGTH));
  }

  /** The kept warnings, then `and K more` when others were only counted (repeats included). */
  list(): string[] {
    const out = [...this.kept];
    const more = this.total - out.length;
    if (more > 0) out.push(`and ${more} more`);
    return out;
  }
}
