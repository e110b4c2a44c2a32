/**
 * The console's only way to the server: the public `/api`, with the session cookie (same origin)
 * and the CSRF token on mutations. A 401 sends the app to /sign-in; a 503 raises the storage banner.
 */
import { navigate, currentPath } from './router.js';
import { banner, session, signInNotice, SESSION_EXPIRED, STORAGE_UNAVAILABLE } from './session.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** `error` as an ApiError: itself when it is one, else status 0 and code LH_E_CONSOLE with its message. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'LH_E_CONSOLE', error instanceof Error ? error.message : String(error));
}

type Query = Record<string, string | number | boolean | undefined>;

/** `path` with the defined query values appended. */
export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

export function apiGet<T>(path: string, query?: Query): Promise<T> {
  return request<T>('GET', withQuery(path, query), undefined);
}

/** A mutation: JSON body, `X-CSRF-Token` from the session; a 204 resolves to undefined. */
export function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

/** Paths whose 401 is an answer for the page itself, not a lost session (signing in with a wrong token). */
function ownsItsUnauthorized(method: string, path: string): boolean {
  return path.split('?')[0] === '/api/session' && method !== 'DELETE';
}

/** Sign-outs (`DELETE /api/session`) under way: the live stream's end they cause is no lost session. */
let signOutsInFlight = 0;

function isSignOut(method: string, path: string): boolean {
  return method === 'DELETE' && path.split('?')[0] === '/api/session';
}

/**
 * The live stream (`GET /api/live`) sent `event: end`: its credentials stopped holding, and the
 * caller has closed it (EventSource would reconnect in a loop). When the reason is that the session
 * ended (`session-ended`: signed out elsewhere, or its token revoked; `session-expired`), back to
 * sign-in as a 401 does; not while this page signs out itself (that goes to sign-in on its own).
 */
export function liveStreamEnded(reason: unknown): void {
  if (signOutsInFlight > 0) return;
  if (reason === 'session-expired') sessionLost('LH_E_SESSION_EXPIRED');
  else if (reason === 'session-ended') sessionLost('LH_E_UNAUTHORIZED');
}

async function request<T>(method: string, path: string, body: unknown): Promise<T> {
  if (!isSignOut(method, path)) return send<T>(method, path, body);
  signOutsInFlight++;
  try {
    return await send<T>(method, path, body);
  } finally {
    signOutsInFlight--;
  }
}

async function send<T>(method: string, path: string, body: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = session.get()?.csrfToken;
  if (method !== 'GET' && csrf !== undefined) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    const message = 'leadhook cannot be reached: check your connection, or that the server is running.';
    banner.set(message);
    throw new ApiError(0, 'LH_E_NETWORK', message);
  }
  if (res.status === 503) banner.set(STORAGE_UNAVAILABLE);
  else if (res.ok && banner.get() !== null) banner.set(null);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const error = readError(res.status, json);
    if (res.status === 401 && !ownsItsUnauthorized(method, path)) sessionLost(error.code);
    throw error;
  }
  return json as T;
}

function readError(status: number, json: unknown): ApiError {
  const e = (json as { error?: { code?: unknown; message?: unknown; details?: { field?: unknown } } } | undefined)?.error;
  const code = typeof e?.code === 'string' ? e.code : `HTTP_${status}`;
  const message = typeof e?.message === 'string' ? e.message : `The server answered ${status}`;
  const field = typeof e?.details?.field === 'string' ? e.details.field : undefined;
  return new ApiError(status, code, message, field);
}

/** The session is gone (expired, revoked, signed out elsewhere): back to sign-in, then here again. */
function sessionLost(code: string): void {
  const hadSession = session.get() !== null;
  session.set(null);
  if (hadSession || code === 'LH_E_SESSION_EXPIRED') signInNotice.set(SESSION_EXPIRED);
  const here = currentPath();
  if (!here.startsWith('/sign-in')) navigate(`/sign-in?next=${encodeURIComponent(here)}`, { replace: true });
}
