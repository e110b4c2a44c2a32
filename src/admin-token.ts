import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecret } from './core/ids.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenFile } from './private-files.js';

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
 * (mode 0600, the directory 0700) for later starts and for the CLI. A stored token file others can
 * read (an earlier version's) is made 0600.
 */
export function resolveAdminToken(configured: string | null, dataDir: string): AdminToken {
  if (configured !== null) return { token: configured, isNew: false, file: null };
  const file = adminTokenFile(dataDir);
  if (existsSync(file)) {
    tightenFile(file);
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, isNew: false, file };
  }
  ensurePrivateDir(dataDir);
  const token = `lh_${newSecret()}`;
  writeFileSync(file, `${token}\n`, { mode: PRIVATE_FILE_MODE });
  return { token, isNew: true, file };
}

/** The admin token's name in the shared database's `settings` table (PostgreSQL). */
export const ADMIN_TOKEN_SETTING = 'admin_token';

/**
 * With a database several instances share (PostgreSQL): the configured token, else the one stored in
 * the database, else a new one stored there. Instances starting together agree on one (the first
 * stored wins), so every instance accepts it; the data directory holds no token.
 */
export async function resolveSharedAdminToken(
  configured: string | null,
  settings: { sharedSetting(name: string, make: () => string): Promise<{ value: string; isNew: boolean }> },
): Promise<AdminToken> {
  if (configured !== null) return { token: configured, isNew: false, file: null };
  const { value, isNew } = await settings.sharedSetting(ADMIN_TOKEN_SETTING, () => `lh_${newSecret()}`);
  return { token: value, isNew, file: null };
}
