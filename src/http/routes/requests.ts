import type { FastifyInstance } from 'fastify';
import { hubError } from '../../core/errors.js';
import { reprocessRequest } from '../../ingest/reprocess-request.js';
import { webhookBody } from '../../ingest/receive-webhook.js';
import type { RequestStatus, Store } from '../../storage/port.js';

interface RequestsQueryIn {
  sourceId?: string;
  status?: RequestStatus;
  limit?: number;
  cursor?: string;
}

/** `GET /api/requests`, `GET /api/requests/:id`, `POST /api/requests/:id/reprocess`. */
export function requestRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: RequestsQueryIn }>(
    '/api/requests',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sourceId: { type: 'string', minLength: 1 },
            status: { type: 'string', enum: ['accepted', 'duplicate', 'quarantined'] },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
            cursor: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request) => {
      const { sourceId, status, limit, cursor } = request.query;
      return store.listRequests({ limit: limit ?? 50, ...(sourceId ? { sourceId } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    },
  );

  app.get<{ Params: { id: string } }>('/api/requests/:id', async (request) => {
    const stored = await store.getRequest(request.params.id);
    if (stored === null) throw hubError('LH_E_REQUEST_NOT_FOUND', request.params.id);
    const { body, authPayload, ...rest } = stored;
    const text = body.toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(body);
    return {
      ...rest,
      body: isText ? text : null,
      bodyBase64: isText ? null : body.toString('base64'),
      ...(authPayload === undefined ? {} : { authPayload }),
    };
  });

  app.post<{ Params: { id: string } }>('/api/requests/:id/reprocess', async (request) => {
    const result = await reprocessRequest(store, request.params.id, new Date());
    return { status: result.status, ...webhookBody(result.requestId, result.items) };
  });
}
