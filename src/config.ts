import { resolve } from 'node:path';
import { HubError } from './core/errors.js';

/** Everything leadhook reads from its environment, validated once at startup. */
export interface Config {
  /** TCP port of the HTTP server (`PORT`). */
  port: number;
  /** Interface to bind (`HOST`). */
  host: string;
  /** Where the SQLite file and the generated admin token live (`LEADHOOK_DATA_DIR`). */
  dataDir: string;
  /** Admin API token (`LEADHOOK_ADMIN_TOKEN`); null = generate on first start and keep in dataDir. */
  adminToken: string | null;
  /** Largest accepted webhook body in bytes (`LEADHOOK_BODY_LIMIT`). */
  bodyLimit: number;
  /** Public base URL providers reach leadhook at, used to print full webhook URLs (`LEADHOOK_PUBLIC_URL`). */
  publicUrl: string | null;
  /** pino log level (`LEADHOOK_LOG_LEVEL`). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Most requests committed in one transaction (`LEADHOOK_COMMIT_BATCH_MAX`). */
  commitBatchMax: number;
}

interface Setting {
  env: string;
  default: string;
  help: string;
}

/** Every environment variable with its default: `leadhook --help` prints this table. */
export const SETTINGS: Record<keyof Config, Setting> = {
  port: { env: 'PORT', default: '8080', help: 'HTTP port' },
  host: { env: 'HOST', default: '0.0.0.0', help: 'interface to bind' },
  dataDir: { env: 'LEADHOOK_DATA_DIR', default: './data', help: 'data directory (SQLite file, admin token)' },
  adminToken: { env: 'LEADHOOK_ADMIN_TOKEN', default: '', help: 'admin API token; generated and stored in the data dir when unset' },
  bodyLimit: { env: 'LEADHOOK_BODY_LIMIT', default: '1048576', help: 'largest webhook body, bytes' },
  publicUrl: { env: 'LEADHOOK_PUBLIC_URL', default: '', help: 'public base URL, to print full webhook URLs' },
  logLevel: { env: 'LEADHOOK_LOG_LEVEL', default: 'info', help: 'fatal|error|warn|info|debug|trace|silent' },
  commitBatchMax: { env: 'LEADHOOK_COMMIT_BATCH_MAX', default: '512', help: 'most requests per group commit' },
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Read and validate the configuration. Throws LH_E_CONFIG_INVALID listing every bad key.
 * This is the only module that reads the environment.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const problems: string[] = [];
  const get = (key: keyof Config): string => {
    const v = env[SETTINGS[key].env];
    return v === undefined || v.trim() === '' ? SETTINGS[key].default : v.trim();
  };
  const int = (key: keyof Config, min: number, max: number): number => {
    const raw = get(key);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${SETTINGS[key].env}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
      return Number(SETTINGS[key].default);
    }
    return n;
  };
  const logLevel = get('logLevel');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LEADHOOK_LOG_LEVEL=${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  const publicUrl = get('publicUrl');
  if (publicUrl !== '' && !/^https?:\/\/[^\s/]+/i.test(publicUrl)) problems.push(`LEADHOOK_PUBLIC_URL=${JSON.stringify(publicUrl)} must be an http(s) URL`);
  const adminToken = get('adminToken');
  if (adminToken !== '' && adminToken.length < 16) problems.push('LEADHOOK_ADMIN_TOKEN must be at least 16 characters');
  const config: Config = {
    port: int('port', 0, 65535),
    host: get('host'),
    dataDir: resolve(get('dataDir')),
    adminToken: adminToken === '' ? null : adminToken,
    bodyLimit: int('bodyLimit', 1024, 64 * 1024 * 1024),
    publicUrl: publicUrl === '' ? null : publicUrl.replace(/\/+$/, ''),
    logLevel: (LOG_LEVELS as readonly string[]).includes(logLevel) ? (logLevel as Config['logLevel']) : 'info',
    commitBatchMax: int('commitBatchMax', 1, 10000),
    ...overrides,
  };
  if (problems.length > 0) throw new HubError('LH_E_CONFIG_INVALID', [problems.join('; ')]);
  return Object.freeze(config);
}
