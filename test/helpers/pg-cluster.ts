import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where the Debian packages put PostgreSQL 15's server programs. */
export const PG_BIN = process.env['LEADHOOK_TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** Run a program; throws with its stderr when it fails. */
function run(cmd: string, args: string[], timeoutMs = 60_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
}

const execFileAsync = promisify(execFile);

/** Run one of PostgreSQL's programs as the `postgres` user (the server refuses to run as root). */
function asPostgres(program: string, args: string[], timeoutMs?: number): string {
  return run('runuser', ['-u', 'postgres', '--', join(PG_BIN, program), ...args], timeoutMs);
}

/** {@link asPostgres} without blocking the event loop (a server in this process keeps answering meanwhile). */
async function asPostgresAsync(program: string, args: string[]): Promise<void> {
  await execFileAsync('runuser', ['-u', 'postgres', '--', join(PG_BIN, program), ...args], { timeout: 90_000 });
}

function postgresIds(): { uid: number; gid: number } | null {
  try {
    return { uid: Number(run('id', ['-u', 'postgres']).trim()), gid: Number(run('id', ['-g', 'postgres']).trim()) };
  } catch {
    return null;
  }
}

/**
 * Why a private PostgreSQL cluster cannot be made here (not root, no `postgres` user, no initdb), or
 * null when it can. A suite that needs one skips with this one line.
 */
export function privateClusterSkipReason(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root (to run initdb/pg_ctl as the postgres user and mount a small disk)';
  if (!existsSync(join(PG_BIN, 'initdb')) || !existsSync(join(PG_BIN, 'pg_ctl'))) return `needs PostgreSQL's server programs in ${PG_BIN} (apt-get install postgresql-15, or set LEADHOOK_TEST_PG_BIN)`;
  if (postgresIds() === null) return 'needs the postgres system user (created by the postgresql package)';
  return null;
}

/** A TCP port nobody listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL cluster of the test's own: its folder, its port; never the shared server. */
export interface PrivateCluster {
  port: number;
  /** The cluster's folder (data directory and socket inside). */
  dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust auth). */
  url(database?: string): string;
  /** pg_ctl start, waiting until it takes connections (the event loop runs meanwhile). */
  start(): Promise<void>;
  /** pg_ctl stop: `fast` rolls back sessions and shuts down cleanly; `immediate` is a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** One statement (or several) on a fresh connection as the superuser. */
  sql(text: string, database?: string): Promise<pg.QueryResult[]>;
  /** Chown `dir` to the postgres user (a tablespace's folder must be its). */
  giveToPostgres(dir: string): void;
  /** Stop the server (immediately) and remove its folder. Never throws; also runs at process exit. */
  destroy(): void;
}

const live = new Set<PrivateCluster>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that crashes or is cancelled must not leave a postmaster behind.
  process.once('exit', () => {
    for (const cluster of live) cluster.destroy();
  });
}

/**
 * initdb a new cluster in a temporary folder owned by `postgres` (trust auth, superuser `postgres`),
 * listening on 127.0.0.1 at a free port and on a socket in its own folder, fsync on; started.
 */
export async function createPrivateCluster(): Promise<PrivateCluster> {
  const ids = postgresIds();
  if (ids === null) throw new Error('no postgres user');
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-pg-'));
  chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let port = await freePort();
  let destroyed = false;
  const ctl = (args: string[]) => asPostgres('pg_ctl', ['-D', data, ...args]);
  const ctlAsync = (args: string[]) => asPostgresAsync('pg_ctl', ['-D', data, ...args]);
  const cluster: PrivateCluster = {
    get port() {
      return port;
    },
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      try {
        await ctlAsync(['-l', logFile, '-w', '-t', '60', 'start']);
      } catch (error) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        throw new Error(`pg_ctl start failed: ${(error as Error).message}\n${log}`);
      }
    },
    stop: (mode = 'fast') => ctlAsync(['-m', mode, '-w', '-t', '60', 'stop']),
    sql: async (text, database = 'postgres') => {
      const client = new pg.Client({ connectionString: cluster.url(database), application_name: 'leadhook-test-admin', connectionTimeoutMillis: 10_000 });
      client.on('error', () => {});
      await client.connect();
      try {
        const result = await client.query(text);
        return Array.isArray(result) ? result : [result];
      } finally {
        await client.end().catch(() => {});
      }
    },
    giveToPostgres: (path) => chownSync(path, ids.uid, ids.gid),
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      live.delete(cluster);
      if (existsSync(join(data, 'postmaster.pid'))) {
        try {
          ctl(['-m', 'immediate', '-w', '-t', '30', 'stop']);
        } catch {
          // not running
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  installExitHook();
  try {
    asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'], 120_000);
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = on',
        'synchronous_commit = on',
        'max_connections = 60',
        'shared_buffers = 16MB',
        "log_min_messages = 'warning'",
        '',
      ].join('\n'),
    );
    // The port was free a moment ago; another process may have taken it since: then another one.
    for (let attempt = 1; ; attempt++) {
      appendFileSync(join(data, 'postgresql.conf'), `port = ${port}\n`);
      try {
        await cluster.start();
        break;
      } catch (error) {
        if (attempt === 3 || !/could not bind|address already in use/i.test((error as Error).message)) throw error;
        port = await freePort();
      }
    }
  } catch (error) {
    cluster.destroy();
    throw error;
  }
  return cluster;
}
