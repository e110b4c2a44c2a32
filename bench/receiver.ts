/**
 * Bench child: the no-op webhook receiver of the delivery bench. node:http on 127.0.0.1, port 0.
 * Every POST is read in full, JSON.parse()d and answered 200 "ok" at once. Prints one JSON line,
 * `{ url }`, then serves until SIGTERM/SIGKILL or until stdin closes (the parent died).
 *
 * Traffic (both kinds get exactly the same work: read, parse, record, answer):
 * - `POST /hook`     leadhook's deliveries. Recorded: receive time (Date.now()), the event's
 *                    `timestamp` and `id`, the webhook-id header and `data.lead.providerLeadId`.
 * - `POST /ceiling`  the bare HTTP client (bench/ceiling-client.ts); only counted.
 * Control (the parent, between phases; never during a measured window except /stats polls):
 * - `GET /stats`     the current window (since the last /reset or /resume) and the all-time totals.
 * - `POST /reset`    start a new window.
 * - `POST /pause`    hold every /hook request unanswered (a receiver that hangs: leadhook's
 *                    per-destination slots fill and a backlog builds up in its database).
 * - `POST /resume`   answer the held requests and start a new window at this instant.
 * - `GET /sample`    the body and headers of the last /hook request (the ceiling replays them).
 * - `POST /check`    body: JSON array of provider lead ids; answers those never delivered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Window {
  startedAt: number;
  /** Receive time of every /hook request in the window, ms since the epoch. */
  at: number[];
  /** Receive time − event `timestamp` (the lead's commit), ms, per request. */
  lag: number[];
  ids: Set<string>;
}

const newWindow = (): Window => ({ startedAt: Date.now(), at: [], lag: [], ids: new Set() });

let win = newWindow();
/** webhook-id → how many times it arrived (all time). */
const timesById = new Map<string, number>();
const providerLeadIds = new Set<string>();
let hookRequests = 0;
let unparsable = 0;
let ceilingRequests = 0;
let isPaused = false;
const held: ServerResponse[] = [];
let sample: { body: string; headers: Record<string, string> } | null = null;

const SAMPLE_HEADERS = ['content-type', 'user-agent', 'idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];

/** Nearest-rank percentile of an ascending array; NaN when empty. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** What the receiver reads from a leadhook event body. */
interface LeadEvent {
  id?: unknown;
  timestamp?: unknown;
  data?: { lead?: { providerLeadId?: unknown } };
}

function onHook(req: IncomingMessage, body: string, at: number, res: ServerResponse): void {
  hookRequests++;
  let event: LeadEvent | null = null;
  try {
    event = JSON.parse(body) as LeadEvent;
  } catch {
    unparsable++;
  }
  const id = String(req.headers['webhook-id'] ?? event?.id ?? '');
  timesById.set(id, (timesById.get(id) ?? 0) + 1);
  const providerLeadId = event?.data?.lead?.providerLeadId;
  if (typeof providerLeadId === 'string') providerLeadIds.add(providerLeadId);
  const committedAt = typeof event?.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
  win.at.push(at);
  if (Number.isFinite(committedAt)) win.lag.push(at - committedAt);
  win.ids.add(id);
  const headers: Record<string, string> = {};
  for (const h of SAMPLE_HEADERS) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
  sample = { body, headers };
  if (isPaused) held.push(res);
  else res.writeHead(200).end('ok');
}

function stats(): unknown {
  const lag = [...win.lag].sort((a, b) => a - b);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of win.at) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  let duplicates = 0;
  for (const n of timesById.values()) duplicates += n - 1;
  return {
    window: {
      startedAt: win.startedAt,
      requests: win.at.length,
      distinct: win.ids.size,
      firstAt: win.at.length === 0 ? null : first,
      lastAt: win.at.length === 0 ? null : last,
      lag: { p50: percentile(lag, 0.5), p99: percentile(lag, 0.99), max: lag.at(-1) ?? null },
    },
    total: { hookRequests, distinct: timesById.size, duplicates, leads: providerLeadIds.size, unparsable, ceilingRequests, held: held.length },
  };
}

const server = createServer((req, res) => {
  readBody(req).then(
    (body) => {
      const at = Date.now();
      const route = `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`;
      switch (route) {
        case 'POST /hook':
          return onHook(req, body, at, res);
        case 'POST /ceiling':
          ceilingRequests++;
          JSON.parse(body);
          return void res.writeHead(200).end('ok');
        case 'GET /stats':
          return json(res, stats());
        case 'POST /reset':
          win = newWindow();
          return json(res, { ok: true });
        case 'POST /pause':
          isPaused = true;
          return json(res, { ok: true });
        case 'POST /resume': {
          isPaused = false;
          win = newWindow();
          const n = held.length;
          for (const r of held.splice(0)) r.writeHead(200).end('ok');
          return json(res, { ok: true, released: n, resumedAt: win.startedAt });
        }
        case 'GET /sample':
          return json(res, sample);
        case 'POST /check': {
          const expected = JSON.parse(body) as string[];
          return json(res, { missing: expected.filter((id) => !providerLeadIds.has(id)) });
        }
        default:
          return void res.writeHead(404).end();
      }
    },
    () => res.destroy(),
  );
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
