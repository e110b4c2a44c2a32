import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveAdminToken } from '../../src/admin-token.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/test-store.js';

/** Permission bits of `path`, and which of them the group or others hold. */
function shared(path: string): { mode: string; sharedBits: number } {
  const mode = statSync(path).mode & 0o777;
  return { mode: mode.toString(8), sharedBits: mode & 0o077 };
}

/** The directory and every file in it, as `name: mode` for the ones open to the group or others. */
function openToOthers(dir: string): string[] {
  return [dir, ...readdirSync(dir).map((f) => join(dir, f))].filter((p) => shared(p).sharedBits !== 0).map((p) => `${p}: ${shared(p).mode}`);
}

describe('the data directory and its files are the owner\'s only', () => {
  let root: string;
  let umask: number;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'leadhook-perm-'));
    // No umask to hide behind: every mode below is one leadhook asked for explicitly.
    umask = process.umask(0);
  });
  after(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  const sqliteFiles = TEST_STORE === 'sqlite' ? {} : { skip: 'with PostgreSQL the data directory holds no database files' };
  it('creates the data directory 0700 and the database, its WAL and shared memory 0600, with a webhook written', sqliteFiles, async () => {
    const dataDir = join(root, 'fresh', 'data');
    const t = await startTestServer({}, dataDir);
    try {
      const source = await createSource(t, 'anarock');
      const res = await t.hook(source.webhookPath, { lead_id: 1, name: 'Ann', country_code: '+91', phone: '9855000001', lead_status: 'New' });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      // leadhook.lock (and its journal, while held) is the one-server-per-directory lock; leadhook.lock.pid names its holder.
      assert.deepEqual(readdirSync(dataDir).sort(), ['leadhook.db', 'leadhook.db-shm', 'leadhook.db-wal', 'leadhook.lock', 'leadhook.lock-journal', 'leadhook.lock.pid']);
      assert.deepEqual(openToOthers(dataDir), []);
      assert.equal(shared(join(root, 'fresh')).mode, '700', 'a parent leadhook creates is private too');
    } finally {
      await t.close();
    }
  });

  it('writes a generated admin token 0600 in a new 0700 directory', () => {
    const dataDir = join(root, 'token', 'data');
    const admin = resolveAdminToken(null, dataDir);
    assert.equal(admin.isNew, true);
    assert.deepEqual(readdirSync(dataDir), ['admin-token']);
    assert.deepEqual(openToOthers(dataDir), []);
  });

  it('makes an earlier version\'s 0644 database, WAL and admin token 0600, and warns about a data directory others can reach', async () => {
    const dataDir = join(root, 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const first = await startTestServer({}, dataDir);
    await first.close({ keepData: true });
    writeFileSync(join(dataDir, 'admin-token'), `${TEST_ADMIN_TOKEN}\n`, { mode: 0o644 });
    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);

    const lines: string[] = [];
    const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken: null, logLevel: 'warn', metricsListen: null });
    const server = await startServer(config, { logStream: { write: (line) => void lines.push(line) } });
    try {
      assert.equal(server.adminToken, TEST_ADMIN_TOKEN);
      assert.deepEqual(openToOthers(dataDir), [`${dataDir}: 755`], 'every file is tightened; the directory is the operator\'s to change');
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('open to other users'));
      assert.ok(warning !== undefined, lines.join(''));
      assert.equal(warning.level, 40);
      assert.match(warning.msg, new RegExp(`chmod 700 ${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    } finally {
      await server.close();
    }
  });
});
