import { HubError, isStoreFault, type ErrorCode } from '../core/errors.js';
import type { StorageStatus } from './port.js';

/** pino-compatible logger (Fastify's `app.log`). */
export interface StorageLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export const SILENT_LOG: StorageLog = { error() {}, warn() {}, info() {} };

/** What every store's faults have in common: a kind an operator acts on, the 503 code, one line. */
export interface EpisodeFault {
  kind: string;
  /** The stable code clients get (HTTP 503). */
  code: ErrorCode;
  /** One line naming the fault, without paths, URLs or passwords (shown by GET /health). */
  summary: string;
}

/** What a store tells {@link FaultEpisodes} about its own errors. */
export interface FaultEpisodePolicy<F extends EpisodeFault> {
  /** Name the fault behind an error the store failed with. */
  classify(error: unknown): F;
  /** Fields the log line of a fault carries besides its kind and code (the driver's own code…). */
  logContext(fault: F): object;
  /**
   * Whether an episode of `fault` goes on although a write committed: a full disk that one small
   * write still fitted on is not over. Absent: any committed write ends any episode.
   */
  outlastsWrite?(fault: F): boolean;
}

interface Episode<F> {
  fault: F;
  since: Date;
  /** Operations (reads, and writes counted per request or job) refused since the episode began. */
  refused: number;
}

/**
 * Storage fault episodes, the same for every store: the first failure of an episode is logged
 * (once, whatever the request rate), so is a change of fault and the recovery; every failure in
 * between is only counted. `status()` (GET /health) names the fault until a write commits again.
 */
export class FaultEpisodes<F extends EpisodeFault> {
  private episode: Episode<F> | null = null;

  constructor(
    private readonly policy: FaultEpisodePolicy<F>,
    public log: StorageLog = SILENT_LOG,
  ) {}

  get current(): F | null {
    return this.episode?.fault ?? null;
  }

  /** Record `operations` failed storage operations; returns the fault and the error to answer with (HTTP 503). */
  failed(error: unknown, operations = 1): { fault: F; error: HubError } {
    if (isStoreFault(error) && this.episode !== null) {
      // Refused without touching the database (no connection, or a nested operation failed): same episode.
      this.episode.refused += operations;
      return { fault: this.episode.fault, error };
    }
    const fault = this.policy.classify(error);
    const hubError = new HubError(fault.code, [fault.summary], { cause: error });
    const ep = this.episode;
    const context = { fault: fault.kind, code: fault.code, ...this.policy.logContext(fault), err: error };
    if (ep === null) {
      this.episode = { fault, since: new Date(), refused: operations };
      this.log.error(context, `storage fault: ${fault.summary}. Webhooks are answered 503 ${fault.code} (providers retry) until it clears; leadhook retries by itself`);
      return { fault, error: hubError };
    }
    if (ep.fault.kind !== fault.kind) this.log.error({ ...context, was: ep.fault.kind }, `storage fault changed: ${fault.summary} (was: ${ep.fault.summary})`);
    ep.fault = fault;
    ep.refused += operations;
    return { fault, error: hubError };
  }

  /**
   * A write committed: the episode is over, unless the policy says its fault outlasts a write
   * (and `proven` is false: `proven` is a write made to prove that fault over, e.g. one with headroom).
   * @returns whether the store is healthy now.
   */
  wrote(how: string, proven = false): boolean {
    const ep = this.episode;
    if (ep === null) return true;
    if (!proven && this.policy.outlastsWrite?.(ep.fault) === true) return false;
    this.episode = null;
    const seconds = Math.round((Date.now() - ep.since.getTime()) / 100) / 10;
    this.log.info(
      { fault: ep.fault.kind, refused: ep.refused, seconds },
      `storage recovered (${how}) after ${seconds} s of ${ep.fault.summary}; ${ep.refused} storage operations (webhooks, API calls, delivery bookkeeping) failed meanwhile and none of them was acknowledged`,
    );
    return true;
  }

  /** The error for an operation refused without trying (no connection during an episode). */
  refusal(): HubError {
    const fault = this.episode?.fault;
    return new HubError(fault?.code ?? 'LH_E_STORE_UNAVAILABLE', [fault?.summary ?? 'no database connection']);
  }

  status(): StorageStatus {
    const ep = this.episode;
    if (ep === null) return { status: 'ok' };
    return { status: 'failing', fault: ep.fault.kind, code: ep.fault.code, message: ep.fault.summary, since: ep.since.toISOString() };
  }
}
