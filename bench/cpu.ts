import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './load.js';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) used so far by `pid`, or null off Linux. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Measures CPU use of a child (via /proc) and of this process over a phase, as % of one core. */
export function cpuMeter(childPid: number | undefined): () => { server: number | null; loadgen: number } {
  const startWall = process.hrtime.bigint();
  const startSelf = process.cpuUsage();
  const startChild = childPid === undefined ? null : processCpuSeconds(childPid);
  return () => {
    const wall = Number(process.hrtime.bigint() - startWall) / 1e9;
    const self = process.cpuUsage(startSelf);
    const endChild = childPid === undefined ? null : processCpuSeconds(childPid);
    const server = startChild === null || endChild === null ? null : ((endChild - startChild) / wall) * 100;
    return { server, loadgen: ((self.user + self.system) / 1e6 / wall) * 100 };
  };
}

/** Median and p99 of `rounds` write+fsync pairs of 4 KiB in the temp directory, ms. */
export function measureFsync(rounds = 50): { p50: number; p99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-bench-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      writeSync(fd, page, 0, page.length, (i % 16) * 4096);
      fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

function cpuTotals(): { idle: number; all: number } {
  let idle = 0;
  let all = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    all += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, all };
}

/** Share (%) of all CPUs that other processes kept busy over `ms` before the run starts. */
export async function machineBusy(ms = 500): Promise<number> {
  const a = cpuTotals();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = cpuTotals();
  const all = b.all - a.all;
  return all <= 0 ? 0 : (1 - (b.idle - a.idle) / all) * 100;
}
