import { isRecord } from '../../core/normalize/text.js';

/**
 * The objects of a list field. A lone object counts as a one-element list; non-object and empty `{}`
 * elements are skipped, as they describe nothing (providers.md R12); anything else is an empty list.
 */
export function records(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is Record<string, unknown> => isRecord(v) && Object.keys(v).length > 0);
}

/** A finite number from a number or a numeric string (`"26"`), else null (providers.md R5). */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return null;
  return Number(value);
}

/** `value` cut to `max` characters, with an ellipsis when cut. */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
