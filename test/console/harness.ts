/**
 * What the console suites share: one leadhook (in-process, on loopback, a fresh store) and one
 * headless Chromium per test file, and the webhooks that give them leads (real HTTP POSTs to the
 * sources' webhook URLs).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { fixtureJson } from '../helpers/fixtures.js';
import { ensureConsoleBuilt, launchBrowser, type ConsolePage } from '../helpers/browser.js';
import { createSource, fetchJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { releaseDatabase, testDatabaseUrl } from '../helpers/test-store.js';

export interface ConsoleRig {
  t: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

/** A clock the test moves: `advance(ms)` sets leadhook's sessions forward in time. */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/** Build the console if needed, then start leadhook and Chromium side by side. */
export async function startRig(overrides: Partial<Config> = {}, options: { clock?: TestClock } = {}): Promise<ConsoleRig> {
  await ensureConsoleBuilt();
  // Local receivers (127.0.0.1) are destinations here; a failing delivery fails for good after two quick attempts.
  const config = { allowPrivateDestinations: true, retryScheduleMs: [0, 50], deliveryTimeoutMs: 2000, ...overrides };
  const [started, launched] = await Promise.allSettled([options.clock === undefined ? startTestServer(config) : startClockedServer(config, options.clock), launchBrowser()]);
  if (started.status === 'rejected' || launched.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.close();
    if (launched.status === 'fulfilled') await launched.value.close();
    throw started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason;
  }
  const t = started.value;
  const browser = launched.value;
  return {
    t,
    browser,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** As startTestServer (test/helpers/server.ts), with leadhook's session clock injected. */
async function startClockedServer(overrides: Partial<Config>, clock: TestClock): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-test-'));
  const databaseUrl = await testDatabaseUrl(dataDir);
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, databaseUrl, ...overrides });
  const server = await startServer(config, { logger: false, clock: clock.now });
  const send = (method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>) =>
    fetchJson(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    url: server.url,
    dataDir,
    server,
    api: (method, path, body, headers = {}) =>
      send(method, path, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
    hook: (path, body, headers = {}) => send('POST', path, typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      await releaseDatabase(dataDir);
    },
  };
}

export interface Source {
  id: string;
  webhookPath: string;
  secret: string;
  name: string;
}

export async function addSource(t: TestServer, provider: string, name: string): Promise<Source> {
  return (await createSource(t, provider, { name })) as Source;
}

/** A Praetorian lead item (`data` fields given override the defaults). */
export function praetorianItem(id: string, data: Record<string, unknown>): Record<string, unknown> {
  return { id, url: 'https://example.com/contact/', created: '2026-01-02T03:04:05Z', data: { first_name: 'Test', last_name: id, phone: '+14155552671', email: `${id}@example.com`, ...data } };
}

/** POST Praetorian items to the source's webhook URL, as Praetorian does; the answer's leads. */
export async function sendPraetorian(t: TestServer, source: Source, items: Record<string, unknown>[]): Promise<{ id: string }[]> {
  const res = await t.hook(source.webhookPath, items, { authorization: source.secret });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.leads;
}

/** POST an Anarock snapshot fixture (with `patch` merged in) to the source's webhook URL; the lead's id. */
export async function sendAnarock(t: TestServer, source: Source, fixture: string, patch: Record<string, unknown> = {}): Promise<string> {
  const res = await t.hook(source.webhookPath, { ...fixtureJson('anarock', fixture), ...patch });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.leads[0].id;
}

/** POST a LeadPro webhook as LeadPro does: the claims as the body, signed into an HS256 JWT in Authorization; the lead's id. */
export async function sendLeadPro(t: TestServer, source: Source, claims: Record<string, unknown>): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const jwt = `${unsigned}.${createHmac('sha256', source.secret).update(unsigned).digest('base64url')}`;
  const res = await t.hook(source.webhookPath, claims, { authorization: `Bearer ${jwt}` });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.leads[0].id;
}

/** The page's script errors and CSP violations, for a suite's last check. */
export function pageProblems(pages: ConsolePage[]): string[] {
  return pages.flatMap((p) => [...p.pageErrors.map((e) => `page error: ${e}`), ...p.cspViolations.map((e) => `CSP violation: ${e}`)]);
}
