import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { HubError } from '../core/errors.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';

/** What each failure to listen for metrics needs from the user. */
const LISTEN_FIXES: Record<string, string> = {
  EADDRINUSE: 'something already listens there',
  EACCES: 'ports below 1024 need privileges',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
  ENOTFOUND: 'the host does not resolve',
  EAI_AGAIN: 'the host does not resolve',
};

/** The metrics endpoint, listening. */
export interface MetricsListener {
  /** `http://host:port/metrics`, with the port actually bound (LEADHOOK_METRICS_LISTEN may give 0). */
  url: string;
  /** Stop listening and drop the scrapers' connections (a scrape is safe to repeat). */
  close(): Promise<void>;
}

/**
 * Serve `GET /metrics` (Prometheus text format) on its own plain HTTP listener, apart from the API
 * and webhooks, so that it is never public by accident: every other request is answered 404. A
 * failure to bind is LH_E_METRICS_LISTEN_FAILED, naming the address and the cause.
 */
export async function listenForMetrics(address: ListenAddress, scrape: () => Promise<{ contentType: string; body: string }>): Promise<MetricsListener> {
  const server = createServer((req, res) => void answer(req, res, scrape));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      const why = LISTEN_FIXES[code];
      reject(new HubError('LH_E_METRICS_LISTEN_FAILED', [formatListenAddress(address), why === undefined ? code : `${code}: ${why}`], { cause: error }));
    });
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
  return {
    url: `http://${formatListenAddress({ host: address.host, port })}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, scrape: () => Promise<{ contentType: string; body: string }>): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this listener serves GET /metrics only\n');
    return;
  }
  try {
    const { contentType, body } = await scrape();
    res.writeHead(200, { 'content-type': contentType }).end(body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Could not collect the metrics\n');
  }
}
