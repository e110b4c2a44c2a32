/**
 * One outbound delivery attempt: POST the signed body, wait at most `timeoutMs`, read at most 1 KiB of
 * the answer. Every outcome — answer, redirect, timeout, connection failure — comes back as an
 * {@link AttemptResult}; `sendWebhook` does not throw for network conditions (STYLE G3).
 */
import type { Dispatcher } from 'undici';
import { VERSION } from '../version.js';

/** How much of a response body is kept for the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 1024;

/** What happened on one attempt. Classify it with core/retry-policy.ts `decideAfterAttempt`. */
export interface AttemptResult {
  /** HTTP status; null when no response arrived (timeout, connection error). */
  status: number | null;
  /** Milliseconds from sending to the response headers (or to the failure). */
  latencyMs: number;
  /** Why the attempt failed before or instead of a usable answer; null when a non-redirect response came back. */
  error: string | null;
  /** The first 1 KiB of the response body as text; null when there was no body. */
  responseSnippet: string | null;
  /** The raw `Retry-After` header, if any. */
  retryAfter: string | null;
}

/** Inputs of {@link sendWebhook}. */
export interface SendInput {
  url: string | URL;
  /** The exact JSON text that was signed. */
  body: string;
  /** Signature headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and any extra ones. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /** The connection pool to send through, e.g. publicOnlyDispatcher(); defaults to fetch's own. */
  dispatcher?: Dispatcher;
  /** Cuts the attempt short (e.g. at shutdown); it then fails with the signal's reason as its error. */
  signal?: AbortSignal;
}

class AttemptTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/** Read up to `limit` bytes of a body, then cancel the rest so a huge or endless answer costs nothing. */
async function readSnippet(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The timeout fired or the peer reset mid-body: the status already arrived; keep what we have.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (size === 0) return null;
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return new TextDecoder().decode(bytes);
}

function describeFailure(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted && !(signal.reason instanceof AttemptTimeout)) {
    const reason = signal.reason as { message?: string } | undefined;
    return reason?.message ?? String(signal.reason);
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  // undici reports "fetch failed" and puts the socket error in `cause`.
  const cause = e?.cause;
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return e?.message ?? String(err);
}

/**
 * POST a webhook. Sends `content-type: application/json` (unless given), `user-agent: leadhook/<version>`
 * and `idempotency-key` = `webhook-id` (unless given). Redirects are not followed: a 3xx is a failed
 * attempt with error `redirects are not followed`.
 *
 * @example
 * const headers = signPayload({ id: 'msg_1', timestamp: new Date(), body, secrets })
 * const result = await sendWebhook({ url, body, headers, timeoutMs: DEFAULT_TIMEOUT_MS })
 * // { status: 200, latencyMs: 42, error: null, responseSnippet: 'ok', retryAfter: null }
 */
export async function sendWebhook(input: SendInput): Promise<AttemptResult> {
  const headers = new Headers(input.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  headers.set('user-agent', `leadhook/${VERSION}`);
  const id = headers.get('webhook-id');
  if (id !== null && !headers.has('idempotency-key')) headers.set('idempotency-key', id);

  const fetchImpl = input.fetchImpl ?? fetch;
  // One controller for the timeout (which also bounds reading the answer) and the caller's signal: a
  // plain timer instead of AbortSignal.timeout/any, whose transferable signals cost ~10 % of a send.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(`timeout after ${input.timeoutMs} ms`)), input.timeoutMs);
  const cancel = (): void => controller.abort(input.signal?.reason);
  if (input.signal?.aborted === true) cancel();
  else input.signal?.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    let response: Response;
    try {
      response = await fetchImpl(input.url, {
        method: 'POST',
        headers,
        body: input.body,
        redirect: 'manual',
        signal: controller.signal,
        // Node's fetch takes an undici dispatcher; the DOM RequestInit type does not know it.
        ...(input.dispatcher === undefined ? {} : ({ dispatcher: input.dispatcher } as RequestInit)),
      });
    } catch (err) {
      return { status: null, latencyMs: elapsed(), error: describeFailure(err, input.timeoutMs, controller.signal), responseSnippet: null, retryAfter: null };
    }
    const latencyMs = elapsed();
    // A spec-compliant fetch hides a manual redirect as type 'opaqueredirect', status 0; undici shows the 3xx.
    const isRedirect = response.type === 'opaqueredirect' || (response.status >= 300 && response.status <= 399);
    return {
      status: response.status === 0 ? null : response.status,
      latencyMs,
      error: isRedirect ? 'redirects are not followed' : null,
      responseSnippet: await readSnippet(response, RESPONSE_SNIPPET_BYTES),
      retryAfter: response.headers.get('retry-after'),
    };
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', cancel);
  }
}
