import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HubError } from './core/errors.js';
import { preparePrivateDatabaseFile, tightenFile } from './private-files.js';

/** The lock file in the data directory: an empty SQLite database, never deleted. */
export const LOCK_FILE = 'leadhook.lock';
/** Beside it, only to name the holder in the refusal; the lock itself is SQLite's. */
const OWNER_FILE = 'leadhook.lock.pid';

/**
 * One `leadhook serve` per data directory. The lock is SQLite's own exclusive lock (a POSIX
 * `fcntl` lock) on a dedicated lock database held in an open `BEGIN EXCLUSIVE`: the kernel drops
 * it when the process ends, however it ends (SIGKILL, OOM, power loss), so a crash never blocks
 * the restart, and it holds across containers and hosts that share the directory with working locks.
 */
export interface DataDirLock {
  /** Whether the lock is held now. */
  readonly isHeld: boolean;
  /** Let go (closing the lock file, so nothing on the volume stays open); safe to call twice. */
  release(): void;
  /** Take the lock again after release(); throws LH_E_DATA_DIR_IN_USE when another server took it meanwhile. */
  reacquire(): void;
}

/**
 * Take the data directory's lock, or throw LH_E_DATA_DIR_IN_USE (another leadhook serves it) or
 * LH_E_DATA_DIR_UNUSABLE (the lock file cannot be created or opened).
 */
export function lockDataDir(dataDir: string): DataDirLock {
  let db: Database.Database | null = null;
  const take = (): void => {
    db = openLocked(dataDir);
    writeOwner(dataDir);
  };
  take();
  return {
    get isHeld() {
      return db !== null;
    },
    release() {
      if (db === null) return;
      const held = db;
      db = null;
      // Never throws: it runs on a volume gone read-only too, where neither can write.
      try {
        rmSync(join(dataDir, OWNER_FILE), { force: true });
      } catch {
        // left behind: informational only, overwritten by the next holder
      }
      try {
        held.close();
      } catch {
        // the file is closed either way; the kernel drops its lock with it
      }
    },
    reacquire() {
      if (db === null) take();
    },
  };
}

function openLocked(dataDir: string): Database.Database {
  const file = join(dataDir, LOCK_FILE);
  let db: Database.Database;
  try {
    // 0600 like every file in the data directory; SQLite gives its journal the same mode.
    preparePrivateDatabaseFile(file);
    tightenFile(`${file}-journal`);
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw unusable(dataDir, error);
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      const owner = readOwner(dataDir);
      throw new HubError('LH_E_DATA_DIR_IN_USE', [dataDir, owner === null ? '' : ` (pid ${owner})`], { cause: error });
    }
    throw unusable(dataDir, error);
  }
}

function unusable(dataDir: string, error: unknown): HubError {
  const reason = (error as { code?: unknown }).code ?? (error instanceof Error ? error.message : String(error));
  return new HubError('LH_E_DATA_DIR_UNUSABLE', [dataDir, String(reason)], { cause: error });
}

function writeOwner(dataDir: string): void {
  try {
    const owner = join(dataDir, OWNER_FILE);
    writeFileSync(owner, `${process.pid}\n`, { mode: 0o600 });
    tightenFile(owner);
  } catch {
    // informational only: the refusal then names no pid
  }
}

function readOwner(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, OWNER_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Storage faults during which the store has closed its database files (see StorageFault.needsReopen). */
const FILES_CLOSED_FAULTS = new Set(['read_only', 'io_error', 'cant_open']);

/** How often the storage status is looked at; a release lets an operator unmount the volume. */
export const LOCK_FOLLOW_INTERVAL_MS = 250;

/**
 * While the store has let go of its files (a volume forced read-only, an I/O error), the lock lets
 * go too, so the volume can be unmounted and repaired; it is taken again once storage is healthy.
 * If another server took the directory meanwhile, `onLost` is called (this one should stop).
 * Returns the stop function.
 */
export function followStorageFaults(
  lock: DataDirLock,
  storageStatus: () => { status: string; fault?: string },
  onLost: (error: HubError) => void,
): () => void {
  const timer = setInterval(() => {
    const status = storageStatus();
    if (status.status !== 'ok') {
      if (status.fault !== undefined && FILES_CLOSED_FAULTS.has(status.fault)) lock.release();
      return;
    }
    if (lock.isHeld) return;
    try {
      lock.reacquire();
    } catch (error) {
      if (error instanceof HubError && error.code === 'LH_E_DATA_DIR_IN_USE') {
        clearInterval(timer);
        onLost(error);
      }
      // any other failure: storage is not usable after all; tried again at the next tick
    }
  }, LOCK_FOLLOW_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
