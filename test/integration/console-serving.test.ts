import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLIENT_ROUTES, CONSOLE_CSP } from '../../src/http/console-routes.js';
import { startConsoleApp, type ConsoleApp } from '../helpers/console-app.js';
import { ROOT } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Issue 12: leadhook serves its console at `/` from the build (`npm run build:console`), with a
 * strict CSP and no inline script or style, so a webhook value that reached the page as markup
 * could still run nothing.
 */

const EXPECTED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function assertSecurityHeaders(headers: Headers, label: string): void {
  assert.equal(headers.get('content-security-policy'), EXPECTED_CSP, label);
  assert.equal(headers.get('x-frame-options'), 'DENY', label);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', label);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', label);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('console serving: the built console at /, with strict headers', () => {
  let out: string;
  let t: ConsoleApp;
  let html: string;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'leadhook-console-build-'));
    // The real build (console/build.mjs), into a directory of this test's own.
    execFileSync(process.execPath, [join(ROOT, 'console', 'build.mjs'), '--outdir', join(out, 'dist')], { stdio: 'pipe' });
    t = await startConsoleApp(join(out, 'dist'));
  });
  after(async () => {
    await t.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('answers / with index.html, the CSP, frame and referrer headers, and no caching', async () => {
    const res = await fetch(`${t.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assertSecurityHeaders(res.headers, '/');
    assert.equal(CONSOLE_CSP, EXPECTED_CSP);
    html = await res.text();
    assert.match(html, /<div id="app"><\/div>/);
  });

  it('answers every client route with the same index.html', async () => {
    const index = await (await fetch(`${t.url}/`)).text();
    for (const route of CLIENT_ROUTES) {
      const path = route.replace(':id', 'lead_01abc%3Cimg%3E');
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), index, path);
      assertSecurityHeaders(res.headers, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
    }
  });

  it('holds no inline script, inline style or style attribute, and references hashed assets that exist', async () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1, html);
    for (const [, attributes, body] of scripts) {
      assert.match(attributes!, /\bsrc="\/assets\/app-[A-Z0-9]{8}\.js"/, 'the script is a file');
      assert.equal(body!.trim(), '', 'no inline script');
    }
    assert.doesNotMatch(html, /<style\b/i, 'no inline style element');
    assert.doesNotMatch(html, /\sstyle=/i, 'no style attribute');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
    const referenced = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(referenced.map((p) => p.replace(/-[A-Z0-9]{8}\./, '-HASH.')).sort(), ['/assets/app-HASH.css', '/assets/app-HASH.js']);
    for (const path of referenced) {
      const res = await fetch(`${t.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
      assert.match(res.headers.get('content-type') ?? '', path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/, path);
      assertSecurityHeaders(res.headers, path);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(bytes, readFileSync(join(out, 'dist', path)), `${path} is the built file`);
    }
  });

  it("bundles uPlot's style sheet into the console's own CSS file", async () => {
    const css = readFileSync(join(out, 'dist', [...html.matchAll(/href="(\/assets\/app-[A-Z0-9]{8}\.css)"/g)][0]![1]!), 'utf8');
    assert.match(css, /\.uplot\b/);
    assert.match(css, /\.u-legend\b/);
  });

  it('answers 404 for an asset the build did not write, however named', async () => {
    for (const name of ['app-XXXXXXXX.js', '..%2Findex.html', '%2e%2e%2f%2e%2e%2fpackage.json', 'index.html']) {
      const res = await fetch(`${t.url}/assets/${name}`);
      assert.equal(res.status, 404, name);
      await res.body?.cancel();
    }
  });

  it('keeps webhook values out of markup in the console sources: no innerHTML, no dangerouslySetInnerHTML, no style attributes', () => {
    const sources = filesUnder(join(ROOT, 'console', 'src')).filter((f) => /\.(tsx?|css)$/.test(f));
    assert.ok(sources.length > 10, 'the console sources were found');
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write/, file);
      if (file.endsWith('.tsx')) assert.doesNotMatch(text, /\sstyle=\{/, `${file}: a style attribute is blocked by the CSP`);
    }
  });
});

describe('console serving: without a build', () => {
  it('starts anyway and answers / with a 503 page saying to run npm run build:console', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'leadhook-console-none-')), 'dist');
    const t = await startConsoleApp(missing);
    try {
      const res = await fetch(`${t.url}/leads`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build:console/);
      assertSecurityHeaders(res.headers, '/leads without a build');
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200, 'the rest of leadhook works');
      const asset = await fetch(`${t.url}/assets/app-AAAAAAAA.js`);
      assert.equal(asset.status, 404);
      await asset.body?.cancel();
    } finally {
      await t.close();
      rmSync(join(missing, '..'), { recursive: true, force: true });
    }
  });

  it('is wired into the real server at / (console/dist, built or not)', async () => {
    const t = await startTestServer();
    try {
      const res = await fetch(`${t.url}/`);
      assert.ok(res.status === 200 || res.status === 503, `GET /: ${res.status}`);
      assertSecurityHeaders(res.headers, 'GET / on the real server');
      await res.body?.cancel();
    } finally {
      await t.close();
    }
  });
});
