import { HubError, isStoreFault, type ErrorCode } from '../../core/errors.js';
import type { StorageStatus } from '../port.js';
import { SILENT_LOG, type StorageLog } from '../sqlite/faults.js';

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

interface Episode {
  fault: PgFault;
  since: Date;
  /** Operations refused since the episode began. */
  refused: number;
}

/**
 * Fault episodes of the PostgreSQL store, with the contract of the SQLite store's (sqlite/faults.ts):
 * the first failure of an episode is logged once whatever the request rate, so is a change of fault
 * and the recovery; `status()` names the fault until a write commits again.
 */
export class PgFaults {
  private episode: Episode | null = null;

  constructor(public log: StorageLog = SILENT_LOG) {}

  get current(): PgFault | null {
    return this.episode?.fault ?? null;
  }

  /** Record a failed operation; returns the error to answer with (HTTP 503). */
  failed(error: unknown, operations = 1): HubError {
    if (isStoreFault(error)) {
      if (this.episode !== null) this.episode.refused += operations;
      return error;
    }
    const fault = classifyPgError(error) ?? { kind: 'unavailable', code: 'LH_E_STORE_UNAVAILABLE', pgCode: codeOf(error), summary: 'storage error: the database connection failed' };
    const answer = new HubError(fault.code, [fault.summary], { cause: error });
    const ep = this.episode;
    const context = { fault: fault.kind, code: fault.code, pgCode: fault.pgCode, err: error };
    if (ep === null) {
      this.episode = { fault, since: new Date(), refused: operations };
      this.log.error(context, `storage fault: ${fault.summary}. Webhooks are answered 503 ${fault.code} (providers retry) until it clears; leadhook retries by itself`);
      return answer;
    }
    if (ep.fault.kind !== fault.kind) this.log.error({ ...context, was: ep.fault.kind }, `storage fault changed: ${fault.summary} (was: ${ep.fault.summary})`);
    ep.fault = fault;
    ep.refused += operations;
    return answer;
  }

  /** A write committed: the episode (if any) is over. Returns whether one ended now. */
  wrote(how: string): boolean {
    const ep = this.episode;
    if (ep === null) return false;
    this.episode = null;
    const seconds = Math.round((Date.now() - ep.since.getTime()) / 100) / 10;
    this.log.info(
      { fault: ep.fault.kind, refused: ep.refused, seconds },
      `storage recovered (${how}) after ${seconds} s of ${ep.fault.summary}; ${ep.refused} storage operations (webhooks, API calls, delivery bookkeeping) failed meanwhile and none of them was acknowledged`,
    );
    return true;
  }

  status(): StorageStatus {
    const ep = this.episode;
    if (ep === null) return { status: 'ok' };
    return { status: 'failing', fault: ep.fault.kind, code: ep.fault.code, message: ep.fault.summary, since: ep.since.toISOString() };
  }
}
