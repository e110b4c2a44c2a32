import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SETTINGS } from '../../src/config.js';
import { Errors } from '../../src/core/errors.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { cli, ROOT } from '../helpers/cli.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';


/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

describe('leadhook CLI against a running server', () => {
  let t: TestServer;
  let env: Record<string, string>;
  let webhookUrl: string;
  let leadId: string;

  before(async () => {
    t = await startTestServer();
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  });
  after(() => t.close());

  it('sources add prints a /hooks/ URL, the secret and the setup steps, and exits 0', async () => {
    const res = await cli(['sources', 'add', 'anarock', '--name', 'Anarock Mumbai'], env);
    assert.equal(res.code, 0, res.stderr);
    const url = /Webhook URL:\s+(\S+)/.exec(res.stdout)?.[1];
    assert.ok(url !== undefined && url.startsWith(`${t.url}/hooks/src_`), res.stdout);
    webhookUrl = url;
    assert.match(res.stdout, /Secret:\s+[A-Za-z0-9_-]{20,}\s+\(shown once\)/);
    assert.match(res.stdout, /Set up anarock:\n {2}1\. /);
  });

  it('finds a lead posted to that URL with leads list --json, leads search and leads show', async () => {
    const posted = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixtureBytes('anarock', 'v2020-snapshot.json') });
    assert.equal(posted.status, 200);
    leadId = ((await posted.json()) as { leads: { id: string }[] }).leads[0]?.id ?? '';

    const list = await cli(['leads', 'list', '--json', '--provider', 'anarock'], env);
    assert.equal(list.code, 0, list.stderr);
    const page = JSON.parse(list.stdout) as { items: { id: string; providerLeadId: string }[]; nextCursor: string | null };
    assert.deepEqual(page.items.map((l) => [l.id, l.providerLeadId]), [[leadId, '1402361']]);

    const search = await cli(['leads', 'search', 'histo'], env);
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, new RegExp(`^${leadId}\\s+anarock\\s+negotiation\\s+History`, 'm'));
    const miss = await cli(['leads', 'search', 'nobody-by-this-name'], env);
    assert.equal(miss.stdout, 'No leads found.\n');

    const show = await cli(['leads', 'show', leadId], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Stage:\s+negotiation \(provider status "Final negotiation"\)/);
    assert.match(show.stdout, /Timeline \(\d+\):/);
    for (const kind of ['created', 'note', 'call', 'appointment', 'disposition']) assert.match(show.stdout, new RegExp(`Z  ${kind}\\s`));
  });

  it('lists the stored request and reprocesses it as a duplicate', async () => {
    const list = await cli(['requests', 'list', '--json'], env);
    const requestId = (JSON.parse(list.stdout) as { items: { id: string }[] }).items[0]?.id ?? '';
    const res = await cli(['requests', 'reprocess', requestId], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /status duplicate/);
    assert.match(res.stdout, new RegExp(`duplicate\\s+${leadId}\\s+1402361`));
  });

  it('exits 1 with LH_E_UNKNOWN_PROVIDER for a provider leadhook does not know', async () => {
    const res = await cli(['sources', 'add', 'zillow', '--name', 'Nope'], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^leadhook: LH_E_UNKNOWN_PROVIDER: /);
    assert.equal(res.stdout, '');
  });

  it('exits 1 with LH_E_UNAUTHORIZED for a wrong admin token', async () => {
    const res = await cli(['sources', 'list'], { ...env, LEADHOOK_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^leadhook: LH_E_UNAUTHORIZED: /);
  });

  it('takes --token over LEADHOOK_ADMIN_TOKEN, and the data dir token file when neither is set', async () => {
    const flag = await cli(['sources', 'list', '--token', TEST_ADMIN_TOKEN], { ...env, LEADHOOK_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    assert.equal(flag.code, 0, flag.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'leadhook-cli-'));
    try {
      writeFileSync(join(dir, 'admin-token'), `${TEST_ADMIN_TOKEN}\n`);
      const file = await cli(['sources', 'list', '--json'], { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: '', LEADHOOK_DATA_DIR: dir });
      assert.equal(file.code, 0, file.stderr);
      assert.equal((JSON.parse(file.stdout) as { items: unknown[] }).items.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with LH_E_SERVER_UNREACHABLE when nothing listens at the URL', async () => {
    const res = await cli(['leads', 'list'], { ...env, LEADHOOK_URL: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^leadhook: LH_E_SERVER_UNREACHABLE: Cannot reach leadhook at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('exits 1 with a usage hint when a required flag is missing', async () => {
    const res = await cli(['sources', 'add', 'anarock'], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^leadhook: LH_E_CLI_USAGE: missing --name\nUsage: leadhook sources add <provider> --name <name>/);
  });
});

describe('leadhook --help', () => {
  it('prints every environment variable of SETTINGS with its default, and exits 0', async () => {
    const res = await cli(['--help']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /LEADHOOK_DATA_DIR\s+\.\/data\s/);
    for (const s of Object.values(SETTINGS)) assert.match(res.stdout, new RegExp(`^ {2}${s.env}\\s+${s.default === '' ? '\\(unset\\)' : s.default.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s`, 'm'));
    assert.match(res.stdout, /leadhook sources add <provider> --name <name>/);
  });
});

describe('the documentation matches the code', () => {
  it('docs/errors.md lists every code of src/core/errors.ts with its status, and no other', () => {
    const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `(LH_E_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(rows, Object.values(Errors).map((e) => [e.code, e.statusCode]));
  });

  it('the README configuration table is SETTINGS, in order, with the same defaults', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## How durability works'));
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (?:`([^`]*)`|\(unset\)) \|/gm)].map((m) => [m[1], m[2] ?? '']);
    assert.deepEqual(rows, Object.values(SETTINGS).map((v) => [v.env, v.default]));
  });
});
