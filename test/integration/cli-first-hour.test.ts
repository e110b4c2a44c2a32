import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { cli, ROOT, type CliResult } from '../helpers/cli.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

const JQ_MISSING = spawnSync('sh', ['-c', 'command -v jq']).status !== 0;

/** Run a shell command line (a README example) in `cwd`; never rejects. */
function shell(line: string, env: Record<string, string>, cwd: string = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    // Without the npm settings of an enclosing `npm run -s test`, which would silence npm's banner here too.
    const outer = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
    execFile('sh', ['-c', line], { cwd, env: { ...outer, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** `iso` as wall-clock time at a fixed offset east of UTC, the way the CLI prints it with --tz. */
function atOffset(iso: string, minutes: number, suffix: string): string {
  return `${new Date(Date.parse(iso) + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ')}${suffix}`;
}

describe('the CLI in the first hour: --version, piping, time zones, .env', () => {
  let t: TestServer;
  let receiver: Receiver;
  let env: Record<string, string>;
  let deliveryId: string;
  let createdAt: string;
  const dirs: string[] = [];

  before(async () => {
    t = await startTestServer({ allowPrivateDestinations: true });
    receiver = await startReceiver();
    env = { LEADHOOK_URL: t.url, LEADHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const dest = await t.api('POST', '/api/destinations', { name: 'crm', url: receiver.url });
    assert.equal(dest.status, 201);
    const source = await createSource(t, 'praetorian');
    const hook = await t.hook(source.webhookPath, [{ id: 'tz_1', created: '2024-05-01T10:00:00Z', data: { first_name: 'Asha', last_name: 'Rao', email: 'asha@example.org' } }], {
      authorization: source.secret,
    });
    assert.equal(hook.status, 200, JSON.stringify(hook.json));
    await eventually(async () => (await t.api('GET', '/api/deliveries')).json.items.length === 1, 10_000, 'the delivery is recorded');
    const delivery = (await t.api('GET', '/api/deliveries')).json.items[0];
    deliveryId = delivery.id;
    createdAt = delivery.createdAt;
  });
  after(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await receiver.close();
    await t.close();
  });

  it('--version prints the version and exits 0, before reading any configuration', async () => {
    const res = await cli(['--version'], { LEADHOOK_URL: 'not a url' });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `leadhook ${VERSION}\n`);
  });

  it('npm run -s leadhook prints only leadhook\'s output, so the README piping example works as written (npm run without -s adds its banner)', { skip: JQ_MISSING ? 'needs jq, as the README example does' : false }, async () => {
    const banner = await shell('npm run leadhook -- --version', {});
    assert.match(banner.stdout, /^> leadhook@/m, 'npm run prints its own banner on stdout');
    // The README's example, verbatim.
    const piped = await shell(`npm run -s leadhook -- deliveries list --json | jq -r '.items[].id'`, env);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, `${deliveryId}\n`);
    const linked = await shell(`node bin/leadhook.js deliveries list --json | jq -r '.items[].status'`, env);
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stdout, /^(pending|delivering|succeeded)\n$/);
  });

  it('shows times in UTC by default, in the zone of --tz, or of LEADHOOK_TIMEZONE (the flag wins)', async () => {
    const utc = await cli(['deliveries', 'show', deliveryId], env);
    assert.equal(utc.code, 0, utc.stderr);
    assert.match(utc.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 0, 'Z')}`));

    const kolkata = await cli(['deliveries', 'show', deliveryId, '--tz', 'Asia/Kolkata'], env);
    assert.equal(kolkata.code, 0, kolkata.stderr);
    assert.match(kolkata.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 330, '\\+05:30')}`));

    const fromEnv = await cli(['deliveries', 'show', deliveryId], { ...env, LEADHOOK_TIMEZONE: 'Asia/Kolkata' });
    assert.match(fromEnv.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 330, '\\+05:30')}`));

    const flagWins = await cli(['deliveries', 'show', deliveryId, '--tz', 'UTC'], { ...env, LEADHOOK_TIMEZONE: 'Asia/Kolkata' });
    assert.match(flagWins.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 0, 'Z')}`));

    const bad = await cli(['deliveries', 'show', deliveryId, '--tz', 'India/Mumbai'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^leadhook: LH_E_CONFIG_INVALID: Invalid configuration: --tz gives "India\/Mumbai", which is not an IANA time zone/);
  });

  it('reads .env from the working directory; a variable set in the environment wins over it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'leadhook-cli-dotenv-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, '.env'), `# written by the test\nLEADHOOK_URL=${t.url}\nLEADHOOK_ADMIN_TOKEN="${TEST_ADMIN_TOKEN}"\nexport LEADHOOK_TIMEZONE=Asia/Kolkata\n`);
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEADHOOK_')));
    const run = (extra: Record<string, string>) =>
      new Promise<CliResult>((resolve) => {
        execFile(process.execPath, [join(ROOT, 'bin/leadhook.js'), 'deliveries', 'show', deliveryId], { cwd, env: { ...inherited, ...extra }, timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
        );
      });
    const fromFile = await run({});
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 330, '\\+05:30')}`), 'URL, token and time zone came from .env');
    const envWins = await run({ LEADHOOK_TIMEZONE: 'UTC' });
    assert.match(envWins.stdout, new RegExp(`Created:\\s+${atOffset(createdAt, 0, 'Z')}`));
  });

  it('.env is git-ignored', () => {
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ignored.includes('.env'), '.gitignore lists .env');
  });
});
