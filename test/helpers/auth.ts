/**
 * Test helpers for tokens, sessions and roles (issue 12): a test server whose auth clock the test
 * moves (sessions expire without sleeping), signing in, and requests with a session cookie, a CSRF
 * header or a bearer token, sent through node:http with exactly the headers given.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import type { LiveOptions } from '../../src/live/hub.js';
import { startServer } from '../../src/server.js';
import { send, type RawResponse } from '../properties/support.js';
import { TEST_ADMIN_TOKEN, fetchJson, type TestServer } from './server.js';
import { releaseDatabase, testDatabaseUrl } from './test-store.js';

/** A clock a test moves by hand. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export interface AuthTestServer extends TestServer {
  clock: TestClock;
}

/**
 * startTestServer (test/helpers/server.ts) with an injected auth clock: SQLite in a temp directory,
 * or with LEADHOOK_TEST_STORE=postgres a private schema (per data directory, so a second server on
 * the same directory is a second instance on the same database). `live`: the live stream's bounds
 * (a short keep-alive tick); `logLines`: the server logs (at `overrides.logLevel`) there.
 */
export async function startAuthServer(
  overrides: Partial<Config> = {},
  options: { dataDir?: string; clock?: TestClock; live?: Partial<LiveOptions>; logLines?: string[] } = {},
): Promise<AuthTestServer> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'leadhook-auth-'));
  const clock = options.clock ?? testClock();
  const databaseUrl = await testDatabaseUrl(dir);
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, databaseUrl, allowPrivateDestinations: true, ...overrides });
  const lines = options.logLines;
  const server = await startServer(config, {
    ...(lines === undefined ? { logger: false as const } : { logStream: { write: (line: string) => void lines.push(line) } }),
    clock: clock.now,
    ...(options.live === undefined ? {} : { live: options.live }),
  });
  const request = (method: string, path: string, body: string | undefined, headers: Record<string, string>) =>
    fetchJson(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    url: server.url,
    dataDir: dir,
    server,
    clock,
    api: (method, path, body, headers = {}) =>
      request(method, path, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${overrides.adminToken ?? TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
    hook: (path, body, headers = {}) => request('POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
    close: async (opts = {}) => {
      await server.close();
      if (opts.keepData === true) return;
      rmSync(dir, { recursive: true, force: true });
      await releaseDatabase(dir);
    },
  };
}

/** How a request proves who it is. */
export interface Credentials {
  bearer?: string;
  /** The `lh_session` cookie's value. */
  session?: string;
  /** The X-CSRF-Token header. */
  csrf?: string;
}

/** A browser session: the cookie's value and the CSRF token the API gave. */
export interface SignedIn {
  session: string;
  csrf: string;
  answer: RawResponse;
}

/** One request with these credentials (and extra headers), a JSON body when given. */
export function call(t: TestServer, method: string, path: string, creds: Credentials = {}, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const h: Record<string, string> = { ...headers };
  if (creds.bearer !== undefined) h['authorization'] = `Bearer ${creds.bearer}`;
  if (creds.session !== undefined) h['cookie'] = `lh_session=${creds.session}`;
  if (creds.csrf !== undefined) h['x-csrf-token'] = creds.csrf;
  if (body !== undefined) h['content-type'] = 'application/json';
  return send(t, method, path, { headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** The Set-Cookie header of an answer, as one string ('' when none). */
export function setCookie(res: RawResponse): string {
  const v = res.headers['set-cookie'];
  return Array.isArray(v) ? v.join('\n') : (v ?? '');
}

/** Sign in with `token` (POST /api/session) and return the session; asserts it worked. */
export async function signIn(t: TestServer, token: string): Promise<SignedIn> {
  const answer = await call(t, 'POST', '/api/session', {}, { token });
  assert.equal(answer.status, 200, answer.text);
  const m = /(?:^|\n)lh_session=([^;]+);/.exec(setCookie(answer));
  assert.ok(m?.[1], `a session cookie: ${setCookie(answer)}`);
  return { session: m[1], csrf: answer.json.csrfToken, answer };
}

/** Make a named token through the API (with the admin token); returns its DTO with `token`. */
export async function makeToken(t: TestServer, role: 'admin' | 'viewer', name = `${role} ${Math.random().toString(36).slice(2, 8)}`): Promise<{ id: string; token: string; name: string; role: string }> {
  const res = await t.api('POST', '/api/tokens', { name, role });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}
