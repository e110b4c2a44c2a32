import { onTestDatabase } from './test-store.js';

/**
 * Replace the stored body of request `requestId` by `edit(body)`, on the store the test server on
 * `dataDir` used; that server must be closed (with `keepData`). No API can: a test uses it to stand
 * for a mapping fix, after which the same stored bytes map to an item that was never applied (a
 * reprocess then applies it, as it would after an upgrade).
 */
export async function rewriteRequestBody(dataDir: string, requestId: string, edit: (body: Buffer) => Buffer): Promise<void> {
  const missing = (): Error => new Error(`no stored request ${requestId}`);
  await onTestDatabase(dataDir, {
    sqlite: (db) => {
      const row = db.prepare('SELECT body FROM requests WHERE id = ?').get(requestId) as { body: Buffer } | undefined;
      if (row === undefined) throw missing();
      db.prepare('UPDATE requests SET body = ? WHERE id = ?').run(edit(row.body), requestId);
    },
    postgres: async (client) => {
      const row = (await client.query<{ body: Buffer }>('SELECT body FROM requests WHERE id = $1', [requestId])).rows[0];
      if (row === undefined) throw missing();
      await client.query('UPDATE requests SET body = $1 WHERE id = $2', [edit(row.body), requestId]);
    },
  });
}
