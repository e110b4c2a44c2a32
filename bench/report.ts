import type { CpuInfo } from 'node:os';
import type { PhaseResult } from './load.js';
import type { PayloadSpec } from './payloads.js';
import type { ExecTrace } from './exec-trace.js';
import type { DurabilityCheck } from './verify.js';

/** The issue's targets, for the main (Praetorian) line at 32 connections. */
export const TARGET_RATIO = 0.7;
export const TARGET_P99_MS = 25;

/** One payload family measured on both servers. */
export interface Measured {
  result: PhaseResult;
  serverCpu: number | null;
  loadgenCpu: number;
  trace?: ExecTrace | null;
}

export interface Line {
  payload: PayloadSpec;
  seconds: number;
  noop: Measured;
  leadhook: Measured;
  durability: DurabilityCheck;
}

export interface ReportInput {
  connections: number;
  warmupSeconds: number;
  node: string;
  cpus: CpuInfo[];
  /** % of all CPUs busy (other processes) during 0.5 s before the run. */
  busyAtStart: number;
  sqlite: { journalMode: string; synchronous: string; commitBatchMax: number; sqliteVersion: string; extraPragmas: string[] } | null;
  fsync: { p50: number; p99: number };
  /** How the leadhook child was stopped before its database was read. */
  leadhookStop: 'SIGKILL' | 'SIGTERM';
  lines: Line[];
}

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pct = (n: number | null): string => (n === null ? '-' : `${Math.round(n)}%`);

function row(cells: string[]): string {
  const widths = [10, 9, 9, 9, 9, 9, 12, 12, 13];
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 10) : c.padStart(widths[i] ?? 10))).join('');
}

function serverRow(name: string, m: Measured): string {
  const r = m.result;
  // CPU per request: what one webhook costs the server process, whatever the machine's speed.
  const usPerReq = m.serverCpu === null ? Number.NaN : ((m.serverCpu / 100) * 1e6) / r.rate;
  return row([name, fixed(r.rate, 0), fixed(r.p50, 2), fixed(r.p99, 2), fixed(r.max, 1), String(r.non2xx + r.errors), pct(m.serverCpu), fixed(usPerReq, 0), pct(m.loadgenCpu)]);
}

/** Problems that make the run an error (exit ≠ 0), as opposed to a missed target. */
function errorsOf(line: Line): string[] {
  const out: string[] = [];
  for (const [name, m] of [['no-op', line.noop], ['leadhook', line.leadhook]] as const) {
    const r = m.result;
    if (r.non2xx > 0) out.push(`${name}: ${r.non2xx} non-2xx answers ${JSON.stringify(r.badStatuses)}`);
    if (r.errors > 0) out.push(`${name}: ${r.errors} connection errors (${r.timeouts} timeouts)`);
    if (r.ok2xx === 0) out.push(`${name}: no 2xx answer at all`);
  }
  const d = line.durability;
  if (d.missing.length > 0) out.push(`leadhook: ${d.missing.length} acknowledged leads are not in the database (e.g. ${d.missing.slice(0, 3).join(', ')})`);
  return out;
}

/** How leadhook's group commit behaved: requests per COMMIT and the time the event loop spent in it. */
function traceLine(t: ExecTrace, seconds: number): string {
  const share = (ms: number): string => `${((ms / (seconds * 1000)) * 100).toFixed(1)}%`;
  const perJob = (t.execMsByKind['SAVEPOINT'] ?? 0) + (t.execMsByKind['RELEASE'] ?? 0);
  return (
    `leadhook group commit: ${t.commits} COMMITs (${t.relaxedCommits} without fsync) for ${t.jobs} write jobs (${fixed(t.jobs / t.commits, 1)} per COMMIT, max ${t.maxJobsPerCommit}); ` +
    `COMMIT p50 ${fixed(t.commitMs.p50, 2)} ms, p99 ${fixed(t.commitMs.p99, 2)} ms; event loop blocked in COMMIT ${share(t.commitMs.total)} ` +
    `and in per-request SAVEPOINT/RELEASE exec ${share(perJob)} of the phase`
  );
}

/** BENCH_TRACE_SQL=1: the statements leadhook ran, most expensive first, in µs per request. */
function statementLines(stats: NonNullable<ExecTrace['statements']>, requests: number): string[] {
  const rows = Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, v]) => a + v.ms, 0);
  return [
    `prepared statements (timed, BENCH_TRACE_SQL=1): ${fixed((total * 1000) / requests, 0)} µs per request in all`,
    ...rows.slice(0, 10).map(([sql, v]) => `  ${fixed((v.ms * 1000) / requests, 0).padStart(5)} µs/req  ${fixed(v.calls / requests, 2).padStart(5)} calls/req  ${sql}`),
  ];
}

/** Render the whole report; `hasErrors` is true when a line had non-2xx answers, socket errors or lost leads. */
export function formatReport(input: ReportInput): { text: string; hasErrors: boolean } {
  const out: string[] = [];
  const cpuModel = input.cpus[0]?.model.trim() ?? 'unknown CPU';
  const sq = input.sqlite;
  out.push('');
  out.push(`node ${input.node}, ${input.cpus.length} CPUs (${cpuModel}), ${process.platform}-${process.arch}; load generator: autocannon in the parent process, servers in child processes, 127.0.0.1`);
  out.push(
    sq === null
      ? 'leadhook store: not SQLite'
      : `leadhook SQLite ${sq.sqliteVersion}: journal_mode=${sq.journalMode.toUpperCase()}, synchronous=${sq.synchronous}, group commit up to ${sq.commitBatchMax} requests${sq.extraPragmas.length > 0 ? `; EXPERIMENT, extra pragmas: ${sq.extraPragmas.join('; ')}` : ''}; write+fsync of 4 KiB in the temp dir: p50 ${fixed(input.fsync.p50, 2)} ms, p99 ${fixed(input.fsync.p99, 2)} ms`,
  );
  out.push(
    `CPU busy before the run (other processes, 0.5 s sample): ${Math.round(input.busyAtStart)}%` +
      (input.busyAtStart >= 10 ? ' — BUSY MACHINE: others compete with both servers and the load generator; rates and ratios are noisy' : ''),
  );
  let hasErrors = false;
  input.lines.forEach((line, i) => {
    const avg = Math.round(line.leadhook.result.avgBodyBytes);
    out.push('');
    out.push(`ingest, ${input.connections} connections, ${line.seconds} s per server (after ${input.warmupSeconds} s warm-up), ${line.payload.label} (~${avg} B), one new lead per request`);
    out.push(row(['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'server CPU', 'CPU µs/req', 'loadgen CPU']));
    out.push(serverRow('no-op', line.noop));
    out.push(serverRow('leadhook', line.leadhook));
    const ratio = line.leadhook.result.rate / line.noop.result.rate;
    const p99 = line.leadhook.result.p99;
    const verdict = (ok: boolean): string => (ok ? 'OK' : 'MISSED');
    const isMain = i === 0;
    out.push(
      `ratio leadhook/no-op: ${fixed(ratio, 2)} (target ≥ ${TARGET_RATIO.toFixed(2)}${isMain ? `: ${verdict(ratio >= TARGET_RATIO)}` : ', informative'}); ` +
        `leadhook p99 ${fixed(p99, 1)} ms (target < ${TARGET_P99_MS} ms${isMain ? `: ${verdict(p99 < TARGET_P99_MS)}` : ', informative'})`,
    );
    const trace = line.leadhook.trace;
    if (trace !== null && trace !== undefined) {
      out.push(traceLine(trace, line.leadhook.result.seconds));
      if (trace.statements !== null && trace.statements !== undefined) out.push(...statementLines(trace.statements, trace.jobs));
    }
    const d = line.durability;
    out.push(
      `durable leads stored: ${d.stored} (2xx answers: ${d.acked}; acknowledged but missing: ${d.missing.length}; ` +
        `stored but unacknowledged, in flight when the load stopped: ${d.unacked}) — read from the file after ${input.leadhookStop} of the server`,
    );
    for (const problem of errorsOf(line)) {
      hasErrors = true;
      out.push(`ERROR ${problem}`);
    }
  });
  return { text: out.join('\n'), hasErrors };
}
