import type { FastifyInstance } from 'fastify';
import { hubError } from '../core/errors.js';
import { secretsEqual } from '../providers/shared/credentials.js';

/** Every `/api/*` URL, known route or not, needs `Authorization: Bearer <admin token>`. */
export function requireAdminToken(app: FastifyInstance, adminToken: string): void {
  app.addHook('onRequest', async (request) => {
    if (request.url !== '/api' && !request.url.startsWith('/api/') && !request.url.startsWith('/api?')) return;
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m?.[1] === undefined || !secretsEqual(m[1].trim(), adminToken)) throw hubError('LH_E_UNAUTHORIZED');
  });
}
