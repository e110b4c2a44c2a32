import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HubError } from '../../core/errors.js';
import { receiveWebhook } from '../../ingest/receive-webhook.js';
import type { Store } from '../../storage/port.js';
import { LogThrottle } from '../log-throttle.js';

/**
 * `POST /hooks/:token`: the providers' webhooks, each source's by the token of its URL (a credential,
 * never logged: refusals name the source's public id). Bodies are taken as raw bytes whatever the
 * content type (they are stored exactly and read by the provider adapter). Always answers 200 on
 * success, never 201/202: Praetorian retries anything else (providers.md §0).
 */
export interface InboundRoutesOptions {
  store: Store;
  bodyLimit: number;
  /** Throttles the log line of refused webhooks, per source; a fresh one (a line a minute) by default. */
  refusalLog?: LogThrottle;
}

export async function inboundRoutes(app: FastifyInstance, opts: InboundRoutesOptions): Promise<void> {
  const refusalLog = opts.refusalLog ?? new LogThrottle();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

  app.post<{ Params: { token: string } }>('/hooks/:token', { onRequest: hideContentType, preValidation: restoreContentType }, async (request, reply) => {
    const out = await receiveWebhook(
      opts.store,
      {
        urlToken: request.params.token,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        contentType: request.headers['content-type'] ?? null,
        receivedAt: new Date(),
      },
      (w) => {
        const held = refusalLog.admit(w.sourceId);
        if (held === null) return;
        const fields = { sourceId: w.sourceId, provider: w.provider, ...(held > 0 ? { refusedSinceLastLine: held } : {}) };
        request.log.warn(fields, `webhook credentials rejected (${w.reason})`);
      },
    );
    return reply.code(out.statusCode).send(out.body);
  });

  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/hooks/:token',
    handler: async (request) => {
      throw new HubError('LH_E_METHOD_NOT_ALLOWED', [request.method], { details: { allowed: ['POST'] } });
    },
  });
}

const ORIGINAL_CONTENT_TYPE = Symbol('leadhook.originalContentType');
type RawWithContentType = FastifyRequest['raw'] & { [ORIGINAL_CONTENT_TYPE]?: string };

/**
 * Fastify answers 415 to a content type it cannot parse (`""`, `json`, `;;`) before any handler
 * runs, so a provider with a sloppy header would lose its leads. The header is hidden while the
 * body is read (as raw bytes, like every other type) and put back for auth, storage and the adapter.
 */
async function hideContentType(request: FastifyRequest): Promise<void> {
  const value = request.raw.headers['content-type'];
  if (value === undefined) return;
  (request.raw as RawWithContentType)[ORIGINAL_CONTENT_TYPE] = value;
  delete request.raw.headers['content-type'];
}

async function restoreContentType(request: FastifyRequest): Promise<void> {
  const value = (request.raw as RawWithContentType)[ORIGINAL_CONTENT_TYPE];
  if (value !== undefined) request.raw.headers['content-type'] = value;
}
