import { after, before } from 'node:test';
import type { Store } from '../../src/storage/port.js';
import type { MakeStore, StoreHandle } from './inputs.js';

/**
 * A fresh store for the enclosing `describe`, opened before its first test and closed after its
 * last. Returns its accessor.
 */
export function useStore(makeStore: MakeStore): () => Store {
  let handle: StoreHandle | null = null;
  before(async () => {
    handle = await makeStore();
  });
  after(async () => {
    await handle?.close();
    handle = null;
  });
  return () => {
    if (handle === null) throw new Error('the store is not open (used outside a test?)');
    return handle.store;
  };
}

/** Whether `error` is a HubError with `code` (for assert.rejects). */
export function hasCode(code: string): (error: unknown) => boolean {
  return (error) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
