/**
 * Runs delivery attempts on a worker thread, so that signing and HTTP (the larger part of a
 * delivery's CPU) use another core than the event loop that takes webhooks and writes to SQLite: a
 * backlog drain neither starves ingest nor is starved by it. The thread starts on the first send.
 * If it cannot start, attempts run on the calling thread (logged once). If it dies, the attempts it
 * held come back as failed (no answer: retried on the schedule, same `webhook-id`) and the next send
 * starts a new one.
 */
import { Worker } from 'node:worker_threads';
import { InlineSender, type AttemptJob, type AttemptSender } from './attempt.js';
import { noAnswer, type AttemptResult } from './sender.js';
import type { FromSenderThread, ToSenderThread } from './sender-thread.js';

const DEFAULT_ENTRY = new URL('./sender-thread-entry.mjs', import.meta.url);

interface SenderLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface Pending {
  job: AttemptJob;
  resolve: (result: AttemptResult) => void;
}

export class ThreadSender implements AttemptSender {
  private thread: Worker | null = null;
  private isReady = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Set when the thread could not start: attempts then run here. */
  private inline: InlineSender | null = null;

  /** `entry`: the thread's module (tests start broken ones). */
  constructor(
    private readonly log?: SenderLog,
    private readonly entry: URL = DEFAULT_ENTRY,
  ) {}

  /** Whether attempts run on the sender thread (false before the first send and after a failed start). */
  get isThreaded(): boolean {
    return this.inline === null && this.thread !== null;
  }

  send(job: AttemptJob): Promise<AttemptResult> {
    if (this.inline !== null) return this.inline.send(job);
    const thread = this.start();
    const id = this.nextId++;
    return new Promise<AttemptResult>((resolve) => {
      // Keep the process alive while the thread holds an attempt (a stop waits for its outcome).
      if (this.pending.size === 0) thread.ref();
      this.pending.set(id, { job, resolve });
      thread.postMessage({ kind: 'send', id, job } satisfies ToSenderThread);
    });
  }

  abortAll(reason: string): void {
    this.inline?.abortAll(reason);
    this.thread?.postMessage({ kind: 'abort', reason } satisfies ToSenderThread);
  }

  /** End the thread (a later send starts a new one); attempts it still held come back without an answer. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    if (thread !== null) await thread.terminate();
    this.settleAll(noAnswer('leadhook shut down before the receiver answered'));
  }

  private start(): Worker {
    if (this.thread !== null) return this.thread;
    const thread = new Worker(this.entry);
    this.thread = thread;
    this.isReady = false;
    thread.unref();
    thread.on('message', (m: FromSenderThread) => {
      if (m.kind === 'ready') {
        this.isReady = true;
        return;
      }
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) thread.unref();
      p.resolve(m.result);
    });
    thread.on('error', (error) => this.stopped(thread, error));
    thread.on('exit', (code) => this.stopped(thread, new Error(`exit code ${code}`)));
    return thread;
  }

  private stopped(thread: Worker, error: Error): void {
    if (this.thread !== thread) return; // closed on purpose, or already replaced
    this.thread = null;
    if (!this.isReady) {
      // It never loaded, so nothing it held was sent: run those here, and every later attempt too.
      this.log?.warn({ err: error }, 'delivery: the sender thread could not start; sending from the main thread');
      this.inline = new InlineSender();
      const held = [...this.pending.values()];
      this.pending.clear();
      for (const p of held) void this.inline.send(p.job).then(p.resolve);
      return;
    }
    this.log?.error({ err: error }, 'delivery: the sender thread stopped; its attempts in flight are retried');
    this.settleAll(noAnswer(`the sender thread stopped (${error.message}) before the receiver answered`));
  }

  private settleAll(result: AttemptResult): void {
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) p.resolve(result);
  }
}
