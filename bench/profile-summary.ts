/**
 * Summarise V8 `.cpuprofile` files (from `node --cpu-prof`): where the leadhook child spent its
 * CPU, by area (package or src folder) and by function, self and inclusive time.
 * Also runnable alone: `node --import tsx bench/profile-summary.ts <dir-or-file>`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Monotonic clock, µs: the same clock as `process.hrtime` in any process on the machine. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock in µs (`process.hrtime.bigint() / 1000n`). */
export interface TimeWindow {
  startUs: number;
  endUs: number;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function where(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith('/') ? relative(repoRoot, path) : path;
}

/** The area a frame belongs to: an npm package, a src/ folder, node internals, or a V8 pseudo-frame. */
function areaOf(frame: ProfileNode['callFrame']): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : `(native) ${frame.functionName}`;
  const path = where(frame.url);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg !== null) return pkg[1] as string;
  if (path.startsWith('node:')) return 'node internals';
  const src = /^(src\/[^/]+(?:\/[^/]+)?)\//.exec(path);
  return src !== null ? (src[1] as string) : path;
}

function keyOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  // tsx-compiled modules report line 0 for everything; a line is only worth printing when known.
  return frame.lineNumber > 0 ? `${name}  ${where(frame.url)}:${frame.lineNumber + 1}` : `${name}  ${where(frame.url)}`;
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}

/** Text summary of one profile, restricted to the samples taken inside `window` when given. */
export function summarizeProfile(profile: CpuProfile, window: TimeWindow | null, n = 15): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window !== null && (at < window.startUs || at > window.endUs)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;

  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  // Inclusive time: walk the call tree, counting a function once per stack even when it recurses.
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    const key = keyOf(node.callFrame);
    const self = selfUs.get(id) ?? 0;
    if (node.callFrame.functionName !== '(idle)') {
      selfByFn.set(key, (selfByFn.get(key) ?? 0) + self);
      selfByArea.set(areaOf(node.callFrame), (selfByArea.get(areaOf(node.callFrame)) ?? 0) + self);
    }
    const isNew = !onStack.has(key);
    if (isNew) onStack.add(key);
    let sum = self;
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (isNew) {
      onStack.delete(key);
      if (!key.startsWith('(root)') && !key.startsWith('(idle)')) inclusiveByFn.set(key, (inclusiveByFn.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root !== undefined) walk(root.id, new Set());

  if (total === 0) return 'profile: no sample in the measured window';
  return [
    `profile${window === null ? '' : ' of the measured leadhook phase'}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)}%), idle ${(idle / 1e6).toFixed(1)} s; shares below are of busy time`,
    'self time by area:',
    ...top(selfByArea, busy, n),
    'self time by function:',
    ...top(selfByFn, busy, n),
    'inclusive time by function:',
    ...top(inclusiveByFn, busy, n),
  ].join('\n');
}

/** Summary of the main thread's `.cpuprofile` in `dirOrFile` (or of that file). */
export function summarizeProfiles(dirOrFile: string, window: TimeWindow | null = null): string {
  const files = statSync(dirOrFile).isDirectory()
    ? readdirSync(dirOrFile)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(dirOrFile, f))
        .sort((a, b) => statSync(b).size - statSync(a).size)
    : [dirOrFile];
  if (files.length === 0) return `no .cpuprofile in ${dirOrFile}`;
  // Loader worker threads (tsx) write small profiles of their own; the largest is the main thread.
  const main = files[0] as string;
  return [`CPU profile of the leadhook child: ${main}`, summarizeProfile(JSON.parse(readFileSync(main, 'utf8')) as CpuProfile, window)].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2];
  if (target === undefined) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <dir-or-.cpuprofile>\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(`${summarizeProfiles(target)}\n`);
  }
}
