/**
 * The storage contract: every behaviour the `Store`, `DeliveryStore` and `RefusalStore` ports
 * (src/storage/port.ts, delivery-port.ts, refusal-port.ts) promise, stated once and run against each
 * backend (test/contract/sqlite.test.ts, test/contract/postgres.test.ts). Inputs are built through
 * the ports and the pure helpers leadhook itself uses; outcomes are read through the ports only,
 * never through a backend's tables. Every time is injected (`at(minutes)`), nothing sleeps.
 */
import { describe } from 'node:test';
import { erasureContract, ingestContract, sourcesContract } from './contract-ingest.js';
import { searchContract } from './contract-search.js';
import { claimsContract, completionContract, erasureOutboxContract, nextDueContract, outboxContract } from './contract-delivery.js';
import { refusalsContract } from './contract-refusals.js';
import { consoleContract } from './contract-stats.js';
import { sourceActivityContract } from './contract-source-activity.js';
import { authContract } from './contract-auth.js';
import type { MakeStore } from './inputs.js';

export type { MakeStore, StoreHandle } from './inputs.js';

/**
 * Register the contract suite for one backend. `makeStore` opens a fresh, empty store; it is called
 * once per group of tests (each `describe`) and its `close` disposes of it (files, schema).
 */
export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`storage contract: ${name}`, () => {
    sourcesContract(makeStore);
    ingestContract(makeStore);
    erasureContract(makeStore);
    searchContract(makeStore);
    outboxContract(makeStore);
    erasureOutboxContract(makeStore);
    claimsContract(makeStore);
    nextDueContract(makeStore);
    completionContract(makeStore);
    refusalsContract(makeStore);
    consoleContract(makeStore);
    sourceActivityContract(makeStore);
    authContract(makeStore);
  });
}
