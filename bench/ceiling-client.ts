import { request } from 'undici';

/**
 * Bench child: the ceiling of the delivery bench. A bare HTTP client loop with undici's `request()`
 * (the client leadhook's sender uses, same default pool), `BENCH_CEILING_CONCURRENCY` requests in flight, POSTing the
 * same body and headers (a real signed event captured by the receiver) `BENCH_CEILING_REQUESTS`
 * times. No signing, no database, no bookkeeping: what any webhook sender in node must at least do.
 * BENCH_CEILING_CLIENT=fetch runs the same loop with fetch() instead, for context (about a fifth of the rate).
 *
 * Prints `{ ready: true }`, then on SIGUSR2 runs (a short uncounted warm-up, then the measured
 * requests) and prints `{ ceiling: { requests, seconds, rate, non2xx, errors, p50, p99, cpu } }`.
 * Stops on SIGTERM or when stdin closes.
 */

interface Job {
  /** `request` (undici's request(), the client leadhook sends with: the ceiling) or `fetch` (context). */
  client: 'request' | 'fetch';
  url: string;
  body: string;
  headers: Record<string, string>;
  requests: number;
  concurrency: number;
  warmup: number;
}

function readJob(): Job {
  const env = process.env;
  return {
    client: env['BENCH_CEILING_CLIENT'] === 'fetch' ? 'fetch' : 'request',
    url: env['BENCH_CEILING_URL'] ?? '',
    body: env['BENCH_CEILING_BODY'] ?? '',
    headers: JSON.parse(env['BENCH_CEILING_HEADERS'] ?? '{}') as Record<string, string>,
    requests: Number(env['BENCH_CEILING_REQUESTS'] ?? 3000),
    concurrency: Number(env['BENCH_CEILING_CONCURRENCY'] ?? 16),
    warmup: Number(env['BENCH_CEILING_WARMUP'] ?? 500),
  };
}

/** `count` POSTs, `concurrency` at a time; latencies in ms. */
async function loop(job: Job, count: number): Promise<{ latencies: number[]; non2xx: number; errors: number }> {
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      try {
        let status: number;
        if (job.client === 'fetch') {
          const res = await fetch(job.url, { method: 'POST', headers: job.headers, body: job.body, redirect: 'manual' });
          await res.arrayBuffer();
          status = res.status;
        } else {
          const res = await request(job.url, { method: 'POST', headers: job.headers, body: job.body });
          await res.body.arrayBuffer();
          status = res.statusCode;
        }
        if (status < 200 || status > 299) non2xx++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { latencies, non2xx, errors };
}

async function run(): Promise<void> {
  const job = readJob();
  await loop(job, job.warmup);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await loop(job, job.requests);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = r.latencies.sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const ceiling = {
    requests: job.requests,
    concurrency: job.concurrency,
    seconds,
    rate: job.requests / seconds,
    non2xx: r.non2xx,
    errors: r.errors,
    p50: at(0.5),
    p99: at(0.99),
    /** This process's CPU over the measured loop, % of one core. */
    cpu: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
  };
  process.stdout.write(`${JSON.stringify({ ceiling })}\n`);
}

process.on('SIGUSR2', () => {
  run().catch((error: unknown) => {
    process.stdout.write(`${JSON.stringify({ ceiling: { error: error instanceof Error ? error.message : String(error) } })}\n`);
  });
});
process.on('SIGTERM', () => process.exit(0));
process.stdin.on('end', () => process.exit(0)).resume();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
