import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { releaseDatabase, testDatabaseUrl } from './test-store.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer {
  url: string;
  dataDir: string;
  server: RunningServer;
  /** Call the admin API with the token; returns status and parsed JSON (or null). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** POST raw bytes (or a JSON value) to a webhook URL path. */
  hook(path: string, body: string | Buffer | unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** Stop the server; `keepData` leaves the data directory for a restart. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** One HTTP request; the answer's status and its body parsed as JSON (the raw text if it is not JSON, null if empty). */
export async function fetchJson(url: string, init: RequestInit): Promise<{ status: number; json: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json: json as any };
}

/**
 * Start leadhook on a real loopback port with a fresh store: a SQLite file in a temp directory, or
 * with `LEADHOOK_TEST_STORE=postgres` a private PostgreSQL schema (dropped at close; kept, like the
 * directory, with `keepData`). With `logLines`, the server logs (at `overrides.logLevel`) and every
 * line it writes is pushed there.
 */
export async function startTestServer(overrides: Partial<Config> = {}, dataDir?: string, options: { logLines?: string[] } = {}): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'leadhook-test-'));
  const databaseUrl = await testDatabaseUrl(dir);
  // Metrics off unless a test asks (the default port, 9464, would be shared by every server of the run).
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, databaseUrl, ...overrides });
  const lines = options.logLines;
  const server = await startServer(config, lines === undefined ? { logger: false } : { logStream: { write: (line) => void lines.push(line) } });
  const request = (method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>) =>
    fetchJson(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    url: server.url,
    dataDir: dir,
    server,
    api: (method, path, body, headers = {}) =>
      request(method, path, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
    hook: (path, body, headers = {}) => {
      const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      return request('POST', path, raw, { 'content-type': 'application/json', ...headers });
    },
    close: async (options = {}) => {
      await server.close();
      if (options.keepData === true) return;
      rmSync(dir, { recursive: true, force: true });
      await releaseDatabase(dir);
    },
  };
}

/** Register a source through the API and return its DTO (with the secret). */
export async function createSource(t: TestServer, provider: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/api/sources', { provider, name: `${provider} test`, ...extra });
  if (res.status !== 201) throw new Error(`createSource failed: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}
