import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * The data directory and every file in it are the owner's only: the database and its WAL hold
 * source secrets and destination signing secrets, and the admin-token file opens the admin API.
 */
const PRIVATE_DIR_MODE = 0o700;
/** The mode leadhook creates its data files with. */
export const PRIVATE_FILE_MODE = 0o600;
/** Permission bits for the group and for others. */
const SHARED_BITS = 0o077;

/**
 * Create `dir` (and any missing parent) with mode 0700. A directory that already exists is left as
 * it is, since the operator may share it on purpose; the answer is then a warning to log when
 * others can reach into it, else null.
 */
export function ensurePrivateDir(dir: string): string | null {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & SHARED_BITS) === 0) return null;
  return `the data directory ${dir} is open to other users (mode ${mode.toString(8)}) and holds source secrets, signing secrets and the admin token: run chmod 700 ${dir}`;
}

/**
 * Take group and other permissions off `file` if it exists: leadhook's own files, created 0644 by
 * earlier versions, become 0600. Best effort: on a read-only filesystem the file stays as it is
 * (the store then reports the read-only fault itself). True when the file exists.
 */
export function tightenFile(file: string): boolean {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if ((mode & SHARED_BITS) === 0) return true;
  try {
    chmodSync(file, mode & ~SHARED_BITS);
  } catch (error) {
    if (!['EROFS', 'EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  return true;
}

/**
 * Create the SQLite database file 0600 before SQLite opens it (an existing one is tightened), and
 * tighten its -wal and -shm if they exist. SQLite creates -wal and -shm with the permissions of the
 * database file, so they come out 0600 as well.
 */
export function preparePrivateDatabaseFile(file: string): void {
  if (!tightenFile(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const suffix of ['-wal', '-shm']) tightenFile(`${file}${suffix}`);
}
