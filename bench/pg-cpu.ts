/**
 * PostgreSQL's own CPU during a bench phase (Linux /proc only): the backends that serve the leadhook
 * children's connections, found by matching the children's local TCP ports with
 * `pg_stat_activity.client_port`, and, for context, every `postgres` process of the machine (the
 * whole cluster, WAL writer and checkpointer included, and whatever else uses the shared cluster).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type pg from 'pg';
import { processCpuSeconds } from './cpu.js';

/** CPU used over a phase, % of one core; null off Linux. */
export interface PostgresCpu {
  /** The backends of the leadhook children's connections. */
  backends: number | null;
  /** Every `postgres` process: the cluster, including its other users. */
  cluster: number | null;
}

/** Local TCP ports of the sockets process `pid` holds open (its connections to PostgreSQL among them). */
export function localTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(match[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9] as string)) ports.push(parseInt((f[1] as string).split(':').at(-1) as string, 16));
    }
  }
  return ports;
}

/** CPU seconds so far of every process named `postgres`, by pid. */
function postgresProcesses(): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const seconds = processCpuSeconds(Number(name));
    if (seconds !== null) out.set(Number(name), seconds);
  }
  return out;
}

/** Backend pids serving connections that `pids` opened. */
async function backendsOf(admin: pg.Client, pids: readonly number[]): Promise<number[]> {
  const ports = pids.flatMap(localTcpPorts);
  if (ports.length === 0) return [];
  const rows = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND pid <> pg_backend_pid()', [ports]);
  return rows.rows.map((r) => r.pid);
}

/**
 * Start measuring PostgreSQL's CPU on behalf of the processes `childPids`; the returned function
 * ends the measurement. Backends are looked up at both ends (the pool may open connections during
 * the phase; one opened meanwhile counts from its start).
 */
export async function postgresCpuMeter(admin: pg.Client, childPids: readonly number[]): Promise<() => Promise<PostgresCpu>> {
  const before = postgresProcesses();
  const backendsBefore = await backendsOf(admin, childPids);
  const t0 = performance.now();
  return async () => {
    const wall = (performance.now() - t0) / 1000;
    const after = postgresProcesses();
    const backends = new Set([...backendsBefore, ...(await backendsOf(admin, childPids))]);
    if (after.size === 0) return { backends: null, cluster: null };
    const used = (pid: number): number => (after.get(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0);
    const share = (seconds: number): number => (seconds / wall) * 100;
    return {
      backends: share([...backends].reduce((a, pid) => a + used(pid), 0)),
      cluster: share([...after.keys()].reduce((a, pid) => a + used(pid), 0)),
    };
  };
}
