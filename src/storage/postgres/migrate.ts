import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations/postgres');

/**
 * Key of the advisory lock migrations run under (one per database, whatever the schema: extensions
 * such as pg_trgm are per database, so two schemas must not create one at the same moment either).
 */
export const MIGRATION_LOCK_KEY = 0x6c68_6d67; // "lhmg"

/**
 * Apply the numbered migrations (`migrations/postgres/NNNN_name.sql`) the schema has not seen, each
 * in its own transaction, recorded in `schema_migrations`. Runs under a session advisory lock, so
 * instances starting together migrate once: the others wait for the lock, then find nothing to do.
 * @returns the numbers of the migrations applied now.
 */
export async function migratePostgres(client: pg.ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort()) {
      const version = Number(file.slice(0, 4));
      if (done.has(version)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [version, file, new Date().toISOString()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      applied.push(version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}
