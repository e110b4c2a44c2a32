import { HubError, hubError } from '../core/errors.js';
import { timeOrderedId } from '../core/ids.js';
import type { ProviderId } from '../core/lead.js';
import { acceptedSecrets } from '../core/source-credentials.js';
import type { InboundRequest } from '../providers/adapter.js';
import { getProvider } from '../providers/index.js';
import { ITEM_LIMITS, type ItemCounts, type ItemsOutcome, type Store } from '../storage/port.js';
import { jobFromParse } from './prepare-items.js';
import { recordRefusal } from './record-refusal.js';
import { redactHeaders } from './redact-headers.js';

export interface WebhookIn {
  /** The secret part of the webhook URL (`/hooks/:token`): finds the source, never stored or shown. */
  urlToken: string;
  headers: InboundRequest['headers'];
  body: Buffer;
  contentType: string | null;
  receivedAt: Date;
}

export type WebhookOut =
  | { statusCode: 200; body: { requestId: string; leads: LeadOutcomeOut[]; quarantined?: QuarantinedOut[]; quarantinedCount?: number } }
  | { statusCode: 400; body: { error: { code: 'LH_E_INVALID_JSON'; message: string }; requestId: string } };

export interface LeadOutcomeOut {
  id: string;
  providerLeadId: string | null;
  outcome: 'created' | 'updated' | 'duplicate' | 'stale';
}

export interface QuarantinedOut {
  index: number;
  providerLeadId: string | null;
  reason: string;
}

export interface WebhookWarning {
  sourceId: string;
  provider: ProviderId;
  reason: string;
}

/** Told how a webhook goes (logs and metrics); every callback is optional. */
export interface WebhookObserver {
  /** The webhook's source was found: its provider (before the credentials are checked). */
  onSource?(provider: ProviderId): void;
  /** The credentials were refused. */
  onAuthFailure?(warning: WebhookWarning): void;
  /** The request and its items were committed durably: how many items came to each outcome. */
  onStored?(provider: ProviderId, counts: ItemCounts): void;
}

/**
 * Receive one provider webhook: find the source, verify the provider's way, read the items and store
 * the request with its effects durably. Resolves only after the commit; throws HubError for
 * 404 (source), 401 (credentials; the refusal is kept in the source's bounded ring, nothing else is
 * stored) and 503 (storage).
 */
export async function receiveWebhook(store: Store, input: WebhookIn, observer: WebhookObserver = {}): Promise<WebhookOut> {
  const at = input.receivedAt.toISOString();
  const source = await store.findSourceByUrlToken(input.urlToken, at);
  if (source === null) throw hubError('LH_E_SOURCE_NOT_FOUND', shownUrlToken(input.urlToken));
  observer.onSource?.(source.provider);
  const adapter = getProvider(source.provider);
  const req: InboundRequest = { headers: input.headers, body: input.body, receivedAt: input.receivedAt };
  const auth = adapter.authenticate(req, acceptedSecrets(source, at));
  if (!auth.ok) {
    observer.onAuthFailure?.({ sourceId: source.id, provider: source.provider, reason: `${auth.reason}: ${auth.detail}` });
    await recordRefusal(store, { ...input, source, reason: auth.reason, detail: auth.detail });
    throw new HubError('LH_E_WEBHOOK_UNAUTHORIZED', [auth.detail], { details: { reason: auth.reason } });
  }
  const ctx = { defaultCountry: source.defaultCountry ?? adapter.homeCountry, receivedAt: input.receivedAt };
  const job = jobFromParse(adapter, adapter.parse(req, auth.payload), ctx);
  const requestId = timeOrderedId('req', input.receivedAt.getTime());
  const result = await store.ingest({
    ...job,
    request: {
      id: requestId,
      sourceId: source.id,
      provider: source.provider,
      receivedAt: input.receivedAt.toISOString(),
      contentType: input.contentType,
      headers: redactHeaders(input.headers),
      body: input.body,
      authPayload: auth.payload,
    },
  });
  observer.onStored?.(source.provider, result.counts);
  if (job.kind === 'unparseable') {
    return { statusCode: 400, body: { error: { code: 'LH_E_INVALID_JSON', message: `Body is not valid JSON: ${job.reason}` }, requestId } };
  }
  return { statusCode: 200, body: webhookBody(requestId, result) };
}

/**
 * A webhook URL's token is a credential (Anarock's only one), and a near miss of it (a truncated or
 * mistyped URL) is most of a real token: the answer, and the log line made from it, show only its start.
 */
function shownUrlToken(token: string): string {
  return token.length > 8 ? `${token.slice(0, 8)}…` : token;
}

/** Most quarantined items listed in a webhook answer (the ones the request records one by one; the rest are counted per reason). */
export const QUARANTINED_SHOWN = ITEM_LIMITS.quarantinedKept;

/**
 * The 200 answer: every lead touched, and the items kept aside with their reasons (the first
 * {@link QUARANTINED_SHOWN}, and how many there were), so a batch of garbage cannot blow up the answer.
 */
export function webhookBody(requestId: string, outcome: ItemsOutcome): Extract<WebhookOut, { statusCode: 200 }>['body'] {
  const leads: LeadOutcomeOut[] = [];
  const quarantined: QuarantinedOut[] = [];
  for (const item of outcome.items) {
    if (item.outcome === 'quarantined') {
      quarantined.push({ index: item.index, providerLeadId: item.providerLeadId, reason: item.reason ?? 'quarantined' });
    } else if (item.leadId !== null) leads.push({ id: item.leadId, providerLeadId: item.providerLeadId, outcome: item.outcome });
  }
  const quarantinedCount = outcome.counts.quarantined;
  return quarantinedCount > 0 ? { requestId, leads, quarantined: quarantined.slice(0, QUARANTINED_SHOWN), quarantinedCount } : { requestId, leads };
}
