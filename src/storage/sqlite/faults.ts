import { closeSync, openSync, statfsSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ErrorCode } from '../../core/errors.js';
import { FaultEpisodes, SILENT_LOG, type StorageLog } from '../fault-episodes.js';

/** What is wrong with storage, in words an operator acts on. */
export type StorageFaultKind = 'disk_full' | 'read_only' | 'locked' | 'io_error' | 'cant_open' | 'corrupt' | 'unavailable';

export interface StorageFault {
  kind: StorageFaultKind;
  /** The stable code clients get (HTTP 503). */
  code: ErrorCode;
  /** SQLite's extended result code, e.g. SQLITE_IOERR_WRITE; null when the error is not SQLite's. */
  sqliteCode: string | null;
  /** One line naming the fault, without paths (shown by GET /health). */
  summary: string;
  /** The connection cannot be trusted any more: close it (releasing the files) and open a new one. */
  needsReopen: boolean;
}

export { SILENT_LOG, type StorageLog } from '../fault-episodes.js';

/** Below this much free space a disk-full episode is not over, even if a small write got through. */
export const DISK_FULL_HEADROOM_BYTES = 1024 * 1024;

/** SQLite result codes that mean "storage cannot take writes now" (not a bug in a statement). */
const FAULT_PREFIXES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_NOMEM', 'SQLITE_PROTOCOL', 'SQLITE_NOLFS'];

function sqliteCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'SqliteError') return null;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** Whether `error` is a SQLite error that storage faults cause (disk, lock, I/O), not a bad statement. */
export function isSqliteFault(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && FAULT_PREFIXES.some((p) => code === p || code.startsWith(`${p}_`));
}

/**
 * Try to create (and remove) an empty file in `dir`: the errno it fails with (EROFS, EACCES,
 * ENOSPC…), or null when it works. `access(W_OK)` is not enough: a filesystem that ext4 turned
 * read-only after an error still passes it, and root passes every permission check.
 */
function createFails(dir: string): string | null {
  const probe = join(dir, `.leadhook-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : (code ?? 'unknown');
  }
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** Free bytes on the filesystem holding `dir`, or null when it cannot be read. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function isFull(dir: string): boolean {
  const free = freeBytes(dir);
  return free !== null && free < DISK_FULL_HEADROOM_BYTES;
}

/**
 * Name the storage fault behind `error`. SQLite's code is read first; I/O and open errors, which
 * SQLite reports the same whatever the cause, are told apart by looking at the data directory
 * (read-only filesystem, no space left).
 */
export function classifyStorageError(error: unknown, file: string): StorageFault {
  const code = sqliteCode(error);
  const dir = dirname(file);
  const fault = (kind: StorageFaultKind, errorCode: ErrorCode, summary: string, needsReopen: boolean): StorageFault => ({
    kind,
    code: errorCode,
    sqliteCode: code,
    summary,
    needsReopen,
  });
  const diskFull = () => fault('disk_full', 'LH_E_STORE_FULL', "disk full: no space left on the data directory's filesystem", false);
  const readOnly = (errno: string | null) =>
    fault(
      'read_only',
      'LH_E_STORE_READONLY',
      errno === 'EROFS'
        ? "read-only: the data directory's filesystem is read-only"
        : errno === null
          ? 'read-only: the database file cannot be written'
          : `read-only: the data directory cannot be written (${errno})`,
      true,
    );
  // Not SQLite's (e.g. "The database connection is not open"): the log carries the error itself.
  if (code === null) return fault('unavailable', 'LH_E_STORE_UNAVAILABLE', 'storage error: the database connection failed', true);
  if (code === 'SQLITE_FULL') return diskFull();
  if (code.startsWith('SQLITE_READONLY')) return readOnly(createFails(dir));
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return fault('locked', 'LH_E_STORE_LOCKED', 'database locked by another process: a write waited longer than the busy timeout', false);
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    const errno = createFails(dir);
    if (errno !== null && !NO_SPACE.has(errno)) return readOnly(errno);
    if (errno !== null || isFull(dir)) return diskFull();
    if (code.startsWith('SQLITE_CANTOPEN')) {
      return fault('cant_open', 'LH_E_STORE_UNAVAILABLE', 'cannot open the database file: it is missing or the data directory is not accessible', true);
    }
    return fault('io_error', 'LH_E_STORE_UNAVAILABLE', `I/O error on the database (${code})`, true);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return fault('corrupt', 'LH_E_STORE_UNAVAILABLE', `the database file is corrupt (${code})`, false);
  }
  return fault('unavailable', 'LH_E_STORE_UNAVAILABLE', `storage error (${code})`, false);
}

/**
 * The SQLite store's fault episodes ({@link FaultEpisodes}): its errors classified against the data
 * directory of `file`; a disk-full episode outlasts a write while the filesystem still has less
 * than DISK_FULL_HEADROOM_BYTES free (a small write can fit where the next one would not).
 */
export class StorageFaults extends FaultEpisodes<StorageFault> {
  constructor(file: string, log: StorageLog = SILENT_LOG) {
    super(
      {
        classify: (error) => classifyStorageError(error, file),
        logContext: (fault) => ({ sqliteCode: fault.sqliteCode, database: file }),
        outlastsWrite: (fault) => fault.kind === 'disk_full' && isFull(dirname(file)),
      },
      log,
    );
  }
}
