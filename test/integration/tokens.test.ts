import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOUCH_INTERVAL_MS } from '../../src/auth/session-policy.js';
import { call, makeToken, signIn, startAuthServer, type AuthTestServer } from '../helpers/auth.js';
import { cli } from '../helpers/cli.js';
import { createSource, TEST_ADMIN_TOKEN } from '../helpers/server.js';

/**
 * Issue 12: named API tokens with roles, managed through the API and the CLI. A token is shown once
 * and kept as a hash; each shows when it was last used (written at most once a minute); revoking one
 * stops it at once. A viewer reads without seeing any credential and changes nothing (403).
 */
describe('named API tokens', () => {
  let t: AuthTestServer;
  before(async () => {
    t = await startAuthServer();
  });
  after(() => t.close());

  it('makes a token shown once: 201 {id, name, role, createdAt, lastUsedAt: null, token}; the list never shows it', async () => {
    const res = await t.api('POST', '/api/tokens', { name: '  Sales dashboard ', role: 'viewer' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.match(res.json.id, /^tok_[0-9a-z]{26}$/);
    assert.match(res.json.token, /^lht_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...res.json, id: 'x', token: 'x', createdAt: 'x' }, { id: 'x', name: 'Sales dashboard', role: 'viewer', createdAt: 'x', lastUsedAt: null, revokedAt: null, token: 'x' });
    const list = await t.api('GET', '/api/tokens');
    assert.equal(list.status, 200);
    const listed = list.json.items.find((x: any) => x.id === res.json.id);
    assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
    assert.ok(!JSON.stringify(list.json).includes(res.json.token));
  });

  it('refuses a bad role or a blank name (400), naming the field', async () => {
    const role = await t.api('POST', '/api/tokens', { name: 'x', role: 'owner' });
    assert.equal(role.status, 400);
    assert.equal(role.json.error.code, 'LH_E_VALIDATION');
    assert.equal(role.json.error.details.field, 'role');
    assert.equal((await t.api('POST', '/api/tokens', { name: '   ', role: 'admin' })).status, 400);
    assert.equal((await t.api('POST', '/api/tokens', { name: 'x', role: 'admin', extra: 1 })).status, 400);
  });

  it('lets an admin token do what the admin token does', async () => {
    const admin = await makeToken(t, 'admin');
    const made = await call(t, 'POST', '/api/sources', { bearer: admin.token }, { provider: 'praetorian', name: 'by named admin' });
    assert.equal(made.status, 201, made.text);
    assert.equal((await call(t, 'DELETE', `/api/sources/${made.json.id}`, { bearer: admin.token })).status, 204);
    assert.equal((await call(t, 'GET', '/api/tokens', { bearer: admin.token })).status, 200);
  });

  it('keeps the first-start admin token working everywhere', async () => {
    assert.equal((await t.api('GET', '/api/tokens')).status, 200);
    assert.equal((await t.api('GET', '/api/session')).json.role, 'admin');
    const source = await createSource(t, 'casayes');
    assert.equal((await t.api('DELETE', `/api/sources/${source.id}`)).status, 204);
  });

  it('gives a viewer token reads without credentials, and 403 LH_E_FORBIDDEN for every change and for /api/tokens', async () => {
    const viewer = await makeToken(t, 'viewer');
    const source = await createSource(t, 'casayes', { secret: 'casayes-viewer-secret' });
    const destination = await t.api('POST', '/api/destinations', { name: 'viewer dest', url: 'http://127.0.0.1:9/hook' });
    const secrets = [source.secret, source.webhookPath, source.webhookPath.split('/').pop(), destination.json.secret, TEST_ADMIN_TOKEN];
    for (const path of ['/api/sources', `/api/sources/${source.id}`, '/api/destinations', `/api/destinations/${destination.json.id}`, '/api/leads', '/api/requests', '/api/deliveries', '/api/rule-templates']) {
      const res = await call(t, 'GET', path, { bearer: viewer.token });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      for (const secret of secrets) assert.ok(!res.text.includes(secret), `${path} shows no credential`);
    }
    const one = (await call(t, 'GET', `/api/sources/${source.id}`, { bearer: viewer.token })).json;
    for (const field of ['secret', 'webhookPath', 'webhookUrl']) assert.equal(one[field], undefined, field);
    assert.equal(one.name, source.name);
    const admin = (await t.api('GET', `/api/sources/${source.id}`)).json;
    assert.equal(admin.webhookPath, source.webhookPath, 'an admin still sees the webhook URL');
    const changes: [string, string, unknown][] = [
      ['POST', '/api/sources', { provider: 'praetorian', name: 'x' }],
      ['PATCH', `/api/sources/${source.id}`, { rotateSecret: true }],
      ['POST', `/api/sources/${source.id}/rotate-url`, {}],
      ['DELETE', `/api/sources/${source.id}`, undefined],
      ['PATCH', `/api/destinations/${destination.json.id}`, { rotateSecret: true }],
      ['POST', `/api/destinations/${destination.json.id}/test`, undefined],
      ['DELETE', `/api/destinations/${destination.json.id}`, undefined],
      ['POST', '/api/tokens', { name: 'escalate', role: 'admin' }],
      ['DELETE', `/api/tokens/${viewer.id}`, undefined],
    ];
    for (const [method, path, body] of changes) {
      const res = await call(t, method, path, { bearer: viewer.token }, body);
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.error.code, 'LH_E_FORBIDDEN');
    }
    const tokens = await call(t, 'GET', '/api/tokens', { bearer: viewer.token });
    assert.equal(tokens.status, 403);
    assert.deepEqual((await t.api('GET', `/api/sources/${source.id}`)).json.webhookPath, source.webhookPath, 'nothing changed');
  });

  it('records when a token was last used, at most once a minute, through bearer calls and sessions', async () => {
    const token = await makeToken(t, 'viewer');
    const lastUsed = async () => (await t.api('GET', '/api/tokens')).json.items.find((x: any) => x.id === token.id).lastUsedAt;
    assert.equal(await lastUsed(), null);
    const first = t.clock.now().toISOString();
    assert.equal((await call(t, 'GET', '/api/leads', { bearer: token.token })).status, 200);
    assert.equal(await lastUsed(), first);
    t.clock.advance(TOUCH_INTERVAL_MS / 2);
    await call(t, 'GET', '/api/leads', { bearer: token.token });
    assert.equal(await lastUsed(), first, 'not written again within the minute');
    t.clock.advance(TOUCH_INTERVAL_MS / 2);
    const signed = await signIn(t, token.token);
    assert.equal(await lastUsed(), t.clock.now().toISOString(), 'signing in is a use');
    t.clock.advance(TOUCH_INTERVAL_MS);
    await call(t, 'GET', '/api/leads', { session: signed.session });
    assert.equal(await lastUsed(), t.clock.now().toISOString(), 'a session made with it is a use');
  });

  it('revokes a token: 204, refused at once (401), listed with revokedAt; revoking again is 204; an unknown id is 404', async () => {
    const token = await makeToken(t, 'admin');
    assert.equal((await call(t, 'GET', '/api/leads', { bearer: token.token })).status, 200);
    assert.equal((await t.api('DELETE', `/api/tokens/${token.id}`)).status, 204);
    const refused = await call(t, 'GET', '/api/leads', { bearer: token.token });
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.code, 'LH_E_UNAUTHORIZED');
    const listed = (await t.api('GET', '/api/tokens')).json.items.find((x: any) => x.id === token.id);
    assert.equal(listed.revokedAt, t.clock.now().toISOString());
    assert.equal((await t.api('DELETE', `/api/tokens/${token.id}`)).status, 204);
    const unknown = await t.api('DELETE', '/api/tokens/tok_unknown');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'LH_E_TOKEN_NOT_FOUND');
  });

  it('answers every /api request, refused or not, with Cache-Control: no-store', async () => {
    for (const [path, creds] of [['/api/leads', { bearer: TEST_ADMIN_TOKEN }], ['/api/leads', {}], ['/api/nowhere', { bearer: TEST_ADMIN_TOKEN }], ['/api/nowhere', {}], ['/api/%zz', {}]] as const) {
      const res = await call(t, 'GET', path, creds);
      assert.equal(res.headers['cache-control'], 'no-store', `${path} ${res.status}`);
    }
  });
});

describe('leadhook tokens', () => {
  let t: AuthTestServer;
  before(async () => {
    t = await startAuthServer();
  });
  after(() => t.close());
  const run = (...args: string[]) => cli([...args, '--url', t.url, '--token', TEST_ADMIN_TOKEN]);

  it('adds a token and prints it once, lists tokens without it, and revokes one', async () => {
    const added = await run('tokens', 'add', 'CI pipeline', '--role', 'viewer');
    assert.equal(added.code, 0, added.stderr);
    const token = /lht_[A-Za-z0-9_-]{43}/.exec(added.stdout)?.[0];
    assert.ok(token, added.stdout);
    assert.match(added.stdout, /shown once/);
    const id = /tok_[0-9a-z]{26}/.exec(added.stdout)?.[0] ?? '';
    assert.equal((await call(t, 'GET', '/api/leads', { bearer: token })).status, 200);
    const listed = await run('tokens', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /CI pipeline/);
    assert.match(listed.stdout, new RegExp(`${id}.*viewer.*active`));
    assert.ok(!listed.stdout.includes(token));
    const removed = await run('tokens', 'rm', id);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Revoked token/);
    assert.equal((await call(t, 'GET', '/api/leads', { bearer: token })).status, 401);
    assert.match((await run('tokens', 'list')).stdout, /revoked/);
    const json = await run('tokens', 'list', '--json');
    assert.ok(Array.isArray(JSON.parse(json.stdout).items));
  });

  it('refuses a missing or unknown role as a usage error, and an unknown id with LH_E_TOKEN_NOT_FOUND', async () => {
    const missing = await run('tokens', 'add', 'x');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--role/);
    const bad = await run('tokens', 'add', 'x', '--role', 'owner');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /admin or viewer/);
    const unknown = await run('tokens', 'rm', 'tok_nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /LH_E_TOKEN_NOT_FOUND/);
    const help = await cli(['tokens', '--help']);
    assert.match(help.stdout, /tokens add <name> --role admin\|viewer/);
  });

  it('lets a viewer token read with the CLI and refuses its changes (403, exit 1)', async () => {
    const viewer = await makeToken(t, 'viewer');
    const list = await cli(['sources', 'list', '--url', t.url, '--token', viewer.token]);
    assert.equal(list.code, 0, list.stderr);
    const add = await cli(['tokens', 'add', 'escalate', '--role', 'admin', '--url', t.url, '--token', viewer.token]);
    assert.equal(add.code, 1);
    assert.match(add.stderr, /LH_E_FORBIDDEN/);
  });
});
