/**
 * `npm run bench`: ingest throughput and latency of leadhook against a no-op Fastify server that
 * parses the same bodies, same load generator, same run, loopback only; then (bench/delivery.ts)
 * delivery throughput and lag to a no-op receiver against a bare HTTP client; then (bench/hostile.ts)
 * the cost of one hostile body of each shape beside a normal one; then (bench/scale.ts) ingest and
 * lookups on a store of 10 million leads against an empty one. See bench/README.md.
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_WARMUP_SECONDS (2), BENCH_ANAROCK (1; 0 skips
 * the Anarock line), BENCH_PROFILE (1 = write a V8 CPU profile of the leadhook child and summarise it),
 * BENCH_TRACE_SQL (1 = time every prepared statement), BENCH_SQLITE_PRAGMAS (experiments only).
 * Delivery part: BENCH_DELIVERY (1; 0 skips it), BENCH_DELIVERY_SECONDS (8), BENCH_DELIVERY_RATE (250
 * leads/s), BENCH_DELIVERY_BACKLOG (10000); BENCH_INGEST=0 skips the ingest part.
 * Scale part (bench/scale.ts): BENCH_SCALE (1; 0 skips it), BENCH_SCALE_LEADS (10000000),
 * BENCH_SCALE_LOOKUP_SECONDS (5), BENCH_SCALE_LOOKUP_RATE (1000 requests/s in the paced lookup phases).
 * Hostile part (bench/hostile.ts): BENCH_HOSTILE (1; 0 skips it), BENCH_HOSTILE_BYTES (1048000, at most
 * LEADHOOK_BODY_LIMIT), BENCH_HOSTILE_REQUESTS (3 per shape), BENCH_HOSTILE_TIMEOUT_S (120 per answer),
 * BENCH_HOSTILE_SHAPES (all; or a comma-separated list of shape names).
 * PostgreSQL part (bench/postgres.ts, right after the ingest part): BENCH_POSTGRES (1; 0 skips it),
 * BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test; skipped with one line when unreachable),
 * BENCH_POSTGRES_BACKLOG (5000 leads drained per delivery phase).
 * Console part (bench/console.ts, before the scale part): BENCH_CONSOLE (1; 0 skips it; skipped with one line
 * without Chromium), BENCH_CONSOLE_LEADS (10000 stored), BENCH_CONSOLE_RUNS (50 timed requests of each
 * kind), BENCH_CONSOLE_PAGE_RUNS (10 timed page loads of each kind).
 * The leadhook child also reads LEADHOOK_* (e.g. LEADHOOK_COMMIT_BATCH_MAX=1 turns group commit off).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, killAllChildren, type Child } from './child.js';
import { cpuMeter, machineBusy, measureFsync } from './cpu.js';
import { runDeliveryBench, type DeliverySettings } from './delivery.js';
import { runHostileBench, type HostileSettings } from './hostile.js';
import { runConsoleBench, type ConsoleSettings } from './console.js';
import { runPostgresBench, type PostgresSettings, type SqliteBaseline } from './postgres.js';
import { HOSTILE_SHAPES } from './hostile-bodies.js';
import { runScaleBench, type ScaleSettings } from './scale.js';
import { validCache } from './scale-cache.js';
import { MAX_FILL_LEADS } from './scale-data.js';
import { Counter, runPhase, type PhaseTarget } from './load.js';
import { PAYLOADS, type PayloadKind, type PayloadSpec } from './payloads.js';
import { summarizeProfiles, type TimeWindow } from './profile-summary.js';
import type { ExecTrace } from './exec-trace.js';
import { checkDurability } from './verify.js';
import { formatReport, type Line, type Measured as ReportedPhase } from './report.js';

interface LeadhookInfo {
  url: string;
  dataDir: string;
  adminToken: string;
  sqlite: { journalMode: string; synchronous: string; commitBatchMax: number; sqliteVersion: string; extraPragmas: string[] } | null;
}

interface NoopInfo {
  url: string;
}

interface Settings {
  seconds: number;
  connections: number;
  warmupSeconds: number;
  isAnarockOn: boolean;
  isProfileOn: boolean;
  isIngestOn: boolean;
  /** null: BENCH_DELIVERY=0. */
  delivery: DeliverySettings | null;
  /** null: BENCH_SCALE=0. */
  scale: ScaleSettings | null;
  /** null: BENCH_HOSTILE=0. */
  hostile: HostileSettings | null;
  /** null: BENCH_POSTGRES=0. */
  postgres: PostgresSettings | null;
  /** null: BENCH_CONSOLE=0. */
  console: ConsoleSettings | null;
}

const here = dirname(fileURLToPath(import.meta.url));

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
  return n;
}

function readSettings(): Settings {
  return {
    seconds: intFromEnv('BENCH_SECONDS', 10, 1, 600),
    connections: intFromEnv('BENCH_CONNECTIONS', 32, 1, 1024),
    warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0, 60),
    isAnarockOn: process.env['BENCH_ANAROCK'] !== '0',
    isProfileOn: process.env['BENCH_PROFILE'] === '1',
    isIngestOn: process.env['BENCH_INGEST'] !== '0',
    delivery:
      process.env['BENCH_DELIVERY'] === '0'
        ? null
        : {
            seconds: intFromEnv('BENCH_DELIVERY_SECONDS', 8, 1, 600),
            rate: intFromEnv('BENCH_DELIVERY_RATE', 250, 1, 100_000),
            backlog: intFromEnv('BENCH_DELIVERY_BACKLOG', 10_000, 100, 1_000_000),
            // As src/delivery/service.ts: a quarter of LEADHOOK_DELIVERY_CONCURRENCY (default 64) per destination.
            perDestination: Math.max(1, Math.ceil(intFromEnv('LEADHOOK_DELIVERY_CONCURRENCY', 64, 1, 100_000) / 4)),
            isProfileOn: process.env['BENCH_PROFILE'] === '1',
          },
    scale:
      process.env['BENCH_SCALE'] === '0'
        ? null
        : {
            leads: intFromEnv('BENCH_SCALE_LEADS', 10_000_000, 1000, MAX_FILL_LEADS),
            seconds: intFromEnv('BENCH_SECONDS', 10, 1, 600),
            lookupSeconds: intFromEnv('BENCH_SCALE_LOOKUP_SECONDS', 5, 1, 600),
            lookupRate: intFromEnv('BENCH_SCALE_LOOKUP_RATE', 1000, 1, 1_000_000),
            warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0, 60),
            connections: intFromEnv('BENCH_CONNECTIONS', 32, 1, 1024),
            // Building the store: ~3,000–6,000 leads/s on the 2-vCPU VM; allow 1,000/s plus 10 minutes.
            fillTimeoutMs: (intFromEnv('BENCH_SCALE_LEADS', 10_000_000, 1000, MAX_FILL_LEADS) / 1000 + 600) * 1000,
          },
    postgres:
      process.env['BENCH_POSTGRES'] === '0'
        ? null
        : {
            url: process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
            seconds: intFromEnv('BENCH_SECONDS', 10, 1, 600),
            connections: intFromEnv('BENCH_CONNECTIONS', 32, 1, 1024),
            warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0, 60),
            backlog: intFromEnv('BENCH_POSTGRES_BACKLOG', 5000, 100, 1_000_000),
            perDestination: Math.max(1, Math.ceil(intFromEnv('LEADHOOK_DELIVERY_CONCURRENCY', 64, 1, 100_000) / 4)),
          },
    console:
      process.env['BENCH_CONSOLE'] === '0'
        ? null
        : {
            leads: intFromEnv('BENCH_CONSOLE_LEADS', 10_000, 1, 1_000_000),
            apiRuns: intFromEnv('BENCH_CONSOLE_RUNS', 50, 1, 100_000),
            pageRuns: intFromEnv('BENCH_CONSOLE_PAGE_RUNS', 10, 1, 1000),
          },
    hostile:
      process.env['BENCH_HOSTILE'] === '0'
        ? null
        : {
            bytes: intFromEnv('BENCH_HOSTILE_BYTES', 1_048_000, 1024, intFromEnv('LEADHOOK_BODY_LIMIT', 1_048_576, 1024, 2 ** 30)),
            requests: intFromEnv('BENCH_HOSTILE_REQUESTS', 3, 1, 1000),
            baselineRequests: 200,
            timeoutMs: intFromEnv('BENCH_HOSTILE_TIMEOUT_S', 120, 1, 3600) * 1000,
            only: (process.env['BENCH_HOSTILE_SHAPES'] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''),
          },
  };
}

/** Register a source through leadhook's admin API; returns its id, webhook path and secret. */
async function createSource(info: LeadhookInfo, provider: PayloadKind, name: string): Promise<{ id: string; webhookPath: string; secret: string }> {
  const res = await fetch(`${info.url}/api/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider, name }),
  });
  const json = (await res.json()) as { id: string; webhookPath: string; secret: string };
  if (res.status !== 201) throw new Error(`POST /api/sources (${provider}) answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

interface Measured extends ReportedPhase {
  /** When the phase ran, on the monotonic clock (to cut the CPU profile to it). */
  window: TimeWindow;
  /** leadhook only: its transactions during the phase. */
  trace: ExecTrace | null;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function measure(
  child: Child<unknown>,
  target: PhaseTarget,
  payload: PayloadSpec,
  counter: Counter,
  s: Settings,
  seconds: number,
  isTraced: boolean,
): Promise<Measured> {
  if (isTraced) await child.ask<ExecTrace>('SIGUSR2', 'trace'); // resets the counters
  const stopMeter = cpuMeter(child.process.pid);
  const startUs = nowUs();
  const result = await runPhase(target, payload, counter, s.connections, seconds);
  const window = { startUs, endUs: nowUs() };
  const cpu = stopMeter();
  const trace = isTraced ? await child.ask<ExecTrace>('SIGUSR2', 'trace') : null;
  return { result, serverCpu: cpu.server, loadgenCpu: cpu.loadgen, window, trace };
}

interface Scenario {
  payload: PayloadSpec;
  seconds: number;
  noop: Measured;
  leadhook: Measured;
  sourceId: string;
}

async function startServers(profileDir: string | null): Promise<{ noop: Child<NoopInfo>; leadhook: Child<LeadhookInfo> }> {
  const [noop, leadhook] = await Promise.allSettled([
    startChild<NoopInfo>('no-op server', join(here, 'noop-server.ts')),
    startChild<LeadhookInfo>('leadhook server', join(here, 'leadhook-server.ts'), {
      nodeFlags: profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
    }),
  ]);
  if (noop.status === 'fulfilled' && leadhook.status === 'fulfilled') return { noop: noop.value, leadhook: leadhook.value };
  if (noop.status === 'fulfilled') await noop.value.stop('SIGKILL');
  if (leadhook.status === 'fulfilled') {
    await leadhook.value.stop('SIGKILL');
    rmSync(leadhook.value.info.dataDir, { recursive: true, force: true });
  }
  const reasons = [noop, leadhook].flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  throw new Error(reasons.join('\n'));
}

/** Warm both servers up, then measure each payload family on the no-op server and on leadhook. */
async function runScenarios(noop: Child<NoopInfo>, leadhook: Child<LeadhookInfo>, s: Settings): Promise<Scenario[]> {
  const counter = new Counter();
  const praetorian = PAYLOADS.praetorian;
  const warm = await createSource(leadhook.info, 'praetorian', 'bench warm-up');
  if (s.warmupSeconds > 0) {
    progress(`warm-up ${s.warmupSeconds} s each`);
    const headers = praetorian.headers(warm.secret);
    await runPhase({ url: noop.info.url, path: warm.webhookPath, headers }, praetorian, counter, s.connections, s.warmupSeconds);
    await runPhase({ url: leadhook.info.url, path: warm.webhookPath, headers }, praetorian, counter, s.connections, s.warmupSeconds);
  }
  const kinds: PayloadKind[] = s.isAnarockOn ? ['praetorian', 'anarock'] : ['praetorian'];
  const scenarios: Scenario[] = [];
  for (const kind of kinds) {
    const payload = PAYLOADS[kind];
    // The main (Praetorian) line runs the full duration; the extra Anarock line half of it.
    const seconds = kind === 'praetorian' ? s.seconds : Math.max(1, Math.round(s.seconds / 2));
    const source = await createSource(leadhook.info, kind, `bench ${kind}`);
    const headers = payload.headers(source.secret);
    progress(`${payload.label}: no-op ${seconds} s`);
    const noopRun = await measure(noop, { url: noop.info.url, path: source.webhookPath, headers }, payload, counter, s, seconds, false);
    progress(`${payload.label}: leadhook ${seconds} s`);
    const leadhookRun = await measure(leadhook, { url: leadhook.info.url, path: source.webhookPath, headers }, payload, counter, s, seconds, true);
    scenarios.push({ payload, seconds, noop: noopRun, leadhook: leadhookRun, sourceId: source.id });
  }
  return scenarios;
}

/** Both parts, each printing its own report; 1 if either had errors. */
async function main(s: Settings): Promise<number> {
  let code = 0;
  let baseline: SqliteBaseline | null = null;
  if (s.isIngestOn) {
    const ingest = await ingestMain(s);
    code = Math.max(code, ingest.code);
    baseline = ingest.baseline;
  }
  // Right after the SQLite lines, so both are measured in the same conditions, with them printed beside.
  if (s.postgres !== null) {
    const report = await runPostgresBench(s.postgres, here, baseline);
    process.stdout.write(`${report.text}\n`);
    if (report.hasErrors) code = Math.max(code, 1);
  }
  if (s.delivery !== null) {
    const report = await runDeliveryBench(s.delivery, here);
    process.stdout.write(`${report.text}\n`);
    if (report.hasErrors) code = Math.max(code, 1);
  }
  if (s.hostile !== null) {
    const report = await runHostileBench(s.hostile, progress);
    process.stdout.write(`${report.text}\n`);
    if (report.hasErrors) code = Math.max(code, 1);
  }
  if (s.console !== null) {
    const report = await runConsoleBench(s.console, here, progress);
    process.stdout.write(`${report.text}\n`);
    if (report.hasErrors) code = Math.max(code, 1);
  }
  if (s.scale !== null) {
    const report = await runScaleBench(s.scale, here);
    process.stdout.write(`${report.text}\n`);
    if (report.hasErrors) code = Math.max(code, 1);
  }
  return code;
}

/** The ingest part; its exit code, and the Praetorian line's no-op and leadhook figures for the PostgreSQL part. */
async function ingestMain(s: Settings): Promise<{ code: number; baseline: SqliteBaseline | null }> {
  const busyAtStart = await machineBusy();
  const fsync = measureFsync();
  const profileDir = s.isProfileOn ? mkdtempSync(join(tmpdir(), 'leadhook-bench-prof-')) : null;
  // SIGKILL: what was acknowledged must be in the file even when the process dies abruptly.
  // A CPU profile is only written on a normal exit, so profiling stops leadhook gracefully instead.
  const leadhookStop = profileDir === null ? 'SIGKILL' : 'SIGTERM';
  const { noop, leadhook } = await startServers(profileDir);
  const lines: Line[] = [];
  // The CPU profile is cut to the main leadhook phase (start-up, warm-up and idle time left out).
  let profileWindow: TimeWindow | null = null;
  let baseline: SqliteBaseline | null = null;
  try {
    let scenarios: Scenario[];
    try {
      scenarios = await runScenarios(noop, leadhook, s);
    } finally {
      await noop.stop('SIGTERM');
      await leadhook.stop(leadhookStop, 10000);
    }
    profileWindow = scenarios[0]?.leadhook.window ?? null;
    const main = scenarios[0];
    if (main !== undefined) baseline = { noop: main.noop, sqlite: main.leadhook };
    const dbFile = join(leadhook.info.dataDir, 'leadhook.db');
    for (const sc of scenarios) {
      lines.push({ ...sc, durability: checkDurability(dbFile, sc.sourceId, sc.leadhook.result.acked.map((n) => sc.payload.leadId(n))) });
    }
  } finally {
    rmSync(leadhook.info.dataDir, { recursive: true, force: true });
  }

  const report = formatReport({
    connections: s.connections,
    warmupSeconds: s.warmupSeconds,
    node: process.versions.node,
    cpus: cpus(),
    busyAtStart,
    sqlite: leadhook.info.sqlite,
    fsync,
    leadhookStop,
    lines,
  });
  process.stdout.write(`${report.text}\n`);
  if (profileDir !== null) process.stdout.write(`\n${summarizeProfiles(profileDir, profileWindow)}\n`);
  return { code: report.hasErrors ? 1 : 0, baseline };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

function start(): void {
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  // Bound the whole run: warm-ups, phases and start-up, plus a minute of slack.
  const ingestS = settings.isIngestOn ? 2 * settings.warmupSeconds + 2 * settings.seconds + (settings.isAnarockOn ? settings.seconds + 2 : 0) : 0;
  // Delivery: warm-up, steady phase, backlog ingest and drain, ceiling; plus its own drain timeouts' worth of slack.
  const d = settings.delivery;
  const deliveryS = d === null ? 0 : d.seconds + 20 + Math.ceil(d.backlog / 200) + 60;
  // Scale: the fill when the cached store must be built, then two ingest runs, three lookup phases,
  // the query matrix and two resets of the store (a count over its leads each), plus slack.
  const sc = settings.scale;
  const scaleS =
    sc === null
      ? 0
      : (validCache(here, sc.leads) === null ? sc.fillTimeoutMs / 1000 : 0) + 2 * (sc.warmupSeconds + sc.seconds) + 6 * sc.lookupSeconds + 120 + Math.ceil(sc.leads / 50_000);
  // Hostile: a fresh child per shape (~2 s), each answer within its timeout at worst.
  const h = settings.hostile;
  const hostileS = h === null ? 0 : (HOSTILE_SHAPES.length + 1) * (5 + 2) + (HOSTILE_SHAPES.length * h.requests + 2 * HOSTILE_SHAPES.length) * (h.timeoutMs / 1000);
  // PostgreSQL: two instances started, two warm-ups and phases, two backlogs ingested and drained.
  const p = settings.postgres;
  const postgresS = p === null ? 0 : 2 * (p.warmupSeconds + p.seconds) + 2 * (Math.ceil(p.backlog / 100) + 30) + 60;
  const budgetMs = (ingestS + deliveryS + scaleS + hostileS + postgresS + 60) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: no result after ${budgetMs / 1000} s; giving up\n`);
    killAllChildren();
    process.exit(2);
  }, budgetMs);
  watchdog.unref();
  main(settings).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
      killAllChildren();
      process.exitCode = 2;
    },
  );
}

start();
