/**
 * The bench's hostile section: what one hostile webhook body costs leadhook, beside the normal
 * payload measured the same way in the same run. Each shape gets a fresh leadhook child (so its
 * peak memory is its own) and is sent `requests` times, one at a time; then the answers of
 * `GET /api/requests/:id` and `GET /api/requests` are sized. A benchmark, not a test: nothing fails on a figure.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startChild } from './child.js';
import { processCpuSeconds } from './cpu.js';
import { BASELINE_SHAPE, HOSTILE_SHAPES, type HostileShape } from './hostile-bodies.js';

export interface HostileSettings {
  /** Size of each hostile body, bytes (at most leadhook's body limit). */
  bytes: number;
  /** Hostile bodies sent per shape. */
  requests: number;
  /** Normal bodies sent for the baseline line. */
  baselineRequests: number;
  /** Longest wait for one answer, ms (before the fix, some shapes stalled the server for a minute). */
  timeoutMs: number;
  /** Only these shapes (by name); all when empty. */
  only: readonly string[];
}

interface LeadhookInfo {
  url: string;
  dataDir: string;
  adminToken: string;
}

/** What one shape cost, per request. */
interface ShapeCost {
  shape: HostileShape;
  bodyBytes: number;
  statuses: string;
  /** CPU time of the leadhook process per request, ms (its main thread does the parsing, mapping and SQL). */
  cpuMsPerRequest: number | null;
  wallMsPerRequest: number;
  maxWallMs: number;
  /** Growth of the database (pages in use × page size) per request, bytes. */
  dbBytesPerRequest: number;
  /** Peak resident memory of the process over its start-up, minus the resident memory before the first request. */
  peakRssGrowth: number | null;
  detailAnswerBytes: number | null;
  listAnswerBytes: number | null;
  listMs: number | null;
  /** Set when the child died or an answer never came. */
  failure: string | null;
}

/** `VmRSS` or `VmHWM` (peak) of `pid` in bytes, from /proc; null off Linux. */
function memoryOf(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Bytes of pages in use in leadhook's database (read through a read-only connection, WAL included). */
function databaseBytes(dataDir: string): number {
  const db = new Database(join(dataDir, 'leadhook.db'), { readonly: true, fileMustExist: true });
  try {
    const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    return pages * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = process.hrtime.bigint();
  const value = await work();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function answerBytes(url: string, token: string, timeoutMs: number): Promise<{ status: number; bytes: number }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
}

function credentialHeaders(shape: HostileShape, secret: string): Record<string, string> {
  return shape.provider === 'praetorian' ? { 'content-type': 'application/json', authorization: secret } : { 'content-type': 'application/json' };
}

/** Run one shape on a fresh leadhook child. */
async function measureShape(shape: HostileShape, requests: number, size: number, timeoutMs: number): Promise<ShapeCost> {
  const child = await startChild<LeadhookInfo>(`leadhook (${shape.name})`, join(import.meta.dirname, 'leadhook-server.ts'));
  const { url, dataDir, adminToken } = child.info;
  const cost: ShapeCost = {
    shape,
    bodyBytes: 0,
    statuses: '',
    cpuMsPerRequest: null,
    wallMsPerRequest: Number.NaN,
    maxWallMs: Number.NaN,
    dbBytesPerRequest: Number.NaN,
    peakRssGrowth: null,
    detailAnswerBytes: null,
    listAnswerBytes: null,
    listMs: null,
    failure: null,
  };
  try {
    const created = await fetch(`${url}/api/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: shape.provider, name: `bench hostile ${shape.name}` }),
    });
    const source = (await created.json()) as { webhookPath: string; secret: string };
    const pid = child.process.pid;
    const rssBefore = memoryOf(pid, 'VmRSS');
    const dbBefore = databaseBytes(dataDir);
    const cpuBefore = pid === undefined ? null : processCpuSeconds(pid);
    const statuses = new Map<number, number>();
    const walls: number[] = [];
    let lastRequestId: string | null = null;
    for (let n = 0; n < requests; n++) {
      const body = shape.body(n, size);
      cost.bodyBytes = body.length;
      const { value: res, ms } = await timed(() =>
        fetch(`${url}${source.webhookPath}`, { method: 'POST', headers: credentialHeaders(shape, source.secret), body, signal: AbortSignal.timeout(timeoutMs) }).then(async (r) => ({ status: r.status, json: (await r.json()) as { requestId?: string } })),
      );
      walls.push(ms);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      lastRequestId = res.json.requestId ?? lastRequestId;
    }
    const cpuAfter = pid === undefined ? null : processCpuSeconds(pid);
    cost.cpuMsPerRequest = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / requests;
    cost.wallMsPerRequest = walls.reduce((a, b) => a + b, 0) / requests;
    cost.maxWallMs = Math.max(...walls);
    cost.statuses = [...statuses].map(([s, c]) => `${c}×${s}`).join(' ');
    const peak = memoryOf(pid, 'VmHWM');
    cost.peakRssGrowth = peak === null || rssBefore === null ? null : peak - rssBefore;
    cost.dbBytesPerRequest = (databaseBytes(dataDir) - dbBefore) / requests;
    if (lastRequestId !== null) cost.detailAnswerBytes = (await answerBytes(`${url}/api/requests/${lastRequestId}`, adminToken, timeoutMs)).bytes;
    const list = await timed(() => answerBytes(`${url}/api/requests?limit=50`, adminToken, timeoutMs));
    cost.listAnswerBytes = list.value.status === 200 ? list.value.bytes : null;
    cost.listMs = list.ms;
  } catch (error) {
    const exited = child.process.exitCode !== null || child.process.signalCode !== null;
    cost.failure = exited ? `leadhook died (${child.process.signalCode ?? child.process.exitCode})` : error instanceof Error ? error.message : String(error);
  } finally {
    await child.stop('SIGTERM', 10_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return cost;
}

const kb = (n: number | null): string => (n === null || !Number.isFinite(n) ? '-' : `${(n / 1024).toFixed(0)}`);
const ms = (n: number | null): string => (n === null || !Number.isFinite(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(0));

function formatHostile(s: HostileSettings, costs: readonly ShapeCost[]): string {
  const head = ['shape', 'provider', 'body KB', 'answers', 'CPU ms/req', 'wall ms/req', 'max ms', 'db KB/req', 'db/body', 'peak RSS +MB', 'GET :id KB', 'GET list KB', 'list ms'];
  const widths = [16, 11, 8, 10, 11, 12, 8, 10, 8, 13, 11, 12, 8];
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('');
  const rows = costs.map((c) =>
    c.failure !== null
      ? `${line([c.shape.name, c.shape.provider, kb(c.bodyBytes)])}  FAILED: ${c.failure}`
      : line([
          c.shape.name,
          c.shape.provider,
          kb(c.bodyBytes),
          c.statuses,
          ms(c.cpuMsPerRequest),
          ms(c.wallMsPerRequest),
          ms(c.maxWallMs),
          kb(c.dbBytesPerRequest),
          c.bodyBytes > 0 ? (c.dbBytesPerRequest / c.bodyBytes).toFixed(2) : '-',
          c.peakRssGrowth === null ? '-' : (c.peakRssGrowth / 2 ** 20).toFixed(0),
          kb(c.detailAnswerBytes),
          kb(c.listAnswerBytes),
          ms(c.listMs),
        ]),
  );
  return [
    `hostile bodies: ${s.requests} per shape of ~${(s.bytes / 1024).toFixed(0)} KB (baseline: ${s.baselineRequests} normal bodies), one at a time, a fresh leadhook per shape`,
    line(head),
    ...rows,
  ].join('\n');
}

/** Measure the baseline and every hostile shape; the report text, and whether a shape failed. */
export async function runHostileBench(s: HostileSettings, progress: (message: string) => void): Promise<{ text: string; hasErrors: boolean }> {
  const costs: ShapeCost[] = [];
  progress(`hostile: baseline (${s.baselineRequests} normal bodies)`);
  costs.push(await measureShape(BASELINE_SHAPE, s.baselineRequests, s.bytes, s.timeoutMs));
  for (const shape of HOSTILE_SHAPES.filter((h) => s.only.length === 0 || s.only.includes(h.name))) {
    progress(`hostile: ${shape.name} (${s.requests} × ${(s.bytes / 1024).toFixed(0)} KB)`);
    costs.push(await measureShape(shape, s.requests, s.bytes, s.timeoutMs));
  }
  return { text: formatHostile(s, costs), hasErrors: costs.some((c) => c.failure !== null) };
}
