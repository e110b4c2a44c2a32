import { HubError } from './core/errors.js';

/** Errno codes of a file or directory leadhook cannot use (permissions, a read-only or missing volume). */
const FILE_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EEXIST', 'ELOOP']);

/** What each listen failure needs from the user. */
const LISTEN_FIXES: Record<string, string> = {
  EACCES: 'ports below 1024 need privileges: set PORT to 1024 or above and forward to it',
  EADDRNOTAVAIL: 'HOST is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0',
  ENOTFOUND: 'HOST does not resolve: set HOST to an address of this machine, or 0.0.0.0',
  EAI_AGAIN: 'HOST does not resolve: set HOST to an address of this machine, or 0.0.0.0',
};

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  message?: unknown;
}

/**
 * Any failure of `startServer` as the one HubError `leadhook serve` prints: its stable code, what
 * went wrong and the fix, on one line (a HubError passes unchanged). Unknown failures become
 * LH_E_STARTUP_FAILED with the error's own message, never a stack.
 */
export function toStartupError(error: unknown, where: { dataDir: string; host: string; port: number }): HubError {
  if (error instanceof HubError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SystemError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (e.syscall === 'listen' || e.syscall === 'bind' || e.syscall === 'getaddrinfo') {
    if (code === 'EADDRINUSE') return new HubError('LH_E_PORT_IN_USE', [where.port, where.host], { cause: error });
    return new HubError('LH_E_LISTEN_FAILED', [where.host, where.port, code || message, LISTEN_FIXES[code] ?? 'check HOST and PORT'], { cause: error });
  }
  // fs errors carry the path; SQLite's (SQLITE_CANTOPEN, SQLITE_READONLY…) say the file cannot be opened or written.
  if (FILE_ERRNOS.has(code) || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    const what = typeof e.path === 'string' && e.path !== where.dataDir ? `${code} on ${e.path}` : code;
    return new HubError('LH_E_DATA_DIR_UNUSABLE', [where.dataDir, what], { cause: error });
  }
  return new HubError('LH_E_STARTUP_FAILED', [code === '' ? message : `${code}: ${message}`], { cause: error });
}
