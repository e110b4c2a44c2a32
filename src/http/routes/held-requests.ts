import type { FastifyInstance, FastifyRequest } from 'fastify';
import { reprocessRequest } from '../../ingest/reprocess-request.js';
import { webhookBody } from '../../ingest/receive-webhook.js';
import type { ErasureActor, Store } from '../../storage/port.js';

/** `?by=`: who asked, in the caller's words (the admin token is one identity, so this is a note). */
export const ERASURE_BY = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** Who is erasing or deciding: always `admin`, from the request's address, with the caller's `?by=`. */
export function erasureActor(request: FastifyRequest<{ Querystring: { by?: string } }>): ErasureActor {
  return { actor: 'admin', remoteAddress: request.ip ?? null, requestedBy: request.query.by ?? null };
}

const BY_QUERY = { type: 'object', additionalProperties: false, properties: { by: ERASURE_BY } } as const;

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

  app.post<{ Params: { id: string }; Querystring: { by?: string } }>('/api/requests/:id/apply', { schema: { querystring: BY_QUERY } }, async (request) => {
    const now = new Date();
    const held = await store.releaseHeldRequest(request.params.id, erasureActor(request), now.toISOString());
    const result = await reprocessRequest(store, request.params.id, now);
    return { held, status: result.status, ...webhookBody(result.requestId, result) };
  });

  app.post<{ Params: { id: string }; Querystring: { by?: string } }>('/api/requests/:id/discard', { schema: { querystring: BY_QUERY } }, async (request) => {
    const held = await store.discardHeldRequest(request.params.id, erasureActor(request), new Date().toISOString());
    return { held };
  });
}
