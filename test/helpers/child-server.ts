import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ROOT } from './cli.js';
import { fetchJson, TEST_ADMIN_TOKEN } from './server.js';

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
 * A TCP port that was free a moment ago. `PORT=0` works for the server, but the address is only
 * printed at log level info, so tests pick the port themselves (and retry on EADDRINUSE).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Start `node bin/leadhook.js serve` on a free loopback port and wait until `/healthz` answers. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, options);
    } catch (error) {
      lastError = error;
      // Another process took the port between the probe and the child's listen: try another one.
      if (!String(error).includes('EADDRINUSE')) throw error;
    }
  }
  throw lastError;
}

async function launch(port: number, options: ChildServerOptions): Promise<ChildServer> {
  // The caller's own LEADHOOK_* settings would make runs differ: the child gets only those given here.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEADHOOK_'))) as Record<string, string>;
  const env: Record<string, string> = {
    ...inherited,
    LEADHOOK_LOG_LEVEL: 'warn',
    // Not the default port (9464): children of parallel test files would fight over it.
    LEADHOOK_METRICS_LISTEN: '127.0.0.1:0',
    ...options.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LEADHOOK_DATA_DIR: options.dataDir,
    LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  };
  const child: ChildProcess = spawn(process.execPath, ['bin/leadhook.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exit !== null) throw new Error(`leadhook exited while starting (${JSON.stringify(exit)}):\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`leadhook did not answer /healthz on port ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
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
