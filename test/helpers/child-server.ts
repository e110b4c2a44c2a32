import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './cli.js';
import { fetchJson, TEST_ADMIN_TOKEN } from './server.js';
import { testDatabaseUrl } from './test-store.js';

/** How a child process ended: exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node bin/leadhook.js serve` running as a real child process. */
export interface ChildServer {
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** Everything the child wrote to stdout and stderr so far (pino JSON lines). */
  output(): string;
  /** Settles when the child has exited. */
  exited: Promise<ChildExit>;
  /** Whether the child has exited. */
  hasExited(): boolean;
  /** Call the admin API with the token; returns status and parsed JSON (or null). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Send a signal to the child (by its pid) and, for SIGKILL, wait until it is gone. */
  kill(signal: NodeJS.Signals): Promise<ChildExit | null>;
  /** Close this end of the child's stdout pipe, as a log reader that went away: its writes then fail with EPIPE. */
  closeStdout(): void;
}

export interface ChildServerOptions {
  dataDir: string;
  /** Extra environment (LEADHOOK_* settings); PORT, HOST, LEADHOOK_DATA_DIR and the admin token are set here. */
  env?: Record<string, string>;
  /** How long to wait for /healthz, ms. */
  startTimeoutMs?: number;
}

/**
 * Start `node bin/leadhook.js serve` on a port the kernel picks (PORT=0) and wait for the child's own
 * word, over an IPC channel, that it listens and where. Probing `/healthz` on a port picked
 * beforehand could reach another test's server that took that port in between.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  // The caller's own LEADHOOK_* settings would make runs differ: the child gets only those given here.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEADHOOK_'))) as Record<string, string>;
  // LEADHOOK_TEST_STORE=postgres: a schema per data directory (restarts find their data), unless the test gives its own.
  const databaseUrl = options.env?.['LEADHOOK_DATABASE_URL'] === undefined ? await testDatabaseUrl(options.dataDir) : null;
  const env: Record<string, string> = {
    ...inherited,
    LEADHOOK_LOG_LEVEL: 'warn',
    ...(databaseUrl === null ? {} : { LEADHOOK_DATABASE_URL: databaseUrl }),
    // Not the default port (9464): children of parallel test files would fight over it.
    LEADHOOK_METRICS_LISTEN: '127.0.0.1:0',
    ...options.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LEADHOOK_DATA_DIR: options.dataDir,
    LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  };
  const child: ChildProcess = spawn(process.execPath, ['bin/leadhook.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let listening: string | null = null;
  child.on('message', (m: { leadhook?: string; url?: string }) => {
    if (m?.leadhook === 'listening' && typeof m.url === 'string') listening = m.url;
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exit: ChildExit | null = null;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (listening === null) {
    if (exit !== null) throw new Error(`leadhook exited while starting (${JSON.stringify(exit)}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`leadhook did not say it listens within the start timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.disconnect();
  const url: string = listening;
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    dataDir: options.dataDir,
    pid: child.pid as number,
    output: () => output,
    exited,
    hasExited: () => exit !== null,
    api: (method, path, body) =>
      fetchJson(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    closeStdout: () => child.stdout?.destroy(),
    kill: async (signal) => {
      if (exit !== null) return exit;
      child.kill(signal);
      return signal === 'SIGKILL' ? exited : null;
    },
  };
}
