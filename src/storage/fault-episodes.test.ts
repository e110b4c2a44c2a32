import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HubError } from '../core/errors.js';
import { FaultEpisodes, type EpisodeFault, type StorageLog } from './fault-episodes.js';
import { classifyPgError, PgFaults } from './postgres/faults.js';

interface Line {
  level: 'error' | 'warn' | 'info';
  obj: object;
  msg: string;
}

function recordingLog(): { log: StorageLog; lines: Line[] } {
  const lines: Line[] = [];
  const log: StorageLog = {
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
  };
  return { log, lines };
}

const full: EpisodeFault = { kind: 'disk_full', code: 'LH_E_STORE_FULL', summary: 'disk full' };
const down: EpisodeFault = { kind: 'unavailable', code: 'LH_E_STORE_UNAVAILABLE', summary: 'down' };

/** Episodes whose classifier reads the fault off the error's message ('full' or anything else). */
function episodes(log: StorageLog, outlasts = false): FaultEpisodes<EpisodeFault> {
  return new FaultEpisodes<EpisodeFault>(
    {
      classify: (error) => ((error as Error).message === 'full' ? full : down),
      logContext: (fault) => ({ extra: fault.kind }),
      outlastsWrite: (fault) => outlasts && fault.kind === 'disk_full',
    },
    log,
  );
}

describe('storage fault episodes (shared by the SQLite and PostgreSQL stores)', () => {
  it('logs the first failure, a change of fault and the recovery once each, however many operations fail', () => {
    const { log, lines } = recordingLog();
    const faults = episodes(log);
    for (let i = 0; i < 50; i++) faults.failed(new Error('down'));
    const { fault, error } = faults.failed(new Error('full'), 3);
    assert.equal(fault.kind, 'disk_full');
    assert.equal(error.code, 'LH_E_STORE_FULL');
    assert.equal(faults.status().status, 'failing');
    assert.equal(faults.wrote('a write committed'), true);
    assert.deepEqual(
      lines.map((l) => l.level),
      ['error', 'error', 'info'],
    );
    assert.match(lines[2]!.msg, /53 storage operations .* failed meanwhile/);
    assert.deepEqual(faults.status(), { status: 'ok' });
  });

  it('counts an operation refused with a storage error of its own in the episode under way', () => {
    const { log, lines } = recordingLog();
    const faults = episodes(log);
    faults.failed(new Error('down'));
    const refusal = faults.refusal();
    assert.equal(faults.failed(refusal).error, refusal);
    faults.wrote('probe');
    assert.match(lines.at(-1)!.msg, /2 storage operations/);
  });

  it('keeps a fault that outlasts writes until a write proves it over', () => {
    const faults = episodes(recordingLog().log, true);
    faults.failed(new Error('full'));
    assert.equal(faults.wrote('a small write fitted'), false);
    assert.equal(faults.current?.kind, 'disk_full');
    assert.equal(faults.wrote('a probe with headroom', true), true);
    assert.equal(faults.current, null);
  });

  it('names PostgreSQL faults by SQLSTATE and socket errno, and keeps a full disk past ordinary writes', () => {
    const pgError = (code: string) => Object.assign(new Error('pg'), { code });
    assert.equal(classifyPgError(pgError('ECONNREFUSED'))?.kind, 'unavailable');
    assert.equal(classifyPgError(pgError('57P01'))?.kind, 'unavailable');
    assert.equal(classifyPgError(pgError('57014'))?.kind, 'timeout');
    assert.equal(classifyPgError(pgError('53100'))?.code, 'LH_E_STORE_FULL');
    assert.equal(classifyPgError(new Error('Connection terminated unexpectedly'))?.kind, 'unavailable');
    assert.equal(classifyPgError(pgError('23505')), null, 'a unique violation is a bug, not a fault');
    const faults = new PgFaults();
    faults.failed(pgError('53100'));
    assert.equal(faults.wrote('a small write'), false);
    assert.equal(faults.wrote('the space probe', true), true);
    faults.failed(pgError('57014'));
    assert.equal(faults.wrote('a write'), true);
    // An error that is no pg fault still answers with a storage code (the connection failed somehow).
    assert.equal(faults.failed(new HubError('LH_E_STORE_UNAVAILABLE', ['the store is closed'])).fault.kind, 'unavailable');
  });
});
