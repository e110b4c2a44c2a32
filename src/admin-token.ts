import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecret } from './core/ids.js';

export interface AdminToken {
  token: string;
  /** True when this call generated the token (it should be printed once). */
  isNew: boolean;
  /** Where a generated token is kept; null when it comes from the environment. */
  file: string | null;
}

/** The admin token file inside the data directory. */
export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/**
 * The configured token, else the one stored in the data directory, else a new one written there
 * (mode 0600) for later starts and for the CLI.
 */
export function resolveAdminToken(configured: string | null, dataDir: string): AdminToken {
  if (configured !== null) return { token: configured, isNew: false, file: null };
  const file = adminTokenFile(dataDir);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, isNew: false, file };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `lh_${newSecret()}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, isNew: true, file };
}
