import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { hubError } from '../core/errors.js';
import { secretsEqual } from '../providers/shared/credentials.js';

/** Where the admin API lives. Every route under it is registered inside {@link adminApi}. */
const ADMIN_PREFIX = '/api';

/** Set on the admin plugin's own instance (and so on its children only), never on the root. */
const ADMIN_SCOPE = 'leadhookAdminScope';

export interface AdminApiOptions {
  adminToken: string;
  /** Registers the admin routes (full paths, under {@link ADMIN_PREFIX}) on the plugin's instance. */
  routes: (api: FastifyInstance) => void;
}

/**
 * Register the admin API: one encapsulated plugin holding every `/api` route, whose `onRequest`
 * hook requires `Authorization: Bearer <admin token>`. The decision follows the route the router
 * matched, not the raw request target, so no spelling the router accepts (percent-encoding,
 * absolute form `http://host/api/...`) reaches an admin handler without the token. An unknown
 * path under `/api` (as the router decodes it) gets 401 without the token, so probing cannot tell
 * which routes exist, and 404 with it. A route under `/api` registered anywhere else fails startup.
 */
export async function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  app.addHook('onRoute', function refuseAdminRouteOutsidePlugin(this: FastifyInstance, route: RouteOptions) {
    if (isAdminPath(route.url) && !this.hasDecorator(ADMIN_SCOPE)) {
      throw new Error(`${route.url} is an admin path: register it inside the admin API plugin (src/http/app.ts)`);
    }
  });
  await app.register(adminApi, options);
}

/** The plugin itself: the token check, then the routes, then the 401/404 for unknown `/api` paths. */
async function adminApi(api: FastifyInstance, options: AdminApiOptions): Promise<void> {
  api.decorate(ADMIN_SCOPE, true);
  api.addHook('onRequest', async (request) => requireAdminToken(request, options.adminToken));
  options.routes(api);
  // Fastify's 404 router matches paths as the main router does (decoded, absolute form stripped);
  // a not-found handler for the prefix runs in this context, after the token check above.
  await api.register(
    async (unknown) => {
      unknown.setNotFoundHandler(async (request) => {
        throw hubError('LH_E_ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`);
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}

/** Throws `LH_E_UNAUTHORIZED` unless the request carries the admin token (constant-time compare). */
function requireAdminToken(request: FastifyRequest, adminToken: string): void {
  const header = request.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (m?.[1] === undefined || !secretsEqual(m[1].trim(), adminToken)) throw hubError('LH_E_UNAUTHORIZED');
}

/** A route path under the admin prefix, in any letter case. */
function isAdminPath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower === ADMIN_PREFIX || lower.startsWith(`${ADMIN_PREFIX}/`);
}
