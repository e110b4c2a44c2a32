/**
 * The sender thread's body (started by thread-sender.ts through sender-thread-entry.mjs): runs the
 * attempts it is sent and posts each result back. Signing and HTTP run here, on another core than the
 * event loop that takes webhooks and writes to the database.
 */
import { parentPort } from 'node:worker_threads';
import { newAborter, runAttempt, type AttemptJob } from './attempt.js';
import { noAnswer, type AttemptResult } from './sender.js';

/** Messages to the thread. */
export type ToSenderThread = { kind: 'send'; id: number; job: AttemptJob } | { kind: 'abort'; reason: string };
/** Messages from the thread: `ready` once loaded, then one result per send. */
export type FromSenderThread = { kind: 'ready' } | { kind: 'result'; id: number; result: AttemptResult };

const port = parentPort;
if (port === null) throw new Error('sender-thread.ts runs as a worker thread only');

let aborter = newAborter();

port.on('message', (m: ToSenderThread) => {
  if (m.kind === 'abort') {
    aborter.abort(new Error(m.reason));
    aborter = newAborter();
    return;
  }
  runAttempt(m.job, aborter.signal).then(
    (result) => port.postMessage({ kind: 'result', id: m.id, result } satisfies FromSenderThread),
    (error: unknown) => {
      // runAttempt does not throw for network conditions; this is a bug, reported as a failed attempt.
      const why = error instanceof Error ? error.message : String(error);
      port.postMessage({ kind: 'result', id: m.id, result: noAnswer(`the sender failed: ${why}`) } satisfies FromSenderThread);
    },
  );
});

port.postMessage({ kind: 'ready' } satisfies FromSenderThread);
