/**
 * Evaluates destination rules on a worker thread with a deadline: one evaluation at a time, and one
 * that runs past `deadlineMs` ends the thread (the only way to stop a running evaluation) and fails
 * closed; the next evaluation starts a new thread. The thread's heap is capped too, so a rule that
 * allocates without end kills the thread, never the process. Nothing here runs a rule on the main
 * thread: while the thread cannot start, evaluations fail closed.
 */
import { Worker } from 'node:worker_threads';
import type { FilterEvaluation } from './rule-filter.js';
import type { RuleJob } from './rule-job.js';
import type { FromRuleThread, ToRuleThread } from './rule-thread.js';

const DEFAULT_ENTRY = new URL('./rule-thread-entry.mjs', import.meta.url);
/** The rule thread's heap cap, MB (an event is at most the body limit, parsed once). */
const THREAD_HEAP_MB = 128;

/** Evaluates a rule against an event; never rejects: every failure is "no match" with the error. */
export interface RuleEvaluator {
  evaluate(job: RuleJob): Promise<FilterEvaluation>;
  /** End the thread; call once no evaluation is waiting (evaluations end within their deadline). */
  close(): Promise<void>;
}

interface Waiting {
  job: RuleJob;
  resolve: (verdict: FilterEvaluation) => void;
}

export interface ThreadRuleEvaluatorOptions {
  /** Longest one evaluation may run on the thread, ms. */
  deadlineMs: number;
  log?: { error(obj: object, msg: string): void };
  /** The thread's module (tests start broken or slow ones). */
  entry?: URL;
}

export class ThreadRuleEvaluator implements RuleEvaluator {
  private thread: Worker | null = null;
  private isReady = false;
  private nextId = 1;
  private readonly waiting: Waiting[] = [];
  private running: (Waiting & { id: number; timer: NodeJS.Timeout }) | null = null;

  constructor(private readonly o: ThreadRuleEvaluatorOptions) {}

  evaluate(job: RuleJob): Promise<FilterEvaluation> {
    return new Promise((resolve) => {
      this.waiting.push({ job, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    if (thread !== null) await thread.terminate();
    this.failAll('leadhook shut down before the rule was evaluated');
  }

  /** Post the next evaluation when the thread is free (and loaded); its deadline starts now. */
  private pump(): void {
    if (this.running !== null || this.waiting.length === 0) return;
    const thread = this.start();
    if (!this.isReady) return; // `ready` pumps again
    const next = this.waiting.shift() as Waiting;
    const id = this.nextId++;
    const timer = setTimeout(() => this.overran(thread), this.o.deadlineMs);
    this.running = { ...next, id, timer };
    thread.ref();
    thread.postMessage({ kind: 'evaluate', id, job: next.job } satisfies ToRuleThread);
  }

  private finish(verdict: FilterEvaluation): void {
    const r = this.running;
    if (r === null) return;
    clearTimeout(r.timer);
    this.running = null;
    this.thread?.unref();
    r.resolve(verdict);
    this.pump();
  }

  private overran(thread: Worker): void {
    if (this.thread !== thread) return;
    this.thread = null;
    void thread.terminate();
    this.finish({ matched: false, error: `the rule ran over its ${this.o.deadlineMs} ms budget` });
  }

  private start(): Worker {
    if (this.thread !== null) return this.thread;
    const thread = new Worker(this.o.entry ?? DEFAULT_ENTRY, { resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
    this.thread = thread;
    this.isReady = false;
    thread.unref();
    thread.on('message', (m: FromRuleThread) => {
      if (this.thread !== thread) return;
      if (m.kind === 'ready') {
        this.isReady = true;
        this.pump();
      } else if (this.running?.id === m.id) this.finish(m.verdict);
    });
    thread.on('error', (error) => this.stopped(thread, error));
    thread.on('exit', (code) => this.stopped(thread, new Error(`exit code ${code}`)));
    return thread;
  }

  private stopped(thread: Worker, error: Error): void {
    if (this.thread !== thread) return; // ended on purpose, or already replaced
    this.thread = null;
    if (!this.isReady) {
      // Never loaded: fail what waits (closed), and try again with the next evaluation.
      this.o.log?.error({ err: error }, 'delivery: the rule thread could not start; rules fail closed');
      this.failAll(`the rule thread could not start (${error.message})`);
      return;
    }
    this.o.log?.error({ err: error }, 'delivery: the rule thread stopped while evaluating a rule');
    this.finish({ matched: false, error: `the rule stopped the rule thread (${error.message})` });
  }

  private failAll(error: string): void {
    const held = this.waiting.splice(0); // first, or finish() would post the next one
    if (this.running !== null) this.finish({ matched: false, error });
    for (const w of held) w.resolve({ matched: false, error });
  }
}
