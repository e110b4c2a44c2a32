import { readJsonBody } from '../../core/json/parse-json.js';
import type { InboundRequest, ParseResult } from '../adapter.js';

/** Read the body as JSON: an array gives its elements, anything else is one item. */
export function parseJsonItems(req: InboundRequest, options: { arrayIsBatch: boolean }): ParseResult {
  if (req.body.length === 0) return { ok: false, reason: 'empty body: expected a JSON document' };
  const read = readJsonBody(req.body);
  if (!read.ok) return { ok: false, reason: read.message };
  const value = read.value;
  if (Array.isArray(value) && options.arrayIsBatch) {
    return { ok: true, items: value, isPing: value.length === 0, warnings: read.warnings };
  }
  return { ok: true, items: [value], isPing: false, warnings: read.warnings };
}
