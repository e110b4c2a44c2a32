/**
 * Scale bench: the filled database, built once and kept in `bench/.data/scale-<leads>-s<schema>/`
 * (gitignored) with a `meta.json` that says what it holds. It is reused while the lead count, the
 * migrations (names and contents) and the fill generator's version match, and rebuilt otherwise.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { FILL_DATA_VERSION, FILL_SOURCES } from './scale-data.js';
import type { FillResult } from './scale-fill.js';

export interface CacheMeta {
  leads: number;
  schemaVersion: number;
  migrationsSha256: string;
  fillDataVersion: number;
  fill: FillResult;
  builtAt: string;
}

export interface ScaleCache {
  dir: string;
  /** `leadhook.db` inside `dir` (the bench serves `dir` as leadhook's data directory). */
  file: string;
  meta: CacheMeta;
  /** False when this run built it. */
  isReused: boolean;
}

/** Rough bytes per lead of a filled database (measured ~4 KB), with room for the WAL and the index build. */
const ESTIMATED_BYTES_PER_LEAD = 5000;

function migrationsDir(benchDir: string): string {
  return join(benchDir, '..', 'migrations', 'sqlite');
}

/** The latest migration number and a hash over every migration's name and contents. */
export function schemaFingerprint(benchDir: string): { schemaVersion: number; migrationsSha256: string } {
  const dir = migrationsDir(benchDir);
  const files = readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f}\n`).update(readFileSync(join(dir, f))).update('\n');
  return { schemaVersion: Number(files.at(-1)?.slice(0, 4) ?? 0), migrationsSha256: hash.digest('hex') };
}

function cacheDirOf(benchDir: string, leads: number, schemaVersion: number): string {
  return join(benchDir, '.data', `scale-${leads}-s${schemaVersion}`);
}

function readMeta(dir: string): CacheMeta | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
  } catch {
    return null;
  }
}

/** The cache for `leads` when it exists and matches the current schema and generator, else null. */
export function validCache(benchDir: string, leads: number): ScaleCache | null {
  const fp = schemaFingerprint(benchDir);
  const dir = cacheDirOf(benchDir, leads, fp.schemaVersion);
  const file = join(dir, 'leadhook.db');
  const meta = readMeta(dir);
  const isValid =
    meta !== null &&
    existsSync(file) &&
    meta.leads === leads &&
    meta.schemaVersion === fp.schemaVersion &&
    meta.migrationsSha256 === fp.migrationsSha256 &&
    meta.fillDataVersion === FILL_DATA_VERSION;
  return isValid ? { dir, file, meta, isReused: true } : null;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Run bench/scale-fill.ts in a child process (its progress goes to our stderr); resolves with its result. */
function runFill(benchDir: string, file: string, leads: number, timeoutMs: number): Promise<FillResult> {
  return new Promise<FillResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, 'scale-fill.ts'), file, String(leads)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const stopOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', stopOnExit);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the fill did not finish within ${Math.round(timeoutMs / 60000)} min`));
    }, timeoutMs);
    let result: FillResult | null = null;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const json = JSON.parse(line) as { fill?: FillResult };
        if (json.fill !== undefined) result = json.fill;
      } catch {
        // not ours
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', stopOnExit);
      if (result !== null && code === 0) resolve(result);
      else reject(new Error(`the fill exited (${signal ?? code}) without a result`));
    });
  });
}

/** Reuse the cached database for `leads`, or build it (removing stale caches of the same size first). */
export async function ensureCache(benchDir: string, leads: number, timeoutMs: number): Promise<ScaleCache> {
  const valid = validCache(benchDir, leads);
  if (valid !== null) return valid;
  const fp = schemaFingerprint(benchDir);
  const dir = cacheDirOf(benchDir, leads, fp.schemaVersion);
  const root = join(benchDir, '.data');
  mkdirSync(root, { recursive: true });
  for (const stale of readdirSync(root).filter((d) => d.startsWith(`scale-${leads}-`))) {
    progress(`removing stale scale cache ${join(root, stale)}`);
    rmSync(join(root, stale), { recursive: true, force: true });
  }
  const fs = statfsSync(root);
  const free = fs.bavail * fs.bsize;
  const needed = leads * ESTIMATED_BYTES_PER_LEAD;
  if (free < needed) {
    throw new Error(`the scale fill needs ~${(needed / 1e9).toFixed(1)} GB of disk in ${root}, ${(free / 1e9).toFixed(1)} GB free (lower BENCH_SCALE_LEADS or BENCH_SCALE=0)`);
  }
  mkdirSync(dir, { recursive: true });
  progress(`filling ${leads} leads into ${dir} (~${(needed / 1e9).toFixed(0)} GB; kept for later runs)`);
  const file = join(dir, 'leadhook.db');
  const fill = await runFill(benchDir, file, leads, timeoutMs);
  const meta: CacheMeta = { leads, ...fp, fillDataVersion: FILL_DATA_VERSION, fill, builtAt: new Date().toISOString() };
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return { dir, file, meta, isReused: false };
}

/** Bytes of the database file plus its WAL. */
export function databaseBytes(file: string): { db: number; wal: number } {
  const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
  return { db: size(file), wal: size(`${file}-wal`) };
}

/**
 * Put the cached database back to the fill alone: remove every source the bench added (and its
 * requests, leads, timeline, ledger rows, events and deliveries) and any destination, checkpoint
 * the WAL. Returns the lead count after it (the fill's, when all went well).
 */
export function resetCache(file: string): { leads: number; removedSources: number } {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const keep = Object.values(FILL_SOURCES).map((s) => s.id);
    const marks = keep.map(() => '?').join(', ');
    const extra = db.prepare(`SELECT id FROM sources WHERE id NOT IN (${marks})`).pluck().all(...keep) as string[];
    db.transaction(() => {
      for (const sourceId of extra) {
        db.prepare('DELETE FROM timeline WHERE lead_id IN (SELECT id FROM leads WHERE source_id = ?)').run(sourceId);
        db.prepare('DELETE FROM lead_events WHERE source_id = ?').run(sourceId);
        db.prepare('DELETE FROM leads WHERE source_id = ?').run(sourceId);
        db.prepare('DELETE FROM requests WHERE source_id = ?').run(sourceId);
        db.prepare('DELETE FROM sources WHERE id = ?').run(sourceId);
      }
      db.exec('DELETE FROM delivery_attempts; DELETE FROM deliveries; DELETE FROM events; DELETE FROM destinations;');
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { leads: db.prepare('SELECT count(*) FROM leads').pluck().get() as number, removedSources: extra.length };
  } finally {
    db.close();
  }
}
