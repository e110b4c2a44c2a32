import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The console (issue 12): the single-page app built by `npm run build:console` into console/dist,
 * served at `/` on the API's own port. Public: the HTML and scripts hold no data; every datum comes
 * from `/api` with the session. Nothing is read from disk per request: index.html and the files of
 * console/dist/assets are read once, when the app is built, and a request can only pick one of
 * those files by its exact name, so no request path ever reaches the file system.
 */

/** Where `npm run build:console` writes (console/build.mjs). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

/** The console's client routes: each answers index.html, and the app picks the page (console/src/main.tsx). */
export const CLIENT_ROUTES = [
  '/',
  '/sign-in',
  '/leads',
  '/leads/:id',
  '/sources',
  '/sources/:id',
  '/requests',
  '/requests/:id',
  '/destinations',
  '/destinations/:id',
  '/tokens',
] as const;

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Headers of every console answer (page, asset or error). */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Built files are named with their content hash (app-XXXX.js): cache them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file name the build writes: letters, digits, `.`, `_`, `-`; no path, no dot file. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

interface Asset {
  body: Buffer;
  type: string;
}

export interface ConsoleBuild {
  /** index.html, or null when the console is not built. */
  index: Buffer | null;
  /** The files of `assets/` by exact name. */
  assets: ReadonlyMap<string, Asset>;
  /** Why there is no console, for the log and the 503 page; null when built. */
  problem: string | null;
}

/** Read a built console once: index.html and every regular file directly in assets/. */
export function readConsoleBuild(dir: string): ConsoleBuild {
  const assets = new Map<string, Asset>();
  let index: Buffer;
  try {
    index = readFileSync(join(dir, 'index.html'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { index: null, assets, problem: `${join(dir, 'index.html')} cannot be read (${code})` };
  }
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'assets'));
  } catch {
    names = [];
  }
  for (const name of names) {
    if (!ASSET_NAME.test(name)) continue;
    const file = join(dir, 'assets', name);
    try {
      // A regular file only: never a link (it could point outside the build) nor a directory.
      if (!lstatSync(file).isFile()) continue;
      const dot = name.lastIndexOf('.');
      const type = (dot > 0 ? TYPES[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
      assets.set(name, { body: readFileSync(file), type });
    } catch {
      // A file removed while reading: not part of this build.
    }
  }
  return { index, assets, problem: null };
}

const NOT_BUILT_PAGE = (problem: string) =>
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>leadhook console not built</title></head>
<body><h1>The leadhook console is not built</h1>
<p>Run <code>npm run build:console</code> (or <code>npm ci</code>, which runs it) in the leadhook directory, then restart leadhook.</p>
<p>The API, the webhooks and the health checks work without it.</p>
<p>(${escapeHtml(problem)})</p></body></html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function secure(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

/**
 * Register the console's routes (outside the admin API: they hold no data). `dir` is the build
 * (console/dist by default); when it is missing the server still starts and `/` says how to build it.
 */
export function consoleRoutes(app: FastifyInstance, options: { dir?: string } = {}): void {
  const build = readConsoleBuild(options.dir ?? DEFAULT_CONSOLE_DIR);
  if (build.problem !== null) {
    app.log.warn(`The console is not built, so / answers 503 until it is: run npm run build:console (${build.problem})`);
  }
  const notBuilt = Buffer.from(NOT_BUILT_PAGE(build.problem ?? ''));

  const page = async (_request: unknown, reply: FastifyReply) => {
    secure(reply).header('cache-control', 'no-store');
    if (build.index === null) return reply.code(503).type('text/html; charset=utf-8').send(notBuilt);
    return reply.type('text/html; charset=utf-8').send(build.index);
  };
  for (const route of CLIENT_ROUTES) app.get(route, page);

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    // A Map keyed by the names read at startup: no prototype keys, no path joined from the request.
    const asset = build.assets.get(request.params.file);
    secure(reply);
    if (asset === undefined) {
      return reply
        .code(404)
        .header('cache-control', 'no-store')
        .send({ error: { code: 'LH_E_ROUTE_NOT_FOUND', message: 'No such console asset: the console may have been rebuilt; reload the page' } });
    }
    return reply.header('cache-control', IMMUTABLE).type(asset.type).send(asset.body);
  });
}
