import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { rewriteLeadDocuments } from '../helpers/test-store.js';

function lead(id: string, page: string, extra: Record<string, unknown> = {}) {
  return { id, url: `https://example.com/${page}`, data: { first_name: 'Dana', ...extra } };
}

describe('leads stored before firstAttribution existed', () => {
  let t: TestServer;
  after(() => t?.close());

  it('read their first attribution as the current one while never updated, else null (unknown), and keep it once set', async () => {
    t = await startTestServer();
    const source = await createSource(t, 'praetorian');
    const auth = { authorization: source.secret };
    const once = (await t.hook(source.webhookPath, [lead('led_old_once', 'first-page')], auth)).json.leads[0].id;
    const twice = (await t.hook(source.webhookPath, [lead('led_old_twice', 'first-page')], auth)).json.leads[0].id;
    await t.hook(source.webhookPath, [lead('led_old_twice', 'second-page')], auth);

    // Make the rows look as an older leadhook wrote them: no firstAttribution in the document.
    const dataDir = t.dataDir;
    await t.close({ keepData: true });
    await rewriteLeadDocuments(dataDir, ({ firstAttribution: _dropped, ...doc }) => doc);
    t = await startTestServer({}, dataDir);

    const first = (await t.api('GET', `/api/leads/${once}`)).json;
    assert.equal(first.version, 1);
    assert.deepEqual(first.firstAttribution, first.attribution, 'never updated: its attribution is still the first');
    const second = (await t.api('GET', `/api/leads/${twice}`)).json;
    assert.equal(second.firstAttribution, null, 'updated before the field existed: the first attribution is unknown');
    const listed = (await t.api('GET', '/api/leads?q=led_old_')).json.items;
    const listedFirst = Object.fromEntries(listed.map((l: any) => [l.id, l.firstAttribution?.pageUrl ?? null]));
    assert.deepEqual(listedFirst, { [once]: 'https://example.com/first-page', [twice]: null }, 'lists read old rows the same way');

    await t.hook(source.webhookPath, [lead('led_old_once', 'third-page')], auth);
    const updated = (await t.api('GET', `/api/leads/${once}`)).json;
    assert.equal(updated.attribution.pageUrl, 'https://example.com/third-page');
    assert.equal(updated.firstAttribution.pageUrl, 'https://example.com/first-page', 'set once, kept by every update');
  });
});
