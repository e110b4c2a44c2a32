import type { FastifyInstance } from 'fastify';
import { hubError } from '../../core/errors.js';
import type { LiveFilter, LiveHub } from '../../live/hub.js';
import { principalOf, type Authenticator } from '../admin-auth.js';
import { operation } from '../openapi-schemas.js';

type IsTest = 'true' | 'false' | 'all';

/** Which leads a stream takes: real ones (the default), only test leads, or all (as `GET /api/leads?isTest=`). */
export function liveFilter(isTest: IsTest | undefined): LiveFilter {
  if (isTest === 'all') return () => true;
  const wanted = isTest === 'true';
  return (lead) => lead.isTest === wanted;
}

/**
 * Whether the client asked for an event stream (`Accept: text/event-stream`, as EventSource sends).
 * The stream never ends: a client that did not ask for one (any type, or no Accept) would wait for
 * the end of the answer forever, so it is told so (406) instead.
 */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    return type === 'text/event-stream' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/**
 * `GET /api/live`: server-sent events, `event: lead` with `{"change":"created"|"updated","lead":…}`
 * (the lead as `GET /api/leads` lists it) for every lead a webhook, a reprocess or an applied held
 * request creates or changes, on any instance; a comment line every 15 s keeps it open. When the
 * caller's credentials stop holding (token revoked, session signed out or expired) the stream sends
 * `event: end` with `{"reason": …}` and ends (src/live/hub.ts). Only for a client that sends
 * `Accept: text/event-stream` (406 otherwise). A HEAD answers the headers only.
 */
export function liveRoutes(app: FastifyInstance, hub: LiveHub, auth: Authenticator): void {
  app.get<{ Querystring: { isTest?: IsTest } }>(
    '/api/live',
    {
      schema: {
        ...operation('leads', 'streamLeads', 'New and changed leads as they are stored, as server-sent events (event: lead), on any instance', {
          200: {
            description:
              'text/event-stream: `event: lead` + `data: {"change":"created"|"updated","lead":<Lead>}` per change; a comment every 15 s; `event: end` + `data: {"reason":"token-revoked"|"session-ended"|"session-expired"}` when the credentials stop holding, then the stream ends (do not reconnect with them)',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { isTest: { type: 'string', enum: ['true', 'false', 'all'], description: 'Test leads: only them (true), none (false, the default) or both (all)' } },
        },
      },
    },
    async (request, reply) => {
      if (!acceptsEventStream(request.headers.accept)) throw hubError('LH_E_NOT_ACCEPTABLE', 'GET /api/live', 'server-sent events', 'text/event-stream');
      const credentials = auth.heldCredentials(request, principalOf(request)!);
      hub.admit(credentials);
      if (request.method === 'HEAD') return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').send();
      // The response is the stream's from here on: Fastify no longer answers or times it.
      reply.hijack();
      hub.open(reply.raw, liveFilter(request.query.isTest), credentials);
    },
  );
}
