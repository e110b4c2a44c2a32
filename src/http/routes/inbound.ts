import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '../../core/errors.js';
import type { ProviderId } from '../../core/lead.js';
import { receiveWebhook } from '../../ingest/receive-webhook.js';
import type { ItemCounts, Store } from '../../storage/port.js';
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
  /** Told every webhook answered and stored (metrics); none by default. */
  metrics?: WebhookMetrics;
}

/** What the inbound route reports, for metrics (see src/metrics): closed sets and numbers, never ids. */
export interface WebhookMetrics {
  /** A webhook was answered: its source's provider (null when none was found: unknown URL, body too large) and the status. */
  answered(provider: ProviderId | null, statusCode: number): void;
  /** A webhook was committed: its provider, the time from its receipt to the durable commit (ms), and its items' outcomes. */
  stored(provider: ProviderId, durationMs: number, counts: ItemCounts): void;
}

export async function inboundRoutes(app: FastifyInstance, opts: InboundRoutesOptions): Promise<void> {
  const refusalLog = opts.refusalLog ?? new LogThrottle();
  const metrics = opts.metrics;
  /** The provider of each request's source, once found (for the metrics of its answer). */
  const providers = new WeakMap<FastifyRequest, ProviderId>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

  // Every answer, including those given before the handler runs (413 while reading the body).
  const onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => metrics?.answered(providers.get(request) ?? null, reply.statusCode);
  const hooks = { onRequest: hideContentType, preValidation: restoreContentType, ...(metrics === undefined ? {} : { onResponse }) };
  app.post<{ Params: { token: string } }>('/hooks/:token', hooks, async (request, reply) => {
    const out = await receiveWebhook(
      opts.store,
      {
        urlToken: request.params.token,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        contentType: request.headers['content-type'] ?? null,
        receivedAt: new Date(),
      },
      {
        onSource: (provider) => providers.set(request, provider),
        onAuthFailure: (w) => {
          const held = refusalLog.admit(w.sourceId);
          if (held === null) return;
          const fields = { sourceId: w.sourceId, provider: w.provider, ...(held > 0 ? { refusedSinceLastLine: held } : {}) };
          request.log.warn(fields, `webhook credentials rejected (${w.reason})`);
        },
        // reply.elapsedTime: since Fastify received the request (its onRequest), so receipt to commit.
        onStored: (provider, counts) => metrics?.stored(provider, reply.elapsedTime, counts),
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
