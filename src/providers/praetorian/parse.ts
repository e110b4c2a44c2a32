import type { InboundRequest, ParseResult } from '../adapter.js';
import { parseJsonItems } from '../shared/body.js';

/**
 * A JSON array is a batch of leads and `[]` is a ping (seed 004 L43–L45). A single object, the
 * Lexipol ID API-object shape (providers.md §1.4), is one lead.
 */
export function parse(req: InboundRequest): ParseResult {
  return parseJsonItems(req, { arrayIsBatch: true });
}
