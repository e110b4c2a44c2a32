import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseFile } from '../../src/server.js';
import { testDatabaseUrl } from './test-store.js';

/**
 * Replace the stored body of request `requestId` by `edit(body)`, on the store the test server on
 * `dataDir` used; that server must be closed (with `keepData`). No API can: a test uses it to stand
 * for a mapping fix, after which the same stored bytes map to an item that was never applied (a
 * reprocess then applies it, as it would after an upgrade).
 */
export async function rewriteRequestBody(dataDir: string, requestId: string, edit: (body: Buffer) => Buffer): Promise<void> {
  const url = await testDatabaseUrl(dataDir);
  if (url === null) {
    const db = new Database(databaseFile(dataDir));
    try {
      const row = db.prepare('SELECT body FROM requests WHERE id = ?').get(requestId) as { body: Buffer } | undefined;
      if (row === undefined) throw new Error(`no stored request ${requestId}`);
      db.prepare('UPDATE requests SET body = ? WHERE id = ?').run(edit(row.body), requestId);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query<{ body: Buffer }>('SELECT body FROM requests WHERE id = $1', [requestId])).rows[0];
    if (row === undefined) throw new Error(`no stored request ${requestId}`);
    await client.query('UPDATE requests SET body = $1 WHERE id = $2', [edit(row.body), requestId]);
  } finally {
    await client.end();
  }
}
