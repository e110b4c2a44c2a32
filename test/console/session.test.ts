/**
 * The console's sign-in, in real Chromium against a real leadhook: a wrong token, the admin token,
 * the session cookie (HttpOnly, SameSite=Strict, the token kept nowhere in the page), sign-out, and a
 * session that ends on the server (its token revoked) sending the console back to sign-in: by itself
 * on the Leads page, whose live stream the server ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumSkip, openConsole, signIn, type ConsolePage } from '../helpers/browser.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { pageProblems, startRig, testClock, type ConsoleRig } from './harness.js';

describe('console sign-in and sessions', { skip: chromiumSkip() }, () => {
  let rig: ConsoleRig;
  const clock = testClock();
  const pages: ConsolePage[] = [];
  const open = async () => {
    const p = await openConsole(rig.browser, rig.t.url);
    pages.push(p);
    return p;
  };
  before(async () => {
    rig = await startRig({}, { clock });
  });
  after(() => rig?.close());

  it('sends a visitor without a session to the sign-in page', async () => {
    const { page } = await open();
    await page.goto('/leads');
    await page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/sign-in/);
  });

  it('refuses a wrong token with an alert and stays on the sign-in page', async () => {
    const { page } = await open();
    await page.goto('/sign-in');
    await page.getByLabel('API token').fill('not-a-real-token-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /\S/ }).first().waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  });

  it('signs in with the admin token into an HttpOnly, SameSite=Strict session cookie, keeping the token nowhere in the page', async () => {
    const p = await open();
    await signIn(p.page, TEST_ADMIN_TOKEN);
    await p.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const nav = p.page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Overview', 'Leads', 'Sources', 'Requests', 'Destinations', 'Tokens']) {
      assert.equal(await nav.getByRole('link', { name, exact: true }).count(), 1, `the main navigation links to ${name}`);
    }
    const cookies = await p.context.cookies();
    const cookie = cookies.find((c) => c.name === 'lh_session');
    assert.ok(cookie, `an lh_session cookie among ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.notEqual(cookie.value, TEST_ADMIN_TOKEN);
    const stored = await p.page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
    assert.ok(!stored.includes(TEST_ADMIN_TOKEN), `the token is in the page's storage: ${stored}`);
  });

  it('signs in and moves between pages with the keyboard alone', async () => {
    const { page } = await open();
    await page.goto('/sign-in');
    const input = page.getByLabel('API token');
    for (let i = 0; i < 10 && !(await input.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    const leadsLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads', exact: true });
    await leadsLink.waitFor();
    for (let i = 0; i < 15 && !(await leadsLink.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
  });

  it('signs out: back to the sign-in page, and the old cookie no longer opens the API', async () => {
    const p = await open();
    await signIn(p.page, TEST_ADMIN_TOKEN);
    const before = (await p.context.cookies()).find((c) => c.name === 'lh_session');
    assert.ok(before);
    await p.page.getByRole('button', { name: 'Sign out' }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    const res = await fetch(`${rig.t.url}/api/session`, { headers: { cookie: `lh_session=${before.value}` } });
    assert.equal(res.status, 401);
    // Back in history is no way around it.
    await p.page.goto('/leads');
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
  });

  it('goes back to sign-in, saying the session ended, when its token is revoked while the page is open', async () => {
    const created = await rig.t.api('POST', '/api/tokens', { name: 'revoked later', role: 'admin' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const p = await open();
    await signIn(p.page, created.json.token);
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Sources' }).waitFor();
    assert.equal((await rig.t.api('DELETE', `/api/tokens/${created.json.id}`)).status, 204);
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    await p.page.getByText(/session has expired|sign in again/i).first().waitFor();
    assert.equal(await p.page.getByRole('navigation', { name: 'Main' }).count(), 0);
  });

  it('goes back to sign-in by itself, saying the session ended, when its token is revoked while the Leads page streams live leads, and opens the stream no more', async () => {
    const created = await rig.t.api('POST', '/api/tokens', { name: 'revoked while live', role: 'viewer' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const p = await open();
    const streams: string[] = [];
    p.page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/live') streams.push(request.url());
    });
    await signIn(p.page, created.json.token);
    const streaming = p.page.waitForResponse((res) => new URL(res.url()).pathname === '/api/live' && res.status() === 200);
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    await streaming;
    // No click, no request of the page's own: the stream's end event alone sends it to sign-in.
    assert.equal((await rig.t.api('DELETE', `/api/tokens/${created.json.id}`)).status, 204);
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    await p.page.getByText(/session has expired|sign in again/i).first().waitFor();
    assert.match(new URL(p.page.url()).searchParams.get('next') ?? '', /^\/leads/);
    assert.equal(streams.length, 1, `the ended stream was not reopened: ${streams.join(', ')}`);
  });

  it('signs out from the Leads page, whose live stream the sign-out ends, without saying the session expired', async () => {
    const p = await open();
    await signIn(p.page, TEST_ADMIN_TOKEN);
    const streaming = p.page.waitForResponse((res) => new URL(res.url()).pathname === '/api/live' && res.status() === 200);
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    await streaming;
    await p.page.getByRole('button', { name: 'Sign out' }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
    assert.equal(new URL(p.page.url()).pathname, '/sign-in');
    assert.equal(new URL(p.page.url()).search, '', 'a sign-out names no page to come back to');
    assert.equal(await p.page.getByText(/session has expired/i).count(), 0);
  });

  it('goes back to sign-in, saying the session expired, once the session has been idle for over 12 hours', async () => {
    const p = await open();
    await signIn(p.page, TEST_ADMIN_TOKEN);
    await p.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    clock.advance(13 * 3_600_000);
    try {
      const expired = await p.page.request.get('/api/session');
      assert.equal(expired.status(), 401);
      assert.equal(((await expired.json()) as { error: { code: string } }).error.code, 'LH_E_SESSION_EXPIRED');
      await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads', exact: true }).click();
      await p.page.getByRole('heading', { level: 1, name: 'Sign in to leadhook' }).waitFor();
      await p.page.getByText(/session has expired/i).first().waitFor();
      // Signing in again works, and comes back to the page it was sent from.
      await p.page.getByLabel('API token').fill(TEST_ADMIN_TOKEN);
      await p.page.getByRole('button', { name: 'Sign in' }).click();
      await p.page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    } finally {
      clock.advance(-13 * 3_600_000);
    }
  });

  it('makes a named token on the Tokens page, shows it once with a copy button, and revokes it', async () => {
    const p = await open();
    await signIn(p.page, TEST_ADMIN_TOKEN);
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await p.page.getByRole('button', { name: 'New token' }).click();
    await p.page.getByLabel('Name', { exact: true }).fill('ops laptop');
    await p.page.getByLabel('Role').selectOption('viewer');
    await p.page.getByRole('button', { name: 'Create token' }).click();
    const box = p.page.getByRole('textbox', { name: 'New token' });
    await box.waitFor();
    assert.equal(await box.getAttribute('readonly'), '');
    await p.page.getByRole('button', { name: 'Copy token' }).waitFor();
    const token = await box.inputValue();
    const who = await fetch(`${rig.t.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(who.status, 200);
    assert.equal(((await who.json()) as { role: string }).role, 'viewer');
    const row = p.page.getByRole('row').filter({ hasText: 'ops laptop' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await p.page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await row.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    const after = await fetch(`${rig.t.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageProblems(pages), []);
  });
});
