import pg from 'pg';
import { NulSafeClient, nulSafeTypes } from './nul-text.js';

/** Where the PostgreSQL store lives. */
export interface PgConnectionOptions {
  /** `postgres://user:password@host:port/database` (LEADHOOK_DATABASE_URL). */
  url: string;
  /** Schema the tables live in (the connection's search_path); the URL's or the server's default when absent. Tests use one per file. */
  schema?: string;
  /** Connections in the pool. */
  max?: number;
  /** Longest statement, ms: past it PostgreSQL cancels it (57014) and the store reports a timeout fault. */
  statementTimeoutMs?: number;
  /** Longest wait for a connection, ms: past it the store reports PostgreSQL unreachable. */
  connectTimeoutMs?: number;
  /** The connections' application_name (pg_stat_activity); default `leadhook`. */
  applicationName?: string;
}

const DEFAULT_POOL_MAX = 20;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** `url` without its password, for logs and messages. */
export function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return '(not a URL)';
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
}

/** A schema name quoted as an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What every connection runs first: its schema, and commits that wait for the disk (whatever the server's default). */
function sessionSetup(options: PgConnectionOptions): string {
  const setup = ['SET synchronous_commit = on'];
  if (options.schema !== undefined) setup.push(`SET search_path = ${quoteIdent(options.schema)}`);
  return setup.join('; ');
}

/** A session setting as a startup `-c name=value` option (libpq escapes spaces and backslashes with a backslash). */
function startupSetting(name: string, value: string): string {
  return `-c ${name}=${value.replace(/[\\ ]/g, (c) => `\\${c}`)}`;
}

/**
 * Settings of one connection (the pool's, and a dedicated client's, e.g. for LISTEN). The session
 * setup travels in the startup packet's `options` (after the URL's own `options`, such as a
 * search_path), so every connection has it before its first query, without a query of its own.
 */
export function clientConfig(options: PgConnectionOptions): pg.ClientConfig {
  const url = URL.canParse(options.url) ? new URL(options.url) : null;
  const startup = [url?.searchParams.get('options') ?? '', startupSetting('synchronous_commit', 'on')];
  if (options.schema !== undefined) startup.push(startupSetting('search_path', quoteIdent(options.schema)));
  // The URL's parameters would override `options` given beside it: it is merged here instead.
  url?.searchParams.delete('options');
  return {
    connectionString: url?.toString() ?? options.url,
    options: startup.filter((o) => o !== '').join(' '),
    types: nulSafeTypes,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'leadhook',
  };
}

/** Run the session setup on a client that was just connected (before any query it is handed out for). */
export async function prepareClient(client: pg.Client | pg.PoolClient, options: PgConnectionOptions): Promise<void> {
  await client.query(sessionSetup(options));
}

/**
 * A pool of connections to `options.url`. Each connection starts with its search_path set to
 * `schema` and `synchronous_commit = on` (see clientConfig). A connection that breaks is dropped by
 * the pool, which opens new ones on demand: nothing else is needed to recover once PostgreSQL is
 * back. Errors of idle connections (a server restart) are passed to `onIdleError` rather than
 * crashing the process.
 */
export function createPool(options: PgConnectionOptions, onIdleError: (error: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options), Client: NulSafeClient, max: options.max ?? DEFAULT_POOL_MAX, idleTimeoutMillis: 30_000 });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Run `work` in one transaction on one connection of `pool`: BEGIN, then COMMIT when it resolves,
 * ROLLBACK when it throws (and the error is rethrown). A connection whose ROLLBACK fails is
 * destroyed rather than returned to the pool. A transaction PostgreSQL had aborted without `work`
 * noticing (COMMIT answers ROLLBACK) throws rather than pretending to commit.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    const commit = await client.query('COMMIT');
    if (commit.command === 'ROLLBACK') throw new Error('the transaction was aborted by an earlier error and rolled back');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
