import { existsSync, readFileSync } from 'node:fs';
import { adminTokenFile } from '../admin-token.js';
import type { ClientConfig } from '../config.js';
import { HubError } from '../core/errors.js';
import { VERSION } from '../version.js';

/** Give up on a server that accepts the connection but never answers. */
const REQUEST_TIMEOUT_MS = 30_000;

/** An error answer from the server: its `{ error: { code, message } }` and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The admin API, called with the admin token. Resolves the parsed JSON body (null for 204). */
export interface ApiClient {
  /** Base URL of the server, no trailing slash. */
  readonly url: string;
  request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

/**
 * The admin token: the configured one (flag or env), else the file a server started with this
 * data directory wrote. Throws a usage error naming every place looked at when there is none.
 */
export function resolveClientToken(config: ClientConfig, usage: string): string {
  if (config.adminToken !== null) return config.adminToken;
  const file = adminTokenFile(config.dataDir);
  const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (token !== '') return token;
  throw new HubError('LH_E_CLI_USAGE', [`no admin token: pass --token, set LEADHOOK_ADMIN_TOKEN, or set LEADHOOK_DATA_DIR to the server's data directory (no token in ${file})`], {
    details: { usage },
  });
}

/** An HTTP client for a running leadhook. Network failures become LH_E_SERVER_UNREACHABLE (exit 2). */
export function createClient(url: string, token: string, fetchImpl: typeof fetch = fetch): ApiClient {
  return {
    url,
    async request(method, path, body) {
      let res: Response;
      try {
        res = await fetchImpl(`${url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            'user-agent': `leadhook-cli/${VERSION}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new HubError('LH_E_SERVER_UNREACHABLE', [url, networkReason(error)], { cause: error });
      }
      const text = await res.text();
      const json = parseJson(text);
      if (res.ok) return json;
      const e = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (typeof e?.code === 'string' && typeof e.message === 'string') throw new ApiError(e.code, e.message, res.status);
      throw new ApiError(`HTTP_${res.status}`, `unexpected answer from ${url}${path}: ${text.slice(0, 200) || res.statusText}`, res.status);
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** undici hides the useful part (`ECONNREFUSED`, `ENOTFOUND`) in `cause`. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
