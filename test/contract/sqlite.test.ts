/** The storage contract suite against the SQLite store, opened as src/server.ts opens it: one temporary file per group. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile } from '../../src/server.js';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-contract-'));
  const store = openSqliteStore(databaseFile(dir), { commitBatchMax: 512 });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
