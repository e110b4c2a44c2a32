/**
 * Scale bench, fill child: `node --import tsx bench/scale-fill.ts <file> <leads>` writes <leads>
 * unique leads into a new SQLite file through leadhook's own write path: the provider adapters
 * authenticate, parse and normalize each request (as `receiveWebhook` does, without HTTP), and
 * `SqliteStore.ingest` stores it (commit batcher, apply-ingest, the same statements and triggers).
 * Only the connection differs from `leadhook serve`: `synchronous=OFF`, a 1 GiB page cache and
 * `temp_store=MEMORY` while filling (a crash mid-fill just means the cache is rebuilt), one COMMIT
 * per `FILL_BATCH` requests. The jobs are built on a worker thread (scale-fill-worker.ts).
 * Progress goes to stderr; the last stdout line is `{ fill: {...} }` (JSON).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ProviderId } from '../src/core/lead.js';
import { Worker } from 'node:worker_threads';
import type { IngestJob } from '../src/storage/port.js';
import { migrateSqlite } from '../src/storage/sqlite/migrate.js';
import { SqliteStore } from '../src/storage/sqlite/store.js';
import { FILL_SOURCES } from './scale-data.js';

/** Requests per COMMIT while filling. */
const FILL_BATCH = 2000;

export interface FillResult {
  leads: number;
  seconds: number;
  leadsPerSecond: number;
  /**
   * Only for a file filled at an older schema and migrated afterwards (the first 10M cache was filled
   * at schema 3, then migration 0004 backfilled its `q` index): the migrations and their time.
   */
  migrationSeconds?: number;
  migrationsApplied?: number[];
  /** Bytes of the database file (WAL checkpointed and truncated). */
  bytes: number;
  schemaVersion: number;
}

function progress(message: string): void {
  process.stderr.write(`bench scale fill: ${message}\n`);
}

export async function fill(file: string, total: number): Promise<FillResult> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 10000');
  migrateSqlite(db);
  const store = new SqliteStore(db, FILL_BATCH);
  const createdAt = new Date().toISOString();
  for (const [provider, s] of Object.entries(FILL_SOURCES) as [ProviderId, { id: string; secret: string }][]) {
    await store.createSource({ id: s.id, provider, name: `scale fill ${provider}`, urlToken: `wh_${s.id}`, secret: s.secret, defaultCountry: null, createdAt });
  }
  // Receipt times run up to a day ago, so leads ingested by the bench afterwards are the most recent.
  const end = Date.now() - 24 * 3600 * 1000;
  const started = process.hrtime.bigint();
  let lastReport = started;
  // Jobs are built on a worker thread, one batch ahead of the writes.
  const worker = new Worker(new URL('./scale-fill-worker.mjs', import.meta.url));
  const batches = new Map<number, { resolve: (jobs: IngestJob[]) => void; reject: (error: unknown) => void }>();
  worker.on('message', (m: { from: number; jobs: IngestJob[] }) => {
    batches.get(m.from)?.resolve(m.jobs);
    batches.delete(m.from);
  });
  worker.once('error', (error) => {
    for (const b of batches.values()) b.reject(error);
    batches.clear();
  });
  const request = (from: number): Promise<IngestJob[]> => {
    const jobs = new Promise<IngestJob[]>((resolve, reject) => batches.set(from, { resolve, reject }));
    worker.postMessage({ from, to: Math.min(total, from + FILL_BATCH), total, end });
    return jobs;
  };
  let next = request(0);
  for (let n = 0; n < total; n += FILL_BATCH) {
    const jobs = await next;
    if (n + FILL_BATCH < total) next = request(n + FILL_BATCH);
    const pending = jobs.map((job, i) =>
      store.ingest(job).then((result) => {
        if (result.items.length !== 1 || result.items[0]?.outcome !== 'created') {
          throw new Error(`fill lead ${n + i} was not created: ${JSON.stringify(result.items)}`);
        }
      }),
    );
    await Promise.all(pending);
    const now = process.hrtime.bigint();
    if (now - lastReport > 15_000_000_000n || n + FILL_BATCH >= total) {
      lastReport = now;
      const done = Math.min(total, n + FILL_BATCH);
      const s = Number(now - started) / 1e9;
      const eta = ((total - done) * s) / done;
      progress(`${done} of ${total} leads in ${s.toFixed(0)} s (${Math.round(done / s)}/s; about ${Math.ceil(eta / 60)} min left)`);
    }
  }
  await worker.terminate();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const count = db.prepare('SELECT count(*) FROM leads').pluck().get() as number;
  if (count !== total) throw new Error(`fill wrote ${count} leads, expected ${total}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  await store.close();
  return { leads: total, seconds, leadsPerSecond: total / seconds, bytes: statSync(file).size, schemaVersion };
}

if (process.argv[1]?.endsWith('scale-fill.ts') === true) {
  const [file, leads] = process.argv.slice(2);
  const total = Number(leads);
  if (file === undefined || !Number.isInteger(total) || total < 1) {
    process.stderr.write('usage: scale-fill.ts <file> <leads>\n');
    process.exit(2);
  }
  // The parent going away (its end of stdin closing) stops the fill.
  process.stdin.on('end', () => process.exit(3)).resume();
  fill(file, total).then(
    (result) => {
      process.stdout.write(`${JSON.stringify({ fill: result })}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      if (existsSync(file)) for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      process.stderr.write(`bench scale fill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
