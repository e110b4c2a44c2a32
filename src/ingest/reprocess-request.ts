import { hubError } from '../core/errors.js';
import { getProvider } from '../providers/index.js';
import type { IngestResult, Store } from '../storage/port.js';
import { jobFromParse } from './prepare-items.js';
import { asTestLeads } from './test-send.js';

/**
 * Run a stored request's exact bytes through today's mapping again, e.g. after a mapping fix.
 * Items already applied are duplicates by their idempotency keys, so reprocessing is safe to repeat.
 * The outcome is recorded beside the request (its own, as answered, never changes).
 * Credentials are not checked again: they were verified when the request was accepted. A test send
 * (`POST /api/sources/:id/test-lead`) stays one: its leads are test leads again.
 */
export async function reprocessRequest(store: Store, requestId: string, now: Date): Promise<IngestResult> {
  const request = await store.getRequest(requestId);
  if (request === null) throw hubError('LH_E_REQUEST_NOT_FOUND', requestId);
  const source = await store.getSource(request.sourceId);
  if (source === null) throw hubError('LH_E_NOT_REPROCESSABLE', `source ${request.sourceId} of this request no longer exists`);
  const adapter = getProvider(request.provider);
  // Ordering follows the original receipt, so a reprocessed old request cannot overtake newer data.
  const receivedAt = new Date(request.receivedAt);
  const req = { headers: request.headers, body: request.body, receivedAt };
  const ctx = { defaultCountry: source.defaultCountry ?? adapter.homeCountry, receivedAt };
  // Every item, also those past the per-webhook limit: an admin asked for this work.
  const job = jobFromParse(adapter, adapter.parse(req, request.authPayload), ctx, Infinity);
  return store.reprocess(requestId, request.isTestSend ? asTestLeads(job) : job, now.toISOString());
}
