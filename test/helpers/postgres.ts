import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: `LEADHOOK_TEST_DATABASE_URL`, else the local server `.ci/run` starts. */
export const TEST_DATABASE_URL = process.env['LEADHOOK_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The one line a PostgreSQL suite prints when it skips. */
export const PG_SKIP_REASON = `PostgreSQL is not reachable at ${TEST_DATABASE_URL}: start it (\`pg_ctlcluster --skip-systemctl-redirect 15 main start\`, or run .ci/run) or set LEADHOOK_TEST_DATABASE_URL`;

let reachable: Promise<boolean> | null = null;

/** Whether the test PostgreSQL answers (checked once per process, within 2 s). */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export interface TestSchema {
  /** The schema's name (`lh_test_…`). */
  schema: string;
  /** A URL whose connections use the schema (search_path in the URL's `options`): give it to a server. */
  url: string;
  /** Drop the schema and everything in it. */
  drop(): Promise<void>;
}

/** A new empty schema for one test file; drop it after. */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = `lh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
