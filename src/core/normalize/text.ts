/**
 * A trimmed string, or null for absent, empty and non-text values. NBSP and other Unicode spaces
 * count as white space (providers.md R13); numbers and booleans are stringified.
 */
export function text(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.normalize('NFC').replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]/g, ' ').trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  return null;
}

/** An id as a string: numbers, big integers and strings alike (providers.md R4). */
export function idText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  return text(value);
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lookup key for enum matching: NFKC, trimmed, lower-case, runs of space/underscore/dash as `_` (providers.md §4.5). */
export function enumKey(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase().replace(/[\s_\-]+/g, '_');
}

/** Copy of `record` without `keys`: the provider fields that have no canonical home. */
export function omitKeys(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const skip = new Set(keys);
  for (const [key, value] of Object.entries(record)) {
    // defineProperty: a provider key named `__proto__` stays a plain key (never a prototype).
    if (!skip.has(key)) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
