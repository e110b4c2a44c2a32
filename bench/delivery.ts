/**
 * The delivery part of `npm run bench`: how fast leadhook delivers signed lead events to a healthy
 * local receiver, next to a bare HTTP client loop posting the same bodies to the same receiver in
 * the same run (the ceiling), and the lag from a lead's commit to its delivery. See bench/README.md.
 *
 * Three children: leadhook (bench/leadhook-server.ts, LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1), the
 * no-op receiver (bench/receiver.ts) and, last, the ceiling client (bench/ceiling-client.ts). This
 * process only feeds leads and reads the receiver's figures between phases.
 *
 * Phases: warm-up → steady (paced ingest for N s, lag measured) → backlog drain (receiver paused,
 * backlog ingested, receiver resumed, drain rate measured) → ceiling → "delivered at least once" check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.js';
import { machineBusy, processCpuSeconds } from './cpu.js';
import type { ExecTrace } from './exec-trace.js';
import { PAYLOADS, praetorianBody } from './payloads.js';
import { summarizeProfiles, type TimeWindow } from './profile-summary.js';

/** The targets for delivery. */
export const TARGET_DRAIN_RATIO = 0.6;
export const TARGET_STEADY_P99_LAG_MS = 100;

export interface DeliverySettings {
  /** Steady phase length (BENCH_DELIVERY_SECONDS). */
  seconds: number;
  /** Steady ingest rate, leads/s (BENCH_DELIVERY_RATE). */
  rate: number;
  /** Leads ingested while the receiver is paused, then drained (BENCH_DELIVERY_BACKLOG). */
  backlog: number;
  /** leadhook's sends in flight to one destination: ceil(LEADHOOK_DELIVERY_CONCURRENCY / 4); the ceiling uses the same. */
  perDestination: number;
  /** BENCH_PROFILE=1: profile the leadhook child and summarise the drain and the steady phase. */
  isProfileOn: boolean;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface LeadhookInfo {
  url: string;
  dataDir: string;
  adminToken: string;
}

export interface ReceiverInfo {
  url: string;
}

export interface ReceiverStats {
  window: {
    startedAt: number;
    requests: number;
    distinct: number;
    firstAt: number | null;
    lastAt: number | null;
    lag: { p50: number | null; p99: number | null; max: number | null };
  };
  total: { hookRequests: number; distinct: number; duplicates: number; leads: number; unparsable: number; ceilingRequests: number; held: number };
}

interface CeilingResult {
  requests: number;
  concurrency: number;
  seconds: number;
  rate: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
  cpu: number;
  error?: string;
}

/** CPU of a set of processes over an interval, % of one core each (null off Linux). */
export function cpuOf(pids: Record<string, number | undefined>): () => Record<string, number | null> {
  const t0 = performance.now();
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid === undefined ? null : processCpuSeconds(pid)]));
  return () => {
    const wall = (performance.now() - t0) / 1000;
    return Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => {
        const a = start[k] ?? null;
        const b = pid === undefined ? null : processCpuSeconds(pid);
        return [k, a === null || b === null ? null : ((b - a) / wall) * 100];
      }),
    );
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fixed = (n: number | null | undefined, digits: number): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const pct = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : `${Math.round(n)}%`);

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

export async function call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? null : JSON.parse(text)) as T };
}

/** Feeds Praetorian leads to one source and remembers which leads were acknowledged (2xx). */
export class Feeder {
  private n: number;
  readonly acked: string[] = [];
  failures = 0;
  readonly failureSamples: string[] = [];

  /** `firstLead`: number of the first lead sent (feeders of one run that share a receiver start apart). */
  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    firstLead = 0,
  ) {
    this.n = firstLead;
  }

  /** POST one batch of `count` new leads; true when acknowledged. */
  async post(count: number): Promise<boolean> {
    const ns = Array.from({ length: count }, () => this.n++);
    // praetorianBody(n) is `[lead]`; a batch is the leads joined into one array.
    const body = `[${ns.map((n) => praetorianBody(n).slice(1, -1)).join(',')}]`;
    try {
      const res = await fetch(this.url, { method: 'POST', headers: this.headers, body });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        for (const n of ns) this.acked.push(PAYLOADS.praetorian.leadId(n));
        return true;
      }
      this.fail(`${res.status} ${text.slice(0, 200)}`);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
    return false;
  }

  private fail(why: string): void {
    this.failures++;
    if (this.failureSamples.length < 3) this.failureSamples.push(why);
  }

  /** `total` leads, `batch` per request, `inFlight` requests at a time, as fast as leadhook takes them. */
  async bulk(total: number, batch: number, inFlight: number): Promise<void> {
    let left = total;
    const worker = async (): Promise<void> => {
      while (left > 0) {
        const k = Math.min(batch, left);
        left -= k;
        await this.post(k);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  }

  /** One lead per request at `rate` per second for `seconds` (open loop, at most `maxInFlight` waiting). */
  async paced(rate: number, seconds: number, maxInFlight: number): Promise<{ sent: number; seconds: number; dropped: number }> {
    const pending = new Set<Promise<boolean>>();
    const t0 = performance.now();
    let sent = 0;
    let dropped = 0;
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed >= seconds * 1000) break;
      const due = Math.floor((elapsed / 1000) * rate);
      while (sent < due) {
        sent++;
        if (pending.size >= maxInFlight) {
          dropped++; // leadhook is behind: the open loop skips rather than queue without bound
          continue;
        }
        const p = this.post(1);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      await sleep(2);
    }
    const took = (performance.now() - t0) / 1000;
    await Promise.all(pending);
    return { sent: sent - dropped, seconds: took, dropped };
  }
}

/** Poll the receiver until it has seen `leads` distinct leads (or `timeoutMs` passes). */
export async function waitForLeads(receiverUrl: string, leads: number, timeoutMs: number): Promise<{ stats: ReceiverStats; isComplete: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await call<ReceiverStats>('GET', `${receiverUrl}/stats`)).json;
    if (stats.total.leads >= leads) return { stats, isComplete: true };
    if (Date.now() > deadline) return { stats, isComplete: false };
    await sleep(50);
  }
}

function commitLine(t: ExecTrace | null, seconds: number, what: string): string | null {
  if (t === null || t.commits === 0) return null;
  return (
    `leadhook during ${what}: ${t.commits} COMMITs (${t.relaxedCommits} of delivery bookkeeping only, without fsync) for ${t.jobs} write jobs (${(t.jobs / t.commits).toFixed(1)} per COMMIT, max ${t.maxJobsPerCommit}); ` +
    `COMMIT p50 ${fixed(t.commitMs.p50, 2)} ms, p99 ${fixed(t.commitMs.p99, 2)} ms; event loop blocked in COMMIT ${((t.commitMs.total / (seconds * 1000)) * 100).toFixed(1)}% of it`
  );
}

/** One ceiling run in a fresh client process; counted requests only (the client warms up first). */
async function runCeiling(
  here: string,
  rx: Child<ReceiverInfo>,
  sample: { body: string; headers: Record<string, string> },
  requests: number,
  concurrency: number,
  children: Child<unknown>[],
  errors: string[],
  kind: 'request' | 'fetch' = 'request',
): Promise<CeilingResult & { receiverCpu: number | null }> {
  progress(`delivery: ceiling (${kind}), ${requests} requests, ${concurrency} in flight`);
  const client = await startChild<{ ready: boolean }>('ceiling client', join(here, 'ceiling-client.ts'), {
    env: {
      BENCH_CEILING_URL: `${rx.info.url}/ceiling`,
      BENCH_CEILING_BODY: sample.body,
      BENCH_CEILING_HEADERS: JSON.stringify(sample.headers),
      BENCH_CEILING_REQUESTS: String(requests),
      BENCH_CEILING_CONCURRENCY: String(concurrency),
      BENCH_CEILING_CLIENT: kind,
    },
  });
  children.push(client);
  const meter = cpuOf({ receiver: rx.process.pid });
  const ceiling = await client.ask<CeilingResult>('SIGUSR2', 'ceiling', 60_000);
  const use = meter();
  await client.stop('SIGTERM');
  if (ceiling === null || ceiling.error !== undefined) throw new Error(`ceiling client failed: ${ceiling?.error ?? 'no result within 60 s'}`);
  if (ceiling.non2xx + ceiling.errors > 0) errors.push(`ceiling: ${ceiling.non2xx} non-2xx answers, ${ceiling.errors} errors`);
  return { ...ceiling, receiverCpu: use['receiver'] ?? null };
}

/** BENCH_TRACE_SQL=1: the statements leadhook ran during a phase, most expensive first, per delivery. */
function statementLines(t: ExecTrace | null, deliveries: number, what: string): string[] {
  const stats = t?.statements;
  if (stats === null || stats === undefined || deliveries === 0) return [];
  const rows = Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, v]) => a + v.ms, 0);
  return [
    `prepared statements during ${what} (BENCH_TRACE_SQL=1): ${fixed((total * 1000) / deliveries, 0)} µs per delivery in all`,
    ...rows.slice(0, 8).map(([sql, v]) => `  ${fixed((v.ms * 1000) / deliveries, 0).padStart(5)} µs/dlv  ${fixed(v.calls / deliveries, 2).padStart(5)} calls/dlv  ${sql}`),
  ];
}

/** Run the whole delivery part; returns the report text and whether something went wrong (exit 1). */
export async function runDeliveryBench(s: DeliverySettings, here: string): Promise<{ text: string; hasErrors: boolean }> {
  const profileDir = s.isProfileOn ? mkdtempSync(join(tmpdir(), 'leadhook-bench-delivery-prof-')) : null;
  const [rxStart, lhStart] = await Promise.allSettled([
    startChild<ReceiverInfo>('receiver', join(here, 'receiver.ts')),
    startChild<LeadhookInfo>('leadhook server (delivery)', join(here, 'leadhook-server.ts'), {
      env: { LEADHOOK_ALLOW_PRIVATE_DESTINATIONS: '1' },
      nodeFlags: profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
    }),
  ]);
  const children: Child<unknown>[] = [];
  if (rxStart.status === 'fulfilled') children.push(rxStart.value);
  if (lhStart.status === 'fulfilled') children.push(lhStart.value);
  try {
    if (rxStart.status === 'rejected') throw rxStart.reason;
    if (lhStart.status === 'rejected') throw lhStart.reason;
    const measured = await measureAll(s, here, rxStart.value, lhStart.value, children);
    // SIGTERM: leadhook closes gracefully, so its CPU profile gets written.
    for (const c of children) await c.stop('SIGTERM', 10_000);
    if (profileDir === null) return measured;
    const profiles = [
      `\n--- delivery: backlog drain ---\n${summarizeProfiles(profileDir, measured.windows.drain)}`,
      `\n--- delivery: steady phase ---\n${summarizeProfiles(profileDir, measured.windows.steady)}`,
    ];
    return { ...measured, text: `${measured.text}\n${profiles.join('\n')}` };
  } finally {
    for (const c of children) await c.stop('SIGTERM', 5000);
    if (lhStart.status === 'fulfilled') rmSync(lhStart.value.info.dataDir, { recursive: true, force: true });
  }
}

async function measureAll(
  s: DeliverySettings,
  here: string,
  rx: Child<ReceiverInfo>,
  lh: Child<LeadhookInfo>,
  children: Child<unknown>[],
): Promise<{ text: string; hasErrors: boolean; windows: { steady: TimeWindow; drain: TimeWindow } }> {
  const admin = { authorization: `Bearer ${lh.info.adminToken}` };
  const source = await call<{ id: string; webhookPath: string; secret: string }>('POST', `${lh.info.url}/api/sources`, { provider: 'praetorian', name: 'bench delivery' }, admin);
  if (source.status !== 201) throw new Error(`POST /api/sources answered ${source.status}: ${JSON.stringify(source.json)}`);
  const dest = await call<{ id: string }>('POST', `${lh.info.url}/api/destinations`, { name: 'bench receiver', url: `${rx.info.url}/hook`, sourceIds: [source.json.id] }, admin);
  if (dest.status !== 201) throw new Error(`POST /api/destinations answered ${dest.status}: ${JSON.stringify(dest.json)}`);
  const feeder = new Feeder(`${lh.info.url}${source.json.webhookPath}`, PAYLOADS.praetorian.headers(source.json.secret));
  const errors: string[] = [];
  const busyAtStart = await machineBusy();

  // Warm-up: JIT, connection pools, prepared statements; drained before anything is measured.
  progress('delivery: warm-up');
  await feeder.paced(s.rate, 1, 32);
  if (!(await waitForLeads(rx.info.url, feeder.acked.length, 10_000)).isComplete) errors.push('warm-up leads were not all delivered within 10 s');

  // Ceiling, first run: the same signed event (body and headers, replayed verbatim), same receiver, same concurrency.
  const sample = (await call<{ body: string; headers: Record<string, string> } | null>('GET', `${rx.info.url}/sample`)).json;
  if (sample === null) throw new Error('the receiver never got a delivery to replay');
  const ceilingBefore = await runCeiling(here, rx, sample, s.backlog, s.perDestination, children, errors);

  // Steady: paced ingest, every delivery's lag from commit to receipt.
  progress(`delivery: steady ${s.seconds} s at ${s.rate} leads/s`);
  await call('POST', `${rx.info.url}/reset`);
  await lh.ask<ExecTrace>('SIGUSR2', 'trace');
  const steadyCpu = cpuOf({ leadhook: lh.process.pid, receiver: rx.process.pid });
  const steadyStartUs = nowUs();
  const ackedBefore = feeder.acked.length;
  const fed = await feeder.paced(s.rate, s.seconds, 32);
  const steadyLeads = feeder.acked.length - ackedBefore;
  const steadyWait = await waitForLeads(rx.info.url, feeder.acked.length, 30_000);
  const steadyWindow = { startUs: steadyStartUs, endUs: nowUs() };
  const steadyCpuUse = steadyCpu();
  const steadyTrace = await lh.ask<ExecTrace>('SIGUSR2', 'trace');
  if (!steadyWait.isComplete) errors.push(`steady: the backlog did not drain within 30 s after the load stopped`);
  const steady = steadyWait.stats.window;
  const steadySpan = steady.firstAt === null || steady.lastAt === null ? Number.NaN : (steady.lastAt - steady.firstAt) / 1000;
  const steadyRate = steady.distinct / steadySpan;
  const notes: string[] = [];
  if (fed.dropped > 0) notes.push(`NOTE steady: leadhook fell behind the paced ingest (32 requests waiting); ${fed.dropped} leads were not sent: the lag includes ingest queueing (lower BENCH_DELIVERY_RATE, or the machine is busy)`);

  // Backlog drain: receiver hangs, backlog builds up in leadhook's database, receiver comes back.
  progress(`delivery: backlog of ${s.backlog} leads, then drain`);
  await call('POST', `${rx.info.url}/pause`);
  const ackedBeforeBacklog = feeder.acked.length;
  await feeder.bulk(s.backlog, 20, 4);
  const backlogLeads = feeder.acked.length - ackedBeforeBacklog;
  // Let leadhook fill its slots for this destination (those requests hang in the receiver).
  for (let i = 0; i < 40; i++) {
    const held = (await call<ReceiverStats>('GET', `${rx.info.url}/stats`)).json.total.held;
    if (held >= Math.min(s.perDestination, backlogLeads)) break;
    await sleep(50);
  }
  await lh.ask<ExecTrace>('SIGUSR2', 'trace');
  const drainCpu = cpuOf({ leadhook: lh.process.pid, receiver: rx.process.pid });
  const drainStartUs = nowUs();
  const resumed = (await call<{ released: number; resumedAt: number }>('POST', `${rx.info.url}/resume`)).json;
  const drainWait = await waitForLeads(rx.info.url, feeder.acked.length, 60_000);
  const drainWindow = { startUs: drainStartUs, endUs: nowUs() };
  const drainCpuUse = drainCpu();
  const drainTrace = await lh.ask<ExecTrace>('SIGUSR2', 'trace');
  if (!drainWait.isComplete) errors.push('backlog: not drained within 60 s');
  const drain = drainWait.stats.window;
  const drainSeconds = drain.lastAt === null ? Number.NaN : (drain.lastAt - resumed.resumedAt) / 1000;
  const drainRate = drain.distinct / drainSeconds;

  // Ceiling, second run (the first ran after the warm-up); the better one is the ceiling.
  const ceilingAfter = await runCeiling(here, rx, sample, Math.max(1000, drain.distinct), s.perDestination, children, errors);
  const ceiling = ceilingAfter.rate >= ceilingBefore.rate ? ceilingAfter : ceilingBefore;
  // Context only: the same loop with fetch(), which most node webhook senders use (leadhook did until 2026-11).
  const fetchLoop = await runCeiling(here, rx, sample, Math.min(3000, Math.max(1000, drain.distinct)), s.perDestination, children, errors, 'fetch');

  // At least once: every acknowledged lead reached the receiver (a settle pause lets late duplicates in).
  await sleep(300);
  const check = (await call<{ missing: string[] }>('POST', `${rx.info.url}/check`, feeder.acked)).json;
  const final = (await call<ReceiverStats>('GET', `${rx.info.url}/stats`)).json;
  if (check.missing.length > 0) errors.push(`${check.missing.length} acknowledged leads were never delivered (e.g. ${check.missing.slice(0, 3).join(', ')})`);
  if (feeder.failures > 0) errors.push(`ingest: ${feeder.failures} requests not acknowledged (${feeder.failureSamples.join(' | ')})`);
  if (final.total.unparsable > 0) errors.push(`receiver: ${final.total.unparsable} deliveries were not JSON`);

  // Report.
  const ratio = drainRate / ceiling.rate;
  const p99 = steady.lag.p99;
  const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(28) : c.padStart(i === 1 ? 14 : 13))).join('');
  const bodyBytes = Buffer.byteLength(sample.body);
  const out: string[] = [''];
  out.push(`delivery, Praetorian leads → 1 destination (no-op receiver, 127.0.0.1), signed (Standard Webhooks), event body ~${bodyBytes} B, ${s.perDestination} in flight per destination`);
  out.push(row(['what', 'deliveries/s', 'p50 lag ms', 'p99 lag ms', 'max lag ms']));
  out.push(row(['bare HTTP client (ceiling)', fixed(ceiling.rate, 0), '–', '–', '–']));
  out.push(row(['bare fetch() loop (context)', fixed(fetchLoop.rate, 0), '–', '–', '–']));
  out.push(row(['leadhook backlog drain', fixed(drainRate, 0), '–', '–', '–']));
  out.push(row([`leadhook steady (ingest ${Math.round(steadyLeads / fed.seconds)}/s)`, fixed(steadyRate, 0), fixed(steady.lag.p50, 1), fixed(p99, 1), fixed(steady.lag.max, 1)]));
  out.push(
    `ratio drain/ceiling: ${fixed(ratio, 2)} (target ≥ ${TARGET_DRAIN_RATIO.toFixed(2)}: ${verdict(ratio >= TARGET_DRAIN_RATIO)}); ` +
      `steady p99 lag ${fixed(p99, 0)} ms (target < ${TARGET_STEADY_P99_LAG_MS} ms: ${verdict(p99 !== null && p99 < TARGET_STEADY_P99_LAG_MS)})`,
  );
  out.push(`delivered at least once: ${feeder.acked.length - check.missing.length} of ${feeder.acked.length} acknowledged leads; duplicates: ${final.total.duplicates}`);
  out.push(
    `CPU busy before the delivery part (other processes, 0.5 s sample): ${Math.round(busyAtStart)}%` +
      (busyAtStart >= 10 ? ' — BUSY MACHINE: rates, ratio and lag are noisy' : ''),
  );
  out.push(
    `details: ceiling = undici request() loop, best of 2 runs (${fixed(ceilingBefore.rate, 0)} before, ${fixed(ceilingAfter.rate, 0)} after the leadhook phases), ` +
      `${ceiling.requests} requests in ${ceiling.seconds.toFixed(2)} s (request p50 ${fixed(ceiling.p50, 2)} ms, p99 ${fixed(ceiling.p99, 2)} ms); ` +
      `drain ${drain.distinct} deliveries in ${fixed(drainSeconds, 2)} s after the receiver came back (${resumed.released} held requests released first); ` +
      `steady ${steady.distinct} deliveries over ${fixed(steadySpan, 2)} s`,
  );
  out.push(
    `CPU, % of one core: ceiling — client ${pct(ceiling.cpu)}, receiver ${pct(ceiling.receiverCpu)}; ` +
      `drain — leadhook ${pct(drainCpuUse['leadhook'])}, receiver ${pct(drainCpuUse['receiver'])}; ` +
      `steady — leadhook ${pct(steadyCpuUse['leadhook'])}, receiver ${pct(steadyCpuUse['receiver'])}`,
  );
  for (const line of [commitLine(drainTrace, drainSeconds, 'the drain'), commitLine(steadyTrace, steadySpan, 'the steady phase')]) if (line !== null) out.push(line);
  out.push(...statementLines(drainTrace, drain.distinct, 'the drain'), ...statementLines(steadyTrace, steady.distinct, 'the steady phase'));
  out.push(...notes);
  for (const e of errors) out.push(`ERROR ${e}`);
  if (s.isProfileOn) out.push(`leadhook ran under --cpu-prof: rates are lower than without it`);
  return { text: out.join('\n'), hasErrors: errors.length > 0, windows: { steady: steadyWindow, drain: drainWindow } };
}
