import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { searchText, toLead } from './rows.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations/sqlite');

/**
 * Apply the numbered migrations (`migrations/sqlite/NNNN_name.sql`) the database has not seen,
 * each in its own transaction; `PRAGMA user_version` records the last one applied. A storage fault
 * (disk full, read-only, locked) rolls the migration back and is thrown as SQLite's error.
 * @param upTo the last migration to apply (tests build a database as an older leadhook left it); all by default.
 * @returns the numbers of the migrations applied now.
 */
export function migrateSqlite(db: Database.Database, upTo: number = Infinity): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  registerMigrationFunctions(db);
  const applied: number[] = [];
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (version <= current || version > upTo) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    // IMMEDIATE: take the write lock first (waiting the busy timeout if another process holds it)
    // rather than fail when a read transaction cannot be upgraded.
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
    applied.push(version);
  }
  return applied;
}

/**
 * Functions the migrations call: `leadhook_search_text(doc)` is the `q` search text of a stored lead
 * document (rows.ts searchText), so a migration can recompute it with JavaScript's lower-casing.
 */
function registerMigrationFunctions(db: Database.Database): void {
  db.function('leadhook_search_text', { deterministic: true }, (doc: unknown) => searchText(toLead(String(doc))));
}
