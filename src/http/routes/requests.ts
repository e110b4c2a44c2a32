import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { reprocessRequest } from '../../ingest/reprocess-request.js';
import { webhookBody } from '../../ingest/receive-webhook.js';
import { shownHeaders } from '../../ingest/redact-headers.js';
import type { RequestStatus, Store } from '../../storage/port.js';
import { answer, idParams, operation, ref } from '../openapi-schemas.js';
import { bodyAsText } from './body-text.js';
import { isRefusalId, refusalOut } from './refusal-out.js';

interface RequestsQueryIn {
  sourceId?: string;
  /** Only the requests that touched this lead. */
  leadId?: string;
  /** `rejected`: the refused webhooks kept per source, instead of stored requests. */
  status?: RequestStatus | 'rejected';
  limit?: number;
  cursor?: string;
}

/**
 * `GET /api/requests`, `GET /api/requests/:id`, `POST /api/requests/:id/reprocess`. Refused
 * webhooks are listed with `status=rejected` and shown by their `rej_…` id.
 */
export function requestRoutes(app: FastifyInstance, store: Store): void {
  const params = idParams('request (`req_…`, or `rej_…` for a refused webhook)');
  app.get<{ Querystring: RequestsQueryIn }>(
    '/api/requests',
    {
      schema: {
        ...operation('requests', 'listRequests', 'List the webhooks received, newest first; leadId: those that touched a lead; status=rejected lists the refused ones', {
          200: answer('A page of stored requests (with refused webhooks counted), or of refused webhooks', {
            type: 'object',
            required: ['items', 'nextCursor'],
            additionalProperties: true,
            properties: {
              items: { type: 'array', items: { anyOf: [ref('Request'), ref('Refusal')] } },
              nextCursor: { type: ['string', 'null'] },
              refusals: ref('RefusalCounts'),
            },
          }),
        }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sourceId: { type: 'string', minLength: 1 },
            leadId: { type: 'string', minLength: 1, description: 'Only the requests that touched this lead (any item with its id, as answered or reprocessed)' },
            status: { type: 'string', enum: ['accepted', 'duplicate', 'quarantined', 'rejected'], description: 'rejected: the refused webhooks instead of the stored ones' },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
            cursor: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request) => {
      const { sourceId, leadId, status, limit, cursor } = request.query;
      const query = { limit: limit ?? 50, ...(sourceId ? { sourceId } : {}), ...(cursor ? { cursor } : {}) };
      if (status === 'rejected') {
        if (leadId !== undefined) {
          throw new HubError('LH_E_VALIDATION', ['leadId does not go with status=rejected: a refused webhook is never read, so it touches no lead'], { details: { field: 'leadId', location: 'query' } });
        }
        const page = await store.refusals.list(query);
        return { items: page.items.map(refusalOut), nextCursor: page.nextCursor };
      }
      const page = await store.listRequests({ ...query, ...(status ? { status } : {}), ...(leadId ? { leadId } : {}) });
      // So that a list empty of stored requests still says when webhooks are being refused.
      return { ...page, items: page.items.map((r) => ({ ...r, headers: shownHeaders(r.headers) })), refusals: await store.refusals.counts(sourceId) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/requests/:id',
    {
      schema: {
        ...operation('requests', 'getRequest', 'One webhook as received: body, headers (credentials redacted), outcome of each item', {
          200: answer('The stored request, or the refused webhook', { anyOf: [ref('Request'), ref('Refusal')] }),
        }),
        params,
      },
    },
    async (request) => {
      if (isRefusalId(request.params.id)) {
        const refusal = await store.refusals.get(request.params.id);
        if (refusal === null) throw hubError('LH_E_REQUEST_NOT_FOUND', request.params.id);
        return refusalOut(refusal);
      }
      const stored = await store.getRequest(request.params.id);
      if (stored === null) throw hubError('LH_E_REQUEST_NOT_FOUND', request.params.id);
      const { body, authPayload, ...rest } = stored;
      const text = bodyAsText(body);
      return {
        ...rest,
        headers: shownHeaders(rest.headers),
        body: text,
        bodyBase64: text === null ? body.toString('base64') : null,
        ...(authPayload === undefined ? {} : { authPayload }),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/requests/:id/reprocess',
    {
      schema: {
        ...operation('requests', 'reprocessRequest', 'Read a stored webhook again with the current code; the request keeps its own outcome', { 200: answer('What the reprocess came to', ref('WebhookResult')) }),
        params,
      },
    },
    async (request) => {
      const result = await reprocessRequest(store, request.params.id, new Date());
      return { status: result.status, ...webhookBody(result.requestId, result) };
    },
  );
}
