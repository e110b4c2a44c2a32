import autocannon from 'autocannon';
import type { PayloadSpec } from './payloads.js';

/** Where and how to send one phase of load. */
export interface PhaseTarget {
  url: string;
  path: string;
  headers: Record<string, string>;
}

/** What one phase measured, latencies in ms. */
export interface PhaseResult {
  seconds: number;
  completed: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  ok2xx: number;
  non2xx: number;
  /** Status code → count, for everything that was not 2xx. */
  badStatuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Lead numbers (as passed to `payload.body`) whose request got a 2xx answer. */
  acked: number[];
  avgBodyBytes: number;
  /** Every response's latency, ms, ascending (to merge phases run side by side). */
  latencies: number[];
}

/** Hands out request numbers, unique for the whole run, so every request carries a new lead. */
export class Counter {
  private n = 0;
  next(): number {
    return this.n++;
  }
}

interface Ctx {
  lead?: number;
}

/**
 * Drive `target` with autocannon for `seconds` over `connections` keep-alive connections, one
 * request in flight per connection, each request a fresh body from `payload` with a new number.
 * Latencies are taken from every response (float ms) rather than autocannon's integer histogram.
 */
export function runPhase(target: PhaseTarget, payload: PayloadSpec, counter: Counter, connections: number, seconds: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  const acked: number[] = [];
  const badStatuses: Record<string, number> = {};
  let bodyBytes = 0;
  let bodies = 0;
  return new Promise<PhaseResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: target.path,
            headers: target.headers,
            // Runs before each request; the context is fresh per request (one-entry request list).
            setupRequest: (request, context) => {
              const n = counter.next();
              (context as Ctx).lead = n;
              const body = payload.body(n);
              bodyBytes += body.length;
              bodies++;
              return { ...request, body };
            },
            onResponse: (status, _body, context) => {
              const n = (context as Ctx).lead;
              if (status >= 200 && status < 300) {
                if (n !== undefined) acked.push(n);
              } else {
                badStatuses[status] = (badStatuses[status] ?? 0) + 1;
              }
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
        latencies.sort((a, b) => a - b);
        resolve({
          seconds: result.duration,
          completed,
          rate: completed / result.duration,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          max: latencies.at(-1) ?? Number.NaN,
          ok2xx: result['2xx'],
          non2xx: result.non2xx,
          badStatuses,
          errors: result.errors,
          timeouts: result.timeouts,
          acked,
          avgBodyBytes: bodies === 0 ? 0 : bodyBytes / bodies,
          latencies,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * One phase against several servers at once (instances behind a load balancer): `connections`
 * split as evenly as possible across `targets`, all driven from this process for `seconds`, then
 * merged as if one server had answered everything (rates add up, percentiles over every response).
 */
export async function runSplitPhase(targets: readonly PhaseTarget[], payload: PayloadSpec, counter: Counter, connections: number, seconds: number): Promise<PhaseResult> {
  const share = (i: number): number => Math.floor(connections / targets.length) + (i < connections % targets.length ? 1 : 0);
  const results = await Promise.all(targets.map((t, i) => runPhase(t, payload, counter, Math.max(1, share(i)), seconds)));
  if (results.length === 1) return results[0] as PhaseResult;
  const sum = (f: (r: PhaseResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const badStatuses: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.badStatuses)) badStatuses[code] = (badStatuses[code] ?? 0) + n;
  const completed = sum((r) => r.completed);
  return {
    seconds: Math.max(...results.map((r) => r.seconds)),
    completed,
    rate: sum((r) => r.rate),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    ok2xx: sum((r) => r.ok2xx),
    non2xx: sum((r) => r.non2xx),
    badStatuses,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    acked: results.flatMap((r) => r.acked),
    avgBodyBytes: completed === 0 ? 0 : sum((r) => r.avgBodyBytes * r.completed) / completed,
    latencies,
  };
}
