import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ThreadRuleEvaluator } from './rule-evaluator.js';
import type { RuleJob } from './rule-job.js';

/** An event as stored, with the lead a rule reads. */
const EVENT = JSON.stringify({ type: 'lead.created', id: 'evt_1', timestamp: '2024-01-01T00:00:00.000Z', data: { lead: { stage: 'new', person: { fullName: 'Asha' } } } });

/** Accepted at creation (within the cost estimate) but slow over a long list: 25 million steps for 5,000 items. */
const SLOW_RULE = 'payload.items.all(x, payload.items.all(y, y >= 0))';
const LONG_LIST = JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => i) });

const job = (expression: string, payload: string | null = null): RuleJob => ({ expression, eventBody: EVENT, payload });

describe('ThreadRuleEvaluator: rules on a thread with a deadline', () => {
  const rules = new ThreadRuleEvaluator({ deadlineMs: 50 });
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-rule-thread-'));
  after(async () => {
    await rules.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates over the event, the lead and the payload', async () => {
    assert.deepEqual(await rules.evaluate(job('lead.stage == "new" && event.type == "lead.created" && payload.a == 1', '{"a":1}')), { matched: true });
    assert.deepEqual(await rules.evaluate(job('payload.a == 2', '{"a":1}')), { matched: false });
  });

  it('ends a rule that runs past its deadline, fails it closed, and evaluates the next one on a new thread', async () => {
    const verdicts = await Promise.all([rules.evaluate(job(SLOW_RULE, LONG_LIST)), rules.evaluate(job('lead.stage == "new"'))]);
    assert.deepEqual(verdicts[0], { matched: false, error: 'the rule ran over its 50 ms budget' });
    assert.deepEqual(verdicts[1], { matched: true }, 'the next rule is not failed by the slow one before it');
  });

  it('fails closed, with the reason, a stored rule that today\'s limits refuse', async () => {
    const verdict = await rules.evaluate(job('payload.name.matches("(a)\\\\1")', '{"name":"aa"}'));
    assert.equal(verdict.matched, false);
    assert.match(verdict.error ?? '', /^the rule is no longer accepted: unsupported regular expression/);
  });

  it('fails closed when the thread cannot start, without running the rule here', async () => {
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'throw new Error("cannot load");\n');
    const lines: string[] = [];
    const failing = new ThreadRuleEvaluator({ deadlineMs: 50, entry: pathToFileURL(broken), log: { error: (_o, m) => lines.push(m) } });
    const verdict = await failing.evaluate(job('true'));
    assert.equal(verdict.matched, false);
    assert.match(verdict.error ?? '', /^the rule thread could not start/);
    assert.deepEqual(lines, ['delivery: the rule thread could not start; rules fail closed']);
    await failing.close();
  });
});
