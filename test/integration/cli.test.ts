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
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';


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
    assert.ok(url !== undefined && url.startsWith(`${t.url}/hooks/wh_`), res.stdout);
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

  it('refuses a --secret with white space at either end or a control character before sending it, exit 1 LH_E_VALIDATION', async () => {
    for (const args of [['sources', 'add', 'casayes', '--name', 'CasaYes', '--secret', 'tok-0123456789 '], ['sources', 'rotate-secret', 'src_any', '--secret', '\ttok-0123456789']]) {
      const res = await cli(args, env);
      assert.equal(res.code, 1, res.stdout);
      assert.match(res.stderr, /^leadhook: LH_E_VALIDATION: secret starts or ends with white space: webhook headers are read trimmed/);
      assert.equal(res.stdout, '');
    }
    assert.equal(JSON.parse((await cli(['sources', 'list', '--json'], env)).stdout).items.length, 1, 'nothing was created');
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

/** What must never reach a terminal raw: controls but the CLI's own newlines, format (bidi, zero-width) characters but the joiners, U+2028/U+2029, lone surrogates. */
const RAW_UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u;

/** Text that tries every way of starting a line of its own, reordering what is shown, or driving the terminal. */
const FORGER = 'Ann\nStage:  won\rFORGED\u2028FORGED\u2029FORGED\x85FORGED\x0bFORGED\x0cFORGED\x1b[2J\x1b]0;title\x07\u202eFORGED\u2066x\u2069\u200e\u061c\x9b31m\x00';

/** Every line of `out` is one the CLI made: no raw control, bidi or separator character, no line a webhook started. */
function assertInert(out: string, what: string): void {
  assert.doesNotMatch(out.replace(/\n/g, ''), RAW_UNSAFE, `${what} prints a raw control, bidi or separator character:\n${JSON.stringify(out)}`);
  assert.doesNotMatch(out, /^\s*(FORGED|Stage: +won)/m, `${what} lets webhook text start a line:\n${out}`);
  assert.ok(out.includes('Ann'), `${what} shows the hostile text at all:\n${out}`);
}

describe('leadhook CLI prints webhook text inert', () => {
  let t: TestServer;
  let rx: Receiver;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    rx = await startReceiver((_r, _n, res) => res.writeHead(200).end(`ok\n${FORGER}`));
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const source = await createSource(t, 'praetorian', { name: FORGER });
    ids['source'] = source.id;
    const destination = await t.api('POST', '/api/destinations', { name: FORGER, url: rx.url });
    assert.equal(destination.status, 201, JSON.stringify(destination.json));
    ids['destination'] = destination.json.id;
    const data = { first_name: FORGER, last_name: 'Zed', phone: FORGER, email: FORGER, message: FORGER };
    const headers = { authorization: source.secret, 'x-forger': 'a\x9bFORGED\x85b\u00adc' };
    const posted = await t.hook(source.webhookPath, [{ id: FORGER, created: '2024-01-02T03:04:05Z', data }], headers);
    assert.equal(posted.status, 200, JSON.stringify(posted.json));
    ids['lead'] = posted.json.leads[0].id;
    ids['request'] = posted.json.requestId ?? (await t.api('GET', '/api/requests?limit=1')).json.items[0].id;
    // Not JSON at all: raw controls and line breaks in the body itself, stored as sent.
    const raw = await t.hook(source.webhookPath, `${FORGER}\r\nStage: won\n`, headers);
    assert.ok(raw.status < 500, JSON.stringify(raw.json));
    ids['raw'] = (await t.api('GET', '/api/requests?limit=1')).json.items[0].id;
    await t.hook(source.webhookPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`\nStage: won\x1b[2J\n`)]), headers);
    ids['binary'] = (await t.api('GET', '/api/requests?limit=1')).json.items[0].id;
    await eventually(async () => (await t.api('GET', `/api/deliveries?leadId=${ids['lead']}&status=succeeded`)).json.items.length === 1);
    ids['delivery'] = (await t.api('GET', `/api/deliveries?leadId=${ids['lead']}`)).json.items[0].id;
  });
  after(async () => {
    await rx.close();
    await t.close();
  });

  it('leaves no raw control, bidi or line separator, and no line a webhook started, in any command that shows webhook text', async () => {
    const commands = [
      ['leads', 'list'],
      ['leads', 'search', 'Ann'],
      ['leads', 'show', ids['lead'] ?? ''],
      ['requests', 'list'],
      ['requests', 'show', ids['request'] ?? ''],
      ['requests', 'show', ids['raw'] ?? ''],
      ['sources', 'list'],
      ['sources', 'show', ids['source'] ?? ''],
      ['destinations', 'list'],
      ['destinations', 'show', ids['destination'] ?? ''],
      ['deliveries', 'show', ids['delivery'] ?? ''],
    ];
    for (const args of commands) {
      const res = await cli(args, env);
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
      assertInert(res.stdout, args.join(' '));
    }
  });

  it('leads show keeps each field on its own line, the hostile name escaped in it', async () => {
    const res = await cli(['leads', 'show', ids['lead'] ?? ''], env);
    assert.equal(res.stdout.match(/^Stage:/gm)?.length, 1, res.stdout);
    assert.match(res.stdout, /^Name: +Ann\\nStage: +won\\rFORGED\\u2028FORGED\\u2029FORGED\\x85FORGED\\x0bFORGED\\x0cFORGED\\x1b\[2J\\x1b\]0;title\\x07\\u202eFORGED\\u2066x\\u2069\\u200e\\u061c\\x9b31m/m);
  });

  it('requests show labels the body and prints each of its lines behind the gutter, headers escaped', async () => {
    const res = await cli(['requests', 'show', ids['raw'] ?? ''], env);
    assert.equal(res.code, 0, res.stderr);
    const body = res.stdout.slice(res.stdout.indexOf('\nBody (as text'));
    assert.match(body, /^Body \(as text, each line behind " {2}\| "; control and bidi characters shown as \\x\.\. \/ \\u\.\.\.\. escapes\):$/m);
    assert.deepEqual(body.trim().split('\n').slice(1), ['  | Ann', '  | Stage:  won\\rFORGED\\u2028FORGED\\u2029FORGED\\x85FORGED\\x0bFORGED\\x0cFORGED\\x1b[2J\\x1b]0;title\\x07\\u202eFORGED\\u2066x\\u2069\\u200e\\u061c\\x9b31m\\x00\\r', '  | Stage: won', '  |']);
    assert.match(res.stdout, /^ {2}x-forger: a\\x9bFORGED\\x85b\\xadc$/m);
  });

  it('requests show prints a body that is not UTF-8 as labelled base64', async () => {
    const res = await cli(['requests', 'show', ids['binary'] ?? ''], env);
    assert.equal(res.code, 0, res.stderr);
    assertInert(`Ann${res.stdout}`, 'requests show of a binary body');
    assert.match(res.stdout, /\nBody \(not UTF-8 text; base64\):\n {2}\/\/4KU3RhZ2U6IHdvbhtbMkoK\n$/);
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
