import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CLIENT_ROUTES } from '../../src/http/console-routes.js';
import { startConsoleApp, type ConsoleApp } from '../helpers/console-app.js';
import { check } from './support.js';

/**
 * The console is served from what the build wrote, read once at startup: whatever path a client
 * sends under /assets or the client routes, the answer is one of the built files or index.html (or
 * an error that is not a 5xx), and nothing outside console/dist (nor a dot file, a link, a
 * subdirectory or a file added later) is ever served.
 */

/** Each file's content is a unique marker, so a body tells which file (if any) it is. */
const MARK = {
  index: 'INDEX-7c1e',
  js: 'ASSET-JS-55aa',
  css: 'ASSET-CSS-91bd',
  nested: 'NESTED-SECRET-0f0f',
  dotfile: 'DOTFILE-SECRET-1a2b',
  sibling: 'DIST-ROOT-SECRET-3c4d',
  outside: 'OUTSIDE-SECRET-5e6f',
  link: 'LINKED-SECRET-7a8b',
  late: 'LATE-FILE-9c0d',
};
const SECRETS = [MARK.nested, MARK.dotfile, MARK.sibling, MARK.outside, MARK.link, MARK.late];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the target sent exactly as given (fetch would normalize it). */
function raw(base: string, method: string, target: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: target }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pieces a hostile path is made of: traversal, encodings of `.`, `/`, `\`, NUL, real and near names (raw spaces and non-ASCII: node:http refuses to send them). */
const PIECES = [
  '..', '.', '%2e', '%2E', '%2e%2e', '.%2e', '%252e%252e', '/', '//', '%2f', '%2F', '%252f', '\\', '%5c', '%5C', '%00', '%',
  'assets', 'dist', 'console', 'index.html', 'secret.txt', 'outside.txt', '.env', 'sub', 'x.js', 'app-AAAA.js', 'app-BBBB.css',
  'link.js', 'late.js', 'APP-AAAA.JS', 'app-AAAA.js.', 'app-AAAA.js%20', '%61pp-AAAA.js', '__proto__', 'constructor', 'hasOwnProperty',
  'etc', 'passwd', '~', ';', '?', '#', '%3f', '%23', '%20', '%c3%a9', '%ff', '%c0%ae',
];
const PREFIXES = ['/assets/', '/assets', '/%61ssets/', '/ASSETS/', '/assets//', '/assets/./', '/assets/../', ...CLIENT_ROUTES.map((r) => r.replace(':id', ''))];

const target = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/)), { maxLength: 6 }), fc.constantFrom('', '?', '?v=1', '#x', '?../../x'))
  .map(([prefix, pieces, tail]) => `${prefix}${pieces.join('')}${tail}`);

describe('console routes: no request path serves anything but the build', () => {
  let root: string;
  let t: ConsoleApp;
  let allowed: Map<string, string>;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'leadhook-console-prop-'));
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets', 'sub'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), `<!doctype html><title>${MARK.index}</title>`);
    writeFileSync(join(dist, 'assets', 'app-AAAA.js'), `console.log("${MARK.js}")`);
    writeFileSync(join(dist, 'assets', 'app-BBBB.css'), `/* ${MARK.css} */`);
    writeFileSync(join(dist, 'assets', 'sub', 'x.js'), MARK.nested);
    writeFileSync(join(dist, 'assets', '.env'), MARK.dotfile);
    writeFileSync(join(dist, 'secret.txt'), MARK.sibling);
    writeFileSync(join(root, 'outside.txt'), MARK.outside);
    writeFileSync(join(root, 'linked.txt'), MARK.link);
    symlinkSync(join(root, 'linked.txt'), join(dist, 'assets', 'link.js'));
    t = await startConsoleApp(dist);
    // Written after startup: the directory was read once, so this is not part of the build.
    writeFileSync(join(dist, 'assets', 'late.js'), MARK.late);
    allowed = new Map([
      ['index', `<!doctype html><title>${MARK.index}</title>`],
      ['app-AAAA.js', `console.log("${MARK.js}")`],
      ['app-BBBB.css', `/* ${MARK.css} */`],
    ]);
  });
  after(async () => {
    await t.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the built files, with their types, and 404s a dot file, a subdirectory, a link and a file added after startup', async () => {
    const js = await raw(t.url, 'GET', '/assets/app-AAAA.js');
    assert.equal(js.status, 200);
    assert.equal(js.body, allowed.get('app-AAAA.js'));
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    const css = await raw(t.url, 'GET', '/assets/app-BBBB.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    for (const name of ['.env', 'sub', 'sub%2fx.js', 'link.js', 'late.js', '..%2fsecret.txt', '..%2f..%2foutside.txt', '__proto__', 'constructor']) {
      const res = await raw(t.url, 'GET', `/assets/${name}`);
      assert.equal(res.status, 404, `${name}: ${res.status} ${res.body}`);
      for (const secret of SECRETS) assert.ok(!res.body.includes(secret), `${name} leaked ${secret}`);
    }
  });

  it('answers every spelling of a path under /assets and the client routes with a built file, index.html or a 4xx, never a secret (property)', async (ctx) => {
    const bodies = new Set(allowed.values());
    let served = 0;
    await check(
      fc.asyncProperty(target, fc.constantFrom('GET', 'HEAD'), async (path, method) => {
        const res = await raw(t.url, method, path);
        const label = `${method} ${path}: ${res.status} ${res.body.slice(0, 200)}`;
        assert.ok(res.status < 500, label);
        for (const secret of SECRETS) assert.ok(!res.body.includes(secret), `${label} leaked ${secret}`);
        if (res.status >= 200 && res.status < 300) {
          served++;
          if (method === 'GET') assert.ok(bodies.has(res.body), `${label}: a 2xx is a built file or index.html`);
          assert.ok(String(res.headers['content-security-policy']).includes("script-src 'self'"), `${label}: CSP`);
          assert.equal(res.headers['x-frame-options'], 'DENY', label);
        }
      }),
      400,
    );
    ctx.diagnostic(`${served} of 400 paths were served (index.html or a built file)`);
    assert.ok(served > 0, 'some paths reached a console route, so the property is not vacuous');
  });

  it('answers 404 for any asset name that is not one of the built files (property)', async () => {
    await check(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), async (name) => {
        fc.pre(!allowed.has(name));
        const res = await raw(t.url, 'GET', `/assets/${encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`);
        assert.ok(res.status === 404 || (res.status >= 400 && res.status < 500), `${JSON.stringify(name)}: ${res.status}`);
        assert.notEqual(res.status, 200);
        for (const secret of SECRETS) assert.ok(!res.body.includes(secret), `${JSON.stringify(name)} leaked ${secret}`);
      }),
      300,
    );
  });
});
