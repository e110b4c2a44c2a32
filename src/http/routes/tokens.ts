import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../auth/access.js';
import { newApiToken, secretHash } from '../../auth/credentials.js';
import { hubError } from '../../core/errors.js';
import { timeOrderedId } from '../../core/ids.js';
import type { ApiTokenRecord, AuthStore } from '../../storage/auth-port.js';
import { answer, idParams, list, NO_CONTENT, operation, ref } from '../openapi-schemas.js';

/** Token DTO: never its hash. */
export function tokenOut(t: ApiTokenRecord) {
  return { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt };
}

/**
 * Named API tokens (admin only: `/api/tokens` is in no viewer's reach): `POST /api/tokens` makes one
 * and shows it once, `GET /api/tokens` lists them with when each was last used, `DELETE
 * /api/tokens/:id` revokes one and ends its sessions at once (and, through `revoked`, this
 * instance's live streams opened with it or them).
 */
export function tokenRoutes(app: FastifyInstance, store: AuthStore, now: () => Date = () => new Date(), revoked: (tokenId: string) => void = () => {}): void {
  app.post<{ Body: { name: string; role: Role } }>(
    '/api/tokens',
    {
      schema: {
        ...operation('auth', 'createToken', 'Make a named API token with a role; the token is shown once', { 201: answer('The token, with `token`', ref('ApiToken')) }),
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, description: 'Who or what uses it' },
            role: { type: 'string', enum: [...ROLES], description: 'admin: everything; viewer: reads leads, requests, deliveries, sources and destinations, without secrets' },
          },
        },
      },
    },
    async (request, reply) => {
      const name = request.body.name.trim();
      if (name === '') throw hubError('LH_E_VALIDATION', 'name must not be blank');
      const token = newApiToken();
      const at = now();
      const created = await store.createToken({ id: timeOrderedId('tok', at.getTime()), name, role: request.body.role, tokenHash: secretHash(token), createdAt: at.toISOString() });
      return reply.code(201).send({ ...tokenOut(created), token });
    },
  );

  app.get(
    '/api/tokens',
    { schema: operation('auth', 'listTokens', 'List the named API tokens (never the tokens themselves), revoked ones too', { 200: answer('Every token', list('ApiToken', 'The tokens')) }) },
    async () => ({ items: (await store.listTokens()).map(tokenOut) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    { schema: { ...operation('auth', 'revokeToken', 'Revoke a token: it and every session made with it stop working at once', { 204: NO_CONTENT }), params: idParams('token') } },
    async (request, reply) => {
      const token = await store.revokeToken(request.params.id, now().toISOString());
      if (token === null) throw hubError('LH_E_TOKEN_NOT_FOUND', request.params.id);
      revoked(token.id);
      return reply.code(204).send();
    },
  );
}
