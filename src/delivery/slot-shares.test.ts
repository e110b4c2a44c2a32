import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_WINDOW, SlotShares } from './slot-shares.js';

const quick = { status: 200, latencyMs: 20 };
const noAnswer = { status: null, latencyMs: 1000 };

describe('SlotShares: send slots by how destinations answer', () => {
  it('starts a destination with a small window, gives the full share once it answers quickly, and one slot once it turns slow', () => {
    const shares = new SlotShares({ maxInFlight: 64, perDestinationMaxInFlight: 16, timeoutMs: 1000 });
    assert.equal(shares.limitOf('d'), INITIAL_WINDOW);
    shares.record('d', quick);
    assert.equal(shares.limitOf('d'), 16);
    shares.record('d', { status: 200, latencyMs: 600 }); // answered, but slower than half the timeout
    assert.equal(shares.limitOf('d'), 1);
    shares.record('d', quick);
    shares.record('d', noAnswer);
    assert.equal(shares.limitOf('d'), 1);
    assert.deepEqual(shares.claimLimits(), { perDestination: 2 * INITIAL_WINDOW, overrides: { d: 2 } });
  });

  it('keeps half of the slots, beyond one probe each, out of reach of destinations not known to answer quickly', () => {
    const shares = new SlotShares({ maxInFlight: 16, perDestinationMaxInFlight: 4, timeoutMs: 1000 });
    const sending = new Map<string, number>();
    for (let round = 0; round < INITIAL_WINDOW; round++) {
      for (let i = 0; i < 5; i++) if (shares.mayStart(`new${i}`, sending)) sending.set(`new${i}`, (sending.get(`new${i}`) ?? 0) + 1);
    }
    assert.equal([...sending.values()].reduce((a, b) => a + b, 0), 8, 'half of the 16 slots');
    assert.equal(shares.mayStart('another', sending), true, 'a destination with nothing in flight may always probe');
    shares.record('ok', quick);
    sending.set('ok', 3);
    assert.equal(shares.mayStart('ok', sending), true, 'a quick destination is not held back by the others');
  });
});
