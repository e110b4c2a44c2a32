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

/** C0 controls but tab, line feed and carriage return: JSON escapes each as six characters. */
const ESCAPED_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * The body as text when it is UTF-8 without control characters, else null (shown as base64): either
 * way the answer is at most twice the body, whatever bytes a webhook sent.
 */
function bodyAsText(body: Buffer): string | null {
  const text = body.toString('utf8');
  return !ESCAPED_CONTROLS.test(text) && Buffer.from(text, 'utf8').equals(body) ? text : null;
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
    const text = bodyAsText(body);
    return {
      ...rest,
      body: text,
      bodyBase64: text === null ? body.toString('base64') : null,
      ...(authPayload === undefined ? {} : { authPayload }),
    };
  });

  app.post<{ Params: { id: string } }>('/api/requests/:id/reprocess', async (request) => {
    const result = await reprocessRequest(store, request.params.id, new Date());
    return { status: result.status, ...webhookBody(result.requestId, result) };
  });
}
