import type { InboundRequest, ParseResult } from '../adapter.js';
import { parseJsonItems } from '../shared/body.js';

/**
 * CasaYes posts one lead object per request (seed 003). An array is read as a batch anyway, in case
 * their sender ever groups leads; it costs nothing.
 */
export function parse(req: InboundRequest): ParseResult {
  return parseJsonItems(req, { arrayIsBatch: true });
}
