import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import type { Store } from '../storage/port.js';
import { requireAdminToken } from './admin-auth.js';
import { registerErrorHandler } from './error-handler.js';
import { healthRoutes } from './routes/health.js';
import { inboundRoutes } from './routes/inbound.js';
import { leadRoutes } from './routes/leads.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { requestRoutes } from './routes/requests.js';
import { sourceRoutes } from './routes/sources.js';

/** A LeadPro JWT carries the whole lead and can exceed Node's 16 KiB default (providers.md §1.2). */
export const MAX_HEADER_BYTES = 128 * 1024;

export interface AppDeps {
  config: Pick<Config, 'bodyLimit' | 'publicUrl' | 'logLevel' | 'allowPrivateDestinations' | 'secretOverlapHours' | 'deliveryTimeoutMs'>;
  /** Reload destinations into the delivery planner after they change. */
  refreshDestinations: () => Promise<void>;
  store: Store;
  adminToken: string;
  version: string;
  /** Overrides the logger (tests pass `false`). */
  logger?: FastifyServerOptions['logger'];
}

/** Build the HTTP app: routes, auth and error mapping. It never listens (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.logLevel, redact: ['req.headers.authorization', 'req.headers.token'] },
    bodyLimit: deps.config.bodyLimit,
    serverFactory: (handler) => createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // One line per request at webhook rates costs more than it tells; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  registerErrorHandler(app, deps.config.bodyLimit);
  requireAdminToken(app, deps.adminToken);
  healthRoutes(app, deps.version);
  await app.register(inboundRoutes, { store: deps.store, bodyLimit: deps.config.bodyLimit });
  sourceRoutes(app, deps.store, deps.config.publicUrl);
  leadRoutes(app, deps.store);
  requestRoutes(app, deps.store);
  destinationRoutes(app, {
    store: deps.store,
    allowPrivateDestinations: deps.config.allowPrivateDestinations,
    secretOverlapHours: deps.config.secretOverlapHours,
    refresh: deps.refreshDestinations,
  });
  deliveryRoutes(app, { store: deps.store, timeoutMs: deps.config.deliveryTimeoutMs });
  return app;
}
