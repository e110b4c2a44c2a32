import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LogThrottle } from './log-throttle.js';

/** A throttle on a clock the test moves by hand. */
function throttled(options: { intervalMs?: number; maxKeys?: number } = {}) {
  let now = 0;
  const throttle = new LogThrottle({ ...options, now: () => now });
  return { throttle, advance: (ms: number) => void (now += ms) };
}

describe('LogThrottle', () => {
  it('logs the first occurrence of a key, then nothing until the interval has passed', () => {
    const { throttle, advance } = throttled({ intervalMs: 60_000 });
    assert.equal(throttle.admit('src_a'), 0);
    for (let second = 1; second < 60; second++) {
      advance(1000);
      assert.equal(throttle.admit('src_a'), null, `after ${second} s`);
    }
    advance(1000);
    assert.equal(throttle.admit('src_a'), 59);
  });

  it('tells the next line how many occurrences were held back since the previous one', () => {
    const { throttle, advance } = throttled({ intervalMs: 60_000 });
    throttle.admit('src_a');
    for (let i = 0; i < 7; i++) assert.equal(throttle.admit('src_a'), null);
    advance(60_000);
    assert.equal(throttle.admit('src_a'), 7);
    advance(60_000);
    assert.equal(throttle.admit('src_a'), 0);
  });

  it('throttles each key on its own', () => {
    const { throttle } = throttled();
    assert.equal(throttle.admit('src_a'), 0);
    assert.equal(throttle.admit('src_b'), 0);
    assert.equal(throttle.admit('src_a'), null);
    assert.equal(throttle.admit('src_b'), null);
  });

  it('tracks at most maxKeys keys, forgetting the least recently seen', () => {
    const { throttle } = throttled({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) throttle.admit(key);
    assert.equal(throttle.admit('a'), null); // a is now the most recently seen
    throttle.admit('d'); // evicts b
    assert.equal(throttle.size, 3);
    assert.equal(throttle.admit('a'), null);
    assert.equal(throttle.admit('b'), 0, 'a forgotten key logs again at once');
  });

  it('never logs a key more than once per interval plus once, and never tracks more than maxKeys keys (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.nat(20_000)), { maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (events, maxKeys) => {
          const { throttle, advance } = throttled({ intervalMs: 60_000, maxKeys });
          let elapsed = 0;
          const lines = new Map<string, number>();
          let occurrences = 0;
          let accounted = 0;
          for (const [key, gap] of events) {
            advance(gap);
            elapsed += gap;
            occurrences++;
            const held = throttle.admit(key);
            if (held !== null) {
              lines.set(key, (lines.get(key) ?? 0) + 1);
              accounted += held + 1;
            }
            assert.ok(throttle.size <= maxKeys);
          }
          // Without eviction (every key fits), each key logs at most once per interval, plus its first line.
          if (maxKeys >= 5) for (const count of lines.values()) assert.ok(count <= Math.floor(elapsed / 60_000) + 1);
          assert.ok(accounted <= occurrences, 'a held-back occurrence is never counted twice');
        },
      ),
      { numRuns: 300 },
    );
  });
});
