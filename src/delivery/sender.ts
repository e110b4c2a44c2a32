/**
 * One outbound delivery attempt: POST the signed body, wait at most `timeoutMs`, read at most 1 KiB of
 * the answer. Every outcome — answer, redirect, timeout, connection failure — comes back as an
 * {@link AttemptResult}; `sendWebhook` does not throw for network conditions (STYLE G3).
 */
import { request, type Dispatcher } from 'undici';
import { VERSION } from '../version.js';

/** How much of a response body is kept for the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 1024;
/** A response body past the snippet is read and dropped up to this size (the connection is then reused), then cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

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
  /** The connection pool to send through, e.g. publicOnlyDispatcher(); defaults to undici's global one. */
  dispatcher?: Dispatcher;
  /** Cuts the attempt short (e.g. at shutdown); it then fails with the signal's reason as its error. */
  signal?: AbortSignal;
}

/** The result of an attempt that got no answer (refused, failed to connect, cut short). */
export function noAnswer(error: string, latencyMs = 0): AttemptResult {
  return { status: null, latencyMs, error, responseSnippet: null, retryAfter: null };
}

class AttemptTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Keep the first `limit` bytes of a body; read and drop the rest up to DRAIN_LIMIT_BYTES so the
 * connection can serve the next send, and cut a longer or endless answer there.
 */
async function readSnippet(body: Dispatcher.ResponseData['body'], limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (kept < limit) {
        chunks.push(chunk);
        kept += chunk.length;
      }
      seen += chunk.length;
      if (seen >= DRAIN_LIMIT_BYTES) break; // leaving the loop destroys the body (and its connection)
    }
  } catch {
    // The timeout fired or the peer reset mid-body: the status already arrived; keep what we have.
  }
  if (kept === 0) return null;
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}

function describeFailure(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted && !(signal.reason instanceof AttemptTimeout)) {
    const reason = signal.reason as { message?: string } | undefined;
    return reason?.message ?? String(signal.reason);
  }
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  // A socket error may come wrapped, with the cause holding the code.
  const inner = e?.cause?.message ? e.cause : e;
  const message = inner?.message ?? String(err);
  return inner?.code && !message.includes(inner.code) ? `${inner.code}: ${message}` : message;
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
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] ??= 'application/json';
  headers['user-agent'] = `leadhook/${VERSION}`;
  const id = headers['webhook-id'];
  if (id !== undefined) headers['idempotency-key'] ??= id;

  // One controller for the timeout (which also bounds reading the answer) and the caller's signal.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(`timeout after ${input.timeoutMs} ms`)), input.timeoutMs);
  const cancel = (): void => controller.abort(input.signal?.reason);
  if (input.signal?.aborted === true) cancel();
  else input.signal?.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    let response: Dispatcher.ResponseData;
    try {
      // undici's request(), not fetch(): no WHATWG Request/Response/stream objects, about a fifth of
      // fetch's CPU per send. It never follows redirects (maxRedirections defaults to 0).
      response = await request(input.url, {
        method: 'POST',
        headers,
        body: input.body,
        signal: controller.signal,
        ...(input.dispatcher === undefined ? {} : { dispatcher: input.dispatcher }),
      });
    } catch (err) {
      return noAnswer(describeFailure(err, input.timeoutMs, controller.signal), elapsed());
    }
    const latencyMs = elapsed();
    const status = response.statusCode;
    const retryAfter = response.headers['retry-after'];
    return {
      status,
      latencyMs,
      error: status >= 300 && status <= 399 ? 'redirects are not followed' : null,
      responseSnippet: await readSnippet(response.body, RESPONSE_SNIPPET_BYTES),
      retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
    };
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', cancel);
  }
}
