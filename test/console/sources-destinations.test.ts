/**
 * Sources and destinations in the console, in real Chromium against a real leadhook: a source added
 * through its guide (the URL and secret it shows work for a real webhook) and its test lead; a
 * destination made from a rule template after trying the filter; a delivery to a receiver answering
 * 500 shown as failed, then retried once the receiver recovers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumSkip, openConsole, signIn, type ConsolePage } from '../helpers/browser.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { addSource, pageProblems, praetorianItem, sendAnarock, startRig, type ConsoleRig, type Source } from './harness.js';

describe('console sources and destinations', { skip: chromiumSkip() }, () => {
  let rig: ConsoleRig;
  let p: ConsolePage;
  let rx: Receiver;
  let audit: Receiver;
  let anarock: Source;
  let destinationId: string;
  before(async () => {
    rig = await startRig();
    rx = await startReceiver((_r, _n, res) => res.writeHead(500).end('receiver down'));
    audit = await startReceiver();
    anarock = await addSource(rig.t, 'anarock', 'Anarock Pune');
    // leadhook keeps events only for destinations: an existing one, so there are recent events to try a filter on.
    assert.equal((await rig.t.api('POST', '/api/destinations', { name: 'Audit log', url: audit.url })).status, 201);
    // A lead, then its later snapshot (booking done).
    await sendAnarock(rig.t, anarock, 'v2020-snapshot.json');
    await sendAnarock(rig.t, anarock, 'v2023-later-snapshot.json');
    p = await openConsole(rig.browser, rig.t.url);
    await p.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.t.url });
    await signIn(p.page, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await rig?.close();
    await rx?.close();
    await audit?.close();
  });

  it('adds a source through its guide, whose URL and secret take a real webhook, and sends its test lead', async () => {
    const { page } = p;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Sources' }).waitFor();
    await page.getByRole('button', { name: 'Add source' }).click();
    await page.getByLabel('Provider').selectOption('praetorian');
    await page.getByLabel('Name', { exact: true }).fill('Praetorian Boston');
    await page.getByRole('button', { name: 'Create source' }).click();

    const urlBox = page.getByRole('textbox', { name: 'Webhook URL' });
    const secretBox = page.getByRole('textbox', { name: 'Secret' });
    await urlBox.waitFor();
    assert.equal(await urlBox.getAttribute('readonly'), '');
    assert.equal(await secretBox.getAttribute('readonly'), '');
    const webhookUrl = await urlBox.inputValue();
    const secret = await secretBox.inputValue();
    assert.match(webhookUrl, new RegExp(`^${rig.t.url}/hooks/wh_`));
    await page.getByRole('button', { name: 'Copy URL' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), webhookUrl);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), secret);

    // What the guide shows is what Praetorian would paste: a real webhook with them is accepted.
    const res = await fetch(webhookUrl, { method: 'POST', headers: { authorization: secret, 'content-type': 'application/json' }, body: JSON.stringify([praetorianItem('led_guide', { first_name: 'Gina', last_name: 'Guide' })]) });
    assert.equal(res.status, 200, await res.text());
    const sources = (await rig.t.api('GET', '/api/sources')).json.items as { id: string; name: string }[];
    const created = sources.find((s) => s.name === 'Praetorian Boston');
    assert.ok(created, JSON.stringify(sources));

    // The source's own card (or row): the innermost element holding its name and its buttons.
    const card = page.locator('li, article, section, tr').filter({ hasText: 'Praetorian Boston' }).filter({ has: page.getByRole('button', { name: 'Send test lead' }) }).last();
    await card.getByRole('button', { name: 'Send test lead' }).click();
    const testLead = await eventually(async () => {
      const list = (await rig.t.api('GET', `/api/leads?isTest=true&sourceId=${created.id}`)).json;
      return list.items?.[0];
    }, 10_000, 'a test lead of the new source');
    assert.equal(testLead.isTest, true);
    const listed = (await rig.t.api('GET', `/api/leads?sourceId=${created.id}`)).json.items as { id: string }[];
    assert.ok(!listed.some((l) => l.id === testLead.id), 'the test lead stays out of the default list');
  });

  it("rotates a source's URL (the old one keeps working for the overlap) and deletes the source after a confirmation", async () => {
    const { page } = p;
    const source = await addSource(rig.t, 'praetorian', 'Praetorian Rotated');
    await page.reload();
    const card = page.locator('article, li, tr').filter({ hasText: 'Praetorian Rotated' }).filter({ has: page.getByRole('button', { name: 'Rotate URL' }) }).last();
    await card.getByRole('button', { name: 'Rotate URL' }).click();
    const urlBox = card.getByRole('textbox', { name: 'Webhook URL' });
    await urlBox.waitFor();
    const rotated = await urlBox.inputValue();
    assert.ok(rotated.startsWith(`${rig.t.url}/hooks/wh_`) && !rotated.endsWith(source.webhookPath), rotated);
    const post = (url: string, id: string) =>
      fetch(url, { method: 'POST', headers: { authorization: source.secret, 'content-type': 'application/json' }, body: JSON.stringify([praetorianItem(id, {})]) });
    assert.equal((await post(rotated, 'led_new_url')).status, 200);
    assert.equal((await post(`${rig.t.url}${source.webhookPath}`, 'led_old_url')).status, 200);
    await card.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete source' }).click();
    await card.waitFor({ state: 'detached' });
    assert.equal((await rig.t.api('GET', `/api/sources/${source.id}`)).status, 404);
  });

  it('adds a destination from a rule template after trying its filter against recent events', async () => {
    const { page } = p;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Destinations' }).waitFor();
    await page.getByRole('button', { name: 'Add destination' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Bookings CRM');
    await page.getByLabel('URL', { exact: true }).fill(rx.url);
    // Every event type is ticked by default, lead.erased (a lead's personal data erased) among them.
    const erasedBox = page.getByRole('group', { name: 'Events' }).getByRole('checkbox', { name: /^lead\.erased\b/ });
    assert.equal(await erasedBox.isChecked(), true, 'lead.erased is a default event');
    await page.getByLabel('Rule template').selectOption({ label: 'Sales team: booking done' });
    const filter = page.getByLabel('Filter (CEL)');
    await eventually(async () => /Booking done/.test(await filter.inputValue()), 5000, 'the template fills the filter');
    await page.getByRole('button', { name: 'Try filter' }).click();
    const results = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Matched' }) });
    await results.waitFor();
    await results.getByRole('row').nth(1).waitFor();
    const rows = await results.getByRole('row').allInnerTexts();
    assert.ok(rows.length >= 3, `two recent events or more tried:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => /\byes\b|✓|matched/i.test(r) && !/not matched/i.test(r)), `the booking-done event matches:\n${rows.join('\n')}`);
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByText('Bookings CRM').first().waitFor();
    const created = ((await rig.t.api('GET', '/api/destinations')).json.items as { id: string; name: string; filter: string | null; events: string[] }[]).find((d) => d.name === 'Bookings CRM');
    assert.ok(created);
    assert.match(created.filter ?? '', /Booking done/);
    assert.deepEqual(created.events, ['lead.created', 'lead.updated', 'lead.stage_changed', 'lead.erased']);
    destinationId = created.id;
  });

  it('lists a delivery the receiver refused under Failed deliveries, and Retry delivers it once the receiver recovers', async () => {
    const { page } = p;
    const leadId = await sendAnarock(rig.t, anarock, 'v2023-later-snapshot.json', { lead_id: 7770001, name: 'Bina Booked', phone: '+919812345678' });
    const delivery = await eventually(async () => {
      const list = (await rig.t.api('GET', `/api/deliveries?destinationId=${destinationId}&status=failed`)).json;
      return list.items?.find((d: { leadId: string }) => d.leadId === leadId);
    }, 10_000, 'the delivery to fail for good');
    assert.ok(rx.received.length >= 2, 'the receiver was tried');
    await page.reload();
    const failed = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Failed deliveries' }) });
    // Its row links to the lead.
    const row = failed.getByRole('row').filter({ has: page.locator(`a[href="/leads/${leadId}"]`) });
    await row.waitFor();
    // The same failure on the lead's own page.
    const leadPage = await openConsole(rig.browser, rig.t.url);
    await signIn(leadPage.page, TEST_ADMIN_TOKEN);
    await leadPage.page.goto(`/leads/${leadId}`);
    await leadPage.page.getByRole('heading', { level: 1, name: 'Bina Booked' }).waitFor();
    await leadPage.page.getByRole('button', { name: 'Retry' }).first().waitFor();
    await leadPage.context.close();

    rx.setResponder((_r, _n, res) => res.writeHead(200).end('ok'));
    const before = rx.received.length;
    await row.getByRole('button', { name: 'Retry' }).click();
    await rx.waitFor((r) => r.length > before);
    await eventually(async () => (await rig.t.api('GET', `/api/deliveries/${delivery.id}`)).json.status === 'succeeded', 10_000, 'the retried delivery to succeed');
    await row.waitFor({ state: 'detached' });
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageProblems([p]), []);
  });
});
