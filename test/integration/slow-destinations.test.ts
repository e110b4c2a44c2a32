import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_WINDOW } from '../../src/delivery/slot-shares.js';
import { eventually, startReceiver } from '../helpers/receiver.js';
import { createSource, startTestServer } from '../helpers/server.js';

/**
 * Issue 9: five destinations that never answer took every global send slot (64), and a healthy
 * destination waited for their timeouts, over a minute. A destination now holds a
 * few slots until an attempt shows it answers quickly, one once it is slow, and those not known to
 * answer quickly together hold at most half of the slots.
 */

const LEADS = 20;

describe('slow destinations do not starve a healthy one', () => {
  it('delivers every event to the healthy destination while five that never answer hold a few slots each', async () => {
    // The send timeout is far longer than the test: the stuck sends never end while it runs.
    const t = await startTestServer({ allowPrivateDestinations: true, deliveryTimeoutMs: 60_000, retryScheduleMs: [0], shutdownGraceMs: 0 });
    const stuck = await startReceiver(() => {}); // never answers
    const healthy = await startReceiver();
    try {
      const source = await createSource(t, 'praetorian');
      for (let i = 0; i < 5; i++) {
        const res = await t.api('POST', '/api/destinations', { name: `stuck ${i}`, url: `${stuck.url}?d=${i}`, sourceIds: [source.id] });
        assert.equal(res.status, 201);
      }
      const ok = (await t.api('POST', '/api/destinations', { name: 'healthy', url: healthy.url, sourceIds: [source.id] })).json;
      // 20 events for each of the six: the five stuck ones alone would want 5 × 16 slots, more than the 64 there are.
      const leads = Array.from({ length: LEADS }, (_, i) => ({ id: `led_slow_${i}`, created: '2024-01-02T03:04:05Z', data: { first_name: 'Dee', last_name: `n${i}`, phone: '+14155552671' } }));
      assert.equal((await t.hook(source.webhookPath, leads, { authorization: source.secret })).status, 200);

      await healthy.waitFor((r) => r.length >= LEADS, 15_000);
      await eventually(async () => (await t.api('GET', `/api/deliveries?destinationId=${ok.id}&status=succeeded&limit=100`)).json.items.length === LEADS);
      assert.equal(stuck.received.length, 5 * INITIAL_WINDOW, 'a destination that never answered holds its initial window, not a quarter of all slots');
    } finally {
      await stuck.close();
      await healthy.close();
      await t.close();
    }
  });
});
