/**
 * The rule thread's body (started by rule-evaluator.ts through rule-thread-entry.mjs): evaluates
 * destination rules one at a time and posts each verdict back. It runs here, not on the thread that
 * takes webhooks, so that the main thread can end it at a deadline.
 */
import { parentPort } from 'node:worker_threads';
import { evaluateRule, type RuleJob } from './rule-job.js';
import type { FilterEvaluation } from './rule-filter.js';

/** Messages to the thread. */
export type ToRuleThread = { kind: 'evaluate'; id: number; job: RuleJob };
/** Messages from the thread: `ready` once loaded, then one verdict per evaluation. */
export type FromRuleThread = { kind: 'ready' } | { kind: 'verdict'; id: number; verdict: FilterEvaluation };

const port = parentPort;
if (port === null) throw new Error('rule-thread.ts runs as a worker thread only');

port.on('message', (m: ToRuleThread) => {
  port.postMessage({ kind: 'verdict', id: m.id, verdict: evaluateRule(m.job) } satisfies FromRuleThread);
});

port.postMessage({ kind: 'ready' } satisfies FromRuleThread);
