import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyQuarantine } from '../storage/item-tally.js';
import { REFUSAL_LIMITS, type NewRefusal } from '../storage/refusal-port.js';
import { REPROCESS_LIMITS, type ItemCounts, type ItemsOutcome } from '../storage/port.js';
import { RefusalQueue, refusalWrites } from './refusal-ring.js';
import { planReprocessRecord, requestStatus } from './request-record.js';

const counts = (c: Partial<ItemCounts>): ItemCounts => {
  const all = { created: 0, updated: 0, duplicate: 0, stale: 0, quarantined: 0, ...c };
  return { ...all, total: all.created + all.updated + all.duplicate + all.stale + all.quarantined };
};

describe('request status', () => {
  it('is duplicate or quarantined only when no item applied', () => {
    assert.equal(requestStatus('leads', counts({ duplicate: 1, quarantined: 1 })), 'duplicate');
    assert.equal(requestStatus('leads', counts({ quarantined: 2 })), 'quarantined');
    assert.equal(requestStatus('leads', counts({ stale: 1, duplicate: 1 })), 'accepted');
    assert.equal(requestStatus('ping', counts({})), 'accepted');
    assert.equal(requestStatus('unparseable', counts({})), 'quarantined');
  });

  it('keeps the last reprocesses of a request, oldest first', () => {
    const outcome: ItemsOutcome = { items: [], counts: counts({ created: 1 }), quarantine: emptyQuarantine() };
    let history = planReprocessRecord({ kind: 'leads', reason: null }, outcome, [], 't0').reprocesses;
    for (let i = 1; i <= REPROCESS_LIMITS.kept; i++) history = planReprocessRecord({ kind: 'leads', reason: null }, outcome, history, `t${i}`).reprocesses;
    assert.equal(history.length, REPROCESS_LIMITS.kept);
    assert.deepEqual([history[0]?.at, history.at(-1)?.at, history.at(-1)?.status], ['t1', `t${REPROCESS_LIMITS.kept}`, 'accepted']);
  });
});

describe('refusal ring', () => {
  it('keeps the last ring of a flood and numbers them into the slots after the stored total', () => {
    const queue = new RefusalQueue();
    const flood = REFUSAL_LIMITS.keptPerSource + 3;
    for (let i = 0; i < flood; i++) queue.add({ id: `rej_${i}`, sourceId: 'src_1', receivedAt: `t${i}` } as NewRefusal);
    const writes = refusalWrites(queue.take().get('src_1') ?? { firstAt: '', kept: [], superseded: 0 });
    assert.deepEqual([writes?.added, writes?.firstAt, writes?.lastAt], [flood, 't0', `t${flood - 1}`]);
    const slots = writes?.slotsFor(10 + flood) ?? [];
    assert.deepEqual([slots[0]?.refusal.id, slots[0]?.seq, slots[0]?.slot], ['rej_3', 13, 13 % REFUSAL_LIMITS.keptPerSource]);
    assert.equal(new Set(slots.map((s) => s.slot)).size, REFUSAL_LIMITS.keptPerSource);
    assert.equal(queue.take().size, 0);
  });
});
