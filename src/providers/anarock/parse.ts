import type { InboundRequest, ParseResult } from '../adapter.js';
import { parseJsonItems } from '../shared/body.js';

/**
 * One snapshot object per callback. An array is read as a batch of snapshots, defensively: Anarock
 * never documents one, but it costs nothing and loses nothing.
 */
export function parse(req: InboundRequest, _authPayload: unknown): ParseResult {
  return parseJsonItems(req, { arrayIsBatch: true });
}
