import type { FastifyInstance } from 'fastify';
import { originAllowed } from '../../auth/origin.js';
import { hubError } from '../../core/errors.js';
import { bearerToken, principalOf, sessionView, type Authenticator } from '../admin-auth.js';
import { answer, NO_CONTENT, operation, ref } from '../openapi-schemas.js';

/**
 * Browser sessions: `POST /api/session` signs in with a token (the only `/api` route reachable
 * without credentials, by its `access: 'public'` config) and sets the `lh_session` cookie;
 * `GET /api/session` says who is signed in and gives the CSRF token; `DELETE /api/session` signs out
 * (and, through `signedOut`, ends this instance's live streams of the session at once).
 */
export function sessionRoutes(app: FastifyInstance, auth: Authenticator, signedOut: (sessionHash: string) => void = () => {}): void {
  app.post<{ Body: { token?: string } | null }>(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        ...operation('auth', 'createSession', 'Sign in with a token (no other credentials needed): sets the lh_session cookie and answers the CSRF token', { 200: answer('Signed in', ref('Session')) }),
        body: {
          type: ['object', 'null'],
          description: 'The admin token or a named API token; without a body, the `Authorization: Bearer` token is used',
          properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
      },
    },
    async (request, reply) => {
      // Login CSRF: another site must not sign a browser in (with its own token).
      if (!originAllowed(request.headers.origin, request.headers.host, auth.publicUrl)) throw hubError('LH_E_CSRF', 'the Origin header names another site');
      const header = request.headers.authorization;
      const presented = request.body?.token ?? (header === undefined ? null : bearerToken(header));
      const principal = presented === null ? null : await auth.fromToken(presented);
      if (principal === null) throw hubError('LH_E_UNAUTHORIZED');
      const started = await auth.startSession(principal);
      return reply.header('set-cookie', auth.sessionCookie(started.secret, started.maxAgeSeconds)).code(200).send(started.view);
    },
  );

  app.get(
    '/api/session',
    { schema: operation('auth', 'getSession', 'Who is calling: name, role, and the session\'s CSRF token and expiry', { 200: answer('The caller', ref('Session')) }) },
    async (request) => sessionView(principalOf(request)!),
  );

  app.delete(
    '/api/session',
    {
      // Any signed-in principal may sign out (a viewer too); the cookie's CSRF check still applies.
      config: { access: 'read' },
      schema: operation('auth', 'deleteSession', 'Sign out: the session is deleted and its cookie cleared', { 204: NO_CONTENT }),
    },
    async (request, reply) => {
      const principal = principalOf(request)!;
      await auth.endSession(principal);
      if (principal.session !== null) signedOut(principal.session.secretHash);
      return reply.header('set-cookie', auth.clearedCookie()).code(204).send();
    },
  );
}
