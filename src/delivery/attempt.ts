/**
 * One delivery attempt from claim to answer: check the URL's addresses again, sign, POST. Runs on the
 * sender thread (see thread-sender.ts) or, with {@link InlineSender}, on the calling thread.
 */
import { setMaxListeners } from 'node:events';
import { checkDestinationUrl } from './destination-url.js';
import { dispatcherFor } from './public-only-dispatcher.js';
import { noAnswer, sendWebhook, type AttemptResult } from './sender.js';
import { signPayload } from './signing.js';

/** What an attempt needs; plain data, so it can be posted to a thread. */
export interface AttemptJob {
  url: string;
  /** The event's JSON text, sent and signed as is. */
  body: string;
  /** `webhook-id` and `idempotency-key`: the same on every attempt of one event. */
  eventId: string;
  /** The signature's timestamp, epoch ms. */
  startedAtMs: number;
  secrets: string[];
  timeoutMs: number;
  allowPrivate: boolean;
}

/** Runs attempts; `abortAll` cuts those waiting for an answer short (their error is `reason`). */
export interface AttemptSender {
  send(job: AttemptJob): Promise<AttemptResult>;
  abortAll(reason: string): void;
  close(): Promise<void>;
}

/** Run one attempt. Never throws for network conditions: every outcome is an {@link AttemptResult}. */
export async function runAttempt(job: AttemptJob, signal?: AbortSignal): Promise<AttemptResult> {
  // Checked again at send time: a name may resolve elsewhere than when the destination was created.
  const check = await checkDestinationUrl(job.url, { allowPrivate: job.allowPrivate });
  if (!check.ok) return noAnswer(`refused: ${check.reason}`);
  const headers = {
    ...signPayload({ id: job.eventId, timestamp: new Date(job.startedAtMs), body: job.body, secrets: job.secrets }),
    'idempotency-key': job.eventId,
  };
  // The connection itself goes to public addresses only (unless allowed): no DNS-rebinding window.
  const dispatcher = dispatcherFor(job.allowPrivate);
  return sendWebhook({
    url: job.url,
    body: job.body,
    headers,
    timeoutMs: job.timeoutMs,
    ...(signal ? { signal } : {}),
    ...(dispatcher ? { dispatcher } : {}),
  });
}

/** A controller whose signal every send in flight listens on: no MaxListenersExceededWarning past 10. */
export function newAborter(): AbortController {
  const aborter = new AbortController();
  setMaxListeners(0, aborter.signal);
  return aborter;
}

/** Attempts on the calling thread (the fallback when the sender thread cannot start). */
export class InlineSender implements AttemptSender {
  private aborter = newAborter();

  async send(job: AttemptJob): Promise<AttemptResult> {
    return runAttempt(job, this.aborter.signal);
  }

  abortAll(reason: string): void {
    this.aborter.abort(new Error(reason));
    this.aborter = newAborter();
  }

  async close(): Promise<void> {}
}
