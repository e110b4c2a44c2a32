import type Database from 'better-sqlite3';

/** Time spent in the commit batcher's transaction statements, and how many requests each COMMIT carried. */
export interface ExecTrace {
  commits: number;
  /** COMMITs of batches that held only delivery bookkeeping (`synchronous=NORMAL`: no fsync). */
  relaxedCommits: number;
  /** `SAVEPOINT job` calls: one per request handed to the commit batcher. */
  jobs: number;
  commitMs: { total: number; p50: number; p99: number; max: number };
  /** Total ms per statement kind (BEGIN, SAVEPOINT, RELEASE, COMMIT, other). */
  execMsByKind: Record<string, number>;
  /** Largest number of jobs in one transaction. */
  maxJobsPerCommit: number;
  /** Per-statement timings when BENCH_TRACE_SQL=1, else null. */
  statements?: StatementTrace | null;
}

const KINDS = ['BEGIN', 'SAVEPOINT', 'RELEASE', 'COMMIT', 'ROLLBACK', 'PRAGMA SYNCHRONOUS'] as const;

function kindOf(sql: string): string {
  const head = sql.trimStart().slice(0, 18).toUpperCase();
  return KINDS.find((k) => head.startsWith(k)) ?? 'other';
}

type StatementProto = Record<'run' | 'get' | 'all', (this: Database.Statement, ...args: unknown[]) => unknown>;

function statementPrototype(db: Database.Database): StatementProto {
  return Object.getPrototypeOf(db.prepare('SELECT 1')) as StatementProto;
}

/**
 * Time the commit batcher's BEGIN/SAVEPOINT/RELEASE/COMMIT (prepared statements) without touching
 * leadhook's code: `Statement.prototype.run` is wrapped, and only transaction statements are timed
 * (their kind is remembered per statement). The cost is a map lookup per statement and two clock
 * reads per transaction statement.
 */
export function traceExec(db: Database.Database): { take(): ExecTrace } {
  const proto = statementPrototype(db);
  const original = proto.run;
  const kinds = new WeakMap<Database.Statement, string>();
  let commitTimes: number[] = [];
  let byKind: Record<string, number> = {};
  let jobs = 0;
  let jobsInTx = 0;
  let maxJobs = 0;
  let relaxed = 0;
  let isRelaxedNow = false;
  proto.run = function (this: Database.Statement, ...args: unknown[]): unknown {
    let kind = kinds.get(this);
    if (kind === undefined) {
      // The ingest's per-item savepoints (`SAVEPOINT item`) are work inside a job, not a job.
      kind = this.source.endsWith(' item') ? 'other' : kindOf(this.source);
      kinds.set(this, kind);
    }
    if (kind === 'other') return original.apply(this, args);
    const t0 = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      byKind[kind] = (byKind[kind] ?? 0) + ms;
      if (kind === 'SAVEPOINT') {
        jobs++;
        jobsInTx++;
      } else if (kind === 'COMMIT') {
        commitTimes.push(ms);
        if (isRelaxedNow) relaxed++;
        maxJobs = Math.max(maxJobs, jobsInTx);
        jobsInTx = 0;
      } else if (kind === 'BEGIN') {
        jobsInTx = 0;
      }
    }
  };
  // The batcher switches `synchronous` with db.exec (a prepared PRAGMA applies when compiled).
  const exec = db.exec.bind(db);
  db.exec = (sql: string): Database.Database => {
    if (kindOf(sql) === 'PRAGMA SYNCHRONOUS') isRelaxedNow = /NORMAL/i.test(sql);
    return exec(sql);
  };
  return {
    take(): ExecTrace {
      const sorted = [...commitTimes].sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
      const trace: ExecTrace = {
        commits: sorted.length,
        relaxedCommits: relaxed,
        jobs,
        commitMs: { total: sorted.reduce((a, b) => a + b, 0), p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN },
        execMsByKind: byKind,
        maxJobsPerCommit: maxJobs,
      };
      commitTimes = [];
      byKind = {};
      jobs = 0;
      maxJobs = 0;
      relaxed = 0;
      return trace;
    },
  };
}

/** Calls and total ms per prepared statement (keyed by its SQL, squeezed to one line). */
export type StatementTrace = Record<string, { calls: number; ms: number }>;

/**
 * Opt-in (BENCH_TRACE_SQL=1): wrap `run`/`get`/`all` of every better-sqlite3 statement, by patching
 * the Statement prototype, to time each statement leadhook runs. Costs ~1 µs per call, so it is off
 * by default; use it to see which statements dominate, not to read the rate.
 */
export function traceStatements(db: Database.Database): { take(): StatementTrace } {
  const proto = statementPrototype(db);
  let stats: StatementTrace = {};
  for (const method of ['run', 'get', 'all'] as const) {
    const original = proto[method];
    proto[method] = function (this: Database.Statement, ...args: unknown[]): unknown {
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const key = this.source.replace(/\s+/g, ' ').trim().slice(0, 60);
        const entry = (stats[key] ??= { calls: 0, ms: 0 });
        entry.calls++;
        entry.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      }
    };
  }
  return {
    take(): StatementTrace {
      const out = stats;
      stats = {};
      return out;
    },
  };
}
