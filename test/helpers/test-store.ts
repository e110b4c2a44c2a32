import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseFile } from '../../src/server.js';
import { createTestSchema, PG_SKIP_REASON, postgresReachable, type TestSchema } from './postgres.js';

/** The stores the HTTP suites can run against. */
export type TestStoreKind = 'sqlite' | 'postgres';

function parseTestStore(value: string | undefined): TestStoreKind {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'postgres') return 'postgres';
  throw new Error(`LEADHOOK_TEST_STORE must be sqlite or postgres, not ${JSON.stringify(value)}`);
}

/** The store test servers use: `LEADHOOK_TEST_STORE=postgres`, else SQLite (the default). */
export const TEST_STORE: TestStoreKind = parseTestStore(process.env['LEADHOOK_TEST_STORE']);

/** Test schemas by the data directory of the server(s) using them. */
const schemas = new Map<string, Promise<TestSchema>>();
let dropAtExit = false;

/**
 * The `LEADHOOK_DATABASE_URL` for a test server on `dataDir`: null with SQLite (the file in the data
 * directory); with PostgreSQL, a private schema per data directory, so that a server restarted on
 * the same directory finds its data, as with SQLite. Schemas not dropped by `releaseDatabase` are
 * dropped when the test process ends. Throws the one-line skip reason when PostgreSQL is unreachable.
 */
export async function testDatabaseUrl(dataDir: string): Promise<string | null> {
  if (TEST_STORE === 'sqlite') return null;
  let schema = schemas.get(dataDir);
  if (schema === undefined) {
    if (!(await postgresReachable())) throw new Error(PG_SKIP_REASON);
    schema = createTestSchema();
    schemas.set(dataDir, schema);
    if (!dropAtExit) {
      dropAtExit = true;
      process.once('beforeExit', () => void dropAll());
    }
  }
  return (await schema).url;
}

/** Drop the schema of `dataDir` (its server is closed and its data discarded). */
export async function releaseDatabase(dataDir: string): Promise<void> {
  const schema = schemas.get(dataDir);
  if (schema === undefined) return;
  schemas.delete(dataDir);
  await (await schema).drop();
}

async function dropAll(): Promise<void> {
  await Promise.all([...schemas.keys()].map((dir) => releaseDatabase(dir).catch(() => {})));
}

/**
 * Rewrite stored lead documents as an older leadhook wrote them (no API can): `edit` gets each
 * lead's document (those of `ids`, else all) and returns the one to store. Works on the store the
 * test server on `dataDir` used; that server must be closed (with `keepData`).
 */
export async function rewriteLeadDocuments(dataDir: string, edit: (doc: any) => unknown, ids?: string[]): Promise<void> {
  const wanted = (id: string): boolean => ids === undefined || ids.includes(id);
  await onTestDatabase(dataDir, {
    sqlite: (db) => {
      const rows = db.prepare('SELECT id, doc FROM leads').all() as { id: string; doc: string }[];
      const update = db.prepare('UPDATE leads SET doc = ? WHERE id = ?');
      for (const row of rows.filter((r) => wanted(r.id))) update.run(JSON.stringify(edit(JSON.parse(row.doc))), row.id);
    },
    postgres: async (client) => {
      const rows = (await client.query<{ id: string; doc: string }>('SELECT id, doc FROM leads')).rows;
      for (const row of rows.filter((r) => wanted(r.id))) await client.query('UPDATE leads SET doc = $1 WHERE id = $2', [JSON.stringify(edit(JSON.parse(row.doc))), row.id]);
    },
  });
}

/**
 * Run `work` on the database of the test server on `dataDir`, through a connection of its own: the
 * SQLite file in the data directory, or the server's PostgreSQL schema (LEADHOOK_TEST_STORE=postgres).
 * For tests that must change what no API can (rows as an older leadhook wrote them, a broken table).
 */
export async function onTestDatabase(
  dataDir: string,
  work: { sqlite: (db: Database.Database) => void; postgres: (client: pg.Client) => Promise<void> },
): Promise<void> {
  const url = await testDatabaseUrl(dataDir);
  if (url === null) {
    const db = new Database(databaseFile(dataDir));
    try {
      work.sqlite(db);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work.postgres(client);
  } finally {
    await client.end();
  }
}
