/**
 * Bench child: leadhook as `leadhook serve` runs it (real SQLite file, WAL, synchronous=FULL; or
 * PostgreSQL when LEADHOOK_DATABASE_URL is set, as the PostgreSQL part of the bench does), on a
 * loopback port chosen by the OS, in a new temp data directory (or BENCH_DATA_DIR's, for the scale bench). Prints one JSON line, `{ url, dataDir, adminToken, sqlite }`, then
 * serves until SIGTERM (graceful close, so `--cpu-prof` can write its profile), SIGKILL, or until
 * the parent goes away (its end of stdin closes). On SIGUSR2 it prints `{ trace, pgQueries }`: commits,
 * requests per commit and time in BEGIN/SAVEPOINT/RELEASE/COMMIT since the previous SIGUSR2 (SQLite),
 * or the statements sent to PostgreSQL and their round-trip time (PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { SqliteStore } from '../src/storage/sqlite/store.js';
import { SYNCHRONOUS_OF } from '../src/storage/sqlite/commit-batcher.js';
import { traceExec, traceStatements } from './exec-trace.js';
import { tracePgQueries } from './pg-trace.js';

/** Fixed admin token of the bench server (loopback only, throwaway data directory). */
const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';


/** BENCH_DATA_DIR: serve an existing data directory (the scale bench's filled database), kept on exit. */
const keptDataDir = process.env['BENCH_DATA_DIR'];
const dataDir = keptDataDir !== undefined && keptDataDir !== '' ? keptDataDir : mkdtempSync(join(tmpdir(), 'leadhook-bench-'));

async function main(): Promise<void> {
  // The environment is read too, so LEADHOOK_COMMIT_BATCH_MAX=1 shows the cost without group commit.
  // Metrics on a free loopback port unless set: several bench children (and other programs) never collide on 9464.
  const config = loadConfig({ LEADHOOK_METRICS_LISTEN: '127.0.0.1:0', ...process.env }, { host: '127.0.0.1', port: 0, dataDir, adminToken: BENCH_ADMIN_TOKEN, logLevel: 'silent' });
  const server = await startServer(config, { logger: false });
  const store = server.store;
  // Experiments only (BENCH_SQLITE_PRAGMAS="cache_size=-65536;wal_autocheckpoint=4000"): try a setting
  // before proposing it for src/storage. The report prints them, so such a run is never mistaken for the default.
  const extraPragmas = (process.env['BENCH_SQLITE_PRAGMAS'] ?? '').split(';').map((p) => p.trim()).filter((p) => p !== '');
  if (store instanceof SqliteStore) for (const pragma of extraPragmas) store.db.pragma(pragma);
  const sqlite =
    store instanceof SqliteStore
      ? {
          journalMode: String(store.db.pragma('journal_mode', { simple: true })),
          // Switched per batch: FULL for webhooks and API writes, NORMAL for batches of delivery bookkeeping alone.
          synchronous: `${SYNCHRONOUS_OF.full} (${SYNCHRONOUS_OF.relaxed} for commits of delivery bookkeeping alone)`,
          commitBatchMax: config.commitBatchMax,
          sqliteVersion: String(store.db.prepare('select sqlite_version()').pluck().get()),
          extraPragmas,
        }
      : null;
  process.stdout.write(`${JSON.stringify({ url: server.url, dataDir, adminToken: BENCH_ADMIN_TOKEN, sqlite })}\n`);

  // SIGUSR2 = "print what the commits did since the last SIGUSR2" (one JSON line), for the report.
  const tracer = store instanceof SqliteStore ? traceExec(store.db) : null;
  const sqlTracer = store instanceof SqliteStore && process.env['BENCH_TRACE_SQL'] === '1' ? traceStatements(store.db) : null;
  // PostgreSQL: the statements sent (a counter per call; the PostgreSQL part reports them per webhook).
  const pgTracer = config.databaseUrl === null ? null : tracePgQueries(process.env['BENCH_PG_PREPARE'] === '1');
  process.on('SIGUSR2', () => {
    const trace = tracer === null ? null : { ...tracer.take(), statements: sqlTracer?.take() ?? null };
    process.stdout.write(`${JSON.stringify({ trace, pgQueries: pgTracer?.take() ?? null })}\n`);
  });

  let isStopping = false;
  const stop = (): void => {
    if (isStopping) return;
    isStopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`leadhook bench server: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop).resume();
}

main().catch((error: unknown) => {
  if (dataDir !== keptDataDir) rmSync(dataDir, { recursive: true, force: true });
  process.stderr.write(`leadhook bench server failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
