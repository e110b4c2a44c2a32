/**
 * Outbound delivery policy as data (STYLE G13): the retry schedule, the request timeout and what an
 * HTTP answer means. Pure: no I/O, no clock, no randomness of its own — callers pass `now` and `random`.
 *
 * Schedule semantics: entry `i` is the delay before attempt `i + 1`, counted from the end of the
 * previous attempt (entry 0 from the moment the event is queued). A schedule of `n` entries therefore
 * allows `n` attempts; after the last one fails the delivery is given up.
 */
import { HubError } from './errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Standard Webhooks' suggested schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h —
 * eight attempts spread over about 27.6 hours.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

/** How long one attempt may take before it counts as failed (Standard Webhooks: 15 s). */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Jitter applied to every scheduled delay: ±20 %, so retries of many events do not stampede. */
export const JITTER_FRACTION = 0.2;

/** The longest `Retry-After` we honour; a receiver cannot park a delivery for longer than this. */
export const RETRY_AFTER_CAP_MS = 24 * HOUR;

/** Status codes whose `Retry-After` header is honoured (RFC 9110 §10.2.3). */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR };
const ENTRY = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/**
 * Parse a schedule such as `LEADHOOK_RETRY_SCHEDULE`: comma-separated durations with a unit
 * (`ms`, `s`, `m`, `h`); a bare `0` means "immediately". Throws `LH_E_CONFIG_INVALID` otherwise.
 *
 * @example
 * parseRetrySchedule('0, 1s, 2s, 5s') // [0, 1000, 2000, 5000]
 * parseRetrySchedule('500ms,5m,2h')   // [500, 300000, 7200000]
 */
export function parseRetrySchedule(text: string): number[] {
  if (text.trim() === '') {
    throw new HubError('LH_E_CONFIG_INVALID', ['retry schedule is empty; expected e.g. "0,5s,5m,30m,2h"']);
  }
  return text.split(',').map((e) => e.trim()).map((entry, index) => {
    const m = ENTRY.exec(entry);
    const unit = m?.[2];
    if (!m || (unit === undefined && Number(m[1]) !== 0)) {
      throw new HubError('LH_E_CONFIG_INVALID', [
        `retry schedule entry ${index + 1} (${JSON.stringify(entry)}) must be a duration such as 500ms, 5s, 5m or 2h, or 0`,
      ]);
    }
    return Math.round(Number(m[1]) * UNIT_MS[unit ?? 'ms']!);
  });
}

/** What one HTTP answer (or its absence) means for the delivery. */
export type ResponseClass = 'success' | 'disable' | 'retry';

/**
 * Classify an attempt: any 2xx is success; 410 Gone disables the destination (Standard Webhooks
 * §"Delivery": 410 => disable endpoint); everything else — other statuses, redirects, timeouts and
 * connection errors (`status` null) — is retried.
 */
export function classifyResponse(status: number | null, _error?: string | null): ResponseClass {
  if (status === null) return 'retry';
  if (status >= 200 && status <= 299) return 'success';
  if (status === 410) return 'disable';
  return 'retry';
}

/**
 * Read a `Retry-After` header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, as milliseconds from
 * `now`, capped at {@link RETRY_AFTER_CAP_MS}. A date in the past gives 0; anything unreadable, null.
 */
export function parseRetryAfter(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * SECOND, RETRY_AFTER_CAP_MS);
  // An HTTP-date always names a month; requiring a letter keeps Date.parse from reading "2024" as a year.
  if (!/[a-z]/i.test(value)) return null;
  const at = Date.parse(value);
  if (!Number.isFinite(at)) return null;
  return Math.min(Math.max(at - now.getTime(), 0), RETRY_AFTER_CAP_MS);
}

/** Inputs of {@link nextAttemptDelay}. */
export interface NextAttemptInput {
  /** Attempts made so far, 1-based: 1 after the first attempt failed. */
  attemptNumber: number;
  schedule: readonly number[];
  /** From a 429/503 `Retry-After`, else null/undefined. */
  retryAfterMs?: number | null;
  /** Uniform in [0, 1), e.g. `Math.random`. */
  random: () => number;
}

/**
 * Delay before the next attempt in ms, or null when the schedule is exhausted. The scheduled delay
 * gets ±{@link JITTER_FRACTION} jitter (0 stays 0); a `Retry-After` raises it to at least that value.
 *
 * @example
 * nextAttemptDelay({ attemptNumber: 1, schedule: [0, 5000], random: () => 0.5 }) // 5000
 * nextAttemptDelay({ attemptNumber: 2, schedule: [0, 5000], random: Math.random }) // null
 */
export function nextAttemptDelay(input: NextAttemptInput): number | null {
  const scheduled = input.schedule[input.attemptNumber];
  if (scheduled === undefined || input.attemptNumber < 1) return null;
  const jitter = (input.random() * 2 - 1) * JITTER_FRACTION;
  const delay = Math.max(0, Math.round(scheduled * (1 + jitter)));
  return Math.max(delay, input.retryAfterMs ?? 0);
}

/** What to do with a delivery after one attempt (STYLE G3). */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; after: Date; status?: number; error?: string }
  | { kind: 'disable'; status: 410 }
  | { kind: 'give_up'; status?: number; error?: string };

/** One finished attempt, as the sender reports it, plus the context to decide on. */
export interface AttemptDecisionInput {
  /** Attempts made so far including this one, 1-based. */
  attemptNumber: number;
  status: number | null;
  error?: string | null;
  /** The raw `Retry-After` header, if the answer had one. */
  retryAfter?: string | null;
  schedule?: readonly number[];
  now: Date;
  random: () => number;
}

/**
 * Decide the outcome of an attempt: delivered, retry at a time, disable the destination, or give up.
 * `Retry-After` is honoured only on 429 and 503.
 *
 * @example
 * decideAfterAttempt({ attemptNumber: 1, status: 503, retryAfter: '120', now, random: Math.random })
 * // { kind: 'retry', after: now + ≥120 s, status: 503 }
 */
export function decideAfterAttempt(input: AttemptDecisionInput): AttemptOutcome {
  const { status, now } = input;
  const error = input.error ?? null;
  const cls = classifyResponse(status, error);
  if (cls === 'success' && status !== null) return { kind: 'delivered', status };
  if (cls === 'disable') return { kind: 'disable', status: 410 };

  const retryAfterMs =
    status !== null && RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(input.retryAfter ?? null, now) : null;
  const delay = nextAttemptDelay({
    attemptNumber: input.attemptNumber,
    schedule: input.schedule ?? DEFAULT_RETRY_SCHEDULE_MS,
    retryAfterMs,
    random: input.random,
  });
  const detail = {
    ...(status !== null ? { status } : {}),
    ...(error !== null ? { error } : {}),
  };
  if (delay === null) return { kind: 'give_up', ...detail };
  return { kind: 'retry', after: new Date(now.getTime() + delay), ...detail };
}
