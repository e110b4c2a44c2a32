/**
 * The scale part of `npm run bench` (BENCH_SCALE=0 skips it): leadhook on a store already holding
 * BENCH_SCALE_LEADS leads (10 million by default; bench/scale-cache.ts builds and keeps the file),
 * next to leadhook on an empty store, same load generator. Measures the ingest rate on both (target:
 * the full store at ≥ 80 % of the empty one), p99 of `GET /api/leads?phone=` and `GET /api/leads/:id`
 * under lookup load (< 5 ms), database bytes per lead, and the server's RSS under load (< 200 MB).
 * See bench/README.md, "Scale".
 */
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { LeadQuery } from '../src/storage/port.js';
import { listLeads } from '../src/storage/sqlite/queries.js';
import { startChild, type Child } from './child.js';
import { cpuMeter, machineBusy } from './cpu.js';
import { Counter, percentile, runPhase } from './load.js';
import { PAYLOADS } from './payloads.js';
import { databaseBytes, ensureCache, resetCache, type ScaleCache } from './scale-cache.js';
import { formatScaleReport, SCALE_TARGET_LOOKUP_P99_MS, type LookupLine, type QueryLine, type ScaleIngest } from './scale-report.js';
import { checkDurability } from './verify.js';

export interface ScaleSettings {
  leads: number;
  /** Ingest phase per store, s. */
  seconds: number;
  /** Each lookup phase, s. */
  lookupSeconds: number;
  /** Requests/s of the paced lookup phases (the ones with a target). */
  lookupRate: number;
  warmupSeconds: number;
  connections: number;
  /** Longest the fill may take when the cache has to be built, ms. */
  fillTimeoutMs: number;
}

interface LeadhookInfo {
  url: string;
  dataDir: string;
  adminToken: string;
}

/** Sampled leads of the full store, to look up. */
interface Sample {
  id: string;
  phone: string;
  email: string;
}

/** Leads sampled at random from the full store for the lookups. */
const SAMPLE_SIZE = 2000;
/** Sequential requests per query kind in the query matrix (single client). */
const MATRIX_REQUESTS = 40;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Max and mean VmRSS of `pid` (from /proc, every 100 ms) while it runs; null off Linux. */
export function rssSampler(pid: number | undefined): () => { maxMb: number; meanMb: number; hwmMb: number } | null {
  const samples: number[] = [];
  let hwm = 0;
  const read = (): void => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      const peak = /VmHWM:\s+(\d+) kB/.exec(status);
      if (rss?.[1] !== undefined) samples.push(Number(rss[1]) / 1024);
      if (peak?.[1] !== undefined) hwm = Number(peak[1]) / 1024;
    } catch {
      // not Linux, or gone
    }
  };
  read();
  const timer = setInterval(read, 100);
  return () => {
    clearInterval(timer);
    read();
    if (samples.length === 0) return null;
    return { maxMb: Math.max(...samples), meanMb: samples.reduce((a, b) => a + b, 0) / samples.length, hwmMb: hwm };
  };
}

interface GetResult {
  rate: number;
  p50: number;
  p99: number;
  max: number;
  completed: number;
  non2xx: number;
  errors: number;
  badStatuses: Record<string, number>;
}

/** autocannon GETs of random paths from `paths`, `connections` in flight (unpaced), for `seconds`. */
function runGetPhase(url: string, token: string, paths: readonly string[], connections: number, seconds: number): Promise<GetResult> {
  const latencies: number[] = [];
  const badStatuses: Record<string, number> = {};
  return new Promise<GetResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            headers: { authorization: `Bearer ${token}` },
            setupRequest: (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)] as string }),
            onResponse: (status) => {
              if (status < 200 || status >= 300) badStatuses[status] = (badStatuses[status] ?? 0) + 1;
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        latencies.sort((a, b) => a - b);
        const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
        resolve({
          rate: completed / result.duration,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          max: latencies.at(-1) ?? Number.NaN,
          completed,
          non2xx: result.non2xx,
          errors: result.errors,
          badStatuses,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/**
 * Open-loop GETs at `rate` per second, evenly spaced (autocannon's overallRate sends each tick's
 * requests together, so its latencies measure the burst), over at most `connections` keep-alive
 * sockets; a request due while all are busy waits for one (its wait counts in its latency).
 */
async function runPacedGets(url: string, token: string, paths: readonly string[], rate: number, seconds: number, connections: number): Promise<GetResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const latencies: number[] = [];
  const badStatuses: Record<string, number> = {};
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const one = (path: string, dueNs: bigint): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path, method: 'GET', agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - dueNs) / 1e6);
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) badStatuses[status] = (badStatuses[status] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const start = process.hrtime.bigint();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + BigInt(i) * intervalNs;
    const waitMs = Number(due - process.hrtime.bigint()) / 1e6;
    if (waitMs >= 1) await new Promise((r) => setTimeout(r, Math.floor(waitMs)));
    // Latency from when the request was due, or from when it went out if that was earlier (timers fire ≤ 1 ms early).
    const now = process.hrtime.bigint();
    const p = one(paths[Math.floor(Math.random() * paths.length)] as string, now > due ? due : now).then(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const non2xx = Object.values(badStatuses).reduce((a, b) => a + b, 0);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    completed: latencies.length,
    non2xx,
    errors,
    badStatuses,
  };
}

async function api<T>(info: LeadhookInfo, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${info.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${info.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function startLeadhook(benchDir: string, dataDir: string | null): Promise<Child<LeadhookInfo>> {
  return startChild<LeadhookInfo>('leadhook server', join(benchDir, 'leadhook-server.ts'), {
    env: dataDir === null ? {} : { BENCH_DATA_DIR: dataDir },
    timeoutMs: 120_000,
  });
}

/** Warm-up, then the measured ingest phase (Praetorian, one new lead per request) with CPU and RSS sampled. */
async function measureIngest(child: Child<LeadhookInfo>, label: string, s: ScaleSettings, counter: Counter): Promise<ScaleIngest> {
  const payload = PAYLOADS.praetorian;
  const warm = await api<{ webhookPath: string; secret: string }>(child.info, 'POST', '/api/sources', { provider: 'praetorian', name: `scale warm-up (${label})` });
  const source = await api<{ id: string; webhookPath: string; secret: string }>(child.info, 'POST', '/api/sources', { provider: 'praetorian', name: `scale ${label}` });
  if (warm.status !== 201 || source.status !== 201) throw new Error(`POST /api/sources answered ${warm.status}/${source.status}`);
  if (s.warmupSeconds > 0) {
    progress(`scale: ${label}: warm-up ${s.warmupSeconds} s`);
    await runPhase({ url: child.info.url, path: warm.json.webhookPath, headers: payload.headers(warm.json.secret) }, payload, counter, s.connections, s.warmupSeconds);
  }
  progress(`scale: ${label}: ingest ${s.seconds} s`);
  const stopCpu = cpuMeter(child.process.pid);
  const stopRss = rssSampler(child.process.pid);
  const result = await runPhase({ url: child.info.url, path: source.json.webhookPath, headers: payload.headers(source.json.secret) }, payload, counter, s.connections, s.seconds);
  const rss = stopRss();
  const cpu = stopCpu();
  return { label, result, serverCpu: cpu.server, loadgenCpu: cpu.loadgen, rss, sourceId: source.json.id, durability: null };
}

/** `count` random leads of the full store (rowids of the fill are dense from 1). */
function sampleLeads(file: string, count: number): Sample[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const maxRowid = db.prepare('SELECT max(rowid) FROM leads').pluck().get() as number;
    const get = db.prepare('SELECT id, phone, email FROM leads WHERE rowid = ?');
    const out: Sample[] = [];
    for (let tries = 0; out.length < count && tries < count * 10; tries++) {
      const row = get.get(1 + Math.floor(Math.random() * maxRowid)) as Sample | undefined;
      if (row !== undefined && row.phone !== null && row.email !== null) out.push(row);
    }
    return out;
  } finally {
    db.close();
  }
}

/** The phone as a person would type it: E.164 for even i, the national format for odd i. */
function typedPhone(e164: string, i: number): string {
  if (i % 2 === 0) return e164;
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}

/** A text only this lead's search text contains: its e-mail's local part plus the '@'. */
function rareText(email: string): string {
  return email.slice(0, email.indexOf('@') + 1);
}

/** Check a few lookups answer the right lead before loading them. */
async function verifyLookups(info: LeadhookInfo, sample: readonly Sample[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, lead] of sample.slice(0, 20).entries()) {
    const typed = typedPhone(lead.phone, i);
    const byPhone = await api<{ items: { id: string }[] }>(info, 'GET', `/api/leads?phone=${encodeURIComponent(typed)}`);
    if (byPhone.status !== 200 || !byPhone.json.items.some((l) => l.id === lead.id)) problems.push(`phone=${typed} did not find ${lead.id}`);
    const byId = await api<{ id: string }>(info, 'GET', `/api/leads/${lead.id}`);
    if (byId.status !== 200 || byId.json.id !== lead.id) problems.push(`GET /api/leads/${lead.id} answered ${byId.status}`);
    const q = rareText(lead.email);
    const byText = await api<{ items: { id: string }[] }>(info, 'GET', `/api/leads?q=${encodeURIComponent(q)}`);
    // (The bench's own Praetorian leads can share an e-mail with a fill lead: `john.doe.<n>@example.com`.)
    if (byText.status !== 200 || !byText.json.items.some((l) => l.id === lead.id)) problems.push(`q=${q} did not find ${lead.id}`);
  }
  return problems;
}

/** The SQL listLeads runs for `query`, with SQLite's plan for it (no statistics: leadhook never runs ANALYZE). */
function planOf(file: string, query: LeadQuery): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    // Record the statements listLeads prepares and the values it runs them with.
    const runs: { sql: string; args: unknown[] }[] = [];
    const spy = new Proxy(db, {
      get(target, key) {
        if (key === 'prepare') {
          return (sql: string) => {
            const statement = target.prepare(sql);
            return new Proxy(statement, {
              get(st, k) {
                const value = Reflect.get(st, k) as unknown;
                if (typeof value !== 'function') return value;
                return (...args: unknown[]) => {
                  if (k === 'all' || k === 'get') runs.push({ sql, args });
                  return (value as (...a: unknown[]) => unknown).apply(st, args);
                };
              },
            });
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    listLeads(spy, query);
    const main = runs.at(-1);
    if (main === undefined) return '-';
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${main.sql}`).all(...main.args) as { detail: string }[];
    return rows.map((r) => r.detail).join('; ');
  } finally {
    db.close();
  }
}

/** One kind of query, sent `MATRIX_REQUESTS` times in a row by one client; latencies and the plan. */
async function measureQuery(info: LeadhookInfo, file: string, label: string, paths: readonly string[], query: LeadQuery): Promise<QueryLine> {
  const times: number[] = [];
  let bad = 0;
  for (let i = 0; i < MATRIX_REQUESTS; i++) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${info.url}${paths[i % paths.length]}`, { headers: { authorization: `Bearer ${info.adminToken}` } });
    await res.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) bad++;
  }
  times.sort((a, b) => a - b);
  return { label, p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times.at(-1) ?? Number.NaN, non2xx: bad, plan: planOf(file, query) };
}

/** The list queries an admin runs, one client, on the full store (informative: no target). */
async function queryMatrix(info: LeadhookInfo, file: string, sample: readonly Sample[], leads: number): Promise<QueryLine[]> {
  const about = (share: number): string => `~${Math.round(leads * share).toLocaleString('en-US')} leads`;
  const first = await api<{ nextCursor: string | null }>(info, 'GET', '/api/leads?limit=50');
  const cursor = first.json.nextCursor ?? '';
  // A cursor far down the list: the 2000th lead (40 pages of 50).
  let deep = cursor;
  for (let page = 0; page < 39 && deep !== ''; page++) deep = (await api<{ nextCursor: string | null }>(info, 'GET', `/api/leads?limit=50&cursor=${deep}`)).json.nextCursor ?? '';
  const src = 'src_scalefillcasayes';
  const lines: QueryLine[] = [];
  const add = async (label: string, paths: string[], query: LeadQuery): Promise<void> => {
    progress(`scale: query ${label}`);
    lines.push(await measureQuery(info, file, label, paths, query));
  };
  const emails = sample.slice(0, MATRIX_REQUESTS).map((l) => l.email);
  const rare = sample.slice(0, MATRIX_REQUESTS).map((l) => rareText(l.email));
  await add('list, most recently active first', ['/api/leads'], { limit: 50 });
  await add('list, next page (cursor)', [`/api/leads?cursor=${cursor}`], { limit: 50, cursor });
  await add('list, page 41 (cursor)', [`/api/leads?cursor=${deep}`], { limit: 50, cursor: deep });
  await add(`sourceId= (CasaYes source, ${about(0.1)})`, [`/api/leads?sourceId=${src}`], { limit: 50, sourceId: src });
  await add('provider=casayes', ['/api/leads?provider=casayes'], { limit: 50, provider: 'casayes' });
  await add('stage=qualified', ['/api/leads?stage=qualified'], { limit: 50, stage: 'qualified' });
  await add('email=', emails.map((e) => `/api/leads?email=${encodeURIComponent(e)}`), { limit: 50, email: emails[0] ?? '' });
  await add('q= one lead (e-mail local part)', rare.map((q) => `/api/leads?q=${encodeURIComponent(q)}`), { limit: 50, q: rare[0] ?? '' });
  await add('q= phone digits', sample.slice(0, MATRIX_REQUESTS).map((l) => `/api/leads?q=${l.phone.slice(-7)}`), { limit: 50, q: sample[0]?.phone.slice(-7) ?? '' });
  await add(`q=priya.chen (${about(1 / 272)})`, ['/api/leads?q=priya.chen'], { limit: 50, q: 'priya.chen' });
  await add(`q=priya (${about(1 / 16)})`, ['/api/leads?q=priya'], { limit: 50, q: 'priya' });
  await add('q=zzq (no lead)', ['/api/leads?q=zzq'], { limit: 50, q: 'zzq' });
  return lines;
}

/**
 * Lookup load on the full store: `GET /api/leads?phone=`, `/api/leads/:id`, `?q=` of one lead, each
 * first asked once per sampled lead by one client (first touch, cold), then paced at `lookupRate` requests/s over the connections (the target's "under load": latency is
 * the server's, plus the queueing that rate causes), then as fast as the connections go (informative:
 * with one request in flight per connection, latency ≈ connections / rate, a throughput figure).
 */
async function lookupLoad(child: Child<LeadhookInfo>, sample: readonly Sample[], s: ScaleSettings): Promise<LookupLine[]> {
  const kinds: { label: string; target: number | null; paths: string[] }[] = [
    { label: 'GET /api/leads?phone=', target: SCALE_TARGET_LOOKUP_P99_MS, paths: sample.map((l, i) => `/api/leads?phone=${encodeURIComponent(typedPhone(l.phone, i))}`) },
    { label: 'GET /api/leads/:id', target: SCALE_TARGET_LOOKUP_P99_MS, paths: sample.map((l) => `/api/leads/${l.id}`) },
    { label: 'GET /api/leads?q= (one lead)', target: null, paths: sample.map((l) => `/api/leads?q=${encodeURIComponent(rareText(l.email))}`) },
  ];
  const out: LookupLine[] = [];
  for (const kind of kinds) {
    // First touch: each sampled lead once, one client, in order. Most of a store this size is not in
    // the OS page cache, so these read the disk; the load phases after it ask for the same leads.
    progress(`scale: ${kind.label} first touch of ${kind.paths.length} leads, 1 client`);
    const times: number[] = [];
    let bad = 0;
    for (const path of kind.paths) {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${child.info.url}${path}`, { headers: { authorization: `Bearer ${child.info.adminToken}` } });
      await res.arrayBuffer();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 200) bad++;
    }
    times.sort((a, b) => a - b);
    out.push({
      label: kind.label,
      targetP99Ms: null,
      pacedRate: 0,
      result: { rate: Number.NaN, p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times.at(-1) ?? Number.NaN, completed: times.length, non2xx: bad, errors: 0, badStatuses: {} },
      rss: null,
      serverCpu: null,
    });
    // `q` costs milliseconds at this size, so 1,000/s would only measure a growing queue: no paced phase.
    for (const rate of kind.target === null ? [null] : [s.lookupRate, null]) {
      progress(`scale: ${kind.label} ${s.lookupSeconds} s, ${rate === null ? 'unpaced' : `${rate}/s`}`);
      const stopCpu = cpuMeter(child.process.pid);
      const stopRss = rssSampler(child.process.pid);
      const result =
        rate === null
          ? await runGetPhase(child.info.url, child.info.adminToken, kind.paths, s.connections, s.lookupSeconds)
          : await runPacedGets(child.info.url, child.info.adminToken, kind.paths, rate, s.lookupSeconds, s.connections);
      out.push({ label: kind.label, targetP99Ms: rate === null ? null : kind.target, pacedRate: rate, result, rss: stopRss(), serverCpu: stopCpu().server });
    }
  }
  return out;
}

/** The whole scale part; its report text, and whether something went wrong (not a missed target). */
export async function runScaleBench(s: ScaleSettings, benchDir: string): Promise<{ text: string; hasErrors: boolean }> {
  const cache: ScaleCache = await ensureCache(benchDir, s.leads, s.fillTimeoutMs);
  progress(`scale: ${cache.isReused ? 'reusing' : 'built'} ${cache.file}; putting it back to the fill's ${s.leads} leads`);
  const reset = resetCache(cache.file);
  if (reset.leads !== s.leads) throw new Error(`${cache.file} holds ${reset.leads} leads, not ${s.leads}: delete ${cache.dir} to rebuild it`);
  const pristine = databaseBytes(cache.file);
  const busyAtStart = await machineBusy();
  const counter = new Counter();
  const problems: string[] = [];

  // 1. leadhook on an empty store (a fresh temp data directory).
  const empty = await startLeadhook(benchDir, null);
  let emptyIngest: ScaleIngest;
  try {
    emptyIngest = await measureIngest(empty, 'empty store', s, counter);
  } finally {
    await empty.stop('SIGKILL');
  }
  emptyIngest.durability = checkDurability(join(empty.info.dataDir, 'leadhook.db'), emptyIngest.sourceId, emptyIngest.result.acked.map((n) => PAYLOADS.praetorian.leadId(n)));
  rmSync(empty.info.dataDir, { recursive: true, force: true });

  // 2. leadhook on the full store: ingest, lookup load, query matrix.
  const sample = sampleLeads(cache.file, SAMPLE_SIZE);
  const full = await startLeadhook(benchDir, cache.dir);
  let fullIngest: ScaleIngest;
  let lookups: LookupLine[];
  let queries: QueryLine[];
  try {
    fullIngest = await measureIngest(full, `${s.leads} leads`, s, counter);
    problems.push(...(await verifyLookups(full.info, sample)));
    lookups = await lookupLoad(full, sample, s);
    queries = await queryMatrix(full.info, cache.file, sample, s.leads);
  } finally {
    await full.stop('SIGKILL');
  }
  fullIngest.durability = checkDurability(cache.file, fullIngest.sourceId, fullIngest.result.acked.map((n) => PAYLOADS.praetorian.leadId(n)));
  // Size per lead as the server left it (WAL included), before the bench's own leads are removed.
  const afterRun = databaseBytes(cache.file);
  const leadsAfterRun = (() => {
    const db = new Database(cache.file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM leads').pluck().get() as number;
    } finally {
      db.close();
    }
  })();
  progress('scale: removing the bench leads from the cached store');
  const after = resetCache(cache.file);
  if (after.leads !== s.leads) problems.push(`the cached store holds ${after.leads} leads after the reset, not ${s.leads}`);

  return formatScaleReport({
    leads: s.leads,
    connections: s.connections,
    seconds: s.seconds,
    lookupSeconds: s.lookupSeconds,
    lookupRate: s.lookupRate,
    busyAtStart,
    cache,
    pristine,
    afterRun,
    leadsAfterRun,
    empty: emptyIngest,
    full: fullIngest,
    lookups,
    queries,
    problems,
  });
}
