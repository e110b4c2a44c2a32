/**
 * The bench's console section: leadhook with 10,000 stored leads (sent through its webhooks, as
 * Praetorian batches of 1,000), then
 *  - the server time of the leads page's first request (`GET /api/leads` with the query the page
 *    itself sends, captured from Chromium), timed on loopback beside `GET /healthz` in the same run
 *    (the floor of one HTTP round trip to this server), median and p95 of N alternating runs;
 *  - the time until the leads page is usable in headless Chromium (the first page of rows visible),
 *    from the start of navigation, beside the sign-in page (the same bundle, no data) in the same run.
 * Targets (issue 12): 300 ms server, 1 s page. A benchmark, not a test: nothing fails on a figure.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startChild } from './child.js';
import { praetorianBody } from './payloads.js';
import { CHROMIUM_SKIP_REASON, CHROMIUM_PATH, ensureConsoleBuilt, launchBrowser, openConsole, signIn } from '../test/helpers/browser.js';

export interface ConsoleSettings {
  /** Leads stored before measuring. */
  leads: number;
  /** Timed requests of each kind (leads, /healthz), alternating. */
  apiRuns: number;
  /** Timed page loads of each kind (leads page, sign-in page). */
  pageRuns: number;
}

export const TARGET_SERVER_MS = 300;
export const TARGET_PAGE_MS = 1000;

interface LeadhookInfo {
  url: string;
  dataDir: string;
  adminToken: string;
}

interface Stats {
  p50: number;
  p95: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? Number.NaN };
}

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One GET on loopback; its wall time in ms (status checked, body read to the end). */
async function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = nowMs();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  const took = nowMs() - t0;
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return took;
}

export async function runConsoleBench(s: ConsoleSettings, here: string, progress: (message: string) => void): Promise<{ text: string; hasErrors: boolean }> {
  if (!existsSync(CHROMIUM_PATH)) return { text: `console: skipped: ${CHROMIUM_SKIP_REASON}`, hasErrors: false };
  await ensureConsoleBuilt();
  const child = await startChild<LeadhookInfo>('leadhook (console)', join(here, 'leadhook-server.ts'));
  const { url, adminToken } = child.info;
  const auth = { authorization: `Bearer ${adminToken}` };
  try {
    // The store: `leads` Praetorian leads, 1,000 per webhook (the most one webhook applies).
    const created = await fetch(`${url}/api/sources`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'praetorian', name: 'bench console' }) });
    const source = (await created.json()) as { webhookPath: string; secret: string };
    if (created.status !== 201) throw new Error(`POST /api/sources answered ${created.status}`);
    const fillStart = nowMs();
    for (let first = 0; first < s.leads; first += 1000) {
      progress(`console: storing leads ${first + 1}–${Math.min(s.leads, first + 1000)} of ${s.leads}`);
      const items = Array.from({ length: Math.min(1000, s.leads - first) }, (_, i) => (JSON.parse(praetorianBody(first + i)) as unknown[])[0]);
      const res = await fetch(`${url}${source.webhookPath}`, { method: 'POST', headers: { authorization: source.secret, 'content-type': 'application/json' }, body: JSON.stringify(items) });
      const answer = (await res.json()) as { leads?: unknown[] };
      if (res.status !== 200 || answer.leads?.length !== items.length) throw new Error(`a batch of ${items.length} leads answered ${res.status} with ${answer.leads?.length ?? 0} leads`);
    }
    const fillSeconds = (nowMs() - fillStart) / 1000;

    const browser = await launchBrowser();
    try {
      const signedIn = await openConsole(browser, url, { timeoutMs: 30_000 });
      await signIn(signedIn.page, adminToken);
      // The leads page's own first request, as the page sends it.
      let leadsQuery: string | null = null;
      signedIn.page.on('request', (r) => {
        const u = new URL(r.url());
        if (leadsQuery === null && u.pathname === '/api/leads') leadsQuery = `${u.pathname}${u.search}`;
      });
      const rowsShown = async (): Promise<number> => {
        const t0 = nowMs();
        const answered = signedIn.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/leads');
        await signedIn.page.goto('/leads');
        const shown = ((await (await answered).json()) as { items: unknown[] }).items.length;
        // Usable: every row of the first page is there, its last one rendered with its link.
        await signedIn.page.locator('table tbody tr a[href^="/leads/"]').nth(Math.max(0, shown - 1)).waitFor();
        return nowMs() - t0;
      };
      progress('console: the leads page, once to warm up');
      const coldPage = await rowsShown();
      const query: string = leadsQuery ?? '/api/leads';

      progress(`console: GET ${query} and GET /healthz, ${s.apiRuns} times each`);
      for (let i = 0; i < 5; i++) await timedGet(`${url}${query}`, auth);
      const api: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < s.apiRuns; i++) {
        api.push(await timedGet(`${url}${query}`, auth));
        health.push(await timedGet(`${url}/healthz`, {}));
      }

      progress(`console: the leads page and the sign-in page, ${s.pageRuns} times each`);
      const anonymous = await openConsole(browser, url, { timeoutMs: 30_000 });
      const signInShown = async (): Promise<number> => {
        const t0 = nowMs();
        await anonymous.page.goto('/sign-in');
        await anonymous.page.getByLabel('API token').waitFor();
        return nowMs() - t0;
      };
      await signInShown();
      const pageLoads: number[] = [];
      const signInLoads: number[] = [];
      for (let i = 0; i < s.pageRuns; i++) {
        pageLoads.push(await rowsShown());
        signInLoads.push(await signInShown());
      }
      return { text: formatConsole(s, fillSeconds, query, stats(api), stats(health), coldPage, stats(pageLoads), stats(signInLoads)), hasErrors: false };
    } finally {
      await browser.close();
    }
  } finally {
    await child.stop('SIGTERM');
    rmSync(child.info.dataDir, { recursive: true, force: true });
  }
}

function formatConsole(s: ConsoleSettings, fillSeconds: number, query: string, api: Stats, health: Stats, coldPage: number, page: Stats, signIn: Stats): string {
  const widths = [44, 9, 9, 9];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('');
  const server = api.p50 - health.p50;
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  return [
    `console: ${s.leads} leads stored (through webhooks, ${(s.leads / fillSeconds).toFixed(0)} leads/s); ${s.apiRuns} requests of each kind on loopback, alternating; ${s.pageRuns} page loads of each kind in headless Chromium`,
    line(['what', 'p50 ms', 'p95 ms', 'max ms']),
    line([`GET ${query}`.slice(0, 43), ms(api.p50), ms(api.p95), ms(api.max)]),
    line(['GET /healthz (baseline: one round trip)', ms(health.p50), ms(health.p95), ms(health.max)]),
    line(['leads page usable (first page of rows shown)', ms(page.p50), ms(page.p95), ms(page.max)]),
    line(['sign-in page usable (baseline: no data)', ms(signIn.p50), ms(signIn.p95), ms(signIn.max)]),
    `leads page, first load (cold): ${ms(coldPage)} ms`,
    `server time of the first page: p50 ${ms(api.p50)} ms on loopback (${ms(server)} ms above /healthz), p95 ${ms(api.p95)} ms (target < ${TARGET_SERVER_MS} ms: ${verdict(api.p95 < TARGET_SERVER_MS)}); ` +
      `leads page usable: p50 ${ms(page.p50)} ms, p95 ${ms(page.p95)} ms (target < ${TARGET_PAGE_MS} ms: ${verdict(page.p95 < TARGET_PAGE_MS)})`,
  ].join('\n');
}
