import { resolve } from 'node:path';
import { HubError } from './core/errors.js';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from './core/retry-policy.js';
import { parseListenAddress, type ListenAddress } from './metrics/listen-address.js';

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
  /** Delays before each delivery attempt, ms (`LEADHOOK_RETRY_SCHEDULE`, e.g. `0,5s,5m`). */
  retryScheduleMs: readonly number[];
  /** Time a receiver has to answer, ms (`LEADHOOK_DELIVERY_TIMEOUT_MS`). */
  deliveryTimeoutMs: number;
  /** Allow destinations on loopback, private and link-local addresses (`LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1`). */
  allowPrivateDestinations: boolean;
  /** A destination failing this many days when a delivery gives up is disabled (`LEADHOOK_DISABLE_AFTER_DAYS`). */
  disableAfterDays: number;
  /** Hours the previous signing secret keeps signing after a rotation (`LEADHOOK_SECRET_OVERLAP_HOURS`). */
  secretOverlapHours: number;
  /** Sends in flight at once (`LEADHOOK_DELIVERY_CONCURRENCY`). */
  deliveryConcurrency: number;
  /** Time one evaluation of a destination rule may take before it fails closed, ms (`LEADHOOK_RULE_TIMEOUT_MS`). */
  ruleTimeoutMs: number;
  /** Most destinations that can exist at once (`LEADHOOK_MAX_DESTINATIONS`). */
  maxDestinations: number;
  /**
   * On SIGTERM/SIGINT, the longest wait for in-flight requests and deliveries, ms
   * (`LEADHOOK_SHUTDOWN_GRACE_MS`); then open connections are closed and unfinished sends aborted.
   */
  shutdownGraceMs: number;
  /**
   * IANA time zone a plain date in a lead date filter is read in (`LEADHOOK_TIMEZONE`, e.g.
   * `Asia/Kolkata`): `firstSeenSince=2026-12-01` starts at midnight there.
   */
  timeZone: string;
  /**
   * Where Prometheus metrics are served, apart from the API (`LEADHOOK_METRICS_LISTEN`, `host:port`);
   * null (`off`) serves none. Loopback by default, so they are never public by accident.
   */
  metricsListen: ListenAddress | null;
  /**
   * PostgreSQL to store everything in (`LEADHOOK_DATABASE_URL`, `postgres://…`), for several
   * instances on one database; null = SQLite in the data directory.
   */
  databaseUrl: string | null;
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
  retryScheduleMs: { env: 'LEADHOOK_RETRY_SCHEDULE', default: '0,5s,5m,30m,2h,5h,10h,10h', help: 'delay before each delivery attempt (ms, s, m, h)' },
  deliveryTimeoutMs: { env: 'LEADHOOK_DELIVERY_TIMEOUT_MS', default: '15000', help: 'time a destination has to answer, ms' },
  allowPrivateDestinations: { env: 'LEADHOOK_ALLOW_PRIVATE_DESTINATIONS', default: '0', help: '1 allows destinations on loopback/private/link-local addresses' },
  disableAfterDays: { env: 'LEADHOOK_DISABLE_AFTER_DAYS', default: '5', help: 'disable a destination failing this many days' },
  secretOverlapHours: { env: 'LEADHOOK_SECRET_OVERLAP_HOURS', default: '24', help: 'hours the old signing secret still signs after rotation' },
  deliveryConcurrency: { env: 'LEADHOOK_DELIVERY_CONCURRENCY', default: '64', help: 'delivery requests in flight at once' },
  ruleTimeoutMs: { env: 'LEADHOOK_RULE_TIMEOUT_MS', default: '100', help: 'time one destination rule evaluation may take, ms; then it fails closed' },
  maxDestinations: { env: 'LEADHOOK_MAX_DESTINATIONS', default: '100', help: 'most destinations that can exist at once' },
  shutdownGraceMs: { env: 'LEADHOOK_SHUTDOWN_GRACE_MS', default: '25000', help: 'on SIGTERM, longest wait for in-flight requests and deliveries, ms' },
  timeZone: { env: 'LEADHOOK_TIMEZONE', default: 'UTC', help: 'IANA time zone of plain dates in date filters and replay, and of times the CLI prints (e.g. Asia/Kolkata)' },
  metricsListen: { env: 'LEADHOOK_METRICS_LISTEN', default: '127.0.0.1:9464', help: 'host:port of GET /metrics (Prometheus), apart from the API; off disables' },
  databaseUrl: { env: 'LEADHOOK_DATABASE_URL', default: '', help: 'postgres:// URL: store in PostgreSQL (several instances may share it); unset = SQLite in the data dir' },
};

function schedule(text: string, problems: string[]): readonly number[] {
  try {
    return Object.freeze(parseRetrySchedule(text));
  } catch (error) {
    problems.push(`LEADHOOK_RETRY_SCHEDULE: ${error instanceof Error ? error.message : String(error)}`);
    return DEFAULT_RETRY_SCHEDULE_MS;
  }
}

function flag(text: string, name: string, problems: string[]): boolean {
  if (['1', 'true', 'yes'].includes(text.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(text.toLowerCase())) return false;
  problems.push(`${name}=${JSON.stringify(text)} must be 1 or 0`);
  return false;
}

/** `text` when it names an IANA time zone this runtime knows (`UTC`, `Asia/Kolkata`); else a problem, and UTC. */
function timeZone(text: string, problems: string[]): string {
  if (isTimeZone(text)) return text;
  problems.push(`LEADHOOK_TIMEZONE=${JSON.stringify(text)} must be an IANA time zone such as UTC, Europe/London or Asia/Kolkata`);
  return 'UTC';
}

/** Whether `name` is an IANA time zone name the runtime's Intl knows (`UTC`, `Asia/Kolkata`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

/** A `host:port` or `off` (null); else a problem, and off. */
function listenAddress(text: string, problems: string[]): ListenAddress | null {
  try {
    return parseListenAddress(text);
  } catch (error) {
    problems.push(`LEADHOOK_METRICS_LISTEN=${JSON.stringify(text)} ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

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
  const databaseUrl = get('databaseUrl');
  if (databaseUrl !== '' && !(/^postgres(ql)?:\/\/\S+$/i.test(databaseUrl) && URL.canParse(databaseUrl))) problems.push('LEADHOOK_DATABASE_URL must be a postgres:// or postgresql:// URL');
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
    retryScheduleMs: schedule(get('retryScheduleMs'), problems),
    deliveryTimeoutMs: int('deliveryTimeoutMs', 100, 120_000),
    allowPrivateDestinations: flag(get('allowPrivateDestinations'), 'LEADHOOK_ALLOW_PRIVATE_DESTINATIONS', problems),
    disableAfterDays: int('disableAfterDays', 1, 365),
    secretOverlapHours: int('secretOverlapHours', 0, 24 * 30),
    deliveryConcurrency: int('deliveryConcurrency', 1, 1024),
    ruleTimeoutMs: int('ruleTimeoutMs', 10, 10_000),
    maxDestinations: int('maxDestinations', 1, 10_000),
    shutdownGraceMs: int('shutdownGraceMs', 0, 3_600_000),
    timeZone: timeZone(get('timeZone'), problems),
    metricsListen: listenAddress(get('metricsListen'), problems),
    databaseUrl: databaseUrl === '' ? null : databaseUrl,
    ...overrides,
  };
  if (problems.length > 0) throw new HubError('LH_E_CONFIG_INVALID', [problems.join('; ')]);
  return Object.freeze(config);
}

/** What the CLI needs to reach a running leadhook (`leadhook sources …`, `leads …`, `requests …`). */
export interface ClientConfig {
  /** Base URL of the server, no trailing slash: `--url`, else `LEADHOOK_URL`, else `http://127.0.0.1:${PORT}`. */
  url: string;
  /** Admin token: `--token`, else `LEADHOOK_ADMIN_TOKEN`; null = read the token file in `dataDir`. */
  adminToken: string | null;
  /** The server's data directory (`LEADHOOK_DATA_DIR`), where a generated admin token is kept. */
  dataDir: string;
  /** IANA time zone the CLI prints times in: `--tz`, else `LEADHOOK_TIMEZONE`, else UTC. */
  timeZone: string;
}

/** Variables only the CLI reads; `leadhook --help` prints them after SETTINGS. */
export const CLIENT_SETTINGS: Record<'url', Setting> = {
  url: { env: 'LEADHOOK_URL', default: 'http://127.0.0.1:$PORT', help: 'server the CLI commands talk to' },
};

/**
 * Resolve the CLI's connection settings with pg-boss precedence: flag > env > file (the token file
 * is read by the caller, from `dataDir`). Throws LH_E_CONFIG_INVALID for a URL that is not http(s).
 *
 * @example loadClientConfig(process.env, { url: 'http://127.0.0.1:9000' }) // { url: 'http://127.0.0.1:9000', adminToken: null, dataDir: '/srv/data' }
 */
export function loadClientConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: { url?: string | undefined; token?: string | undefined; tz?: string | undefined } = {},
): Readonly<ClientConfig> {
  const value = (name: string): string | null => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? null : v;
  };
  const flagUrl = flags.url?.trim() || null;
  const envUrl = value(CLIENT_SETTINGS.url.env);
  let url: string;
  let from: string;
  if (flagUrl !== null) [url, from] = [flagUrl, '--url'];
  else if (envUrl !== null) [url, from] = [envUrl, CLIENT_SETTINGS.url.env];
  else [url, from] = [`http://127.0.0.1:${value(SETTINGS.port.env) ?? SETTINGS.port.default}`, SETTINGS.port.env];
  if (!/^https?:\/\/[^\s/]+/i.test(url) || !URL.canParse(url)) {
    throw new HubError('LH_E_CONFIG_INVALID', [`${from} gives ${JSON.stringify(url)}, which is not an http(s) URL`]);
  }
  const flagTz = flags.tz?.trim() || null;
  const timeZone = flagTz ?? value(SETTINGS.timeZone.env) ?? SETTINGS.timeZone.default;
  if (!isTimeZone(timeZone)) {
    const origin = flagTz !== null ? '--tz' : SETTINGS.timeZone.env;
    throw new HubError('LH_E_CONFIG_INVALID', [`${origin} gives ${JSON.stringify(timeZone)}, which is not an IANA time zone such as UTC, Europe/London or Asia/Kolkata`]);
  }
  return Object.freeze({
    url: url.replace(/\/+$/, ''),
    adminToken: flags.token?.trim() || value(SETTINGS.adminToken.env),
    dataDir: resolve(value(SETTINGS.dataDir.env) ?? SETTINGS.dataDir.default),
    timeZone,
  });
}
