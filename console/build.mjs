#!/usr/bin/env node
// Build the console: bundle console/src/main.tsx (and the CSS it imports, uPlot's included) into
// hashed files under console/dist/assets, and write console/dist/index.html from console/index.html
// referencing them. No inline script or style: the server's CSP forbids both.
// Run by `npm run build:console` (and `prepare`, so `npm ci` builds it). Any failure exits non-zero.
import { build } from 'esbuild';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// `--outdir <dir>` builds elsewhere than console/dist (the tests build into a temporary directory).
const outArg = process.argv.indexOf('--outdir');
if (outArg !== -1 && (process.argv[outArg + 1] ?? '') === '') {
  console.error('build:console failed: --outdir needs a directory');
  process.exit(1);
}
const dist = outArg === -1 ? join(here, 'dist') : resolve(process.argv[outArg + 1]);
const staging = `${dist}.tmp-${process.pid}`;
const STYLES = '<!-- leadhook:styles -->';
const SCRIPTS = '<!-- leadhook:scripts -->';

function fail(message) {
  console.error(`build:console failed: ${message}`);
  process.exitCode = 1;
}

async function main() {
  const template = await readFile(join(here, 'index.html'), 'utf8');
  for (const marker of [STYLES, SCRIPTS]) {
    if (template.split(marker).length !== 2) throw new Error(`console/index.html must contain ${marker} exactly once`);
  }
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(template) || /<style\b/i.test(template) || /\sstyle=/i.test(template)) {
    throw new Error('console/index.html holds an inline script or style: the CSP (script-src/style-src self) would block it');
  }

  await rm(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: here,
    entryPoints: ['src/main.tsx'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: join(staging, 'assets'),
    entryNames: 'app-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    // Warnings are worth seeing but not fatal; errors throw.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (result.errors.length > 0) throw new Error(`${result.errors.length} esbuild error(s)`);

  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(join(staging, 'assets'), join(here, file)));
  const js = outputs.filter((file) => file.endsWith('.js'));
  const css = outputs.filter((file) => file.endsWith('.css'));
  if (js.length !== 1) throw new Error(`expected one script bundle, got ${JSON.stringify(js)}`);
  if (css.length !== 1) throw new Error(`expected one style sheet, got ${JSON.stringify(css)}`);
  for (const file of outputs) {
    if (basename(file) !== file || !/^[A-Za-z0-9._-]+$/.test(file)) throw new Error(`unexpected output name ${file}`);
  }

  const html = template
    .replace(STYLES, `<link rel="stylesheet" href="/assets/${css[0]}">`)
    .replace(SCRIPTS, `<script type="module" src="/assets/${js[0]}"></script>`);
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'index.html'), html);

  // Swap the new build in whole: a running server never sees half of one build and half of another.
  const old = `${dist}.old-${process.pid}`;
  await rename(dist, old).catch((error) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging, dist);
  await rm(old, { recursive: true, force: true });

  const sizes = await Promise.all(outputs.map(async (file) => `${file} ${(await readFile(join(dist, 'assets', file))).length} B`));
  console.log(`console built: ${relative(process.cwd(), dist) || '.'}/index.html, ${sizes.join(', ')}`);
}

main().catch(async (error) => {
  await rm(staging, { recursive: true, force: true }).catch(() => {});
  fail(error instanceof Error ? error.message : String(error));
});
