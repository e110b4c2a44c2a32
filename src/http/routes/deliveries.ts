import type { FastifyInstance } from 'fastify';
import { readBound } from '../../core/date-bounds.js';
import { HubError, hubError } from '../../core/errors.js';
import { timeOrderedId } from '../../core/ids.js';
import { checkDestinationUrl } from '../../delivery/destination-url.js';
import { dispatcherFor } from '../../delivery/public-only-dispatcher.js';
import { sendWebhook } from '../../delivery/sender.js';
import { signingSecrets, signPayload } from '../../delivery/signing.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../storage/delivery-port.js';
import type { Store } from '../../storage/port.js';
import { answer, idParams, operation, page, ref } from '../openapi-schemas.js';
import { mustGet } from './destinations.js';

interface DeliveriesQueryIn {
  destinationId?: string;
  status?: DeliveryStatus;
  leadId?: string;
  limit?: number;
  cursor?: string;
}

/** `/api/deliveries`, retry and replay, and `POST /api/destinations/:id/test`. */
export function deliveryRoutes(
  app: FastifyInstance,
  /** `timeZone`: where a plain `since` date starts (LEADHOOK_TIMEZONE). */
  deps: { store: Store; timeoutMs: number; allowPrivateDestinations: boolean; timeZone: string },
): void {
  const { store } = deps;
  const deliveryParams = idParams('delivery');
  const destinationParams = idParams('destination');
  app.get<{ Querystring: DeliveriesQueryIn }>(
    '/api/deliveries',
    {
      schema: {
        ...operation('deliveries', 'listDeliveries', 'List deliveries, newest first, by destination, status or lead', { 200: answer('A page of deliveries', page('Delivery', 'Deliveries')) }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            destinationId: { type: 'string', minLength: 1 },
            status: { type: 'string', enum: [...DELIVERY_STATUSES] },
            leadId: { type: 'string', minLength: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
            cursor: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request) => {
      const { limit, ...rest } = request.query;
      return store.delivery.listDeliveries({ limit: limit ?? 50, ...rest });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/deliveries/:id',
    { schema: { ...operation('deliveries', 'getDelivery', 'One delivery, with its attempts and the event sent', { 200: answer('The delivery', ref('Delivery')) }), params: deliveryParams } },
    async (request) => {
      const d = await store.delivery.getDelivery(request.params.id);
      if (d === null) throw hubError('LH_E_DELIVERY_NOT_FOUND', request.params.id);
      return d;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/deliveries/:id/retry',
    { schema: { ...operation('deliveries', 'retryDelivery', 'Send a delivery again now, as a new cycle of attempts', { 200: answer('The delivery, pending again', ref('Delivery')) }), params: deliveryParams } },
    async (request) => {
      const d = await store.delivery.retryDelivery(request.params.id, new Date().toISOString());
      if (d === null) throw hubError('LH_E_DELIVERY_NOT_FOUND', request.params.id);
      if (d.status === 'delivering') throw hubError('LH_E_DELIVERY_IN_FLIGHT', d.id);
      return d;
    },
  );

  app.post<{ Params: { id: string }; Body: { since: string; status?: 'failed' | 'succeeded' | 'filtered' } }>(
    '/api/destinations/:id/replay',
    {
      schema: {
        ...operation('destinations', 'replayDestination', "Send a destination's deliveries since a time again (failed ones by default)", {
          200: answer('How many deliveries were queued again', { type: 'object', required: ['requeued'], additionalProperties: true, properties: { requeued: { type: 'integer', minimum: 0 } } }),
        }),
        params: destinationParams,
        body: {
          type: 'object',
          required: ['since'],
          additionalProperties: false,
          // A date (`2026-12-01`, that day's start) or an ISO time: read by readBound, which names the formats.
          properties: { since: { type: 'string', minLength: 1, maxLength: 64, description: 'A date (2026-12-01, that day\'s start in LEADHOOK_TIMEZONE) or an ISO 8601 time' }, status: { type: 'string', enum: ['failed', 'succeeded', 'filtered'] } },
        },
      },
    },
    async (request) => {
      const read = readBound('since', request.body.since, 'since', deps.timeZone);
      if (!read.ok) throw new HubError('LH_E_VALIDATION', [read.message], { details: { field: 'since', location: 'body' } });
      const dest = await mustGet(store, request.params.id);
      const since = read.bound.kind === 'since' ? read.bound.atOrAfter : read.bound.atOrBefore;
      const requeued = await store.delivery.replayDeliveries(dest.id, since, request.body.status, new Date().toISOString());
      return { requeued };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/destinations/:id/test',
    { schema: { ...operation('destinations', 'testDestination', 'Send a signed test event to a destination now and tell what it answered', { 200: answer('What the destination answered', ref('TestSend')) }), params: destinationParams } },
    async (request) => {
      const dest = await mustGet(store, request.params.id);
      const now = new Date();
      const id = timeOrderedId('evt');
      const body = JSON.stringify({ type: 'destination.test', id, timestamp: now.toISOString(), data: { destinationId: dest.id, message: 'leadhook test event' } });
      const headers = { ...signPayload({ id, timestamp: now, body, secrets: signingSecrets(dest, now.toISOString()) }), 'idempotency-key': id };
      // Checked again now, as the worker does before each attempt: the name may resolve elsewhere today.
      const check = await checkDestinationUrl(dest.url, { allowPrivate: deps.allowPrivateDestinations });
      const result = check.ok
        ? await sendWebhook({ url: dest.url, body, headers, timeoutMs: deps.timeoutMs, dispatcher: dispatcherFor(deps.allowPrivateDestinations) })
        : { status: null, latencyMs: 0, error: `refused: ${check.reason}`, responseSnippet: null, retryAfter: null };
      return { ok: result.status !== null && result.status >= 200 && result.status < 300, eventId: id, ...result };
    },
  );
}
