/**
 * `npm run screenshots`: the README's pictures of the console. Starts leadhook on a temporary data
 * directory (SQLite, loopback), sends it demo leads through real webhooks from all four providers
 * (signed the way each provider signs), a request it must quarantine, and two destinations on local
 * receivers, one of which answers 500 so the console has a failed delivery to show; then signs in
 * with the same headless Chromium the end-to-end tests use (test/helpers/browser.ts) and writes
 * 1280×800 PNGs of the overview, leads, lead, sources and destinations pages, and the leads page at
 * phone width, to docs/screenshots/.
 *
 * So that the overview has two weeks of history to chart, leadhook's clock (this process's `Date`)
 * is set back day by day while the demo webhooks are sent, then put right before the browser signs in.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { ensureConsoleBuilt, launchBrowser, openConsole, signIn } from '../test/helpers/browser.js';
import { ROOT } from '../test/helpers/cli.js';
import { fixtureJson } from '../test/helpers/fixtures.js';
import { eventually, startReceiver } from '../test/helpers/receiver.js';

const OUT_DIR = join(ROOT, 'docs', 'screenshots');
const ADMIN_TOKEN = 'screenshots-admin-token-0123456789';
const DAY_MS = 86_400_000;

// ---- a clock that can be set back (this process only) ----
const RealDate = Date;
let offsetMs = 0;
class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() - offsetMs);
    else super(...(args as [string | number]));
  }
  static override now(): number {
    return RealDate.now() - offsetMs;
  }
}
globalThis.Date = ShiftedDate as DateConstructor;

/** A small deterministic generator, so every run draws the same demo. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(12);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const FIRST = ['Aarav', 'Priya', 'Rohan', 'Meera', 'Oliver', 'Amelia', 'Harry', 'Isla', 'João', 'Beatriz', 'Tiago', 'Inês', 'Ethan', 'Olivia', 'Mason', 'Ava', 'Liam', 'Sofia', 'Kabir', 'Ananya'];
const LAST = ['Sharma', 'Iyer', 'Patel', 'Smith', 'Jones', 'Taylor', 'Silva', 'Santos', 'Costa', 'Johnson', 'Brown', 'Garcia', 'Reddy', 'Khan', 'Walker', 'Ferreira'];
const ANAROCK_STATUSES = ['Fresh', 'Interested', 'Visit done', 'Final negotiation', 'Booking done', 'Failed', 'In Call Center', 'Claimed'];
const LEADPRO_STAGES = ['new', 'contacted', 'valuation_booked', 'viewing_booked', 'won', 'lost'];
/** An e-mail address made of a name: lower case, accents dropped. */
const emailOf = (first: string, last: string, n: number, domain: string): string => `${first}.${last}${n}@${domain}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

interface Source {
  id: string;
  webhookPath: string;
  secret: string;
}

async function main(): Promise<void> {
  await ensureConsoleBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-screenshots-'));
  const receivers = await Promise.all([startReceiver(), startReceiver((_r, _n, res) => res.writeHead(500).end('upstream unavailable'))]);
  const [crm, erp] = receivers;
  let server: RunningServer | null = null;
  try {
    const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, adminToken: ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, allowPrivateDestinations: true, retryScheduleMs: [0, 200] });
    server = await startServer(config, { logger: false });
    const url = server.url;
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
      return text === '' ? null : JSON.parse(text);
    };
    const hook = async (source: Source, body: unknown, headers: Record<string, string> = {}): Promise<void> => {
      const res = await fetch(`${url}${source.webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    };

    const anarock: Source = await api('POST', '/api/sources', { provider: 'anarock', name: 'Anarock Mumbai' });
    const leadpro: Source = await api('POST', '/api/sources', { provider: 'leadpro', name: 'LeadPro London' });
    const casayes: Source = await api('POST', '/api/sources', { provider: 'casayes', name: 'CasaYes Lisboa', secret: 'casayes-demo-token-4f7a' });
    const praetorian: Source = await api('POST', '/api/sources', { provider: 'praetorian', name: 'Praetorian Boston' });
    await api('POST', '/api/destinations', { name: 'Sales CRM', url: crm.url });

    const leadproJwt = (claims: unknown): string => {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
      return `${unsigned}.${createHmac('sha256', leadpro.secret).update(unsigned).digest('base64url')}`;
    };
    let n = 0;
    const person = () => {
      n += 1;
      return { first: pick(FIRST), last: pick(LAST), n };
    };
    // Fourteen days of leads, a few a day per provider, oldest first.
    for (let daysAgo = 13; daysAgo >= 0; daysAgo--) {
      offsetMs = daysAgo * DAY_MS + Math.floor(random() * 6 * 3_600_000);
      const weekday = new RealDate(RealDate.now() - offsetMs).getUTCDay();
      const busy = weekday === 0 || weekday === 6 ? 0.5 : 1;
      for (let i = Math.round((2 + random() * 4) * busy); i > 0; i--) {
        const p = person();
        await hook(anarock, { ...fixtureJson('anarock', 'v2020-snapshot.json'), lead_id: 2_000_000 + p.n, name: `${p.first} ${p.last}`, phone: `+9198${String(10_000_000 + p.n * 7919).slice(-8)}`, email: emailOf(p.first, p.last, p.n, 'example.in'), lead_status: pick(ANAROCK_STATUSES), event_details: [], agent_name: pick(['Tanvi Tyagi', 'Rahul Mehta', 'Sana Qureshi']) });
      }
      for (let i = Math.round((1 + random() * 3) * busy); i > 0; i--) {
        const p = person();
        const claims = fixtureJson('leadpro', 'table-lead-created.json');
        claims.data = { ...claims.data, id: 50_000 + p.n, first_name: p.first, last_name: p.last, full_name: `${p.first} ${p.last}`, email: emailOf(p.first, p.last, p.n, 'example.co.uk'), phone: `07911 ${String(100_000 + p.n * 37).slice(-6)}`, source: pick(['rightmove', 'zoopla', 'website']), stage: pick(LEADPRO_STAGES) };
        await hook(leadpro, claims, { authorization: `Bearer ${leadproJwt(claims)}` });
      }
      for (let i = Math.round((1 + random() * 2) * busy); i > 0; i--) {
        const p = person();
        await hook(casayes, { ...fixtureJson('casayes', 'seed-lead.json'), LeadReference: `CY-Listing-demo-${p.n}`, SenderName: `${p.first} ${p.last}`, SenderEmail: emailOf(p.first, p.last, p.n, 'example.pt'), SenderPhone: `91${String(1_000_000 + p.n * 131).slice(-7)}` }, { token: 'casayes-demo-token-4f7a' });
      }
      const batch = Array.from({ length: Math.round((2 + random() * 3) * busy) }, () => {
        const p = person();
        return { id: `led_demo${p.n}`, url: 'https://example.com/contact/', created: new Date().toISOString(), data: { first_name: p.first, last_name: p.last, phone: `(617) 555-${String(100 + p.n).padStart(4, '0')}`, email: emailOf(p.first, p.last, p.n, 'example.com'), organization_size: pick(['1-10', '11-50', '51-200']) } };
      });
      await hook(praetorian, batch, { authorization: praetorian.secret });
    }
    // Today: the lead whose page is pictured (a snapshot, then a later one: notes, a visit, booking done),
    // and a snapshot without lead_id, which leadhook quarantines.
    offsetMs = 2 * 3_600_000;
    const featured = { lead_id: 1_402_361, name: 'Priya Raman', phone: '+919820012345', email: 'priya.raman@example.in' };
    await hook(anarock, { ...fixtureJson('anarock', 'v2020-snapshot.json'), ...featured });
    offsetMs = 3_600_000;
    await hook(anarock, { ...fixtureJson('anarock', 'v2023-later-snapshot.json'), ...featured });
    const { lead_id: _, ...withoutId } = { ...fixtureJson('anarock', 'v2020-snapshot.json'), name: 'Kiran Without Id' };
    await hook(anarock, withoutId);
    offsetMs = 0;
    // A destination added today whose receiver answers 500: today's new leads fail there.
    await api('POST', '/api/destinations', { name: 'Legacy ERP', url: erp.url, events: ['lead.created'], sourceIds: [anarock.id, leadpro.id] });
    for (const [first, last] of [['Arjun', 'Nair'], ['Kavya', 'Menon']] as const) {
      const p = person();
      await hook(anarock, { ...fixtureJson('anarock', 'v2020-snapshot.json'), lead_id: 2_000_000 + p.n, name: `${first} ${last}`, phone: `+9198${String(10_000_000 + p.n * 7919).slice(-8)}`, email: emailOf(first, last, p.n, 'example.in'), lead_status: 'Fresh', event_details: [] });
    }

    // The failing receiver's deliveries fail for good after two attempts.
    await eventually(async () => ((await api('GET', '/api/deliveries?status=failed&limit=1')).items.length > 0 ? true : null), 30_000, 'a failed delivery');
    const featuredLead = (await api('GET', `/api/leads?q=${encodeURIComponent('Priya Raman')}`)).items[0];
    if (featuredLead === undefined) throw new Error('the featured lead is not listed');

    mkdirSync(OUT_DIR, { recursive: true });
    const browser = await launchBrowser();
    try {
      const p = await openConsole(browser, url, { timeoutMs: 20_000 });
      await signIn(p.page, ADMIN_TOKEN);
      const shoot = async (path: string, file: string, ready: (page: Page) => Promise<void>): Promise<void> => {
        await p.page.goto(path);
        await ready(p.page);
        await p.page.screenshot({ path: join(OUT_DIR, file) });
        process.stdout.write(`wrote docs/screenshots/${file}\n`);
      };
      await shoot('/', 'overview.png', async (page) => {
        await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
        await eventually(async () => (await page.locator('figure canvas, figure svg').count()) >= 2, 20_000, 'the charts');
      });
      await shoot('/leads', 'leads.png', async (page) => {
        await page.getByRole('table').getByRole('link', { name: 'Priya Raman' }).waitFor();
      });
      await shoot(`/leads/${featuredLead.id}`, 'lead.png', async (page) => {
        await page.getByRole('heading', { level: 1, name: 'Priya Raman' }).waitFor();
        await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
      });
      await shoot('/sources', 'sources.png', async (page) => {
        await page.getByText('Praetorian Boston').first().waitFor();
      });
      await shoot('/destinations', 'destinations.png', async (page) => {
        await page.getByText('Legacy ERP').first().waitFor();
        await page.getByRole('heading', { level: 2, name: 'Failed deliveries' }).waitFor();
      });
      await p.page.setViewportSize({ width: 390, height: 844 });
      await shoot('/leads', 'leads-phone.png', async (page) => {
        await page.getByText('Priya Raman').first().waitFor();
      });
      const problems = [...p.pageErrors, ...p.cspViolations];
      if (problems.length > 0) throw new Error(`the console reported problems:\n${problems.join('\n')}`);
    } finally {
      await browser.close();
    }
  } finally {
    offsetMs = 0;
    await server?.close();
    await Promise.all(receivers.map((r) => r.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
