import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { HubError } from '../../core/errors.js';
import { CommitBatcher } from './commit-batcher.js';

/** synchronous as SQLite reports it: 1 = NORMAL, 2 = FULL. */
const NORMAL = 1;
const FULL = 2;

describe('CommitBatcher on a real SQLite file', () => {
  let dir: string;
  let db: Database.Database;
  let batcher: CommitBatcher;
  let commits = 0;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadhook-batcher-'));
    db = new Database(join(dir, 'batcher.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    batcher = new CommitBatcher(
      {
        connection: () => db,
        failed: (error) => new HubError('LH_E_STORE_UNAVAILABLE', [String(error)]),
        committed: () => {
          commits++;
        },
        watching: false,
      },
      64,
    );
  });

  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const syncNow = (): number => db.pragma('synchronous', { simple: true }) as number;
  const insert = (k: string) => (): number => {
    db.prepare('INSERT INTO t (k) VALUES (?)').run(k);
    return syncNow();
  };

  it('commits a batch of only relaxed jobs with synchronous=NORMAL (no fsync) and a default job with FULL', async () => {
    assert.equal(await batcher.run(insert('relaxed-1'), 'relaxed'), NORMAL);
    assert.equal(await batcher.run(insert('full-1')), FULL);
    assert.equal(await batcher.run(insert('relaxed-2'), 'relaxed'), NORMAL);
    const rows = db.prepare('SELECT k FROM t ORDER BY k').pluck().all();
    assert.deepEqual(rows, ['full-1', 'relaxed-1', 'relaxed-2']);
  });

  it('commits a batch mixing relaxed and full jobs with FULL, in one COMMIT', async () => {
    const before = commits;
    const seen = await Promise.all([batcher.run(insert('mixed-r1'), 'relaxed'), batcher.run(insert('mixed-f')), batcher.run(insert('mixed-r2'), 'relaxed')]);
    assert.deepEqual(seen, [FULL, FULL, FULL]);
    assert.equal(commits - before, 1);
  });

  it('rolls back only the job that threw, keeping the others of its batch', async () => {
    const results = await Promise.allSettled([
      batcher.run(insert('kept-1')),
      batcher.run(() => {
        db.prepare('INSERT INTO t (k) VALUES (?)').run('undone');
        throw new Error('this job fails');
      }),
      batcher.run(insert('kept-2'), 'relaxed'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const rows = db.prepare("SELECT k FROM t WHERE k IN ('kept-1', 'undone', 'kept-2') ORDER BY k").pluck().all();
    assert.deepEqual(rows, ['kept-1', 'kept-2']);
  });
});
