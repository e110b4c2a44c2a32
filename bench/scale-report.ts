/** Scale bench: the one table (figures, targets, MET/MISSED) and the lines under it. */
import type { PhaseResult } from './load.js';
import type { ScaleCache } from './scale-cache.js';
import type { DurabilityCheck } from './verify.js';

/** The issue's targets for the scale part. */
export const SCALE_TARGET_RATIO = 0.8;
export const SCALE_TARGET_LOOKUP_P99_MS = 5;
export const SCALE_TARGET_RSS_MB = 200;

export type Rss = { maxMb: number; meanMb: number; hwmMb: number } | null;

export interface ScaleIngest {
  label: string;
  result: PhaseResult;
  serverCpu: number | null;
  loadgenCpu: number;
  rss: Rss;
  sourceId: string;
  durability: DurabilityCheck | null;
}

export interface LookupLine {
  label: string;
  /** null: informative, no target. */
  targetP99Ms: number | null;
  /** Requests/s the phase was paced at; null: as fast as the connections go; 0: first touch, one client, sequential. */
  pacedRate: number | null;
  result: { rate: number; p50: number; p99: number; max: number; completed: number; non2xx: number; errors: number; badStatuses: Record<string, number> };
  rss: Rss;
  serverCpu: number | null;
}

export interface QueryLine {
  label: string;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  plan: string;
}

export interface ScaleReportInput {
  leads: number;
  connections: number;
  seconds: number;
  lookupSeconds: number;
  lookupRate: number;
  busyAtStart: number;
  cache: ScaleCache;
  /** File and WAL bytes of the cached store holding the fill alone. */
  pristine: { db: number; wal: number };
  /** The same after the full-store phases (the bench's own leads still in it), and its lead count. */
  afterRun: { db: number; wal: number };
  leadsAfterRun: number;
  empty: ScaleIngest;
  full: ScaleIngest;
  lookups: LookupLine[];
  queries: QueryLine[];
  problems: string[];
}

const fixed = (n: number | null | undefined, digits: number): string => (n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');

function row(cells: [string, string, string, string]): string {
  return `${cells[0].padEnd(62)}${cells[1].padStart(36)}  ${cells[2].padEnd(20)}${cells[3]}`;
}

function ingestErrors(i: ScaleIngest): string[] {
  const out: string[] = [];
  const r = i.result;
  if (r.non2xx > 0) out.push(`${i.label}: ${r.non2xx} non-2xx answers ${JSON.stringify(r.badStatuses)}`);
  if (r.errors > 0) out.push(`${i.label}: ${r.errors} connection errors (${r.timeouts} timeouts)`);
  if (r.ok2xx === 0) out.push(`${i.label}: no 2xx answer at all`);
  const d = i.durability;
  if (d !== null && d.missing.length > 0) out.push(`${i.label}: ${d.missing.length} acknowledged leads are not in the database (e.g. ${d.missing.slice(0, 3).join(', ')})`);
  return out;
}

export function formatScaleReport(input: ScaleReportInput): { text: string; hasErrors: boolean } {
  const out: string[] = [];
  const { empty, full, cache } = input;
  const m = cache.meta;
  const ratio = full.result.rate / empty.result.rate;
  const perLeadPristine = (input.pristine.db + input.pristine.wal) / input.leads;
  const perLeadAfter = (input.afterRun.db + input.afterRun.wal) / input.leadsAfterRun;
  const rssMax = Math.max(full.rss?.maxMb ?? 0, ...input.lookups.map((l) => l.rss?.maxMb ?? 0));
  out.push('');
  out.push(
    `scale, ${thousands(input.leads)} leads (Praetorian 40 %, Anarock 30 %, LeadPro 20 %, CasaYes 10 %, each with a unique phone and e-mail), ` +
      `${input.connections} connections, ingest ${input.seconds} s per store, lookups ${input.lookupSeconds} s each (paced at ${thousands(input.lookupRate)}/s, then unpaced)`,
  );
  out.push(
    `store: ${cache.file} (${cache.isReused ? `reused, built ${m.builtAt}` : 'built by this run'}): fill ${fixed(m.fill.seconds / 60, 1)} min ` +
      `(${thousands(m.fill.leadsPerSecond)} leads/s through SqliteStore.ingest)` +
      (m.fill.migrationsApplied !== undefined && m.fill.migrationsApplied.length > 0
        ? `, then migration ${m.fill.migrationsApplied.join(', ')} on the filled file in ${fixed(m.fill.migrationSeconds, 0)} s`
        : '') +
      `; schema ${m.schemaVersion}`,
  );
  out.push(
    `CPU busy before the run (other processes, 0.5 s sample): ${Math.round(input.busyAtStart)}%` +
      (input.busyAtStart >= 10 ? ' — BUSY MACHINE: rates, ratios and latencies are noisy' : ''),
  );
  out.push('');
  out.push(row(['what', 'figure', 'target', 'verdict']));
  const ingestFigure = (i: ScaleIngest): string => `${thousands(i.result.rate)} req/s, p99 ${fixed(i.result.p99, 1)} ms`;
  out.push(row([`ingest, empty store (p50 ${fixed(empty.result.p50, 1)} ms)`, ingestFigure(empty), '', '']));
  out.push(row([`ingest, ${thousands(input.leads)}-lead store (p50 ${fixed(full.result.p50, 1)} ms)`, ingestFigure(full), '', '']));
  out.push(row(['ingest rate, full store / empty store', fixed(ratio, 2), `≥ ${SCALE_TARGET_RATIO.toFixed(2)}`, verdict(ratio >= SCALE_TARGET_RATIO)]));
  for (const l of input.lookups) {
    const isFirstTouch = l.pacedRate === 0;
    const fig = `p99 ${fixed(l.result.p99, 2)} ms (p50 ${fixed(l.result.p50, 2)})${isFirstTouch ? '' : `, ${thousands(l.result.rate)}/s`}`;
    const how = isFirstTouch
      ? `first touch, 1 client (${l.result.completed} leads)`
      : l.pacedRate === null
        ? `${input.connections} conns, unpaced`
        : `${thousands(l.pacedRate)}/s over ${input.connections} conns`;
    out.push(row([`${l.label}, ${how}`, fig, l.targetP99Ms === null ? 'none (informative)' : `p99 < ${l.targetP99Ms} ms`, l.targetP99Ms === null ? '' : verdict(l.result.p99 < l.targetP99Ms)]));
  }
  out.push(row(['database size per lead, as filled (file, WAL empty)', `${thousands(perLeadPristine)} B (${fixed(input.pristine.db / 1e9, 1)} GB)`, 'none (informative)', '']));
  out.push(
    row([
      'database size per lead, after the run (file + WAL)',
      `${thousands(perLeadAfter)} B (${fixed((input.afterRun.db + input.afterRun.wal) / 1e9, 1)} GB)`,
      'none (informative)',
      '',
    ]),
  );
  out.push(row(['leadhook RSS, full store, under load (max)', `${fixed(rssMax, 0)} MB`, `< ${SCALE_TARGET_RSS_MB} MB`, verdict(rssMax < SCALE_TARGET_RSS_MB)]));
  out.push(row(['leadhook RSS, empty store, under ingest (max)', `${fixed(empty.rss?.maxMb, 0)} MB`, 'none (informative)', '']));
  for (const q of input.queries) out.push(row([`  1 client: ${q.label}`, `p99 ${fixed(q.p99, 2)} ms (p50 ${fixed(q.p50, 2)})`, 'none (informative)', '']));
  out.push('');
  const cpu = (i: ScaleIngest): string => (i.serverCpu === null ? '-' : `${Math.round(i.serverCpu)}% (${Math.round(((i.serverCpu / 100) * 1e6) / i.result.rate)} µs/req)`);
  out.push(`leadhook CPU during ingest: empty store ${cpu(empty)}, full store ${cpu(full)}; loadgen ${Math.round(empty.loadgenCpu)}% / ${Math.round(full.loadgenCpu)}%`);
  out.push(
    `RSS detail (max / mean MB): ingest empty ${fixed(empty.rss?.maxMb, 0)} / ${fixed(empty.rss?.meanMb, 0)}, ingest full ${fixed(full.rss?.maxMb, 0)} / ${fixed(full.rss?.meanMb, 0)}` +
      input.lookups
        .filter((l) => l.rss !== null)
        .map((l) => `, ${l.label.replace('GET /api/leads', '')}${l.pacedRate === null ? ' unpaced' : ''} ${fixed(l.rss?.maxMb, 0)} / ${fixed(l.rss?.meanMb, 0)}`)
        .join('') +
      `; VmHWM of the full-store server ${fixed(input.lookups.filter((l) => l.rss !== null).at(-1)?.rss?.hwmMb ?? full.rss?.hwmMb, 0)} MB`,
  );
  for (const i of [empty, full]) {
    const d = i.durability;
    if (d !== null) out.push(`durable leads stored, ${i.label}: ${d.stored} (2xx answers: ${d.acked}; acknowledged but missing: ${d.missing.length}) — read from the file after SIGKILL`);
  }
  out.push('query plans (EXPLAIN QUERY PLAN of the listLeads statement):');
  for (const q of input.queries) out.push(`  ${q.label}: ${q.plan}`);
  let hasErrors = false;
  for (const problem of [...ingestErrors(empty), ...ingestErrors(full), ...input.problems]) {
    hasErrors = true;
    out.push(`ERROR ${problem}`);
  }
  for (const l of input.lookups) {
    if (l.result.non2xx > 0 || l.result.errors > 0) {
      hasErrors = true;
      out.push(`ERROR ${l.label}: ${l.result.non2xx} non-2xx ${JSON.stringify(l.result.badStatuses)}, ${l.result.errors} connection errors`);
    }
  }
  for (const q of input.queries) {
    if (q.non2xx > 0) {
      hasErrors = true;
      out.push(`ERROR ${q.label}: ${q.non2xx} non-2xx answers`);
    }
  }
  return { text: out.join('\n'), hasErrors };
}
