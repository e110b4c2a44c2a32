import { truncate } from '../core/truncate.js';
import type { NormalizeContext, ParseResult, ProviderAdapter } from '../providers/adapter.js';
import { emptyQuarantine, QuarantineTally } from '../storage/item-tally.js';
import { REQUEST_REASON_LENGTH, type IngestItem, type IngestJob } from '../storage/port.js';

/** Longest part of a request's reason the parse warnings may take (the first quarantined item follows). */
const WARNINGS_LENGTH = 2000;

/**
 * Most items one webhook applies (Meta's documented batch maximum; Praetorian's batches are far
 * smaller). Each applied lead costs a few rows and ~80 µs of the thread that takes webhooks, so a
 * body packed with tiny valid leads would otherwise stall intake for seconds. Items past it are kept
 * in the stored body, counted as quarantined, and applied by `requests reprocess`.
 */
export const MAX_ITEMS_PER_WEBHOOK = 1000;

/**
 * Longest provider lead id applied (real ids are a few dozen characters). Ids are keys in the
 * stores' unique indexes, and PostgreSQL refuses an index entry over ~2.7 KB: a longer id, which only
 * a hostile or broken sender makes, is quarantined with the reason instead of failing the request.
 */
export const MAX_PROVIDER_LEAD_ID_LENGTH = 256;

/** The quarantine reason of an item past {@link MAX_ITEMS_PER_WEBHOOK}. */
export const OVER_ITEM_LIMIT_REASON = `beyond the first ${MAX_ITEMS_PER_WEBHOOK} items one webhook applies; kept in the request, apply it with requests reprocess`;

/**
 * Normalize every parsed item. An item the mapping cannot use is quarantined without losing its
 * siblings; a mapping that throws is a bug, caught and quarantined the same way. Quarantined items
 * are counted per reason, and only the first few become error items: a body of a million garbage
 * items costs a count each, not a stored record each.
 */
export function prepareItems(
  adapter: ProviderAdapter,
  items: readonly unknown[],
  ctx: NormalizeContext,
  maxItems: number = MAX_ITEMS_PER_WEBHOOK,
): Pick<IngestJob, 'items' | 'quarantined'> {
  const prepared: IngestItem[] = [];
  const tally = new QuarantineTally();
  const quarantine = (index: number, reason: string) => {
    const kept = tally.add(index, reason);
    if (kept !== null) prepared.push({ index, error: kept });
  };
  for (let index = 0; index < items.length; index++) {
    if (index >= maxItems) {
      quarantine(index, OVER_ITEM_LIMIT_REASON);
      continue;
    }
    const item = items[index];
    try {
      const result = adapter.normalize(item, ctx);
      if (!result.ok) quarantine(index, result.reason);
      else if (result.patch.providerLeadId.length > MAX_PROVIDER_LEAD_ID_LENGTH) {
        quarantine(index, `the lead id is ${result.patch.providerLeadId.length} characters long; at most ${MAX_PROVIDER_LEAD_ID_LENGTH} are accepted`);
      } else prepared.push({ index, patch: result.patch, raw: item });
    } catch (error) {
      quarantine(index, `internal error in the ${adapter.id} mapping: ${String(error)}`);
    }
  }
  return { items: prepared, quarantined: tally.summary };
}

/**
 * The job fields that follow from a parse result (everything but the request itself). A webhook
 * applies at most `maxItems` items; a reprocess, which an admin asks for, passes Infinity.
 */
export function jobFromParse(adapter: ProviderAdapter, parsed: ParseResult, ctx: NormalizeContext, maxItems: number = MAX_ITEMS_PER_WEBHOOK): Omit<IngestJob, 'request'> {
  const none = { items: [], quarantined: emptyQuarantine() };
  if (!parsed.ok) return { kind: 'unparseable', reason: truncate(parsed.reason, REQUEST_REASON_LENGTH), httpStatus: 400, ...none };
  const warnings = parsed.warnings.length > 0 ? truncate(`parse warnings: ${parsed.warnings.join(', ')}`, WARNINGS_LENGTH) : null;
  if (parsed.isPing) return { kind: 'ping', reason: warnings === null ? 'ping (no leads)' : `ping (no leads); ${warnings}`, httpStatus: 200, ...none };
  return { kind: 'leads', reason: warnings, httpStatus: 200, ...prepareItems(adapter, parsed.items, ctx, maxItems) };
}
