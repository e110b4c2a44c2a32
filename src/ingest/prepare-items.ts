import type { NormalizeContext, ParseResult, ProviderAdapter } from '../providers/adapter.js';
import type { IngestItem, IngestJob } from '../storage/port.js';

/**
 * Normalize every parsed item. An item the mapping cannot use becomes an error item (quarantined
 * without losing its siblings); a mapping that throws is a bug, caught and quarantined the same way.
 */
export function prepareItems(adapter: ProviderAdapter, items: readonly unknown[], ctx: NormalizeContext): IngestItem[] {
  return items.map((item, index) => {
    try {
      const result = adapter.normalize(item, ctx);
      return result.ok ? { index, patch: result.patch, raw: item } : { index, error: result.reason };
    } catch (error) {
      return { index, error: `internal error in the ${adapter.id} mapping: ${String(error)}` };
    }
  });
}

/** The job fields that follow from a parse result (everything but the request itself). */
export function jobFromParse(adapter: ProviderAdapter, parsed: ParseResult, ctx: NormalizeContext): Omit<IngestJob, 'request'> {
  if (!parsed.ok) return { kind: 'unparseable', reason: parsed.reason, httpStatus: 400, items: [] };
  const warnings = parsed.warnings.length > 0 ? `parse warnings: ${parsed.warnings.join(', ')}` : null;
  if (parsed.isPing) return { kind: 'ping', reason: warnings === null ? 'ping (no leads)' : `ping (no leads); ${warnings}`, httpStatus: 200, items: [] };
  return { kind: 'leads', reason: warnings, httpStatus: 200, items: prepareItems(adapter, parsed.items, ctx) };
}
