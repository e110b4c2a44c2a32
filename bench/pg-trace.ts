/**
 * Bench child only: counts the statements leadhook sends to PostgreSQL and the time each waits for
 * its answer (round trip: queueing on the connection, network, PostgreSQL's work), by wrapping
 * `pg.Client.prototype.query` (every pooled connection is a pg.Client). Nothing in `src/` changes.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

/** Statements since the previous take(), by their first words. */
export interface PgQueryTrace {
  calls: number;
  byStatement: Record<string, { calls: number; ms: number }>;
}

/** A statement's label: its first 60 characters, whitespace collapsed. */
function labelOf(config: unknown): string {
  const text = typeof config === 'string' ? config : typeof config === 'object' && config !== null && 'text' in config ? String((config as { text: unknown }).text) : '?';
  return text.replace(/\s+/g, ' ').trim().slice(0, 60);
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Start counting; `take()` returns the counts since the previous call and resets them.
 * `isPrepared` (BENCH_PG_PREPARE=1, an experiment): every statement with parameters is sent as a
 * named prepared statement (parsed and planned once per connection) instead of an unnamed one.
 */
export function tracePgQueries(isPrepared = false): { take(): PgQueryTrace } {
  let trace: PgQueryTrace = { calls: 0, byStatement: {} };
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function traced(this: pg.Client, ...args: unknown[]): unknown {
    const label = labelOf(args[0]);
    if (isPrepared && typeof args[0] === 'string' && Array.isArray(args[1])) {
      args = [{ name: `bench_${createHash('sha1').update(args[0]).digest('hex').slice(0, 16)}`, text: args[0], values: args[1] }, ...args.slice(2)];
    }
    const t0 = performance.now();
    const record = (): void => {
      const entry = (trace.byStatement[label] ??= { calls: 0, ms: 0 });
      entry.calls++;
      entry.ms += performance.now() - t0;
      trace.calls++;
    };
    // Callback form (pg.Pool's own query() uses it): wrap the callback; promise form: time the promise.
    const cbIndex = args.findIndex((a, i) => i > 0 && typeof a === 'function');
    if (cbIndex > 0) {
      const cb = args[cbIndex] as (...r: unknown[]) => void;
      args[cbIndex] = (...r: unknown[]) => {
        record();
        cb(...r);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) result.then(record, record);
    else record();
    return result;
  };
  return {
    take(): PgQueryTrace {
      const out = trace;
      trace = { calls: 0, byStatement: {} };
      return out;
    },
  };
}
