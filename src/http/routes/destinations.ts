import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { secretId } from '../../core/ids.js';
import { EVENT_TYPES, type EventType } from '../../core/lead-events.js';
import { checkDestinationUrl } from '../../delivery/destination-url.js';
import { compileFilter } from '../../delivery/rule-filter.js';
import { findRuleTemplate, RULE_TEMPLATES } from '../../delivery/rule-templates.js';
import { newSigningSecret } from '../../delivery/signing.js';
import type { DestinationChanges, DestinationRecord } from '../../storage/delivery-port.js';
import type { Store } from '../../storage/port.js';
import { viewerDestination } from '../../auth/redaction.js';
import { isViewer } from '../admin-auth.js';
import { answer, idParams, list, NO_CONTENT, operation, ref } from '../openapi-schemas.js';

export interface DestinationRouteDeps {
  store: Store;
  allowPrivateDestinations: boolean;
  secretOverlapHours: number;
  /** Most destinations that can exist at once (LEADHOOK_MAX_DESTINATIONS). */
  maxDestinations: number;
  /** Reload the destinations ingest routes to, and wake the worker (a re-enabled destination has pending deliveries). */
  refresh(): Promise<void>;
}

interface DestinationIn {
  name: string;
  url: string;
  events?: EventType[];
  filter?: string | null;
  filterTemplate?: string;
  sourceIds?: string[] | null;
  includeTest?: boolean;
}

interface DestinationPatch extends Partial<DestinationIn> {
  enabled?: boolean;
  rotateSecret?: boolean;
}

const props = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  url: { type: 'string', minLength: 1, maxLength: 2048 },
  events: {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: { type: 'string', enum: [...EVENT_TYPES] },
    description: `The event types to send (every one by default: ${EVENT_TYPES.join(', ')}). A destination keeps the list it was given: PATCH events to add lead.erased to an older one`,
  },
  filter: { type: ['string', 'null'], maxLength: 4096 },
  filterTemplate: { type: 'string', description: 'The id of a rule template (GET /api/rule-templates), instead of filter' },
  sourceIds: { type: ['array', 'null'], items: { type: 'string', minLength: 1 }, uniqueItems: true },
  includeTest: { type: 'boolean' },
} as const;

const params = idParams('destination');

/** Destination DTO; the signing secret only when just created or rotated. */
export function destinationOut(d: DestinationRecord, withSecret: boolean) {
  return {
    id: d.id,
    name: d.name,
    url: d.url,
    events: d.events,
    filter: d.filter,
    sourceIds: d.sourceIds,
    includeTest: d.includeTest,
    enabled: d.disabledAt === null,
    disabledAt: d.disabledAt,
    disabledReason: d.disabledReason,
    lastSuccessAt: d.lastSuccessAt,
    failingSince: d.failingSince,
    filteredCount: d.filteredCount,
    lastRuleError: d.lastRuleError,
    ...(withSecret ? { secret: d.secret } : {}),
    previousSecretExpiresAt: d.previousSecret === null ? null : d.previousSecretExpiresAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** `/api/destinations` CRUD and `/api/rule-templates`. */
export function destinationRoutes(app: FastifyInstance, deps: DestinationRouteDeps): void {
  const { store } = deps;

  app.get(
    '/api/rule-templates',
    { schema: operation('destinations', 'listRuleTemplates', 'The ready-made rule filters a destination can use (filterTemplate)', { 200: answer('Every rule template', list('RuleTemplate', 'The rule templates')) }) },
    async () => ({ items: RULE_TEMPLATES }),
  );

  app.post<{ Body: DestinationIn }>(
    '/api/destinations',
    {
      schema: {
        ...operation('destinations', 'createDestination', 'Add a destination: lead events are forwarded to its URL, signed (its secret is shown once)', { 201: answer('The destination, with its signing secret', ref('Destination')) }),
        body: { type: 'object', required: ['name', 'url'], additionalProperties: false, properties: props },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await store.delivery.createDestination({
        id: secretId('dst'),
        name: b.name.trim(),
        url: await checkedUrl(b.url, deps.allowPrivateDestinations),
        events: b.events ?? [...EVENT_TYPES],
        filter: checkedFilter(b.filter ?? null, b.filterTemplate),
        sourceIds: await checkedSources(store, b.sourceIds ?? null),
        includeTest: b.includeTest ?? false,
        secret: newSigningSecret(),
        createdAt: new Date().toISOString(),
      }, deps.maxDestinations);
      await deps.refresh();
      return reply.code(201).send(destinationOut(created, true));
    },
  );

  app.get(
    '/api/destinations',
    { schema: operation('destinations', 'listDestinations', 'List the destinations (without their secrets)', { 200: answer('Every destination', list('Destination', 'The destinations')) }) },
    async (request) => {
      const items = (await store.delivery.listDestinations()).map((d) => destinationOut(d, false));
      // destinationOut shows no secret outside create and rotate; for a viewer it is also taken out explicitly.
      return { items: isViewer(request) ? items.map(viewerDestination) : items };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/destinations/:id',
    { schema: { ...operation('destinations', 'getDestination', 'One destination, with its health and rule failures', { 200: answer('The destination', ref('Destination')) }), params } },
    async (request) => {
      const out = destinationOut(await mustGet(store, request.params.id), false);
      return isViewer(request) ? viewerDestination(out) : out;
    },
  );

  app.patch<{ Params: { id: string }; Body: DestinationPatch }>(
    '/api/destinations/:id',
    {
      schema: {
        ...operation('destinations', 'updateDestination', 'Change a destination, enable or disable it, or rotate its signing secret', { 200: answer('The destination (with its new secret when rotated)', ref('Destination')) }),
        params,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...props, enabled: { type: 'boolean' }, rotateSecret: { type: 'boolean' } } },
      },
    },
    async (request) => {
      const current = await mustGet(store, request.params.id);
      const b = request.body;
      const now = new Date();
      const changes: DestinationChanges = {};
      if (b.name !== undefined) changes.name = b.name.trim();
      if (b.url !== undefined) changes.url = await checkedUrl(b.url, deps.allowPrivateDestinations);
      if (b.events !== undefined) changes.events = b.events;
      if (b.filter !== undefined || b.filterTemplate !== undefined) changes.filter = checkedFilter(b.filter ?? null, b.filterTemplate);
      if (b.sourceIds !== undefined) changes.sourceIds = await checkedSources(store, b.sourceIds);
      if (b.includeTest !== undefined) changes.includeTest = b.includeTest;
      if (b.enabled === true) Object.assign(changes, { disabledAt: null, disabledReason: null });
      if (b.enabled === false && current.disabledAt === null) Object.assign(changes, { disabledAt: now.toISOString(), disabledReason: 'disabled through the API' });
      if (b.rotateSecret === true) {
        changes.secret = newSigningSecret();
        changes.previousSecret = current.secret;
        changes.previousSecretExpiresAt = new Date(now.getTime() + deps.secretOverlapHours * 3_600_000).toISOString();
      }
      const updated = await store.delivery.updateDestination(current.id, changes, now.toISOString());
      if (updated === null) throw hubError('LH_E_DESTINATION_NOT_FOUND', current.id);
      await deps.refresh();
      return destinationOut(updated, b.rotateSecret === true);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/destinations/:id',
    { schema: { ...operation('destinations', 'deleteDestination', 'Delete a destination: nothing more is forwarded to it', { 204: NO_CONTENT }), params } },
    async (request, reply) => {
      if (!(await store.delivery.deleteDestination(request.params.id, new Date().toISOString()))) throw hubError('LH_E_DESTINATION_NOT_FOUND', request.params.id);
      await deps.refresh();
      return reply.code(204).send();
    },
  );
}

export async function mustGet(store: Store, id: string): Promise<DestinationRecord> {
  const d = await store.delivery.getDestination(id);
  if (d === null) throw hubError('LH_E_DESTINATION_NOT_FOUND', id);
  return d;
}

async function checkedUrl(url: string, allowPrivate: boolean): Promise<string> {
  const check = await checkDestinationUrl(url.trim(), { allowPrivate });
  if (!check.ok) throw hubError('LH_E_DESTINATION_URL_REFUSED', check.reason);
  return check.url.toString();
}

/** A filter (or a rule template) checked as destinations take it: LH_E_FILTER_INVALID or LH_E_FILTER_TOO_COSTLY with its position otherwise. */
export function checkedFilter(filter: string | null, template: string | undefined): string | null {
  if (template !== undefined) {
    if (filter !== null) throw new HubError('LH_E_VALIDATION', ['give either filter or filterTemplate, not both']);
    const t = findRuleTemplate(template);
    if (t === undefined) throw new HubError('LH_E_VALIDATION', [`unknown filterTemplate ${JSON.stringify(template)}; known: ${RULE_TEMPLATES.map((r) => r.id).join(', ')}`]);
    return t.expression;
  }
  if (filter === null) return null;
  const compiled = compileFilter(filter);
  if (!compiled.ok) {
    const at = compiled.position === null ? '' : ` (line ${compiled.position.line}, column ${compiled.position.column})`;
    const code = compiled.kind === 'too_costly' ? 'LH_E_FILTER_TOO_COSTLY' : 'LH_E_FILTER_INVALID';
    throw new HubError(code, [`${compiled.message}${at}`], { details: { position: compiled.position } });
  }
  return filter;
}

async function checkedSources(store: Store, ids: string[] | null): Promise<string[] | null> {
  if (ids === null) return null;
  for (const id of ids) {
    const s = await store.getSource(id);
    if (s === null || s.deletedAt !== null) throw new HubError('LH_E_VALIDATION', [`sourceIds: no source with id ${id}`]);
  }
  return ids;
}
