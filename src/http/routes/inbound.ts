import type { FastifyInstance } from 'fastify';
import { HubError } from '../../core/errors.js';
import { receiveWebhook } from '../../ingest/receive-webhook.js';
import type { Store } from '../../storage/port.js';

/**
 * `POST /hooks/:sourceId`: the providers' webhooks. Bodies are taken as raw bytes whatever the
 * content type (they are stored exactly and read by the provider adapter). Always answers 200 on
 * success, never 201/202: Praetorian retries anything else (providers.md §0).
 */
export async function inboundRoutes(app: FastifyInstance, opts: { store: Store; bodyLimit: number }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

  app.post<{ Params: { sourceId: string } }>('/hooks/:sourceId', async (request, reply) => {
    const out = await receiveWebhook(
      opts.store,
      {
        sourceId: request.params.sourceId,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        contentType: request.headers['content-type'] ?? null,
        receivedAt: new Date(),
      },
      (w) => request.log.warn({ sourceId: w.sourceId, provider: w.provider }, `webhook credentials rejected (${w.reason})`),
    );
    return reply.code(out.statusCode).send(out.body);
  });

  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/hooks/:sourceId',
    handler: async (request) => {
      throw new HubError('LH_E_METHOD_NOT_ALLOWED', [request.method], { details: { allowed: ['POST'] } });
    },
  });
}
