import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Schema violations answered in the user's words, through real HTTP: field, what is wrong, allowed values. */
describe('validation errors speak the user\'s language', () => {
  let t: TestServer;
  let receiver: Receiver;
  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await t.close();
  });

  it('names the list element, the allowed values and what was sent for a value outside an enum', async () => {
    const res = await t.api('POST', '/api/destinations', { name: 'crm', url: receiver.url, events: ['lead.created', 'lead.create'] });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.error, {
      code: 'LH_E_VALIDATION',
      message: 'events[1] must be one of lead.created, lead.updated, lead.stage_changed, lead.erased (got "lead.create")',
      details: { field: 'events[1]', location: 'body', allowed: ['lead.created', 'lead.updated', 'lead.stage_changed', 'lead.erased'] },
    });
  });

  it('names a missing field, an unknown field (with the known ones) and a wrong type', async () => {
    const missing = await t.api('POST', '/api/destinations', { url: receiver.url });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.message, 'name is required');
    assert.equal(missing.json.error.details.field, 'name');

    const unknown = await t.api('POST', '/api/destinations', { name: 'crm', url: receiver.url, event: ['lead.created'] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /^event is not a known field; known fields: .*\bevents\b/);
    assert.ok(unknown.json.error.details.allowed.includes('events'));

    const type = await t.api('POST', '/api/destinations', { name: 'crm', url: receiver.url, events: 'lead.created' });
    assert.equal(type.status, 400);
    assert.equal(type.json.error.message, 'events must be an array (got "lead.created")');
  });

  it('names a query parameter outside its enum', async () => {
    const res = await t.api('GET', '/api/deliveries?status=done');
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /^status must be one of pending, .* \(got "done"\)$/);
    assert.equal(res.json.error.details.location, 'query');
  });

  it('takes a plain date for replay since (the start of that day) and says which formats it takes otherwise', async () => {
    const dest = await t.api('POST', '/api/destinations', { name: 'replay', url: receiver.url });
    assert.equal(dest.status, 201);
    for (const since of ['2026-12-01', '2026-12-01T09:30:00Z', '2026-12-01T15:00:00+05:30']) {
      const ok = await t.api('POST', `/api/destinations/${dest.json.id}/replay`, { since });
      assert.equal(ok.status, 200, `${since}: ${JSON.stringify(ok.json)}`);
      assert.deepEqual(ok.json, { requeued: 0 });
    }
    const bad = await t.api('POST', `/api/destinations/${dest.json.id}/replay`, { since: '01/12/2026' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'LH_E_VALIDATION');
    assert.match(bad.json.error.message, /^since is not a date or time \("01\/12\/2026"\): use a date YYYY-MM-DD .* or an ISO 8601 time such as 2026-12-01T09:30:00Z/);
    assert.equal(bad.json.error.details.field, 'since');
  });
});
