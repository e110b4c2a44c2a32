import type { FastifyInstance, FastifyRequest } from 'fastify';
import { reprocessRequest } from '../../ingest/reprocess-request.js';
import { webhookBody } from '../../ingest/receive-webhook.js';
import type { ErasureActor, Store } from '../../storage/port.js';
import { answer, idParams, operation, page, ref } from '../openapi-schemas.js';

/** `?by=`: who asked, in the caller's words (the admin token is one identity, so this is a note). */
export const ERASURE_BY = { type: 'string', minLength: 1, maxLength: 200, description: 'Who asked, in your words (kept in the audit stub)' } as const;

/** Who is erasing or deciding: always `admin`, from the request's address, with the caller's `?by=`. */
export function erasureActor(request: FastifyRequest<{ Querystring: { by?: string } }>): ErasureActor {
  return { actor: 'admin', remoteAddress: request.ip ?? null, requestedBy: request.query.by ?? null };
}

const BY_QUERY = { type: 'object', additionalProperties: false, properties: { by: ERASURE_BY } } as const;
const params = idParams('held request');
const HELD = { type: 'array', items: ref('HeldRequest') } as const;

/**
 * Webhooks held because their lead's personal data was erased: `GET /api/requests/held`,
 * `POST /api/requests/:id/apply` (lift the hold on its leads and reprocess it, so it applies like
 * any webhook) and `POST /api/requests/:id/discard` (redact its held leads' items and leave it).
 */
export function heldRequestRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { all?: boolean; limit?: number; cursor?: string } }>(
    '/api/requests/held',
    {
      schema: {
        ...operation('requests', 'listHeldRequests', 'List the webhooks held because their lead was erased (waiting ones; all=true: every one)', { 200: answer('A page of held webhook items', page('HeldRequest', 'Held webhook items')) }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { all: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 500 }, cursor: { type: 'string', minLength: 1, maxLength: 500 } },
        },
      },
    },
    async (request) => {
      const { all, limit, cursor } = request.query;
      return store.listHeldRequests({ pendingOnly: all !== true, limit: limit ?? 50, ...(cursor === undefined ? {} : { cursor }) });
    },
  );

  app.post<{ Params: { id: string }; Querystring: { by?: string } }>(
    '/api/requests/:id/apply',
    {
      schema: {
        ...operation('requests', 'applyHeldRequest', 'Lift the hold on a held webhook\'s leads and apply it like any webhook', { 200: answer('The items released, and what applying them came to', ref('WebhookResult')) }),
        params,
        querystring: BY_QUERY,
      },
    },
    async (request) => {
      const now = new Date();
      const held = await store.releaseHeldRequest(request.params.id, erasureActor(request), now.toISOString());
      const result = await reprocessRequest(store, request.params.id, now);
      return { held, status: result.status, ...webhookBody(result.requestId, result) };
    },
  );

  app.post<{ Params: { id: string }; Querystring: { by?: string } }>(
    '/api/requests/:id/discard',
    {
      schema: {
        ...operation('requests', 'discardHeldRequest', 'Leave a held webhook unapplied and redact its held items', {
          200: answer('The items discarded', { type: 'object', required: ['held'], additionalProperties: true, properties: { held: HELD } }),
        }),
        params,
        querystring: BY_QUERY,
      },
    },
    async (request) => {
      const held = await store.discardHeldRequest(request.params.id, erasureActor(request), new Date().toISOString());
      return { held };
    },
  );
}
