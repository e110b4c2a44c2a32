/**
 * The delivery worker on a real SQLite store and a real receiver on loopback: what it does when the
 * store reopens after a fault while a claim is under way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore, type SqliteStore } from '../storage/sqlite/store.js';
import type { DeliveryStore } from '../storage/delivery-port.js';
import { deliveriesOf, freshDestinations, leadWithUpdates } from '../../test/contract/delivery-inputs.js';
import { eventually, startReceiver, type Receiver } from '../../test/helpers/receiver.js';
import { DeliveryWorker } from './worker.js';

/** Resolves after `ms` (only a bound on a wait for something that should not happen). */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('delivery worker after the store reopens', () => {
  let dir: string;
  let store: SqliteStore;
  let receiver: Receiver;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leadhook-worker-'));
    store = openSqliteStore(join(dir, 'leadhook.db'));
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a claim committed while the store reopens is sent once and its outcome recorded, not released under the send', async () => {
    const { source, destinations } = await freshDestinations(store, [{ url: receiver.url }]);
    const leadId = await leadWithUpdates(store, source, 0);
    const real = store.delivery;
    let releaseCalled!: () => void;
    const released = new Promise<void>((resolve) => (releaseCalled = resolve));
    let isFirstClaim = true;
    // The real store; only the timing of one claim's return is arranged: the reopen arrives after the
    // claim committed and before the worker holds what it claimed.
    const arranged: DeliveryStore = new Proxy(real, {
      get(target, name, receiverOfGet) {
        if (name === 'claimDueDeliveries') {
          return async (...args: Parameters<DeliveryStore['claimDueDeliveries']>) => {
            const claimed = await target.claimDueDeliveries(...args);
            if (isFirstClaim && claimed.length > 0) {
              isFirstClaim = false;
              target.notifyReopened();
              // Before the fix the release ran at once; now it waits for this claim to come back.
              await Promise.race([released, pause(200)]);
            }
            return claimed;
          };
        }
        if (name === 'releaseClaims') {
          return async (...args: Parameters<DeliveryStore['releaseClaims']>) => {
            releaseCalled();
            return target.releaseClaims(...args);
          };
        }
        const value: unknown = Reflect.get(target, name, receiverOfGet);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const worker = new DeliveryWorker({
      store: arranged,
      schedule: [60_000],
      timeoutMs: 2000,
      maxInFlight: 4,
      perDestinationMaxInFlight: 2,
      disableAfterMs: 86_400_000,
      allowPrivateDestinations: true,
      ruleTimeoutMs: 1000,
    });
    worker.start();
    try {
      const delivered = await eventually(async () => {
        const [d] = await deliveriesOf(store, leadId, destinations[0]!.id);
        return d?.status === 'succeeded' ? d : null;
      }, 10_000, 'the delivery recorded as succeeded');
      await worker.stop();
      assert.equal(receiver.received.length, 1, 'sent exactly once');
      assert.equal(delivered.attemptCount, 1);
      assert.equal(isFirstClaim, false, 'the reopen came while the claim was under way');
    } finally {
      await worker.stop();
    }
  });
});
