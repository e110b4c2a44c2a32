import { createServer, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import { ThreadRuleEvaluator } from '../delivery/rule-evaluator.js';
import { LiveHub, type LiveOptions } from '../live/hub.js';
import type { Store } from '../storage/port.js';
import { Authenticator, registerAdminApi } from './admin-auth.js';
import { registerErrorHandler, toErrorReply } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { healthRoutes } from './routes/health.js';
import { consoleRoutes } from './console-routes.js';
import { inboundRoutes, type WebhookMetrics } from './routes/inbound.js';
import { heldRequestRoutes } from './routes/held-requests.js';
import { leadRoutes } from './routes/leads.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { requestRoutes } from './routes/requests.js';
import { sourceRoutes } from './routes/sources.js';
import { sessionRoutes } from './routes/session.js';
import { filterTrialRoutes } from './routes/filter-trial.js';
import { leadsCsvRoutes } from './routes/leads-csv.js';
import { liveRoutes } from './routes/live.js';
import { statsRoutes } from './routes/stats.js';
import { testLeadRoutes } from './routes/test-leads.js';
import { tokenRoutes } from './routes/tokens.js';

/** A LeadPro JWT carries the whole lead and can exceed Node's 16 KiB default (providers.md §1.2). */
export const MAX_HEADER_BYTES = 128 * 1024;

export interface AppDeps {
  config: Pick<Config, 'bodyLimit' | 'publicUrl' | 'logLevel' | 'allowPrivateDestinations' | 'secretOverlapHours' | 'deliveryTimeoutMs' | 'maxDestinations' | 'timeZone' | 'ruleTimeoutMs'>;
  /** Reload destinations into the delivery planner after they change. */
  refreshDestinations: () => Promise<void>;
  store: Store;
  adminToken: string;
  version: string;
  /** Overrides the logger (tests pass `false`). */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (stdout when unset); tests read what it logs. */
  logStream?: { write(line: string): void };
  /** Told every webhook answered and stored (metrics); none by default. */
  webhookMetrics?: WebhookMetrics;
  /** The clock of sessions and last-used times (tests inject one); the system clock by default. */
  clock?: () => Date;
  /** The built console (console/dist by default; see src/http/console-routes.ts). */
  consoleDir?: string;
  /** Bounds of the live lead stream, `GET /api/live` (tests shorten the keep-alive); src/live/hub.ts defaults. */
  live?: Partial<LiveOptions>;
}

/** Build the HTTP app: routes, auth and error mapping. It never listens (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? {
      level: deps.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.token', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
    },
    bodyLimit: deps.config.bodyLimit,
    // A request without Host reaches the routes (Node would answer it a bare 400 itself): a webhook
    // is identified by its path and credentials, and every answer keeps our JSON error shape.
    serverFactory: (handler) => createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, handler),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // One line per request at webhook rates costs more than it tells; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    clientErrorHandler,
    // A target the router cannot decode (`/api/%zz`) or a parameter over its length never reaches a
    // route or its hooks: answer it in our error shape too, rather than Fastify's own.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toErrorReply(error, deps.config.bodyLimit);
      // No route ran, so the admin API's no-store was not set: an error answer is never worth caching either.
      void reply.code(status).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store').send(body);
    },
  });
  registerErrorHandler(app, deps.config.bodyLimit);
  // Every answer is JSON; browsers must never sniff it into HTML (lead names carry provider text).
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  // Before any route: it documents routes as they are registered (GET /openapi.json, public: no data).
  await registerOpenApi(app, deps.version);
  // First of the routes, so that its startup check sees every route registered after it.
  // Who is calling: the first-start admin token, a named API token, or a session cookie (src/http/admin-auth.ts).
  const authenticator = new Authenticator({
    adminToken: deps.adminToken,
    store: deps.store.auth,
    publicUrl: deps.config.publicUrl,
    ...(deps.clock === undefined ? {} : { now: deps.clock }),
    log: app.log,
  });
  // The live lead stream's hub, and the rule thread of filter trials (apart from the delivery worker's,
  // so that trying a filter never delays a delivery): streams end before the server stops listening.
  const live = new LiveHub(deps.store.console, deps.live, app.log);
  const trialRules = new ThreadRuleEvaluator({ deadlineMs: deps.config.ruleTimeoutMs, log: app.log });
  app.addHook('preClose', async () => live.close());
  app.addHook('onClose', async () => trialRules.close());
  await registerAdminApi(app, {
    adminToken: deps.adminToken,
    authenticator,
    routes: (api) => {
      // Revoking a token or signing out ends this instance's live streams of it at once (others', at their next tick).
      sessionRoutes(api, authenticator, (sessionHash) => live.endStreamsOf({ sessionHash }));
      tokenRoutes(api, deps.store.auth, deps.clock, (tokenId) => live.endStreamsOf({ tokenId }));
      sourceRoutes(api, deps.store, deps.config.publicUrl);
      testLeadRoutes(api, deps.store, deps.version);
      statsRoutes(api, deps.store, { timeZone: deps.config.timeZone });
      leadsCsvRoutes(api, deps.store, { timeZone: deps.config.timeZone });
      liveRoutes(api, live, authenticator);
      filterTrialRoutes(api, deps.store, trialRules);
      leadRoutes(api, deps.store, { timeZone: deps.config.timeZone });
      requestRoutes(api, deps.store);
      heldRequestRoutes(api, deps.store);
      destinationRoutes(api, {
        store: deps.store,
        allowPrivateDestinations: deps.config.allowPrivateDestinations,
        secretOverlapHours: deps.config.secretOverlapHours,
        maxDestinations: deps.config.maxDestinations,
        refresh: deps.refreshDestinations,
      });
      deliveryRoutes(api, {
        store: deps.store,
        timeoutMs: deps.config.deliveryTimeoutMs,
        allowPrivateDestinations: deps.config.allowPrivateDestinations,
        timeZone: deps.config.timeZone,
      });
    },
  });
  // Public by design: liveness/readiness show no data; a webhook is authenticated by its source's credentials.
  healthRoutes(app, deps.version, deps.store);
  // Public too: the console's page and scripts hold no data (it reads everything from /api with a session).
  consoleRoutes(app, deps.consoleDir === undefined ? {} : { dir: deps.consoleDir });
  await app.register(inboundRoutes, {
    store: deps.store,
    bodyLimit: deps.config.bodyLimit,
    ...(deps.webhookMetrics === undefined ? {} : { metrics: deps.webhookMetrics }),
  });
  return app;
}

/**
 * Malformed HTTP (a bad Content-Length, garbage instead of a request line, headers over
 * MAX_HEADER_BYTES) never reaches a route: Node's parser fails first. Answer in the same
 * `{ error: { code, message } }` shape as everything else, then close the connection.
 */
function clientErrorHandler(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'LH_E_HEADERS_TOO_LARGE', `Request headers exceed ${MAX_HEADER_BYTES} bytes`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'LH_E_VALIDATION', 'The request was not received in time']
        : [400, 'LH_E_VALIDATION', `Malformed HTTP request (${err.code ?? 'parse error'})`];
  const body = JSON.stringify({ error: { code, message } });
  // An answer to HEAD has no body (a client would read one as a second, malformed response).
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  }
  socket.destroy(err);
}
