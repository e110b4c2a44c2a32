import { isStoreFault, type ErrorCode } from '../../core/errors.js';
import { FaultEpisodes, SILENT_LOG, type StorageLog } from '../fault-episodes.js';

/** What is wrong with PostgreSQL, in words an operator acts on (GET /health names it). */
export type PgFaultKind = 'unavailable' | 'timeout' | 'disk_full' | 'read_only' | 'locked' | 'io_error' | 'corrupt' | 'overloaded';

export interface PgFault {
  kind: PgFaultKind;
  /** The stable code clients get (HTTP 503). */
  code: ErrorCode;
  /** PostgreSQL's SQLSTATE, or the socket's errno (ECONNREFUSED…); null when neither. */
  pgCode: string | null;
  /** One line naming the fault, without the URL or its password (shown by GET /health). */
  summary: string;
}

/** Socket errors of a connection to PostgreSQL that cannot be made or was lost. */
const SOCKET_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Messages node-postgres throws itself when a connection ends or cannot be had in time. */
const DRIVER_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connection timeout/i, /client has encountered a connection error/i, /not queryable/i, /connection.*ended/i];

function codeOf(error: unknown): string | null {
  if (error === null || typeof error !== 'object') return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/**
 * Name the storage fault behind a pg error, or null when the error is not one (a bad statement or a
 * constraint is a bug to report, not a fault to wait out). SQLSTATE classes: 08 connection, 57P
 * server shutting down or starting, 53 out of resources, 58 system error, XX internal.
 */
export function classifyPgError(error: unknown): PgFault | null {
  const code = codeOf(error);
  const fault = (kind: PgFaultKind, errorCode: ErrorCode, summary: string): PgFault => ({ kind, code: errorCode, pgCode: code, summary });
  const unavailable = (why: string) => fault('unavailable', 'LH_E_STORE_UNAVAILABLE', `PostgreSQL is unreachable: ${why}`);
  if (code !== null && SOCKET_ERRNOS.has(code)) return unavailable(`the connection failed (${code})`);
  if (code === null || !/^[0-9A-Z]{5}$/.test(code)) {
    const message = error instanceof Error ? error.message : '';
    return DRIVER_MESSAGES.some((m) => m.test(message)) ? unavailable('the connection was lost or could not be made in time') : null;
  }
  if (code.startsWith('08')) return unavailable(`connection error (${code})`);
  if (code === '57P01' || code === '57P02') return unavailable(`the server shut down or terminated the connection (${code})`);
  if (code === '57P03') return unavailable('the server is starting up or shutting down (57P03)');
  if (code === '57014') return fault('timeout', 'LH_E_STORE_UNAVAILABLE', 'statement timeout: PostgreSQL did not finish a statement in time (57014)');
  if (code === '55P03') return fault('locked', 'LH_E_STORE_LOCKED', 'a row or table lock was not available in time (55P03)');
  if (code === '53100') return fault('disk_full', 'LH_E_STORE_FULL', 'disk full: PostgreSQL has no space left (53100)');
  if (code === '53200' || code === '53300' || code === '53400') return fault('overloaded', 'LH_E_STORE_UNAVAILABLE', `PostgreSQL is out of resources (${code})`);
  if (code === '25006') return fault('read_only', 'LH_E_STORE_READONLY', 'read-only: the server takes no writes (a standby, or default_transaction_read_only) (25006)');
  if (code.startsWith('58')) return fault('io_error', 'LH_E_STORE_UNAVAILABLE', `I/O error on the PostgreSQL server (${code})`);
  if (code === 'XX001' || code === 'XX002') return fault('corrupt', 'LH_E_STORE_UNAVAILABLE', `PostgreSQL reports corrupt data (${code})`);
  return null;
}

/** Whether `error` is a pg error that a storage fault causes (connection, timeout, disk, read-only). */
export function isPgFault(error: unknown): boolean {
  return classifyPgError(error) !== null;
}

/** Serialization failures and deadlocks: the transaction is run again, they are not faults. */
export function isRetryableConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01';
}

/** A fault for an error that is no pg fault the store recognises (the connection failed somehow). */
function unknownFault(error: unknown): PgFault {
  if (isStoreFault(error)) return { kind: 'unavailable', code: error.code, pgCode: null, summary: error.message };
  return { kind: 'unavailable', code: 'LH_E_STORE_UNAVAILABLE', pgCode: codeOf(error), summary: 'storage error: the database connection failed' };
}

/**
 * Fault episodes of the PostgreSQL store ({@link FaultEpisodes}, as the SQLite store's). A disk-full
 * episode outlasts ordinary writes (a small one can fit where a webhook does not): only a write
 * made with headroom, the probe's, proves it over (`wrote(how, true)`).
 */
export class PgFaults extends FaultEpisodes<PgFault> {
  constructor(log: StorageLog = SILENT_LOG) {
    super(
      {
        classify: (error) => classifyPgError(error) ?? unknownFault(error),
        logContext: (fault) => ({ pgCode: fault.pgCode }),
        outlastsWrite: (fault) => fault.kind === 'disk_full',
      },
      log,
    );
  }
}
