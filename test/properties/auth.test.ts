import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/config.js';
import { secretsEqual } from '../../src/providers/shared/credentials.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { check, send, signJwt, storedCount, type RawResponse } from './support.js';

/**
 * Like test/helpers/server.ts startTestServer, but with the production logger at `trace`, writing
 * into `lines`, so the suite can prove that no credential is ever logged.
 */
async function startLoggedServer(lines: string[]): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-auth-'));
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir: dir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'trace', allowPrivateDestinations: true, metricsListen: null });
  const server: RunningServer = await startServer(config, { logStream: { write: (line) => void lines.push(line) } });
  const call = async (method: string, path: string, body: string | undefined, headers: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : JSON.parse(text) };
  };
  return {
    url: server.url,
    dataDir: dir,
    server,
    api: (method, path, body, headers = {}) =>
      call(method, path, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
    hook: (path, body, headers = {}) => call('POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const lines: string[] = [];
/** Every answer body the suite received: checked for leaked credentials at the end. */
const answers: string[] = [];
/** Every credential the suite used or derived: none may appear in logs, answers or the API. */
const credentialsUsed = new Set<string>([TEST_ADMIN_TOKEN]);
let t: TestServer;
const src: Record<string, any> = {};
let serial = 0;
const nextId = (p: string) => `${p}_${process.pid}_${++serial}`;

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const CASAYES_TOKEN = 'CasaYes-Token-Abc123XYZ';

/** A valid lead body for each provider with a fresh id; `claims` is the LeadPro JWT payload. */
function leadBody(provider: string, id = nextId('auth')): string {
  switch (provider) {
    case 'praetorian':
      return JSON.stringify([{ id, data: { first_name: 'Auth', email: `${id}@example.com` } }]);
    case 'casayes':
      return JSON.stringify({ LeadReference: id, SenderName: 'Auth Test' });
    case 'leadpro':
      return JSON.stringify({ event: 'lead.created', data: { id, full_name: 'Auth Test' } });
    default:
      return JSON.stringify({ lead_id: id, name: 'Auth' });
  }
}

async function hookAs(source: any, body: string, headers: Record<string, string>): Promise<RawResponse> {
  const res = await send(t, 'POST', source.webhookPath ?? `/hooks/${source.id}`, { body, headers: { 'content-type': 'application/json', ...headers } });
  answers.push(res.text);
  return res;
}

/** 401 with the webhook error body, and the source stored nothing. */
async function assertRefused(source: any, body: string, headers: Record<string, string>, label: string): Promise<RawResponse> {
  const before = await storedCount(t, source.id);
  const res = await hookAs(source, body, headers);
  assert.equal(res.status, 401, `${label}: ${res.status} ${res.text}`);
  assert.equal(res.json.error.code, 'LH_E_WEBHOOK_UNAUTHORIZED', label);
  assert.equal(typeof res.json.error.message, 'string', label);
  assert.equal(await storedCount(t, source.id), before, `${label}: nothing stored`);
  return res;
}

/** The URL token of every source the suite created (the secret part of its webhook URL): none may appear whole in the log. */
const urlTokens: string[] = [];
const urlToken = (source: { webhookPath: string }) => source.webhookPath.slice('/hooks/'.length);

async function create(provider: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/api/sources', { provider, name: `${provider} auth`, ...extra });
  assert.equal(res.status, 201);
  credentialsUsed.add(res.json.secret);
  urlTokens.push(urlToken(res.json));
  return res.json;
}

/** Other case: every letter flipped (the value must contain one). */
const swapCase = (s: string) => s.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));

describe('webhook authentication: wrong, missing, truncated, reused and probing credentials are refused and store nothing', () => {
  before(async () => {
    t = await startLoggedServer(lines);
    src.praetorian = await create('praetorian');
    src.praetorianOther = await create('praetorian');
    src.casayes = await create('casayes', { secret: CASAYES_TOKEN });
    src.casayesOther = await create('casayes');
    src.leadpro = await create('leadpro');
    src.leadproOther = await create('leadpro');
    src.anarock = await create('anarock');
  });
  after(() => t.close());

  it('accepts each provider’s valid credentials (so every refusal below is about the credential)', async () => {
    const ok = [
      await hookAs(src.praetorian, leadBody('praetorian'), { authorization: src.praetorian.secret }),
      await hookAs(src.praetorian, leadBody('praetorian'), { authorization: `Bearer ${src.praetorian.secret}` }),
      await hookAs(src.casayes, leadBody('casayes'), { token: CASAYES_TOKEN }),
      await (async () => {
        const body = leadBody('leadpro');
        const jwt = signJwt(body, src.leadpro.secret);
        credentialsUsed.add(jwt);
        return hookAs(src.leadpro, body, { authorization: `Bearer ${jwt}` });
      })(),
      await hookAs(src.anarock, leadBody('anarock'), {}),
    ];
    for (const res of ok) assert.equal(res.status, 200, res.text);
  });

  it('Praetorian: refuses missing, wrong, truncated, extended, other-case, other-scheme and other-source secrets', async () => {
    const s: string = src.praetorian.secret;
    const variants: Record<string, Record<string, string>> = {
      missing: {},
      empty: { authorization: '' },
      wrong: { authorization: 'wrong-secret' },
      truncated: { authorization: s.slice(0, -1) },
      'first char dropped': { authorization: s.slice(1) },
      half: { authorization: s.slice(0, s.length / 2) },
      suffixed: { authorization: `${s}x` },
      prefixed: { authorization: `x${s}` },
      'other case': { authorization: swapCase(s) },
      'Basic scheme': { authorization: `Basic ${s}` },
      'Basic base64': { authorization: `Basic ${Buffer.from(`user:${s}`).toString('base64')}` },
      'Bearer truncated': { authorization: `Bearer ${s.slice(0, -1)}` },
      'Bearer alone': { authorization: 'Bearer' },
      'in the token header': { token: s },
      'in x-api-key': { 'x-api-key': s },
      'reused for another source': { authorization: src.praetorianOther.secret },
    };
    for (const [label, headers] of Object.entries(variants)) {
      for (const v of Object.values(headers)) credentialsUsed.add(v);
      await assertRefused(src.praetorian, leadBody('praetorian'), headers, `praetorian ${label}`);
    }
  });

  it('CasaYes: refuses missing, wrong, truncated, extended, other-case, misplaced and other-source tokens', async () => {
    const s = CASAYES_TOKEN;
    const variants: Record<string, Record<string, string>> = {
      missing: {},
      empty: { token: '' },
      wrong: { token: 'wrong-token' },
      truncated: { token: s.slice(0, -1) },
      'first char dropped': { token: s.slice(1) },
      suffixed: { token: `${s}x` },
      prefixed: { token: `x${s}` },
      'other case': { token: swapCase(s) },
      'as Bearer': { token: `Bearer ${s}` },
      'in Authorization instead': { authorization: s },
      'reused for another source': { token: src.casayesOther.secret },
    };
    for (const [label, headers] of Object.entries(variants)) {
      for (const v of Object.values(headers)) credentialsUsed.add(v);
      await assertRefused(src.casayes, leadBody('casayes'), headers, `casayes ${label}`);
    }
  });

  it('LeadPro: refuses alg none, other algorithms, a wrong key, another source’s key, expired, tampered or unsigned tokens', async () => {
    const body = leadBody('leadpro');
    const secret: string = src.leadpro.secret;
    const good = signJwt(body, secret);
    const [head, payload, signature] = good.split('.') as [string, string, string];
    const now = Math.floor(Date.now() / 1000);
    const hmac = (alg: 'sha256' | 'sha384' | 'sha512', unsigned: string, key = secret) => createHmac(alg, key).update(unsigned).digest('base64url');
    const withHeader = (header: Record<string, unknown>, alg: 'sha256' | 'sha384' | 'sha512' = 'sha256') => {
      const unsigned = `${b64url(JSON.stringify(header))}.${payload}`;
      return `${unsigned}.${hmac(alg, unsigned)}`;
    };
    const tampered = b64url(body.replace('Auth Test', 'Evil Test'));
    const tokens: Record<string, string> = {
      'alg none, no signature': `${b64url('{"alg":"none","typ":"JWT"}')}.${payload}.`,
      'alg none with the HS256 signature': `${b64url('{"alg":"none"}')}.${payload}.${signature}`,
      'alg None': withHeader({ alg: 'None' }),
      'alg hs256 (lower case)': withHeader({ alg: 'hs256' }),
      HS384: withHeader({ alg: 'HS384', typ: 'JWT' }, 'sha384'),
      HS512: withHeader({ alg: 'HS512', typ: 'JWT' }, 'sha512'),
      'RS256 header, HMAC signature (key confusion)': withHeader({ alg: 'RS256', typ: 'JWT' }),
      'ES256 header': withHeader({ alg: 'ES256' }),
      'no alg': withHeader({ typ: 'JWT' }),
      'crit header': withHeader({ alg: 'HS256', crit: ['exp'] }),
      'wrong key': signJwt(body, 'not-the-secret'),
      'empty key': signJwt(body, ''),
      'reused for another source': signJwt(body, src.leadproOther.secret),
      expired: signJwt(JSON.stringify({ ...JSON.parse(body), exp: now - 3600 }), secret),
      'not valid yet': signJwt(JSON.stringify({ ...JSON.parse(body), nbf: now + 3600 }), secret),
      'exp not a number': signJwt(JSON.stringify({ ...JSON.parse(body), exp: 'tomorrow' }), secret),
      'tampered payload': `${head}.${tampered}.${signature}`,
      'signature stripped': `${head}.${payload}.`,
      'signature missing': `${head}.${payload}`,
      'signature truncated': `${head}.${payload}.${signature.slice(0, -2)}`,
      'signature of another token': `${head}.${payload}.${signJwt('{}', secret).split('.')[2]}`,
      'four segments': `${good}.${signature}`,
      'the secret itself': secret,
    };
    for (const [label, token] of Object.entries(tokens)) {
      credentialsUsed.add(token);
      // The body carries the same lead, so a refusal can only be about the token.
      await assertRefused(src.leadpro, body, { authorization: `Bearer ${token}` }, `leadpro ${label}`);
      await assertRefused(src.leadpro, body, { authorization: token }, `leadpro raw ${label}`);
    }
    await assertRefused(src.leadpro, body, {}, 'leadpro missing');
    await assertRefused(src.leadpro, body, { token: good }, 'leadpro JWT in the wrong header');
    const res = await hookAs(src.leadpro, body, { authorization: `Bearer ${good}` });
    assert.equal(res.status, 200, 'the untouched token still works, so the refusals above are about each change');
  });

  it('Anarock (the URL is the credential): unknown, truncated, altered, other-case or deleted URL tokens, and public ids, are 404 and store nothing', async () => {
    const before = (await t.api('GET', '/api/requests?limit=500')).json.items.length;
    const id: string = urlToken(src.anarock);
    const deleted = (await t.api('POST', '/api/sources', { provider: 'anarock', name: 'gone' })).json;
    assert.equal((await t.api('DELETE', `/api/sources/${deleted.id}`)).status, 204);
    const flip = (c: string) => (c === 'a' ? 'b' : 'a');
    const ids = [
      id.slice(0, -1),
      id.slice(0, 12),
      `${id}x`,
      `${id.slice(0, -1)}${flip(id.slice(-1))}`,
      `wh_${flip(id[3]!)}${id.slice(4)}`,
      id.toUpperCase(),
      `wh_${'0'.repeat(32)}`,
      urlToken(deleted),
      urlToken(src.praetorian).replace(/.$/, (c: string) => flip(c)),
      src.anarock.id,
    ];
    for (const bad of ids) {
      const res = await hookAs({ id: encodeURIComponent(bad) }, leadBody('anarock'), {});
      assert.equal(res.status, 404, `${bad}: ${res.text}`);
      assert.equal(res.json.error.code, 'LH_E_SOURCE_NOT_FOUND');
    }
    await check(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), async (random) => {
        fc.pre(random !== id);
        const res = await hookAs({ id: encodeURIComponent(random) }, leadBody('anarock'), {});
        assert.ok(res.status === 404, `${JSON.stringify(random)}: ${res.status} ${res.text}`);
        assert.match(res.json.error.code, /^LH_E_(SOURCE|ROUTE)_NOT_FOUND$/);
      }),
      60,
    );
    assert.equal((await t.api('GET', '/api/requests?limit=500')).json.items.length, before, 'nothing stored');
  });

  it('refuses arbitrary credentials for every provider (property), storing nothing', async () => {
    /** Header-safe text: printable ASCII; Node refuses control characters in a header value. */
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 });
    const jwtLike = fc
      .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.uint8Array({ maxLength: 64 }))
      .map(([h, p, sig]) => `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(p))}.${b64url(Buffer.from(sig))}`);
    const credential = fc.oneof(headerText, headerText.map((v) => `Bearer ${v}`), jwtLike, jwtLike.map((v) => `Bearer ${v}`));
    const counts = { praetorian: await storedCount(t, src.praetorian.id), casayes: await storedCount(t, src.casayes.id), leadpro: await storedCount(t, src.leadpro.id) };
    await check(
      fc.asyncProperty(fc.constantFrom('praetorian', 'casayes', 'leadpro'), credential, async (provider, value) => {
        const secret = provider === 'casayes' ? CASAYES_TOKEN : (src[provider].secret as string);
        fc.pre(value.trim() !== secret && value.replace(/^bearer\s+/i, '').trim() !== secret);
        const header = provider === 'casayes' ? 'token' : 'authorization';
        const res = await hookAs(src[provider], leadBody(provider), { [header]: value });
        assert.equal(res.status, 401, `${provider} ${JSON.stringify(value)}: ${res.text}`);
        assert.equal(res.json.error.code, 'LH_E_WEBHOOK_UNAUTHORIZED');
      }),
      150,
    );
    for (const [provider, count] of Object.entries(counts)) assert.equal(await storedCount(t, src[provider].id), count, `${provider}: nothing stored`);
  });

  it('LeadPro: refuses every one-character change, insertion or deletion of a valid signature (property)', async () => {
    const body = leadBody('leadpro');
    const [head, payload, signature] = signJwt(body, src.leadpro.secret).split('.') as [string, string, string];
    // The one other spelling of the same signature that is accepted: standard base64 with its padding.
    const standard = Buffer.from(signature, 'base64url').toString('base64');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.';
    const mutation = fc.tuple(fc.constantFrom('replace', 'insert', 'delete'), fc.nat(signature.length), fc.constantFrom(...alphabet)).map(([kind, at, c]) => {
      const i = Math.min(at, kind === 'insert' ? signature.length : signature.length - 1);
      return signature.slice(0, i) + (kind === 'delete' ? '' : c) + signature.slice(kind === 'insert' ? i : i + 1);
    });
    await check(
      fc.asyncProperty(mutation, async (mutated) => {
        fc.pre(mutated !== signature && mutated !== standard);
        const token = `${head}.${payload}.${mutated}`;
        credentialsUsed.add(token);
        await assertRefused(src.leadpro, body, { authorization: `Bearer ${token}` }, `signature ${mutated}`);
      }),
      80,
    );
  });

  it('logs a flood of refused webhooks as at most one line a minute per source, naming it by its public id, never by its URL', async () => {
    const flooded = [await create('praetorian'), await create('leadpro')];
    const from = lines.length;
    const rounds = 20;
    for (let i = 0; i < rounds; i++) {
      for (const source of flooded) await assertRefused(source, leadBody(source.provider), { authorization: `wrong-${i}` }, `flood ${i}`);
    }
    const logged = lines.slice(from);
    const refusals = logged.filter((line) => line.includes('webhook credentials rejected'));
    // One line per source when the flood fits in a minute; two if it straddles the end of one.
    assert.ok(refusals.length >= flooded.length && refusals.length <= 2 * flooded.length, `${refusals.length} lines for ${rounds * flooded.length} refusals`);
    assert.equal(logged.filter((line) => line.includes('LH_E_WEBHOOK_UNAUTHORIZED')).length, 0, 'no second line per refusal');
    for (const source of flooded) {
      assert.equal(logged.some((line) => line.includes(urlToken(source))), false, 'no line holds the URL token');
      assert.ok(refusals.some((line) => JSON.parse(line).sourceId === source.id), 'the line names the source by its public id');
    }
  });

  describe('timing probes', () => {
    /*
     * Comparison is constant-time by construction: src/providers/shared/credentials.ts secretsEqual
     * hashes both sides with SHA-256 and compares the digests with crypto.timingSafeEqual, so neither
     * a shared prefix nor the length of the secret changes the work done; LeadPro compares HMAC
     * digests with timingSafeEqual; the admin token goes through secretsEqual. Tests never measure
     * time (it is noise on a shared machine), so these prove the functional half: a credential that
     * is right but for its last characters gets exactly the answer a random one gets.
     */
    it('secretsEqual is plain equality for any pair of strings, including shared prefixes and different lengths', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (prefix, a, b) => {
          assert.equal(secretsEqual(prefix + a, prefix + b), prefix + a === prefix + b);
          assert.equal(secretsEqual(prefix, prefix + a), a === '');
        }),
        { numRuns: 300 },
      );
    });

    it('answers a credential sharing a long correct prefix exactly like a random one of the same length', async () => {
      const bySource = [
        { source: () => src.praetorian, secret: () => src.praetorian.secret as string, header: 'authorization', provider: 'praetorian' },
        { source: () => src.casayes, secret: () => CASAYES_TOKEN, header: 'token', provider: 'casayes' },
        { source: () => src.leadpro, secret: () => src.leadpro.secret as string, header: 'authorization', provider: 'leadpro' },
      ];
      const shape = (res: RawResponse) => ({ status: res.status, json: res.json, type: res.headers['content-type'] });
      await check(
        fc.asyncProperty(fc.constantFrom(...bySource), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 4 }), async (target, keepPercent, changed) => {
          const source = target.source();
          const body = leadBody(target.provider);
          let probe: string;
          let random: string;
          if (target.provider === 'leadpro') {
            // A signature right in all but its last bytes, against a random signature.
            const good = signJwt(body, target.secret());
            const [h, p, sig] = good.split('.') as [string, string, string];
            const bytes = Buffer.from(sig, 'base64url');
            for (let i = 0; i < changed; i++) bytes.writeUInt8(bytes.readUInt8(bytes.length - 1 - i) ^ 0x01, bytes.length - 1 - i);
            probe = `${h}.${p}.${bytes.toString('base64url')}`;
            random = `${h}.${p}.${randomBytes(32).toString('base64url')}`;
          } else {
            const secret = target.secret();
            // Keep a correct prefix of up to all but `changed` characters, replace the rest.
            const keep = Math.floor((keepPercent / 64) * (secret.length - changed));
            probe = secret.slice(0, keep) + 'Z'.repeat(secret.length - keep);
            fc.pre(probe !== secret);
            random = randomBytes(secret.length).toString('base64url').slice(0, secret.length);
          }
          credentialsUsed.add(probe);
          const a = await assertRefused(source, body, { [target.header]: probe }, `${target.provider} prefix probe`);
          const b = await assertRefused(source, body, { [target.header]: random }, `${target.provider} random`);
          assert.deepEqual(shape(a), shape(b), 'a near miss tells nothing more than a random guess');
        }),
        60,
      );
    });
  });

  describe('secrets never leak', () => {
    it('GET /api/sources and /api/sources/:id never return a secret after creation', async () => {
      const list = await t.api('GET', '/api/sources');
      assert.equal(list.status, 200);
      for (const item of list.json.items) assert.equal('secret' in item, false, `${item.id} lists its secret`);
      for (const key of ['praetorian', 'casayes', 'leadpro', 'anarock']) {
        const one = await t.api('GET', `/api/sources/${src[key].id}`);
        assert.equal(one.status, 200);
        assert.equal('secret' in one.json, false);
        answers.push(JSON.stringify(one.json));
      }
      answers.push(JSON.stringify(list.json));
      // A rename does not show it either; only creation and a secret change do (README: "shown once").
      const renamed = await t.api('PATCH', `/api/sources/${src.praetorian.id}`, { name: 'renamed' });
      assert.equal('secret' in renamed.json, false);
      answers.push(JSON.stringify(renamed.json));
    });

    it('destinations show their signing secret only when created or rotated', async () => {
      const created = await t.api('POST', '/api/destinations', { name: 'leak check', url: 'http://127.0.0.1:9/' });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      credentialsUsed.add(created.json.secret);
      const listed = await t.api('GET', '/api/destinations');
      const one = await t.api('GET', `/api/destinations/${created.json.id}`);
      for (const dto of [...listed.json.items, one.json]) assert.equal('secret' in dto, false);
      answers.push(JSON.stringify(listed.json), JSON.stringify(one.json));
    });

    it('stored requests show credential headers as [redacted]', async () => {
      const page = await t.api('GET', '/api/requests?limit=500');
      assert.ok(page.json.items.length >= 5);
      for (const item of page.json.items) {
        const full = await t.api('GET', `/api/requests/${item.id}`);
        for (const name of ['authorization', 'token', 'x-api-key']) {
          if (full.json.headers[name] !== undefined) assert.equal(full.json.headers[name], '[redacted]', `${item.id} ${name}`);
        }
        answers.push(JSON.stringify(full.json));
      }
      answers.push(JSON.stringify(page.json));
    });

    it('admin refusals log and answer nothing of the token presented', async () => {
      for (const token of [`${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.slice(0, -1), swapCase(TEST_ADMIN_TOKEN)]) {
        credentialsUsed.add(token);
        const res = await send(t, 'GET', '/api/sources', { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 401);
        answers.push(res.text);
      }
    });

    it('no secret, token, JWT or long piece of one appears in the trace log or in any answer', () => {
      const log = lines.join('');
      assert.match(log, /webhook credentials rejected/, 'the refusals were logged, so the log is the one to check');
      assert.equal(t.server.app.log.level, 'trace');
      // Anarock's webhook URL is its credential: no log line may hold it (the source's admin view shows it by design).
      const logOnly = [urlToken(src.anarock)];
      const everything = answers.join('\n');
      // The admin token and the created secrets may appear in the answers that created them; these were not recorded.
      const pieces = new Set<string>();
      for (const c of credentialsUsed) {
        if (c.length < 12) continue;
        pieces.add(c);
        // A truncated or extended secret is still mostly the secret: no 16-character run of one may show.
        for (let i = 0; i + 16 <= c.length; i += 8) pieces.add(c.slice(i, i + 16));
      }
      for (const id of logOnly) for (let i = 0; i + 16 <= id.length; i += 8) assert.equal(log.includes(id.slice(i, i + 16)), false, `the log contains a piece of ${id}`);
      for (const token of urlTokens) assert.equal(log.includes(token), false, `the log contains the URL token ${token}`);
      for (const piece of pieces) {
        assert.equal(log.includes(piece), false, `the log contains ${JSON.stringify(piece)}`);
        assert.equal(everything.includes(piece), false, `an answer contains ${JSON.stringify(piece)}`);
      }
    });
  });
});
