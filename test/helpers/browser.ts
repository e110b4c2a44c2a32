/**
 * Real headless Chromium for the console's end-to-end tests, the screenshots and the console bench:
 * Debian's `chromium` (/usr/bin/chromium) driven by playwright-core. Where it is missing the suites
 * skip with one line saying how to install it, unless LEADHOOK_TEST_REQUIRE_CHROMIUM=1 or CI=true
 * (.ci/run installs it): there they fail. Also: the console build (console/dist) the server serves,
 * sign-in, and an axe-core check that reports serious and critical violations.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

/** Debian's Chromium (`apt-get install chromium`); LEADHOOK_TEST_CHROMIUM names another build. */
export const CHROMIUM_PATH = process.env['LEADHOOK_TEST_CHROMIUM'] || '/usr/bin/chromium';

/** The one line a console suite prints when it skips. */
export const CHROMIUM_SKIP_REASON = `Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium`;

/** CI (.ci/run sets LEADHOOK_TEST_REQUIRE_CHROMIUM=1; CI=true elsewhere): a missing Chromium fails the suites. */
export function isChromiumRequired(): boolean {
  return process.env['LEADHOOK_TEST_REQUIRE_CHROMIUM'] === '1' || process.env['CI'] === 'true';
}

/**
 * The `skip` option of a console suite: false when Chromium is there (or required: then launching
 * fails and says why), else the one-line reason.
 */
export function chromiumSkip(): string | false {
  return existsSync(CHROMIUM_PATH) || isChromiumRequired() ? false : CHROMIUM_SKIP_REASON;
}

/** Headless Chromium; throws the skip reason (with why it is required) when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_SKIP_REASON} (required here: LEADHOOK_TEST_REQUIRE_CHROMIUM=1 or CI=true)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

const CONSOLE_DIR = join(ROOT, 'console');
const DIST_INDEX = join(CONSOLE_DIR, 'dist', 'index.html');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isConsoleBuildCurrent(): boolean {
  if (!existsSync(DIST_INDEX)) return false;
  const built = statSync(DIST_INDEX).mtimeMs;
  const sources = [join(CONSOLE_DIR, 'src'), join(CONSOLE_DIR, 'index.html'), join(CONSOLE_DIR, 'build.mjs')].filter((p) => existsSync(p));
  return sources.every((p) => newestMtime(p) <= built);
}

/**
 * Make sure console/dist holds a build of the current console/src (`npm ci` builds it through the
 * `prepare` script; a checkout being worked on may have none, or an older one). Test files run in
 * parallel: one builds (`node console/build.mjs`) while the others wait on a lock directory.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  if (isConsoleBuildCurrent()) return;
  const lock = join(tmpdir(), `leadhook-console-build-${Buffer.from(ROOT).toString('base64url').slice(-40)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than two minutes was left by a process that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`the console build lock ${lock} was held for over two minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (!isConsoleBuildCurrent()) execFileSync(process.execPath, ['console/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  } finally {
    rmdirSync(lock);
  }
}

/** A page of the console and what went wrong in it: script errors, CSP violations and dialogs opened. */
export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Content-Security-Policy violations the browser reported (the console must cause none). */
  cspViolations: string[];
  /** Every alert/confirm/prompt the page opened (each is dismissed). */
  dialogs: string[];
}

export interface OpenOptions {
  /** Default 1280×800. */
  viewport?: { width: number; height: number };
  /** Default timeout of every wait and action, ms (default 10 s: generous, and a failure says what it waited for). */
  timeoutMs?: number;
}

/** A new browser context (its own cookies) on leadhook at `baseUrl`. */
export async function openConsole(browser: Browser, baseUrl: string, options: OpenOptions = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: options.viewport ?? { width: 1280, height: 800 }, acceptDownloads: true });
  context.setDefaultTimeout(options.timeoutMs ?? 10_000);
  const page = await context.newPage();
  const out: ConsolePage = { context, page, pageErrors: [], cspViolations: [], dialogs: [] };
  page.on('pageerror', (error) => out.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) out.cspViolations.push(message.text());
  });
  page.on('dialog', (dialog) => {
    out.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  return out;
}

/** Sign in through the sign-in page with `token`, and wait for the console's main navigation. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending nodes (first few). */
  targets: string[];
}

let axeSource: string | null = null;

/**
 * Run axe-core 4 on the page as it is now; its serious and critical violations. The console's CSP
 * (script-src 'self') refuses an injected <script>, so axe is evaluated through the DevTools
 * protocol, which the page's CSP does not govern; the page's own policy stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const hasAxe = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Violations as readable lines for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`).join('\n');
}
