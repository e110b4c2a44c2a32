/**
 * The PostgreSQL part of `npm run bench`: the ingest load of the SQLite part, in the same run, against
 * leadhook on PostgreSQL — one instance, then two instances on the same database with the load
 * generator's connections split across them (as behind a load balancer) — and the delivery backlog
 * drain on PostgreSQL with one and with two instances. See bench/README.md, "PostgreSQL".
 *
 * Everything lives in a private schema of the cluster at BENCH_POSTGRES_URL, created here and dropped
 * at the end (the children reach it through the URL's `options=-c search_path=…`). Each child gets
 * LEADHOOK_METRICS_LISTEN=127.0.0.1:0, so two never collide on 9464. CPU is read from /proc: the
 * leadhook children's, the PostgreSQL backends serving their connections, and the whole cluster's.
 */
import { join } from 'node:path';
import pg from 'pg';
import { startChild, type Child } from './child.js';
import { machineBusy } from './cpu.js';
import { call, cpuOf, Feeder, waitForLeads, type ReceiverInfo, type ReceiverStats } from './delivery.js';
import { Counter, runSplitPhase, type PhaseResult, type PhaseTarget } from './load.js';
import { PAYLOADS } from './payloads.js';
import { postgresCpuMeter, type PostgresCpu } from './pg-cpu.js';
import type { PgQueryTrace } from './pg-trace.js';
import type { Measured } from './report.js';
import { compareStored, type DurabilityCheck } from './verify.js';

/** The target: one PostgreSQL instance at this share of SQLite's rate, or more. */
export const TARGET_POSTGRES_RATIO = 0.5;

export interface PostgresSettings {
  /** The cluster (BENCH_POSTGRES_URL); a schema of its own is created in that database. */
  url: string;
  seconds: number;
  connections: number;
  warmupSeconds: number;
  /** Leads queued while the receiver hangs, then drained (BENCH_POSTGRES_BACKLOG). */
  backlog: number;
  /** leadhook's sends in flight per destination and instance (as the delivery part). */
  perDestination: number;
}

/** The same-run SQLite figures printed beside PostgreSQL's (null when BENCH_INGEST=0). */
export interface SqliteBaseline {
  noop: Measured;
  sqlite: Measured;
}

interface LeadhookInfo {
  url: string;
  adminToken: string;
}

interface PgMeasured extends Measured {
  postgres: PostgresCpu;
  /** Statements the instances sent during the phase (all of them added up). */
  queries: PgQueryTrace;
}

interface Drain {
  instances: number;
  rate: number;
  deliveries: number;
  seconds: number;
  leadhookCpu: number | null;
  postgres: PostgresCpu;
}

const fixed = (n: number | null, digits: number): string => (n === null || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const pct = (n: number | null): string => (n === null ? '-' : `${Math.round(n)}%`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** CPU µs per unit of work at `rate`/s for a CPU share in % of one core. */
const perUnit = (cpu: number | null, rate: number): number | null => (cpu === null || !(rate > 0) ? null : ((cpu / 100) * 1e6) / rate);

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** `url` whose connections use `schema` (libpq `options`, which the pg driver passes on). */
function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `${u.searchParams.get('options') ?? ''} -c search_path=${schema}`.trim());
  return u.toString();
}

/** `url` with its password hidden. */
function shown(url: string): string {
  if (!URL.canParse(url)) return '(not a URL)';
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
}

async function createSource(lh: LeadhookInfo, name: string): Promise<{ id: string; webhookPath: string; secret: string }> {
  const res = await call<{ id: string; webhookPath: string; secret: string }>('POST', `${lh.url}/api/sources`, { provider: 'praetorian', name }, { authorization: `Bearer ${lh.adminToken}` });
  if (res.status !== 201) throw new Error(`POST /api/sources answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json;
}

/** The PostgreSQL part; its report text, and whether something went wrong (exit 1). */
export async function runPostgresBench(s: PostgresSettings, here: string, baseline: SqliteBaseline | null): Promise<{ text: string; hasErrors: boolean }> {
  const admin = new pg.Client({ connectionString: s.url, connectionTimeoutMillis: 3000, application_name: 'leadhook-bench' });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    const why = error instanceof Error ? error.message : String(error);
    return {
      text: `\npostgres: skipped, PostgreSQL at ${shown(s.url)} is unreachable (${why}); start it (pg_ctlcluster 15 main start) or point BENCH_POSTGRES_URL at one; BENCH_POSTGRES=0 skips this part`,
      hasErrors: false,
    };
  }
  const schema = `leadhook_bench_${process.pid}_${Date.now().toString(36)}`;
  const children: Child<LeadhookInfo>[] = [];
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const start = (name: string): Promise<Child<LeadhookInfo>> =>
      startChild<LeadhookInfo>(name, join(here, 'leadhook-server.ts'), {
        env: { LEADHOOK_DATABASE_URL: urlWithSchema(s.url, schema), LEADHOOK_METRICS_LISTEN: '127.0.0.1:0', LEADHOOK_ALLOW_PRIVATE_DESTINATIONS: '1' },
        timeoutMs: 60_000,
      }).then((child) => {
        children.push(child);
        return child;
      });
    return await measureAll(s, here, admin, schema, start, children, baseline);
  } finally {
    for (const c of children) await c.stop('SIGKILL');
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((error: unknown) => progress(`postgres: could not drop schema ${schema}: ${String(error)}`));
    await admin.end().catch(() => {});
  }
}

async function measureAll(
  s: PostgresSettings,
  here: string,
  admin: pg.Client,
  schema: string,
  start: (name: string) => Promise<Child<LeadhookInfo>>,
  children: Child<LeadhookInfo>[],
  baseline: SqliteBaseline | null,
): Promise<{ text: string; hasErrors: boolean }> {
  const busyAtStart = await machineBusy();
  const payload = PAYLOADS.praetorian;
  const counter = new Counter();
  const errors: string[] = [];
  const settings = (await admin.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'max_connections', 'shared_buffers', 'wal_level', 'fsync', 'commit_delay')`,
  )).rows;
  const rx = await startChild<ReceiverInfo>('receiver (postgres)', join(here, 'receiver.ts'));
  try {
    const a = await start('leadhook A (PostgreSQL)');
    const one = await ingestPhase([a], 'one instance', s, admin, counter);
    const drainOne = await drain([a], rx, s, admin, 0, errors);
    const b = await start('leadhook B (PostgreSQL)');
    const two = await ingestPhase([a, b], 'two instances', s, admin, counter);
    const drainTwo = await drain([a, b], rx, s, admin, 1_000_000_000, errors);
    // As the SQLite part: killed abruptly, then every acknowledged lead must be in the database.
    for (const c of children) await c.stop('SIGKILL');
    const durable: DurabilityCheck[] = [];
    for (const phase of [one, two]) {
      const ids = (await admin.query<{ provider_lead_id: string }>(`SELECT provider_lead_id FROM ${schema}.leads WHERE source_id = $1`, [phase.sourceId])).rows;
      durable.push(compareStored(ids.map((r) => r.provider_lead_id), phase.measured.result.acked.map((n) => payload.leadId(n))));
    }
    for (const [name, m] of [['PG ×1', one.measured], ['PG ×2', two.measured]] as const) errors.push(...answerErrors(name, m.result));
    durable.forEach((d, i) => {
      if (d.missing.length > 0) errors.push(`PG ×${i + 1}: ${d.missing.length} acknowledged leads are not in the database (e.g. ${d.missing.slice(0, 3).join(', ')})`);
    });
    const text = formatPostgresReport({ s, busyAtStart, settings, baseline, one: one.measured, two: two.measured, drains: [drainOne, drainTwo], durable, errors });
    return { text, hasErrors: errors.length > 0 };
  } finally {
    await rx.stop('SIGTERM');
  }
}

function answerErrors(name: string, r: PhaseResult): string[] {
  const out: string[] = [];
  if (r.non2xx > 0) out.push(`${name}: ${r.non2xx} non-2xx answers ${JSON.stringify(r.badStatuses)}`);
  if (r.errors > 0) out.push(`${name}: ${r.errors} connection errors (${r.timeouts} timeouts)`);
  if (r.ok2xx === 0) out.push(`${name}: no 2xx answer at all`);
  return out;
}

/** Warm the instances up on a source of their own, then measure the ingest load split across them. */
async function ingestPhase(
  instances: Child<LeadhookInfo>[],
  what: string,
  s: PostgresSettings,
  admin: pg.Client,
  counter: Counter,
): Promise<{ measured: PgMeasured; sourceId: string }> {
  const payload = PAYLOADS.praetorian;
  const targetsFor = (source: { webhookPath: string; secret: string }): PhaseTarget[] =>
    instances.map((c) => ({ url: c.info.url, path: source.webhookPath, headers: payload.headers(source.secret) }));
  const first = instances[0] as Child<LeadhookInfo>;
  if (s.warmupSeconds > 0) {
    progress(`postgres, ${what}: warm-up ${s.warmupSeconds} s`);
    await runSplitPhase(targetsFor(await createSource(first.info, `bench warm-up ${what}`)), payload, counter, s.connections, s.warmupSeconds);
  }
  const source = await createSource(first.info, `bench ${what}`);
  progress(`postgres, ${what}: ${s.seconds} s`);
  const pids = instances.map((c) => c.process.pid as number);
  const leadhookCpu = cpuOf(Object.fromEntries(pids.map((pid) => [String(pid), pid])));
  await askQueries(instances); // resets the counters
  const stopPg = await postgresCpuMeter(admin, pids);
  const self = process.cpuUsage();
  const t0 = performance.now();
  const result = await runSplitPhase(targetsFor(source), payload, counter, s.connections, s.seconds);
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(self);
  const perChild = Object.values(leadhookCpu());
  const postgres = await stopPg();
  const queries = await askQueries(instances);
  return {
    measured: {
      queries,
      result,
      serverCpu: perChild.some((v) => v === null) ? null : perChild.reduce<number>((a, v) => a + (v ?? 0), 0),
      loadgenCpu: ((used.user + used.system) / 1e6 / wall) * 100,
      postgres,
    },
    sourceId: source.id,
  };
}

/** The statements each instance sent since the last ask, added up. */
async function askQueries(instances: Child<LeadhookInfo>[]): Promise<PgQueryTrace> {
  const sum: PgQueryTrace = { calls: 0, byStatement: {} };
  for (const c of instances) {
    const t = await c.ask<PgQueryTrace | null>('SIGUSR2', 'pgQueries');
    if (t === null) continue;
    sum.calls += t.calls;
    for (const [label, v] of Object.entries(t.byStatement)) {
      const e = (sum.byStatement[label] ??= { calls: 0, ms: 0 });
      e.calls += v.calls;
      e.ms += v.ms;
    }
  }
  return sum;
}

/** Statements per webhook, and the ones that waited longest in all. */
function queryLines(q: PgQueryTrace, requests: number, what: string): string[] {
  if (q.calls === 0 || requests === 0) return [];
  const rows = Object.entries(q.byStatement).sort((a, b) => b[1].ms - a[1].ms);
  return [
    `statements sent to PostgreSQL, ${what}: ${fixed(q.calls / requests, 1)} per webhook (each a round trip); longest waits (ms per webhook, calls per webhook):`,
    ...rows.slice(0, 12).map(([sql, v]) => `  ${fixed(v.ms / requests, 2).padStart(6)} ms  ${fixed(v.calls / requests, 2).padStart(5)}  ${sql}`),
  ];
}

/**
 * Delivery backlog drain on PostgreSQL with `instances` running (each has its own delivery worker):
 * a new source and destination, the receiver hangs while `s.backlog` leads are ingested, then it
 * answers; deliveries/s = deliveries after the resume / (last receipt − resume).
 */
async function drain(instances: Child<LeadhookInfo>[], rx: Child<ReceiverInfo>, s: PostgresSettings, admin: pg.Client, firstLead: number, errors: string[]): Promise<Drain> {
  const first = instances[0] as Child<LeadhookInfo>;
  const n = instances.length;
  const source = await createSource(first.info, `bench drain ×${n}`);
  const dest = await call<{ id: string }>('POST', `${first.info.url}/api/destinations`, { name: `bench receiver ×${n}`, url: `${rx.info.url}/hook`, sourceIds: [source.id] }, { authorization: `Bearer ${first.info.adminToken}` });
  if (dest.status !== 201) throw new Error(`POST /api/destinations answered ${dest.status}: ${JSON.stringify(dest.json)}`);
  progress(`postgres, drain with ${n} instance(s): backlog of ${s.backlog} leads`);
  await call('POST', `${rx.info.url}/pause`);
  const leadsBefore = (await call<ReceiverStats>('GET', `${rx.info.url}/stats`)).json.total.leads;
  const feeder = new Feeder(`${first.info.url}${source.webhookPath}`, PAYLOADS.praetorian.headers(source.secret), firstLead);
  await feeder.bulk(s.backlog, 20, 4);
  if (feeder.failures > 0) errors.push(`drain ×${n}: ${feeder.failures} ingest requests not acknowledged (${feeder.failureSamples.join(' | ')})`);
  // Every instance's worker fills its slots with hanging requests (the others learn of the new destination by themselves).
  for (let i = 0; i < 60; i++) {
    const held = (await call<ReceiverStats>('GET', `${rx.info.url}/stats`)).json.total.held;
    if (held >= Math.min(n * s.perDestination, feeder.acked.length)) break;
    await sleep(50);
  }
  const pids = instances.map((c) => c.process.pid as number);
  const leadhookCpu = cpuOf(Object.fromEntries(pids.map((pid) => [String(pid), pid])));
  const stopPg = await postgresCpuMeter(admin, pids);
  const resumed = (await call<{ released: number; resumedAt: number }>('POST', `${rx.info.url}/resume`)).json;
  const wait = await waitForLeads(rx.info.url, leadsBefore + feeder.acked.length, 120_000);
  const perChild = Object.values(leadhookCpu());
  const postgres = await stopPg();
  if (!wait.isComplete) errors.push(`drain ×${n}: not drained within 120 s`);
  const check = (await call<{ missing: string[] }>('POST', `${rx.info.url}/check`, feeder.acked)).json;
  if (check.missing.length > 0) errors.push(`drain ×${n}: ${check.missing.length} acknowledged leads were never delivered`);
  const w = wait.stats.window;
  const seconds = w.lastAt === null ? Number.NaN : (w.lastAt - resumed.resumedAt) / 1000;
  return {
    instances: n,
    rate: w.distinct / seconds,
    deliveries: w.distinct,
    seconds,
    leadhookCpu: perChild.some((v) => v === null) ? null : perChild.reduce<number>((a, v) => a + (v ?? 0), 0),
    postgres,
  };
}

function formatPostgresReport(r: {
  s: PostgresSettings;
  busyAtStart: number;
  settings: { name: string; setting: string }[];
  baseline: SqliteBaseline | null;
  one: PgMeasured;
  two: PgMeasured;
  drains: Drain[];
  durable: DurabilityCheck[];
  errors: string[];
}): string {
  const widths = [18, 8, 8, 8, 8, 8, 10, 8, 8, 8, 9];
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 10) : c.padStart(widths[i] ?? 10))).join('');
  const line = (name: string, m: Measured, postgres: PostgresCpu | null): string => {
    const x = m.result;
    const lhUs = perUnit(m.serverCpu, x.rate);
    const pgUs = postgres === null ? 0 : perUnit(postgres.backends, x.rate);
    return row([
      name,
      fixed(x.rate, 0),
      fixed(x.p50, 2),
      fixed(x.p99, 2),
      fixed(x.max, 1),
      String(x.non2xx + x.errors),
      pct(m.serverCpu),
      fixed(lhUs, 0),
      postgres === null ? '–' : pct(postgres.backends),
      postgres === null ? '–' : fixed(pgUs, 0),
      lhUs === null || pgUs === null ? '-' : fixed(lhUs + pgUs, 0),
    ]);
  };
  const setting = (name: string): string => r.settings.find((x) => x.name === name)?.setting ?? '?';
  const out: string[] = [''];
  out.push(
    `postgres: PostgreSQL ${setting('server_version')} at ${shown(r.s.url)}, private schema (dropped after); synchronous_commit=on (leadhook sets it per connection), ` +
      `fsync=${setting('fsync')}, commit_delay=${setting('commit_delay')}, shared_buffers=${setting('shared_buffers')}×8kB, max_connections=${setting('max_connections')}`,
  );
  if (process.env['BENCH_PG_PREPARE'] === '1') out.push('EXPERIMENT (BENCH_PG_PREPARE=1): the bench child sends every statement with parameters as a named prepared statement; leadhook names only its ingest statements');
  out.push(
    `ingest beside SQLite, same run: ${r.s.connections} connections (split evenly across instances), ${r.s.seconds} s each (after ${r.s.warmupSeconds} s warm-up), ${PAYLOADS.praetorian.label}, one new lead per request`,
  );
  out.push(row(['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'leadhook', 'µs/req', 'PG CPU', 'µs/req', 'total µs']));
  if (r.baseline !== null) {
    out.push(line('no-op', r.baseline.noop, null));
    out.push(line('leadhook SQLite', r.baseline.sqlite, null));
  }
  out.push(line('leadhook PG ×1', r.one, r.one.postgres));
  out.push(line('leadhook PG ×2', r.two, r.two.postgres));
  if (r.baseline !== null) {
    const ratio = r.one.result.rate / r.baseline.sqlite.result.rate;
    out.push(
      `ratio PostgreSQL ×1 / SQLite: ${fixed(ratio, 2)} (target ≥ ${TARGET_POSTGRES_RATIO.toFixed(2)}: ${ratio >= TARGET_POSTGRES_RATIO ? 'OK' : 'MISSED'}); ` +
        `PostgreSQL ×2 / SQLite: ${fixed(r.two.result.rate / r.baseline.sqlite.result.rate, 2)}`,
    );
  }
  out.push(...queryLines(r.one.queries, r.one.result.completed, 'one instance'));
  out.push(
    `PG CPU = the PostgreSQL backends serving leadhook's connections; whole cluster (all postgres processes: WAL writer, checkpointer, and other users of a shared cluster): ` +
      `×1 ${pct(r.one.postgres.cluster)}, ×2 ${pct(r.two.postgres.cluster)}; loadgen CPU ×1 ${pct(r.one.loadgenCpu)}, ×2 ${pct(r.two.loadgenCpu)}`,
  );
  r.durable.forEach((d, i) => {
    out.push(
      `durable leads stored, PG ×${i + 1}: ${d.stored} (2xx answers: ${d.acked}; acknowledged but missing: ${d.missing.length}; stored but unacknowledged: ${d.unacked}) — read after SIGKILL of the instances`,
    );
  });
  for (const d of r.drains) {
    out.push(
      `delivery on PostgreSQL, backlog drain with ${d.instances} instance(s) (${r.s.perDestination} in flight per instance): ${fixed(d.rate, 0)} deliveries/s ` +
        `(${d.deliveries} in ${fixed(d.seconds, 2)} s); CPU leadhook ${pct(d.leadhookCpu)}, PG backends ${pct(d.postgres.backends)}, cluster ${pct(d.postgres.cluster)}`,
    );
  }
  out.push(`CPU busy before the PostgreSQL part (other processes, 0.5 s sample): ${Math.round(r.busyAtStart)}%` + (r.busyAtStart >= 10 ? ' — BUSY MACHINE: rates are noisy' : ''));
  for (const e of r.errors) out.push(`ERROR ${e}`);
  return out.join('\n');
}
