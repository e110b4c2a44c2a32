import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REFUSAL_LIMITS } from '../../src/storage/refusal-port.js';
import { addSource, allPages, at, refusal, type MakeStore } from './inputs.js';
import { hasCode, useStore } from './use-store.js';

/** Refused webhooks: a bounded ring per source, newest first, and counts of all. */
export function refusalsContract(makeStore: MakeStore): void {
  describe('refusals', () => {
    const store = useStore(makeStore);

    it('keeps a refusal as recorded, and counts it', async () => {
      const source = await addSource(store(), 'casayes');
      const r = refusal(source, at(5), '{"SenderName":"Someone"}');
      await store().refusals.record(r);
      assert.deepEqual(await store().refusals.get(r.id), r);
      assert.deepEqual((await store().refusals.list({ sourceId: source.id, limit: 10 })).items, [r]);
      assert.deepEqual(await store().refusals.counts(source.id), { total: 1, since: at(5), lastAt: at(5) });
      assert.equal(await store().refusals.get('rej_unknown'), null);
      assert.deepEqual(await store().refusals.counts('src_unknown'), { total: 0, since: null, lastAt: null });
    });

    it('keeps the newest refusals of a source up to its ring, counts every one, and leaves other sources alone', async () => {
      const flooded = await addSource(store(), 'praetorian');
      const quiet = await addSource(store(), 'praetorian');
      const calm = refusal(quiet, at(9));
      await store().refusals.record(calm);
      const n = REFUSAL_LIMITS.keptPerSource + 7;
      // Recorded together, as a flood arrives: every promise resolves once committed.
      const flood = Array.from({ length: n }, (_, k) => refusal(flooded, at(10 + k / 60)));
      await Promise.all(flood.map((r) => store().refusals.record(r)));
      const kept = await allPages((cursor) => store().refusals.list({ sourceId: flooded.id, limit: 20, ...(cursor === undefined ? {} : { cursor }) }));
      assert.deepEqual(kept.map((r) => r.id), flood.slice(-REFUSAL_LIMITS.keptPerSource).reverse().map((r) => r.id), 'the newest, newest first, each once');
      assert.deepEqual(await store().refusals.counts(flooded.id), { total: n, since: at(10), lastAt: flood.at(-1)!.receivedAt });
      assert.deepEqual((await store().refusals.list({ sourceId: quiet.id, limit: 10 })).items, [calm]);
      const all = await store().refusals.counts();
      assert.ok(all.total >= n + 1);
      assert.ok(all.since !== null && all.since <= at(9));
      assert.equal(all.lastAt, flood.at(-1)!.receivedAt);
      await assert.rejects(store().refusals.list({ limit: 3, cursor: '!' }), hasCode('LH_E_INVALID_CURSOR'));
    });

    it('lists the refusals of every source together, newest first', async () => {
      const a = await addSource(store(), 'leadpro');
      const b = await addSource(store(), 'leadpro');
      const later = [refusal(a, at(100)), refusal(b, at(101)), refusal(a, at(102))];
      for (const r of later) await store().refusals.record(r);
      const page = await store().refusals.list({ limit: 3 });
      assert.deepEqual(page.items.map((r) => r.id), later.reverse().map((r) => r.id));
      assert.notEqual(page.nextCursor, null);
    });
  });
}
