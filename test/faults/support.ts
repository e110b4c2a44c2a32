import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Run a system command; throws with its stderr when it fails. */
export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): boolean {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** Why tmpfs faults cannot run here (not root, or mount refused), or null when they can. */
export function tmpfsSkipReason(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root to mount tmpfs';
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-mountcheck-'));
  try {
    if (!tryRun('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])) return 'needs root to mount tmpfs (mount was refused)';
    tryRun('umount', [dir]);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why the ext4 read-only fault cannot run here, or null when it can. */
export function ext4SkipReason(): string | null {
  const tmpfs = tmpfsSkipReason();
  if (tmpfs !== null) return tmpfs;
  for (const tool of ['mkfs.ext4', 'e2fsck', 'losetup']) {
    if (!tryRun('sh', ['-c', `command -v ${tool}`])) return `needs ${tool} (e2fsprogs, util-linux)`;
  }
  if (!existsSync('/dev/loop-control')) return 'needs loop devices (/dev/loop-control)';
  return null;
}

/** A small tmpfs mounted on a fresh directory: its own disk that a test can fill. */
export function mountTmpfs(sizeBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadhook-tmpfs-'));
  sh('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  return dir;
}

/** Unmount (lazily when still busy) and remove the mount point. Never throws: it runs in `after`. */
export function unmountAndRemove(dir: string): void {
  if (tryRun('mountpoint', ['-q', dir]) && !tryRun('umount', [dir])) tryRun('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Fill the filesystem of `dir` to the last byte with one file; returns its path. */
export function fillDisk(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Free bytes on the filesystem of `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** An ext4 filesystem in a file, loop-mounted with `errors=remount-ro` (what a disk error does to it). */
export interface Ext4Volume {
  image: string;
  dir: string;
  /** Mount the image on `dir` (again). */
  mount(): void;
  /** Make the kernel record a filesystem error: ext4 then forces the filesystem read-only, open files included. */
  forceReadOnly(): void;
  isReadOnly(): boolean;
  /** umount; throws (EBUSY) while a process keeps files open on it. */
  umount(): void;
  /** e2fsck -fy the image (after umount), as an operator repairs it. */
  fsck(): void;
  /** Unmount if mounted, detach the loop device, remove image and mount point. Never throws. */
  destroy(): void;
}

export function createExt4Volume(sizeBytes: number): Ext4Volume {
  const base = mkdtempSync(join(tmpdir(), 'leadhook-ext4-'));
  const image = join(base, 'volume.img');
  const dir = join(base, 'data');
  sh('truncate', ['-s', String(sizeBytes), image]);
  sh('mkfs.ext4', ['-q', '-F', image]);
  sh('mkdir', ['-p', dir]);
  const device = () => sh('findmnt', ['-no', 'SOURCE', dir]).trim();
  const volume: Ext4Volume = {
    image,
    dir,
    mount: () => void sh('mount', ['-o', 'loop,errors=remount-ro', image, dir]),
    forceReadOnly: () => {
      const name = basename(device());
      sh('sh', ['-c', `echo 1 > /sys/fs/ext4/${name}/trigger_fs_error`]);
    },
    isReadOnly: () => {
      const options = sh('findmnt', ['-no', 'OPTIONS', dir]).trim().split(',');
      return options.includes('ro') || options.includes('emergency_ro');
    },
    umount: () => void sh('umount', [dir]),
    fsck: () => {
      try {
        sh('e2fsck', ['-fy', image]);
      } catch (error) {
        // 1: errors corrected, 2: corrected, reboot advised (not for a file image)
        const status = (error as { status?: number }).status;
        if (status !== 1 && status !== 2) throw error;
      }
    },
    destroy: () => {
      if (tryRun('mountpoint', ['-q', dir]) && !tryRun('umount', [dir])) tryRun('umount', ['-l', dir]);
      for (const line of (() => {
        try {
          return sh('losetup', ['-j', image]).split('\n');
        } catch {
          return [];
        }
      })()) {
        const dev = line.split(':')[0];
        if (dev) tryRun('losetup', ['-d', dev]);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
  volume.mount();
  return volume;
}

/** Another process holding SQLite's write lock on a database (BEGIN EXCLUSIVE) until released. */
export interface LockHolder {
  release(): Promise<void>;
  kill(): void;
}

export async function holdWriteLock(file: string): Promise<LockHolder> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.env.LOCK_FILE);
    db.pragma('busy_timeout = 10000');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => {
      db.exec('ROLLBACK');
      db.close();
      process.stdout.write('released\\n');
      process.exit(0);
    });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, LOCK_FILE: file }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('locked\n')) resolve();
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => reject(new Error(`lock holder exited (${code}) before locking: ${out}`)));
  });
  return {
    release: async () => {
      child.stdin?.write('release\n');
      const code = await exited;
      if (code !== 0) throw new Error(`lock holder exited ${code}: ${out}`);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** One pino line of the server's log. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The JSON lines of a pino log (other output, like the admin token banner, is skipped). */
export function logLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut by a read in progress
    }
  }
  return lines;
}

/** A Praetorian lead with a message of `messageBytes`, so storing it needs several pages. */
export function bigLead(id: string, messageBytes: number): unknown {
  return {
    id,
    url: 'https://example.com/form/',
    created: '2024-03-01T10:00:00Z',
    data: { first_name: 'Fault', last_name: id, email: `${id}@example.com`, phone: '+1 415 555 2671', message: `${id}:`.padEnd(messageBytes, 'm') },
  };
}
