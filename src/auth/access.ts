/**
 * Who may call which admin route: the roles, and the access each route requires. Decided on the
 * route the router matched (its pattern and config), never on the raw request target.
 */

/** `admin`: everything. `viewer`: reads leads, requests, deliveries, sources and destinations; changes nothing. */
export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route requires: `public` (no credentials: only `POST /api/session`), `read` (any signed-in
 * principal, a viewer included), `admin` (an admin token or session).
 */
export const ACCESS_LEVELS = ['public', 'read', 'admin'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** Route patterns (and what lies under them) a viewer may read with GET or HEAD. */
export const VIEWER_READABLE = [
  '/api/leads',
  '/api/leads.csv',
  '/api/requests',
  '/api/deliveries',
  '/api/sources',
  '/api/destinations',
  '/api/rule-templates',
  '/api/stats',
  '/api/live',
  '/api/session',
] as const;

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Whether `method` only reads (GET, HEAD, OPTIONS): a cookie-authenticated request of any other method needs the CSRF token. */
export function isSafeMethod(method: string): boolean {
  return READ_METHODS.has(method) || method === 'OPTIONS';
}

/**
 * The access a matched route requires. A route's own `config.access` wins (an unknown value counts
 * as `admin`: fail closed); otherwise GET and HEAD on a {@link VIEWER_READABLE} pattern need `read`
 * and everything else `admin`. `pattern` undefined: no route matched (the 404 of the `/api` prefix),
 * which any principal may be told.
 *
 * @example routeAccess('GET', '/api/leads/:id', undefined) // 'read'
 * @example routeAccess('POST', '/api/sources', undefined) // 'admin'
 */
export function routeAccess(method: string, pattern: string | undefined, configured: unknown): Access {
  if (configured !== undefined) return (ACCESS_LEVELS as readonly unknown[]).includes(configured) ? (configured as Access) : 'admin';
  if (pattern === undefined) return 'read';
  if (!READ_METHODS.has(method)) return 'admin';
  return VIEWER_READABLE.some((p) => pattern === p || pattern.startsWith(`${p}/`)) ? 'read' : 'admin';
}

/** Whether a principal of `role` may call a route requiring `access`. */
export function roleAllows(role: Role, access: Access): boolean {
  return access !== 'admin' || role === 'admin';
}

/** Whether `value` is a role. */
export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}
