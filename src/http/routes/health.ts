import type { FastifyInstance } from 'fastify';

/** `GET /healthz`: liveness for load balancers; no token needed, no data shown. */
export function healthRoutes(app: FastifyInstance, version: string): void {
  app.get('/healthz', async () => ({ status: 'ok', version }));
}
