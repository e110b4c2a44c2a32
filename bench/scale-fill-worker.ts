/**
 * Scale bench, fill worker thread: builds the fill's ingest jobs (authenticate, parse, normalize with
 * the real provider adapters) on a second core while the fill's main thread writes the previous batch.
 * Message in: `{ from, to, total, end }`; message out: `{ from, jobs }` (structured clone).
 */
import { parentPort } from 'node:worker_threads';
import { timeOrderedId } from '../src/core/ids.js';
import { jobFromParse } from '../src/ingest/prepare-items.js';
import { redactHeaders } from '../src/ingest/redact-headers.js';
import { getProvider } from '../src/providers/index.js';
import type { IngestJob } from '../src/storage/port.js';
import { FILL_SOURCES, fillRequest } from './scale-data.js';

/** The request of lead n as `receiveWebhook` would hand it to the store, items normalized by the real adapter. */
export function fillJob(n: number, total: number, end: number): IngestJob {
  const r = fillRequest(n, total, end);
  const adapter = getProvider(r.provider);
  const source = FILL_SOURCES[r.provider];
  const req = { headers: r.headers, body: r.body, receivedAt: r.receivedAt };
  const auth = adapter.authenticate(req, source.secret);
  if (!auth.ok) throw new Error(`fill lead ${n} (${r.provider}) failed authentication: ${auth.detail}`);
  const ctx = { defaultCountry: adapter.homeCountry, receivedAt: r.receivedAt };
  const job = jobFromParse(adapter, adapter.parse(req, auth.payload), ctx);
  return {
    ...job,
    request: {
      id: timeOrderedId('req', r.receivedAt.getTime()),
      sourceId: source.id,
      provider: r.provider,
      receivedAt: r.receivedAt.toISOString(),
      contentType: 'application/json',
      headers: redactHeaders(r.headers),
      body: r.body,
      authPayload: auth.payload,
    },
  };
}

parentPort?.on('message', (m: { from: number; to: number; total: number; end: number }) => {
  const jobs: IngestJob[] = [];
  for (let n = m.from; n < m.to; n++) jobs.push(fillJob(n, m.total, m.end));
  parentPort?.postMessage({ from: m.from, jobs });
});
