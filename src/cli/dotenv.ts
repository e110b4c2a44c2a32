import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { HubError } from '../core/errors.js';

/**
 * Read `.env` from the working directory into `env`, for `leadhook serve` and every CLI command.
 * Precedence: a flag, then the real environment, then `.env`, then the default: a variable already
 * set in the environment (even to an empty string) is never replaced. The syntax is Node's own
 * (`util.parseEnv`, as `node --env-file`): `KEY=value`, `# comments`, quotes, `export KEY=value`.
 * No file is fine; one that cannot be read is LH_E_CONFIG_INVALID. Returns the keys it set.
 *
 * @example loadDotEnv('/srv/leadhook') // ['LEADHOOK_DATA_DIR'] when .env sets it and the shell does not
 */
export function loadDotEnv(dir: string = process.cwd(), env: Record<string, string | undefined> = process.env): string[] {
  const file = resolve(dir, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new HubError('LH_E_CONFIG_INVALID', [`cannot read ${file} (${code ?? String(error)}); fix its permissions or remove it`], { cause: error });
  }
  const set: string[] = [];
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || Object.hasOwn(env, key)) continue;
    env[key] = value;
    set.push(key);
  }
  return set;
}
