/**
 * Start-up problems of `leadhook serve`, through real child processes: a second server on the same
 * data directory, a port in use, an unusable data directory, a bad setting. Each is one line on
 * stderr, `leadhook: <code>: <what is wrong>; <the fix>`, exit 2, no stack trace.
 *
 *   node --import tsx --test test/crash/startup.test.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { ROOT } from '../helpers/cli.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

interface Refusal {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `leadhook serve` expecting it to refuse to start: resolves its exit and output; a server that starts is killed after `timeoutMs`. */
function serveExpectingRefusal(env: Record<string, string>, cwd: string = ROOT, timeoutMs = 30_000, args: readonly string[] = []): Promise<Refusal> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEADHOOK_') && k !== 'PORT' && k !== 'HOST'));
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/leadhook.js'), 'serve', ...args], { cwd, env: { ...inherited, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN, LEADHOOK_METRICS_LISTEN: 'off', ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** One line, `leadhook: <code>: …`, no stack trace. */
function assertOneLine(r: Refusal, code: string, message: RegExp): void {
  assert.equal(r.code, 2, `exit 2: ${JSON.stringify(r)}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0] ?? '', new RegExp(`^leadhook: ${code}: `));
  assert.match(lines[0] ?? '', message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

function listenBusy(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, server });
    });
  });
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('leadhook serve start-up problems', () => {
  it('refuses a second server on the same data directory (LH_E_DATA_DIR_IN_USE, naming the first one\'s pid), and starts again at once after the first was SIGKILLed', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('leadhook-lock-');
    let first: ChildServer | null = await startChildServer({ dataDir });
    try {
      const second = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
      assertOneLine(second, 'LH_E_DATA_DIR_IN_USE', new RegExp(`already serving the data directory .*\\(pid ${first.pid}\\); stop it first, or give this server its own LEADHOOK_DATA_DIR`));
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first server keeps serving');

      // The kernel drops the lock with the process, however it ends: no stale lock blocks the restart.
      await first.kill('SIGKILL');
      first = await startChildServer({ dataDir });
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
    } finally {
      await first?.kill('SIGKILL');
    }
  });

  it('names a port in use (LH_E_PORT_IN_USE) and how to fix it', { timeout: 60_000 }, async () => {
    const busy = await listenBusy();
    try {
      const r = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: tempDir('leadhook-port-'), PORT: String(busy.port), HOST: '127.0.0.1' });
      assertOneLine(r, 'LH_E_PORT_IN_USE', new RegExp(`Port ${busy.port} on 127\\.0\\.0\\.1 is already in use; .*set PORT to a free port`));
    } finally {
      busy.server.close();
    }
  });

  it('names a data directory it cannot create or use (LH_E_DATA_DIR_UNUSABLE), with the errno and the fix', { timeout: 60_000 }, async () => {
    const file = join(tempDir('leadhook-notadir-'), 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: join(file, 'data'), PORT: '0', HOST: '127.0.0.1' });
    assertOneLine(r, 'LH_E_DATA_DIR_UNUSABLE', /cannot be used \(ENOTDIR\); make it readable and writable by this user, or set LEADHOOK_DATA_DIR/);
  });

  it('names every bad setting (LH_E_CONFIG_INVALID) before touching anything', { timeout: 60_000 }, async () => {
    const r = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: tempDir('leadhook-config-'), PORT: 'eighty', LEADHOOK_TIMEZONE: 'Mars/Olympus' });
    assertOneLine(r, 'LH_E_CONFIG_INVALID', /PORT="eighty" must be an integer from 0 to 65535; .*LEADHOOK_TIMEZONE="Mars\/Olympus" must be an IANA time zone/);
  });

  it('takes --database-url over LEADHOOK_DATABASE_URL, validated the same way', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('leadhook-dburl-');
    const badFlag = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: dataDir, LEADHOOK_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }, ROOT, 30_000, ['--database-url', 'mysql://x/leads']);
    assertOneLine(badFlag, 'LH_E_CONFIG_INVALID', /LEADHOOK_DATABASE_URL/);
    // A flag that is fine wins over a bad variable: the server gets past configuration to the database.
    const goodFlag = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: dataDir, LEADHOOK_DATABASE_URL: 'mysql://env/leads' }, ROOT, 30_000, ['--database-url', 'postgres://postgres@127.0.0.1:1/test']);
    assert.equal(goodFlag.code, 2, JSON.stringify(goodFlag));
    assert.doesNotMatch(goodFlag.stderr, /LH_E_CONFIG_INVALID/);
    const usage = await serveExpectingRefusal({ LEADHOOK_DATA_DIR: dataDir }, ROOT, 30_000, ['--database']);
    assert.equal(usage.code, 1, JSON.stringify(usage));
    assert.match(usage.stderr, /Usage: leadhook serve \[--database-url <postgres url>\]/);
  });

  it('reads .env from the working directory, and a variable set in the environment wins over it', { timeout: 60_000 }, async () => {
    const busy = await listenBusy();
    try {
      const cwd = tempDir('leadhook-dotenv-');
      writeFileSync(join(cwd, '.env'), `# leadhook settings\nPORT=${busy.port}\nHOST="127.0.0.1"\nLEADHOOK_DATA_DIR=./data\n`);
      const fromFile = await serveExpectingRefusal({}, cwd);
      assertOneLine(fromFile, 'LH_E_PORT_IN_USE', new RegExp(`Port ${busy.port} on 127\\.0\\.0\\.1`));
      const envWins = await serveExpectingRefusal({ PORT: 'from-the-environment' }, cwd);
      assertOneLine(envWins, 'LH_E_CONFIG_INVALID', /PORT="from-the-environment"/);
    } finally {
      busy.server.close();
    }
  });
});
