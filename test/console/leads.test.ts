/**
 * The leads pages, in real Chromium against a real leadhook: a lead POSTed to a source's webhook URL
 * appears live, search by a phone typed differently, the lead's timeline and request bodies, the CSV
 * export downloaded and read, and a lead whose name is markup shown as text, running nothing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fixtureJson } from '../helpers/fixtures.js';
import { chromiumSkip, openConsole, signIn, type ConsolePage } from '../helpers/browser.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { addSource, pageProblems, praetorianItem, sendAnarock, sendLeadPro, sendPraetorian, startRig, type ConsoleRig, type Source } from './harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';

describe('console leads', { skip: chromiumSkip() }, () => {
  let rig: ConsoleRig;
  let p: ConsolePage;
  let praetorian: Source;
  let anarock: Source;
  let liveLeadId: string;
  before(async () => {
    rig = await startRig();
    [praetorian, anarock] = await Promise.all([addSource(rig.t, 'praetorian', 'Praetorian US'), addSource(rig.t, 'anarock', 'Anarock Mumbai')]);
    await sendPraetorian(rig.t, praetorian, [praetorianItem('led_old', { first_name: 'Olga', last_name: 'Older', phone: '+14155550101' })]);
    p = await openConsole(rig.browser, rig.t.url);
    await signIn(p.page, TEST_ADMIN_TOKEN);
  });
  after(() => rig?.close());

  const table = () => p.page.getByRole('table');
  const rowNamed = (name: string) => table().getByRole('row').filter({ has: p.page.getByRole('link', { name, exact: true }) });

  it('shows a lead POSTed to the webhook URL live, at the top of the table, with a "1 new lead" notice', async () => {
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads', exact: true }).click();
    await p.page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    await rowNamed('Olga Older').waitFor();
    for (const name of ['Name', 'Phone', 'E-mail', 'Provider', 'Source', 'Stage', 'Assignee', 'Last activity']) {
      assert.equal(await table().getByRole('columnheader', { name, exact: true }).count(), 1, `column ${name}`);
    }
    // The live stream is open once the page has listed; the lead arrives through a real webhook.
    const [lead] = await sendPraetorian(rig.t, praetorian, [praetorianItem('led_live', { first_name: 'Lena', last_name: 'Live', phone: '(334) 555-0143', email: 'lena@example.org' })]);
    liveLeadId = lead!.id;
    await rowNamed('Lena Live').waitFor();
    await p.page.getByRole('status').filter({ hasText: /1 new lead/ }).waitFor();
    const firstBodyRow = table().getByRole('row').nth(1);
    assert.equal(await firstBodyRow.getByRole('link', { name: 'Lena Live', exact: true }).count(), 1, 'the new lead is the first row');
    assert.equal(await rowNamed('Lena Live').getByRole('link', { name: 'Lena Live' }).getAttribute('href'), `/leads/${liveLeadId}`);
  });

  it('finds the lead by its phone typed in another format', async () => {
    await p.page.getByRole('searchbox', { name: 'Search leads' }).fill('+1 334-555-0143');
    await rowNamed('Olga Older').waitFor({ state: 'detached' });
    await rowNamed('Lena Live').waitFor();
    assert.equal(await table().getByRole('row').count(), 2, 'the header row and the one lead');
    await p.page.getByRole('searchbox', { name: 'Search leads' }).fill('');
    await rowNamed('Olga Older').waitFor();
  });

  it("opens a lead's page with its timeline, in order, and the request's exact body", async () => {
    await sendAnarock(rig.t, anarock, 'v2020-snapshot.json');
    await rowNamed('History').waitFor();
    await rowNamed('History').getByRole('link', { name: 'History' }).click();
    await p.page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    for (const name of ['Person', 'Stage', 'Attribution', 'Provider fields', 'Timeline', 'Requests', 'Deliveries']) {
      await p.page.getByRole('heading', { level: 2, name }).waitFor();
    }
    // The innermost block holding the Timeline heading and its entries; the notes in the order they happened
    // (oldest or newest first, but never mixed).
    const timeline = p.page.locator('section, div').filter({ has: p.page.getByRole('heading', { level: 2, name: 'Timeline' }) }).filter({ hasText: '97004 meeting at today evening' }).last();
    await timeline.waitFor();
    const text = await timeline.innerText();
    const at = ['97004 meeting at today evening', 'Meeting is another meeting schedule in 2 hours', 'Visited an another visitor schedule 2 hours', 'site revisit done'].map((note) => text.indexOf(note));
    assert.ok(at.every((i) => i >= 0), `every note is shown:\n${text}`);
    const ascending = at.every((i, n) => n === 0 || i > at[n - 1]!);
    const descending = at.every((i, n) => n === 0 || i < at[n - 1]!);
    assert.ok(ascending || descending, `the notes in time order: positions ${at.join(', ')}`);
    // The request body in a <pre>, pretty-printed JSON of exactly what Anarock sent.
    const pre = p.page.locator('pre').filter({ hasText: '"lead_id": 1402361' }).first();
    await pre.waitFor();
    assert.match((await pre.textContent()) ?? '', /"project_name": "santacruz"/);
  });

  it("shows a LeadPro request's JWT decoded, with its signature verified", async () => {
    const leadpro = await addSource(rig.t, 'leadpro', 'LeadPro London');
    const id = await sendLeadPro(rig.t, leadpro, fixtureJson('leadpro', 'table-lead-created.json'));
    await p.page.goto(`/leads/${id}`);
    await p.page.getByRole('heading', { level: 1, name: 'Richard Smith' }).waitFor();
    await p.page.getByText('signature verified', { exact: true }).first().waitFor();
    await p.page.locator('pre').filter({ hasText: '"advert_postcode": "N1 3JY"' }).first().waitFor();
  });

  it('exports the filtered list as a CSV file with the documented columns', async () => {
    await p.page.goto('/leads');
    await p.page.getByLabel('Provider').selectOption('praetorian');
    await rowNamed('History').waitFor({ state: 'detached' });
    await rowNamed('Lena Live').waitFor();
    const [download] = await Promise.all([p.page.waitForEvent('download'), p.page.getByRole('link', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^leads-\d{4}-\d{2}-\d{2}\.csv$/);
    const path = await download.path();
    const csv = await readFile(path, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines[0], 'id,name,phone,email,provider,sourceId,sourceName,stage,providerStatus,assignee,firstSeenAt,lastEventAt');
    assert.equal(lines.length, 3, `two Praetorian leads, no Anarock one:\n${csv}`);
    const live = lines.find((l) => l.startsWith(`${liveLeadId},`));
    assert.ok(live, csv);
    // Formula-safe: a cell starting with + (or =, -, @) is prefixed with ' so a spreadsheet shows it as text.
    assert.match(live, /,Lena Live,'\+13345550143,lena@example\.org,praetorian,[^,]+,Praetorian US,new,/);
    assert.ok(!csv.includes('History'));
  });

  it('shows a lead named <img src=x onerror=alert(1)> as that text and runs nothing', async () => {
    await p.page.goto('/leads');
    await sendPraetorian(rig.t, praetorian, [praetorianItem('led_xss', { first_name: XSS_NAME, last_name: '', email: 'xss@example.com' })]);
    await rowNamed(XSS_NAME).waitFor();
    await rowNamed(XSS_NAME).getByRole('link', { name: XSS_NAME }).click();
    await p.page.getByRole('heading', { level: 1, name: XSS_NAME, exact: true }).waitFor();
    await p.page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
    assert.equal(await p.page.locator('img[src="x"], img[onerror]').count(), 0);
    assert.deepEqual(p.dialogs, []);
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageProblems([p]), []);
  });
});
