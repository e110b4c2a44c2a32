import type { FastifyInstance } from 'fastify';
import type { Store } from '../../storage/port.js';

/**
 * `GET /healthz`: liveness for load balancers; no token needed, no data shown. It answers 200
 * while the process runs, storage faults included (restarting would not clear them).
 *
 * `GET /health`: readiness. 200 `{status:"ok", version, storage:{status:"ok"}}` while storage takes
 * writes; 503 `{status:"failing", version, storage:{status:"failing", fault, code, message, since}}`
 * from the first refused write of a storage fault (disk full, read-only, locked by another
 * process, I/O error) until a write commits again. No token needed; no path or data is shown.
 */
export function healthRoutes(app: FastifyInstance, version: string, store?: Pick<Store, 'storageStatus'>): void {
  app.get('/healthz', async () => ({ status: 'ok', version }));
  app.get('/health', async (_request, reply) => {
    const storage = store?.storageStatus() ?? { status: 'ok' as const };
    return reply.code(storage.status === 'ok' ? 200 : 503).send({ status: storage.status, version, storage });
  });
}
