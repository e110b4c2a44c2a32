/**
 * The storage contract suite against the PostgreSQL store: each group of tests gets a schema of its
 * own (test/helpers/postgres.ts), dropped after. Skips with one line when PostgreSQL is not reachable
 * or the adapter cannot be loaded.
 *
 *   LEADHOOK_TEST_DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/test)
 */
import { test } from 'node:test';
import { createTestSchema, PG_SKIP_REASON, postgresReachable } from '../helpers/postgres.js';
import { runStoreContract } from './store-contract.js';

const adapter = (await postgresReachable()) ? await import('../../src/storage/postgres/store.js').catch((error: unknown) => String(error)) : null;

if (adapter === null) {
  test('storage contract: PostgreSQL', { skip: PG_SKIP_REASON }, () => undefined);
} else if (typeof adapter === 'string' || typeof adapter.openPostgresStore !== 'function') {
  const why = typeof adapter === 'string' ? adapter : 'src/storage/postgres/store.ts has no openPostgresStore';
  test('storage contract: PostgreSQL', { skip: `PostgreSQL store not available: ${why}` }, () => undefined);
} else {
  const { openPostgresStore } = adapter;
  runStoreContract('PostgreSQL', async () => {
    const schema = await createTestSchema();
    try {
      const store = await openPostgresStore({ url: schema.url, schema: schema.schema, max: 4 });
      return {
        store,
        close: async () => {
          try {
            await store.close();
          } finally {
            await schema.drop();
          }
        },
      };
    } catch (error) {
      await schema.drop();
      throw error;
    }
  });
}
