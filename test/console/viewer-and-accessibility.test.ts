/**
 * In real Chromium against a real leadhook with data on every page: axe-core finds no serious or
 * critical accessibility violation on any page, and a viewer (a token made through POST /api/tokens)
 * sees no secret and no button that would change anything, and the API refuses its changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { axeViolations, chromiumSkip, describeViolations, openConsole, signIn, type ConsolePage } from '../helpers/browser.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { addSource, pageProblems, praetorianItem, sendAnarock, sendPraetorian, startRig, type ConsoleRig, type Source } from './harness.js';

/** Buttons that change something: none of them may be shown to a viewer. */
const MUTATIONS = /^(Add source|Create source|Send test lead|Rotate secret|Rotate URL|Delete|Delete source|Reprocess|Apply|Discard|Add destination|Create destination|Try filter|Rotate signing secret|Disable|Enable|Replay|Retry|Send test event|New token|Create token|Revoke)$/i;

describe('console accessibility and the viewer role', { skip: chromiumSkip() }, () => {
  let rig: ConsoleRig;
  let rx: Receiver;
  let praetorian: Source;
  let anarock: Source;
  let leadId: string;
  let destinationSecret: string;
  let viewerToken: string;
  const pages: ConsolePage[] = [];
  /** Secrets a viewer must never see: sources' secrets and URL tokens, the destination's signing secret. */
  const secrets: string[] = [];

  before(async () => {
    rig = await startRig();
    rx = await startReceiver((_r, _n, res) => res.writeHead(500).end('no'));
    [praetorian, anarock] = await Promise.all([addSource(rig.t, 'praetorian', 'Praetorian US'), addSource(rig.t, 'anarock', 'Anarock Mumbai')]);
    [leadId] = (await sendPraetorian(rig.t, praetorian, [praetorianItem('led_a11y', { first_name: 'Ada', last_name: 'Lovelace' })])).map((l) => l.id) as [string];
    await sendAnarock(rig.t, anarock, 'v2020-snapshot.json');
    // A quarantined request (an Anarock snapshot without lead_id), for the Requests page and its Reprocess button.
    const held = await rig.t.hook(anarock.webhookPath, { name: 'No Id', phone: '+919999999900' });
    assert.equal(held.status, 200, JSON.stringify(held.json));
    const dest = await rig.t.api('POST', '/api/destinations', { name: 'Failing CRM', url: rx.url });
    assert.equal(dest.status, 201, JSON.stringify(dest.json));
    destinationSecret = dest.json.secret;
    await sendPraetorian(rig.t, praetorian, [praetorianItem('led_fail', { first_name: 'Fay', last_name: 'Failed' })]);
    for (const s of [praetorian, anarock]) secrets.push(s.secret, s.webhookPath.replace('/hooks/', ''));
    secrets.push(destinationSecret);
    const viewer = await rig.t.api('POST', '/api/tokens', { name: 'sales floor', role: 'viewer' });
    assert.equal(viewer.status, 201, JSON.stringify(viewer.json));
    viewerToken = viewer.json.token;
  });
  after(async () => {
    await rig?.close();
    await rx?.close();
  });

  /** Each page, and what shows it has loaded its data. */
  const PAGES: { path: () => string; h1: () => string; loaded: (page: Page) => Locator }[] = [
    { path: () => '/', h1: () => 'Overview', loaded: (page) => page.locator('figure canvas, figure svg').first() },
    { path: () => '/leads', h1: () => 'Leads', loaded: (page) => page.getByRole('table').getByRole('link', { name: 'Ada Lovelace' }) },
    { path: () => `/leads/${leadId}`, h1: () => 'Ada Lovelace', loaded: (page) => page.getByRole('heading', { level: 2, name: 'Timeline' }) },
    { path: () => '/sources', h1: () => 'Sources', loaded: (page) => page.getByText('Anarock Mumbai').first() },
    { path: () => '/requests', h1: () => 'Requests', loaded: (page) => page.getByRole('table').getByText('Quarantined').first() },
    { path: () => '/destinations', h1: () => 'Destinations', loaded: (page) => page.getByText('Failing CRM').first() },
    { path: () => '/tokens', h1: () => 'Tokens', loaded: (page) => page.getByRole('table').getByText('sales floor').first() },
  ];

  it('has no serious or critical axe-core violation on the sign-in page', async () => {
    const p = await openConsole(rig.browser, rig.t.url);
    pages.push(p);
    await p.page.goto('/sign-in');
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    const violations = await axeViolations(p.page);
    assert.deepEqual(violations, [], describeViolations(violations));
  });

  it('has no serious or critical axe-core violation on any page of the console, with data on it', async () => {
    const p = await openConsole(rig.browser, rig.t.url);
    pages.push(p);
    await signIn(p.page, TEST_ADMIN_TOKEN);
    const found: string[] = [];
    for (const each of PAGES) {
      await p.page.goto(each.path());
      await p.page.getByRole('heading', { level: 1, name: each.h1(), exact: true }).waitFor();
      await each.loaded(p.page).waitFor();
      const violations = await axeViolations(p.page);
      if (violations.length > 0) found.push(`${each.path()}:\n${describeViolations(violations)}`);
    }
    assert.deepEqual(found, [], found.join('\n\n'));
  });

  it('gives the controls the names the brief promises: overview charts, leads filters, request status and detail, destination actions', async () => {
    const p = pages.at(-1)!;
    const { page } = p;
    await page.goto('/');
    for (const name of ['Leads per day', 'Leads by stage', 'Quarantined requests', 'Deliveries by destination']) {
      const figure = page.getByRole('figure', { name });
      await figure.waitFor();
      assert.ok((await figure.getByRole('link').count()) >= 1, `the ${name} chart links to its list`);
    }
    await page.getByLabel('From', { exact: true }).waitFor();
    await page.getByLabel('To', { exact: true }).waitFor();

    await page.goto('/leads');
    await page.getByRole('searchbox', { name: 'Search leads' }).waitFor();
    for (const name of ['Provider', 'Source', 'Stage']) await page.getByRole('combobox', { name, exact: true }).waitFor();
    for (const name of ['From', 'To']) await page.getByLabel(name, { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Export CSV' }).waitFor();

    await page.goto('/requests');
    const status = page.getByRole('combobox', { name: 'Status', exact: true });
    await status.waitFor();
    const options = (await status.locator('option').allInnerTexts()).map((o) => o.trim());
    for (const o of ['All', 'Accepted', 'Duplicate', 'Quarantined']) assert.ok(options.includes(o), `Status offers ${o}: ${options.join(', ')}`);
    const quarantined = page.getByRole('row').filter({ hasText: 'Quarantined' }).first();
    await quarantined.getByRole('button', { name: 'Reprocess' }).waitFor();
    await quarantined.getByRole('link').first().click();
    await page.waitForURL(/\/requests\/[^/]+$/);
    await page.locator('pre').filter({ hasText: '"No Id"' }).first().waitFor();

    await page.goto('/destinations');
    const card = page.locator('article, li, tr').filter({ hasText: 'Failing CRM' }).filter({ has: page.getByRole('button', { name: 'Replay' }) }).last();
    for (const name of ['Rotate signing secret', 'Replay', 'Delete']) await card.getByRole('button', { name, exact: true }).waitFor();
    assert.equal(await card.getByRole('button', { name: /^(Disable|Enable)$/ }).count(), 1);
    const failed = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Failed deliveries' }) });
    await failed.getByRole('button', { name: 'Retry' }).first().waitFor();
  });

  it('shows a viewer no secret and no button that changes anything, on every page', async () => {
    const p = await openConsole(rig.browser, rig.t.url);
    pages.push(p);
    await signIn(p.page, viewerToken);
    const nav = p.page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Tokens', exact: true }).count(), 0, 'no Tokens link for a viewer');
    const shown: string[] = [];
    for (const each of PAGES.filter((x) => x.h1() !== 'Tokens')) {
      await p.page.goto(each.path());
      await p.page.getByRole('heading', { level: 1, name: each.h1(), exact: true }).waitFor();
      await each.loaded(p.page).waitFor();
      const buttons = await p.page.getByRole('button').allInnerTexts();
      for (const b of buttons.map((x) => x.trim()).filter((x) => MUTATIONS.test(x))) shown.push(`${each.path()}: button "${b}"`);
      const html = await p.page.content();
      for (const s of secrets) if (html.includes(s)) shown.push(`${each.path()}: a secret (${s.slice(0, 6)}…)`);
      if ((await p.page.getByRole('textbox', { name: 'Webhook URL' }).count()) > 0) shown.push(`${each.path()}: a Webhook URL box`);
    }
    // Typed in by hand, /tokens shows a viewer nothing to act on either.
    await p.page.goto('/tokens');
    await p.page.getByRole('heading', { level: 1 }).first().waitFor();
    for (const b of (await p.page.getByRole('button').allInnerTexts()).map((x) => x.trim()).filter((x) => MUTATIONS.test(x))) shown.push(`/tokens: button "${b}"`);
    assert.deepEqual(shown, []);
  });

  it("refuses a viewer's changes made with its session (403), even with the CSRF token", async () => {
    const p = pages.at(-1)!;
    const session = await p.page.request.get('/api/session');
    assert.equal(session.status(), 200);
    const { role, csrfToken } = (await session.json()) as { role: string; csrfToken: string };
    assert.equal(role, 'viewer');
    const headers = { 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    const attempts = [
      await p.page.request.post('/api/sources', { headers, data: { provider: 'praetorian', name: 'nope' } }),
      await p.page.request.delete(`/api/sources/${praetorian.id}`, { headers }),
      await p.page.request.post('/api/tokens', { headers, data: { name: 'escalate', role: 'admin' } }),
    ];
    assert.deepEqual(attempts.map((r) => r.status()), [403, 403, 403]);
    assert.equal((await p.page.request.get('/api/tokens')).status(), 403);
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageProblems(pages), []);
  });
});
