import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { isRole, isSafeMethod, roleAllows, routeAccess, type Access, type Role } from '../auth/access.js';
import { clearedSessionCookie, isSecurePublicUrl, readSessionCookie, sessionCookie, type CookieOptions } from '../auth/cookie.js';
import { csrfTokenFor, isApiTokenShape, isSessionSecretShape, newSessionSecret, secretHash } from '../auth/credentials.js';
import { originAllowed } from '../auth/origin.js';
import { isSessionLive, prunableBefore, sessionEndsAt, sessionMaxExpiry, shouldTouch, touchThreshold } from '../auth/session-policy.js';
import { HubError, hubError } from '../core/errors.js';
import type { StreamCredentials, StreamEndReason } from '../live/hub.js';
import { secretsEqual } from '../providers/shared/credentials.js';
import type { AuthStore, FoundSession, SessionRecord } from '../storage/auth-port.js';

/** Where the admin API lives. Every route under it is registered inside {@link adminApi}. */
const ADMIN_PREFIX = '/api';

/** Set on the admin plugin's own instance (and so on its children only), never on the root. */
const ADMIN_SCOPE = 'leadhookAdminScope';

/** The name a principal of the first-start admin token goes by. */
export const ADMIN_TOKEN_NAME = 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (src/auth/access.ts); by default decided from its method and pattern. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Who is calling an admin route: set by the admin API's check before any handler runs. */
    leadhookPrincipal: Principal | null;
  }
}

/** Who is calling the admin API, and how they proved it. */
export interface Principal {
  name: string;
  role: Role;
  /** The named API token (directly, or the one the session was made with); null for the first-start admin token. */
  tokenId: string | null;
  /** The browser session the request came with; null for `Authorization: Bearer`. */
  session: { secretHash: string; csrfToken: string; expiresAt: string } | null;
}

/** What `GET /api/session` (and `POST`) answer. */
export interface SessionView {
  name: string;
  role: Role;
  /** Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE; null without a session (bearer). */
  csrfToken: string | null;
  /** When the session ends unless used again (idle), or at the latest (absolute); null without a session. */
  expiresAt: string | null;
}

export interface AuthenticatorOptions {
  /** The first-start admin token (LEADHOOK_ADMIN_TOKEN or the generated one): role admin, always. */
  adminToken: string;
  /** Named tokens and sessions; null: only the first-start admin token is known. */
  store: AuthStore | null;
  /** The public base URL: `Secure` cookies when https, and an `Origin` it names is this server's. */
  publicUrl: string | null;
  /** The clock (tests inject one). */
  now?: () => Date;
  /** Where a failed last-used write is reported (it never fails the request). */
  log?: { warn(obj: object, message: string): void };
}

/**
 * Resolves who is calling from the request's credentials: `Authorization: Bearer` with the first-start
 * admin token (compared in constant time) or a named API token (found by its SHA-256: the lookup's
 * time tells nothing about valid tokens), else the `lh_session` cookie. Also starts and ends sessions.
 */
export class Authenticator {
  readonly cookie: CookieOptions;
  private readonly now: () => Date;
  private readonly adminTokenHash: string;

  constructor(private readonly options: AuthenticatorOptions) {
    this.cookie = { secure: isSecurePublicUrl(options.publicUrl) };
    this.now = options.now ?? (() => new Date());
    this.adminTokenHash = secretHash(options.adminToken);
  }

  get publicUrl(): string | null {
    return this.options.publicUrl;
  }

  /** The principal of a request, or LH_E_UNAUTHORIZED / LH_E_SESSION_EXPIRED. */
  async resolve(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined && header.trim() !== '') {
      const token = bearerToken(header);
      const principal = token === null ? null : await this.fromToken(token);
      if (principal === null) throw hubError('LH_E_UNAUTHORIZED');
      return principal;
    }
    const secret = readSessionCookie(request.headers.cookie);
    if (secret === null) throw hubError('LH_E_UNAUTHORIZED');
    return this.fromSession(secret);
  }

  /** The principal a presented token stands for (the first-start admin token, or a live named token), else null. */
  async fromToken(token: string): Promise<Principal | null> {
    if (secretsEqual(token, this.options.adminToken)) return { name: ADMIN_TOKEN_NAME, role: 'admin', tokenId: null, session: null };
    if (this.options.store === null || !isApiTokenShape(token)) return null;
    const found = await this.options.store.findTokenByHash(secretHash(token));
    if (found === null || found.revokedAt !== null || !isRole(found.role)) return null;
    const now = this.now().toISOString();
    if (shouldTouch(found.lastUsedAt, now)) await this.touch(() => this.options.store!.touchToken(found.id, now, touchThreshold(now)));
    return { name: found.name, role: found.role, tokenId: found.id, session: null };
  }

  /** The principal of a session cookie's secret; LH_E_UNAUTHORIZED when unknown, signed out or revoked, LH_E_SESSION_EXPIRED when it ended. */
  async fromSession(secret: string): Promise<Principal> {
    const store = this.options.store;
    if (store === null || !isSessionSecretShape(secret)) throw hubError('LH_E_UNAUTHORIZED');
    const hash = secretHash(secret);
    const found = await store.findSession(hash);
    const now = this.now().toISOString();
    const ended = this.sessionEnded(found, now);
    if (ended === 'session-expired') throw hubError('LH_E_SESSION_EXPIRED');
    if (ended !== null || found === null || !isRole(found.role)) throw hubError('LH_E_UNAUTHORIZED');
    let lastSeenAt = found.lastSeenAt;
    if (shouldTouch(found.lastSeenAt, now)) {
      lastSeenAt = now;
      await this.touch(() => store.touchSession(hash, now, touchThreshold(now)));
    }
    const tokenId = found.tokenId;
    if (tokenId !== null && shouldTouch(found.token?.lastUsedAt ?? null, now)) await this.touch(() => store.touchToken(tokenId, now, touchThreshold(now)));
    return {
      name: found.name,
      role: found.role,
      tokenId,
      session: { secretHash: hash, csrfToken: csrfTokenFor(secret), expiresAt: sessionEndsAt({ expiresAt: found.expiresAt, lastSeenAt }) },
    };
  }

  /**
   * The credentials `request` (let through as `principal`) came with, to check again while a long
   * answer lasts (`GET /api/live`): the lookups {@link resolve} makes (the named token not revoked;
   * the session still stored, live, its token not revoked, the admin token it was made with
   * unchanged), without its last-used writes: an open stream is not a use, so it does not keep a
   * session from going idle. A check throws on a storage fault.
   */
  heldCredentials(request: FastifyRequest, principal: Principal): StreamCredentials {
    const store = this.options.store;
    if (principal.session !== null) {
      const hash = principal.session.secretHash;
      return {
        tokenId: principal.tokenId,
        sessionHash: hash,
        check: async () => (store === null ? 'session-ended' : this.sessionEnded(await store.findSession(hash), this.now().toISOString())),
      };
    }
    const tokenId = principal.tokenId;
    // The first-start admin token by bearer: this instance knows no other while it runs.
    if (tokenId === null) return { tokenId: null, sessionHash: null, check: null };
    const token = bearerToken(request.headers.authorization ?? '');
    const hash = token === null ? null : secretHash(token);
    return {
      tokenId,
      sessionHash: null,
      check: async () => {
        const found = store === null || hash === null ? null : await store.findTokenByHash(hash);
        return found === null || found.id !== tokenId || found.revokedAt !== null || !isRole(found.role) ? 'token-revoked' : null;
      },
    };
  }

  /** Why a stored session (null: none) no longer stands for anyone at `now`, else null. */
  private sessionEnded(found: FoundSession | null, now: string): StreamEndReason | null {
    if (found === null || !isRole(found.role)) return 'session-ended';
    // A revoked (or deleted) token's sessions are deleted with it; this holds even if one was not.
    if (found.tokenId !== null && (found.token === null || found.token.revokedAt !== null)) return 'session-ended';
    // A session of the first-start admin token ends when that token is changed.
    if (found.tokenId === null && found.adminTokenHash !== this.adminTokenHash) return 'session-ended';
    if (!isSessionLive(found, now)) return 'session-expired';
    return null;
  }

  /** Start a session for `principal` (signed in with a token): its secret (the cookie's value) and what to answer. */
  async startSession(principal: Principal): Promise<{ secret: string; maxAgeSeconds: number; view: SessionView }> {
    const store = this.options.store;
    if (store === null) throw new HubError('LH_E_INTERNAL', [], { cause: new Error('sessions need the auth store') });
    const secret = newSessionSecret();
    const now = this.now();
    const at = now.toISOString();
    const record: SessionRecord = {
      secretHash: secretHash(secret),
      tokenId: principal.tokenId,
      adminTokenHash: principal.tokenId === null ? this.adminTokenHash : null,
      name: principal.name,
      role: principal.role,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: sessionMaxExpiry(at),
    };
    await store.createSession(record, prunableBefore(at));
    const expiresAt = sessionEndsAt(record);
    return {
      secret,
      maxAgeSeconds: (Date.parse(record.expiresAt) - now.getTime()) / 1000,
      view: { name: principal.name, role: principal.role, csrfToken: csrfTokenFor(secret), expiresAt },
    };
  }

  /** End the request's session (if it came with one). */
  async endSession(principal: Principal): Promise<void> {
    if (principal.session !== null && this.options.store !== null) await this.options.store.deleteSession(principal.session.secretHash);
  }

  /** The Set-Cookie value of a new session. */
  sessionCookie(secret: string, maxAgeSeconds: number): string {
    return sessionCookie(secret, maxAgeSeconds, this.cookie);
  }

  /** The Set-Cookie value that removes the session cookie. */
  clearedCookie(): string {
    return clearedSessionCookie(this.cookie);
  }

  /** A last-used write: at most once a minute per token or session; its failure never fails the request. */
  private async touch(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.options.log?.warn({ err: error }, 'could not record when a token or session was last used');
    }
  }
}

/** `Bearer <token>` (scheme in any case, white space around the token): the token, else null. */
export function bearerToken(header: string): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1] === undefined ? null : m[1].trim();
}

/** What `GET /api/session` answers for a principal. */
export function sessionView(principal: Principal): SessionView {
  return { name: principal.name, role: principal.role, csrfToken: principal.session?.csrfToken ?? null, expiresAt: principal.session?.expiresAt ?? null };
}

/** The principal of a request the admin API let through (null on a public route). */
export function principalOf(request: FastifyRequest): Principal | null {
  return request.leadhookPrincipal ?? null;
}

/** Whether the request comes from a viewer (who is shown no credentials). */
export function isViewer(request: FastifyRequest): boolean {
  return principalOf(request)?.role === 'viewer';
}

export interface AdminApiOptions {
  /** The first-start admin token (used when no `authenticator` is given). */
  adminToken: string;
  /** Who is calling; by default one knowing only `adminToken`. */
  authenticator?: Authenticator;
  /** Registers the admin routes (full paths, under {@link ADMIN_PREFIX}) on the plugin's instance. */
  routes: (api: FastifyInstance) => void;
}

/**
 * Register the admin API: one encapsulated plugin holding every `/api` route, whose `onRequest` hook
 * decides who may call the route the router matched (not the raw request target, so no spelling the
 * router accepts, percent-encoding or absolute form `http://host/api/...`, reaches an admin handler
 * without credentials):
 * - the access the route requires (src/auth/access.ts `routeAccess`: its `config.access`, else
 *   `read` for GET on what a viewer may read, else `admin`); `public` routes skip the check;
 * - the principal (Authenticator): 401 without valid credentials;
 * - a cookie-authenticated POST/PUT/PATCH/DELETE needs `X-CSRF-Token` and a same-site `Origin`: 403 LH_E_CSRF;
 * - the principal's role must allow the access: 403 LH_E_FORBIDDEN.
 * An unknown path under `/api` (as the router decodes it) gets 401 without credentials, so probing
 * cannot tell which routes exist, and 404 with any. Every answer under `/api` carries
 * `Cache-Control: no-store`. A route under `/api` registered anywhere else fails startup.
 */
export async function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  app.addHook('onRoute', function refuseAdminRouteOutsidePlugin(this: FastifyInstance, route: RouteOptions) {
    if (isAdminPath(route.url) && !this.hasDecorator(ADMIN_SCOPE)) {
      throw new Error(`${route.url} is an admin path: register it inside the admin API plugin (src/http/app.ts)`);
    }
  });
  await app.register(adminApi, options);
}

/** The plugin itself: the access check, then the routes, then the 401/404 for unknown `/api` paths. */
async function adminApi(api: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const authenticator = options.authenticator ?? new Authenticator({ adminToken: options.adminToken, store: null, publicUrl: null });
  api.decorate(ADMIN_SCOPE, true);
  api.decorateRequest('leadhookPrincipal', null);
  api.addHook('onRequest', async (request, reply) => {
    // Authenticated answers are never stored by a browser or proxy (set first: the refusals below carry it too).
    void reply.header('cache-control', 'no-store');
    await authorize(request, reply, authenticator);
  });
  options.routes(api);
  // Fastify's 404 router matches paths as the main router does (decoded, absolute form stripped);
  // a not-found handler for the prefix runs in this context, after the check above.
  await api.register(
    async (unknown) => {
      unknown.setNotFoundHandler(async (request) => {
        throw hubError('LH_E_ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`);
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}

/** The onRequest check of every admin route (see registerAdminApi). */
async function authorize(request: FastifyRequest, reply: FastifyReply, authenticator: Authenticator): Promise<void> {
  const route = request.routeOptions;
  // No route matched (the 404 handler): any principal may be told so.
  const pattern = route.url === undefined || route.url === '' ? undefined : route.url;
  const access = routeAccess(request.method, pattern, route.config?.access);
  if (access === 'public') return;
  let principal: Principal;
  try {
    principal = await authenticator.resolve(request);
  } catch (error) {
    // A cookie that names no live session is removed, so the browser stops sending it.
    if (error instanceof HubError && error.statusCode === 401 && (request.headers.authorization ?? '').trim() === '' && readSessionCookie(request.headers.cookie) !== null) {
      void reply.header('set-cookie', authenticator.clearedCookie());
    }
    throw error;
  }
  request.leadhookPrincipal = principal;
  if (principal.session !== null && !isSafeMethod(request.method)) checkCsrf(request, principal.session.csrfToken, authenticator.publicUrl);
  if (!roleAllows(principal.role, access)) throw hubError('LH_E_FORBIDDEN', principal.role, request.method, pattern ?? request.url.split('?')[0] ?? '');
}

/**
 * A cookie-authenticated mutation: `X-CSRF-Token` must be the session's CSRF token (constant-time
 * compare), and an `Origin` header, when present, must name this server. Else LH_E_CSRF.
 */
export function checkCsrf(request: FastifyRequest, csrfToken: string, publicUrl: string | null): void {
  if (!originAllowed(request.headers.origin, request.headers.host, publicUrl)) throw hubError('LH_E_CSRF', 'the Origin header names another site');
  const given = request.headers['x-csrf-token'];
  if (typeof given !== 'string' || !secretsEqual(given.trim(), csrfToken)) throw hubError('LH_E_CSRF', 'send the X-CSRF-Token header that GET /api/session gives');
}

/** A route path under the admin prefix, in any letter case. */
function isAdminPath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower === ADMIN_PREFIX || lower.startsWith(`${ADMIN_PREFIX}/`);
}
