/**
 * Every error leadhook can raise, with a stable code. Codes are never reused; a removed code stays
 * listed as a comment. HTTP answers carry `{ error: { code, message } }`; the CLI prints the code.
 */
export interface ErrorDefinition {
  code: string;
  statusCode: number;
  message: string;
}

function define(code: string, statusCode: number, message: string): ErrorDefinition {
  return { code, statusCode, message };
}

export const Errors = {
  LH_E_CONFIG_INVALID: define('LH_E_CONFIG_INVALID', 500, 'Invalid configuration: %s'),
  LH_E_UNAUTHORIZED: define('LH_E_UNAUTHORIZED', 401, 'Missing or invalid credentials: send Authorization: Bearer <token>, or sign in'),
  LH_E_SESSION_EXPIRED: define('LH_E_SESSION_EXPIRED', 401, 'The session has expired; sign in again'),
  LH_E_FORBIDDEN: define('LH_E_FORBIDDEN', 403, 'A %s may not %s %s; it needs an admin token'),
  LH_E_CSRF: define('LH_E_CSRF', 403, 'Refused a cross-site or unconfirmed request: %s'),
  LH_E_TOKEN_NOT_FOUND: define('LH_E_TOKEN_NOT_FOUND', 404, 'No API token with id %s'),
  LH_E_WEBHOOK_UNAUTHORIZED: define('LH_E_WEBHOOK_UNAUTHORIZED', 401, 'Webhook credentials rejected: %s'),
  LH_E_SOURCE_NOT_FOUND: define('LH_E_SOURCE_NOT_FOUND', 404, 'No source with id %s'),
  LH_E_LEAD_NOT_FOUND: define('LH_E_LEAD_NOT_FOUND', 404, 'No lead with id %s'),
  LH_E_REQUEST_NOT_FOUND: define('LH_E_REQUEST_NOT_FOUND', 404, 'No stored request with id %s'),
  LH_E_ROUTE_NOT_FOUND: define('LH_E_ROUTE_NOT_FOUND', 404, 'No route %s'),
  LH_E_METHOD_NOT_ALLOWED: define('LH_E_METHOD_NOT_ALLOWED', 405, 'Method %s not allowed here'),
  LH_E_VALIDATION: define('LH_E_VALIDATION', 400, '%s'),
  LH_E_UNKNOWN_PROVIDER: define('LH_E_UNKNOWN_PROVIDER', 400, 'Unknown provider %s; known providers: %s'),
  LH_E_INVALID_JSON: define('LH_E_INVALID_JSON', 400, 'Body is not valid JSON: %s'),
  LH_E_INVALID_CURSOR: define('LH_E_INVALID_CURSOR', 400, 'The cursor is not one this API issued'),
  LH_E_PAYLOAD_TOO_LARGE: define('LH_E_PAYLOAD_TOO_LARGE', 413, 'Body exceeds %s bytes'),
  LH_E_HEADERS_TOO_LARGE: define('LH_E_HEADERS_TOO_LARGE', 431, 'Request headers too large'),
  LH_E_UNSUPPORTED_MEDIA_TYPE: define('LH_E_UNSUPPORTED_MEDIA_TYPE', 415, 'Content type %s is not supported; send application/json'),
  LH_E_STORE_UNAVAILABLE: define('LH_E_STORE_UNAVAILABLE', 503, 'Storage is unavailable (%s); retry later'),
  LH_E_STORE_FULL: define('LH_E_STORE_FULL', 503, 'Storage is full; nothing was stored, retry later'),
  LH_E_STORE_READONLY: define('LH_E_STORE_READONLY', 503, 'Storage is read-only; nothing was stored, retry later'),
  LH_E_STORE_LOCKED: define('LH_E_STORE_LOCKED', 503, 'The database is locked by another process; nothing was stored, retry later'),
  LH_E_NOT_REPROCESSABLE: define('LH_E_NOT_REPROCESSABLE', 409, '%s'),
  LH_E_INTERNAL: define('LH_E_INTERNAL', 500, 'Internal error'),
  LH_E_CLI_USAGE: define('LH_E_CLI_USAGE', 400, '%s'),
  LH_E_SERVER_UNREACHABLE: define('LH_E_SERVER_UNREACHABLE', 503, 'Cannot reach leadhook at %s: %s'),
  LH_E_DESTINATION_NOT_FOUND: define('LH_E_DESTINATION_NOT_FOUND', 404, 'No destination with id %s'),
  LH_E_DELIVERY_NOT_FOUND: define('LH_E_DELIVERY_NOT_FOUND', 404, 'No delivery with id %s'),
  LH_E_DESTINATION_URL_REFUSED: define('LH_E_DESTINATION_URL_REFUSED', 400, 'Destination URL refused: %s'),
  LH_E_FILTER_INVALID: define('LH_E_FILTER_INVALID', 400, 'The filter does not compile: %s'),
  LH_E_FILTER_TOO_COSTLY: define('LH_E_FILTER_TOO_COSTLY', 400, 'The filter is too costly to evaluate: %s'),
  LH_E_DESTINATION_LIMIT: define('LH_E_DESTINATION_LIMIT', 409, 'There are already %s destinations, the most allowed (LEADHOOK_MAX_DESTINATIONS); delete one first'),
  LH_E_DELIVERY_IN_FLIGHT: define('LH_E_DELIVERY_IN_FLIGHT', 409, 'Delivery %s is being sent right now; retry when it finishes'),
  LH_E_NOT_HELD: define('LH_E_NOT_HELD', 409, 'Request %s holds no webhook waiting for a decision (it was never held, or was already applied or discarded)'),
  LH_E_DATA_DIR_IN_USE: define('LH_E_DATA_DIR_IN_USE', 500, 'Another leadhook is already serving the data directory %s%s; stop it first, or give this server its own LEADHOOK_DATA_DIR'),
  LH_E_DATA_DIR_UNUSABLE: define('LH_E_DATA_DIR_UNUSABLE', 500, 'The data directory %s cannot be used (%s); make it readable and writable by this user, or set LEADHOOK_DATA_DIR to one that is'),
  LH_E_PORT_IN_USE: define('LH_E_PORT_IN_USE', 500, 'Port %s on %s is already in use; stop what listens there, or set PORT to a free port'),
  LH_E_LISTEN_FAILED: define('LH_E_LISTEN_FAILED', 500, 'Cannot listen on %s port %s (%s); %s'),
  LH_E_METRICS_LISTEN_FAILED: define('LH_E_METRICS_LISTEN_FAILED', 500, 'Cannot listen for metrics on %s (%s); set LEADHOOK_METRICS_LISTEN to a free host:port of this machine, or to off'),
  LH_E_STARTUP_FAILED: define('LH_E_STARTUP_FAILED', 500, 'leadhook could not start: %s'),
  LH_E_STORE_COPY_SOURCE: define('LH_E_STORE_COPY_SOURCE', 400, 'Cannot copy from %s: %s'),
  LH_E_STORE_COPY_TARGET_NOT_EMPTY: define('LH_E_STORE_COPY_TARGET_NOT_EMPTY', 409, 'The PostgreSQL target %s already holds data (%s) and no unfinished copy; copy into an empty database or schema'),
  LH_E_STORE_COPY_MISMATCH: define('LH_E_STORE_COPY_MISMATCH', 409, 'The copy differs from the source in table %s (%s); see the summary above, and run the copy again into an empty target'),
  LH_E_TOO_MANY_STREAMS: define('LH_E_TOO_MANY_STREAMS', 503, 'Too many live streams are open (%s, the most); close one (another tab?) or retry later'),
  LH_E_NOT_ACCEPTABLE: define('LH_E_NOT_ACCEPTABLE', 406, '%s answers %s only: send Accept: %s'),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof Errors;

/** The one error class of the product. `statusCode` ≥ 500 messages are hidden from HTTP clients. */
export class HubError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, args: readonly (string | number)[] = [], options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    const def = Errors[code];
    let i = 0;
    super(def.message.replace(/%[sd]/g, () => String(args[i++] ?? '')), { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.statusCode = def.statusCode;
    this.details = options.details;
  }
}

/** Build a HubError: `hubError('LH_E_SOURCE_NOT_FOUND', id)`. */
export function hubError(code: ErrorCode, ...args: (string | number)[]): HubError {
  return new HubError(code, args);
}

/** The storage faults (disk full, read-only, locked, I/O): answered 503, nothing stored, retry later. */
export const STORE_FAULT_CODES: readonly ErrorCode[] = ['LH_E_STORE_UNAVAILABLE', 'LH_E_STORE_FULL', 'LH_E_STORE_READONLY', 'LH_E_STORE_LOCKED'];

/** Whether `error` is a storage fault (a HubError with one of STORE_FAULT_CODES). */
export function isStoreFault(error: unknown): error is HubError {
  return error instanceof HubError && STORE_FAULT_CODES.includes(error.code);
}
