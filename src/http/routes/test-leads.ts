import type { FastifyInstance } from 'fastify';
import { hubError } from '../../core/errors.js';
import { timeOrderedId } from '../../core/ids.js';
import type { ProviderId } from '../../core/lead.js';
import { acceptedSecrets } from '../../core/source-credentials.js';
import { jobFromParse } from '../../ingest/prepare-items.js';
import { redactHeaders } from '../../ingest/redact-headers.js';
import { asTestLeads } from '../../ingest/test-send.js';
import { sample as anarock } from '../../providers/anarock/sample.js';
import { sample as casayes } from '../../providers/casayes/sample.js';
import { getProvider } from '../../providers/index.js';
import { sample as leadpro } from '../../providers/leadpro/sample.js';
import { sample as praetorian } from '../../providers/praetorian/sample.js';
import type { SampleMaker } from '../../providers/shared/sample.js';
import type { Store } from '../../storage/port.js';
import { answer, idParams, operation } from '../openapi-schemas.js';

/** Each provider's sample webhook (src/providers/<provider>/sample.ts); a new provider must add its own. */
export const SAMPLES = { anarock, casayes, leadpro, praetorian } as const satisfies Record<ProviderId, SampleMaker>;

/** The header a test lead's stored request carries, saying where it came from. */
export const TEST_LEAD_HEADER = 'x-leadhook-test-lead';

const TEST_LEAD_OUT = {
  type: 'object',
  required: ['requestId', 'leadId'],
  additionalProperties: true,
  properties: { requestId: { type: 'string' }, leadId: { type: 'string' } },
} as const;

/** `POST /api/sources/:id/test-lead`. */
export function testLeadRoutes(app: FastifyInstance, store: Store, version: string): void {
  app.post<{ Params: { id: string } }>(
    '/api/sources/:id/test-lead',
    {
      schema: {
        ...operation('sources', 'sendTestLead', "Send a sample lead in the provider's own shape through the webhook path; it is stored as a test lead", {
          201: answer('The stored request and the new test lead', TEST_LEAD_OUT),
        }),
        params: idParams('source'),
        body: { type: ['object', 'null'], additionalProperties: false, properties: {} },
      },
    },
    async (request, reply) => reply.code(201).send(await sendTestLead(store, request.params.id, version, new Date())),
  );
}

/**
 * A sample new lead for the source, as its provider would send it (a fresh provider lead id each
 * time), taken the way a webhook is: the provider's own credential check, parse and mapping, then
 * stored with its request in one commit. Every lead of it is a test lead (`isTest`): out of lists,
 * stats and destinations unless asked for. The stored request is marked a test send (`isTestSend`),
 * so its leads stay test leads when it is reprocessed or applied, and says where it came from
 * ({@link TEST_LEAD_HEADER}, user-agent leadhook; a header only informs, a webhook may send any).
 */
export async function sendTestLead(store: Store, sourceId: string, version: string, now: Date): Promise<{ requestId: string; leadId: string }> {
  const source = await store.getSource(sourceId);
  if (source === null || source.deletedAt !== null) throw hubError('LH_E_SOURCE_NOT_FOUND', sourceId);
  const adapter = getProvider(source.provider);
  const made = SAMPLES[source.provider]({ secret: source.secret, now });
  const headers: Record<string, string> = { ...made.headers, 'user-agent': `leadhook/${version}`, [TEST_LEAD_HEADER]: 'sent from the leadhook console or API (POST /api/sources/:id/test-lead)' };
  const req = { headers, body: made.body, receivedAt: now };
  const auth = adapter.authenticate(req, acceptedSecrets(source, now.toISOString()));
  if (!auth.ok) throw new Error(`the ${source.provider} sample failed its own credential check: ${auth.detail}`);
  const job = jobFromParse(adapter, adapter.parse(req, auth.payload), { defaultCountry: source.defaultCountry ?? adapter.homeCountry, receivedAt: now });
  const result = await store.ingest({
    ...asTestLeads(job),
    request: {
      id: timeOrderedId('req', now.getTime()),
      sourceId: source.id,
      provider: source.provider,
      receivedAt: now.toISOString(),
      contentType: headers['content-type'] ?? null,
      headers: redactHeaders(headers),
      body: made.body,
      authPayload: auth.payload,
      isTestSend: true,
    },
  });
  const lead = result.items.find((item) => item.leadId !== null && item.outcome !== 'quarantined');
  if (lead?.leadId == null) throw new Error(`the ${source.provider} sample made no lead: ${JSON.stringify(result.items).slice(0, 500)}`);
  return { requestId: result.requestId, leadId: lead.leadId };
}
