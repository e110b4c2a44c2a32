import { EVENT_TYPES } from '../core/lead-events.js';
import { PROVIDER_IDS, STAGES } from '../core/lead.js';
import { DELIVERY_STATUSES } from '../storage/delivery-port.js';

/**
 * The shapes the admin API answers, as JSON schemas with an `$id` each: registered on the app
 * (see registerOpenApi) and named by the routes with {@link ref}, they become the document's
 * `components.schemas`. They describe answers, they never reshape them: answers are serialized with
 * JSON.stringify (see src/http/openapi.ts), and test/integration/openapi.test.ts checks real answers
 * against them. Objects allow fields they do not list, so a new field never breaks a client.
 */

/** The tags of the admin API, one per kind of object. */
export const API_TAGS = {
  sources: 'Webhook sources: one per provider account, with its webhook URL and secret.',
  leads: 'Leads, normalized from every provider, with their timelines; erasure of personal data.',
  requests: 'Webhooks as received (stored raw), refused webhooks, reprocessing and held webhooks.',
  destinations: 'Where lead events are forwarded, signed; rule filters, replay and test sends.',
  deliveries: 'One event to one destination: status, attempts and manual retry.',
  auth: 'Signing in (browser sessions, with a CSRF token for changes) and named API tokens with roles (admin, viewer).',
} as const;
export type ApiTag = keyof typeof API_TAGS;

const string = { type: 'string' } as const;
const time = { type: 'string', description: 'ISO 8601 UTC time' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], description: 'ISO 8601 UTC time, or null' } as const;
const integer = { type: 'integer', minimum: 0 } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

/** An object with these fields (`required` always present), open to fields it does not list. */
function object(description: string, required: readonly string[], properties: Record<string, unknown>) {
  return { type: 'object', description, required: [...required], additionalProperties: true, properties };
}

/** The schema registered under `$id` `name`: `{ $ref: 'Name#' }`. */
export function ref(name: ComponentName): { $ref: string } {
  return { $ref: `${name}#` };
}

/** A page of a list: the items, and the cursor of the next page (null on the last one). */
export function page(item: ComponentName, description: string) {
  return object(description, ['items', 'nextCursor'], {
    items: { type: 'array', items: ref(item) },
    nextCursor: { type: ['string', 'null'], description: 'Give it as `cursor` for the next page; null on the last page.' },
  });
}

/** `{ items: [...] }`, a whole list in one answer. */
export function list(item: ComponentName, description: string) {
  return object(description, ['items'], { items: { type: 'array', items: ref(item) } });
}

/** `:id` of a route's path, named for the reader. */
export function idParams(what: string) {
  return { type: 'object', required: ['id'], properties: { id: { type: 'string', description: `The ${what}'s id` } } } as const;
}

const refusalCounts = object('Webhooks refused (bad credentials), counted', ['total', 'since', 'lastAt'], { total: integer, since: nullableTime, lastAt: nullableTime });

const itemCounts = object('How many items the request had, in all and per outcome', ['total'], {
  total: integer,
  created: integer,
  updated: integer,
  duplicate: integer,
  stale: integer,
  quarantined: integer,
});

/** The names of the shared schemas (`components.schemas`). */
export type ComponentName =
  | 'Error'
  | 'RefusalCounts'
  | 'Source'
  | 'Lead'
  | 'LeadErasure'
  | 'Request'
  | 'Refusal'
  | 'WebhookResult'
  | 'HeldRequest'
  | 'RuleTemplate'
  | 'Destination'
  | 'Delivery'
  | 'TestSend'
  | 'ApiToken'
  | 'Session';

const COMPONENTS: Record<ComponentName, Record<string, unknown>> = {
  Error: {
    type: 'object',
    description: 'Every error: a stable code (docs/errors.md), a message for people, and details for programs when there are any.',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: { type: 'string', pattern: '^LH_E_[A-Z0-9_]+$' }, message: string, details: anyObject },
      },
    },
  },
  RefusalCounts: refusalCounts,
  Source: object('A webhook source. `webhookUrl` (its token is a credential) only in the source\'s own view; `secret` only when just created or changed.', ['id', 'provider', 'name', 'authMethod', 'defaultCountry', 'effectiveCountry', 'createdAt', 'updatedAt'], {
    id: string,
    provider: { type: 'string', enum: [...PROVIDER_IDS] },
    name: string,
    webhookPath: string,
    webhookUrl: { type: ['string', 'null'], description: 'null until LEADHOOK_PUBLIC_URL is set' },
    previousWebhookUrlExpiresAt: nullableTime,
    secret: string,
    previousSecretExpiresAt: nullableTime,
    authMethod: string,
    defaultCountry: nullableString,
    effectiveCountry: string,
    setup: { type: 'array', items: string },
    refusals: refusalCounts,
    lastReceivedAt: { ...nullableTime, description: 'GET /api/sources and /api/sources/:id: receipt time of its newest stored webhook, test leads sent with POST /api/sources/:id/test-lead left out; null when none' },
    refusedCount: { ...integer, description: 'GET /api/sources and /api/sources/:id: webhooks refused for bad credentials, every one counted (not only the last 50 kept, GET /api/requests?status=rejected&sourceId=)' },
    quarantinedCount: { ...integer, description: 'GET /api/sources and /api/sources/:id: its stored requests quarantined and not reprocessed to success since (as GET /api/stats quarantinedWaiting counts them)' },
    createdAt: time,
    updatedAt: time,
  }),
  Lead: object('A lead as normalized from its provider\'s webhooks (the one-lead view adds `timeline`, and `erasedAt` and `erasure` once erased).', ['id', 'sourceId', 'provider', 'providerLeadId', 'stage', 'person', 'firstSeenAt', 'lastEventAt', 'version', 'isTest'], {
    id: string,
    sourceId: string,
    provider: { type: 'string', enum: [...PROVIDER_IDS] },
    providerLeadId: string,
    stage: { type: 'string', enum: [...STAGES] },
    providerStatus: nullableString,
    person: anyObject,
    message: nullableString,
    attribution: anyObject,
    firstAttribution: { type: ['object', 'null'], additionalProperties: true },
    assignee: { type: ['object', 'null'], additionalProperties: true },
    providerCreatedAt: nullableTime,
    firstSeenAt: time,
    lastEventAt: time,
    lastProviderUpdateAt: nullableTime,
    version: integer,
    isTest: boolean(),
    extra: anyObject,
    timeline: { type: 'array', items: anyObject },
    erasedAt: time,
    erasure: ref('LeadErasure'),
  }),
  LeadErasure: object('The audit stub of an erasure of a lead\'s personal data: what was erased, when, by whom.', ['leadId', 'erasedAt', 'actor', 'erased'], {
    leadId: string,
    erasedAt: time,
    actor: { type: 'string', enum: ['admin'] },
    remoteAddress: nullableString,
    requestedBy: nullableString,
    erased: anyObject,
    holdLiftedAt: nullableTime,
    holdLiftedBy: nullableString,
  }),
  Request: object('A webhook as stored. The one-request view adds the body (`body` as text, else `bodyBase64`), `quarantine` and `reprocesses`.', ['id', 'sourceId', 'provider', 'receivedAt', 'status', 'httpStatus'], {
    id: string,
    sourceId: string,
    provider: { type: 'string', enum: [...PROVIDER_IDS] },
    receivedAt: time,
    status: { type: 'string', enum: ['accepted', 'duplicate', 'quarantined'] },
    reason: nullableString,
    httpStatus: { type: 'integer' },
    contentType: nullableString,
    headers: { type: 'object', additionalProperties: string },
    bodySha256: string,
    bodySize: integer,
    items: { type: 'array', items: anyObject },
    itemCounts,
    leadIds: { type: 'array', items: string },
    reprocessedAt: nullableTime,
    reprocessCount: integer,
    isTestSend: { type: 'boolean', description: 'Sent with POST /api/sources/:id/test-lead: its leads are test leads, also when reprocessed or applied' },
    body: nullableString,
    bodyBase64: nullableString,
  }),
  Refusal: object('A refused webhook (its credentials did not match), answered 401: why, its headers (credentials redacted) and the start of its body.', ['id', 'sourceId', 'provider', 'receivedAt', 'status', 'httpStatus', 'reason'], {
    id: string,
    sourceId: string,
    provider: { type: 'string', enum: [...PROVIDER_IDS] },
    receivedAt: time,
    status: { type: 'string', enum: ['rejected'] },
    httpStatus: { type: 'integer', enum: [401] },
    reason: string,
    detail: string,
    contentType: nullableString,
    headers: { type: 'object', additionalProperties: string },
    headersOmitted: integer,
    bodySize: integer,
    bodyExcerpt: nullableString,
    bodyExcerptBase64: nullableString,
    bodyTruncated: boolean(),
  }),
  WebhookResult: object('What a webhook (or its reprocessing) came to, lead by lead; quarantined items say why.', ['requestId', 'leads'], {
    requestId: string,
    status: { type: 'string', enum: ['accepted', 'duplicate', 'quarantined'] },
    leads: { type: 'array', items: object('One lead of the webhook', ['id', 'outcome'], { id: string, providerLeadId: nullableString, outcome: { type: 'string', enum: ['created', 'updated', 'duplicate', 'stale'] } }) },
    quarantined: { type: 'array', items: object('An item that could not be used', ['index', 'reason'], { index: integer, providerLeadId: nullableString, reason: string }) },
    quarantinedCount: integer,
    held: { type: 'array', items: ref('HeldRequest') },
  }),
  HeldRequest: object('A webhook item for an erased lead: stored, answered, not applied until an admin applies or discards it.', ['requestId', 'leadId', 'sourceId', 'receivedAt', 'heldAt', 'resolution'], {
    requestId: string,
    leadId: string,
    sourceId: string,
    receivedAt: time,
    heldAt: time,
    resolution: { type: ['string', 'null'], enum: ['applied', 'discarded', null] },
    resolvedAt: nullableTime,
    resolvedBy: nullableString,
  }),
  RuleTemplate: object('A ready-made rule filter (`filterTemplate`)', ['id', 'title', 'description', 'expression'], { id: string, title: string, description: string, expression: string }),
  Destination: object('Where lead events are forwarded. `secret` (the signing secret) only when just created or rotated.', ['id', 'name', 'url', 'events', 'filter', 'sourceIds', 'includeTest', 'enabled', 'createdAt', 'updatedAt'], {
    id: string,
    name: string,
    url: string,
    events: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
    filter: nullableString,
    sourceIds: { type: ['array', 'null'], items: string },
    includeTest: boolean(),
    enabled: boolean(),
    disabledAt: nullableTime,
    disabledReason: nullableString,
    lastSuccessAt: nullableTime,
    failingSince: nullableTime,
    filteredCount: integer,
    lastRuleError: { type: ['object', 'null'], additionalProperties: true },
    secret: string,
    previousSecretExpiresAt: nullableTime,
    createdAt: time,
    updatedAt: time,
  }),
  Delivery: object('One event to one destination. The one-delivery view adds `attempts` and `event`.', ['id', 'eventId', 'eventType', 'destinationId', 'leadId', 'status', 'attemptCount', 'createdAt', 'updatedAt'], {
    id: string,
    eventId: string,
    eventType: { type: 'string', enum: [...EVENT_TYPES] },
    destinationId: string,
    leadId: string,
    status: { type: 'string', enum: [...DELIVERY_STATUSES] },
    attemptCount: integer,
    nextAttemptAt: nullableTime,
    lastStatusCode: { type: ['integer', 'null'] },
    lastError: nullableString,
    createdAt: time,
    updatedAt: time,
    deliveredAt: nullableTime,
    attempts: { type: 'array', items: anyObject },
    event: {},
  }),
  ApiToken: object('A named API token. `token` itself only in the answer that created it (it is stored only as a hash).', ['id', 'name', 'role', 'createdAt', 'lastUsedAt'], {
    id: string,
    name: string,
    role: { type: 'string', enum: ['admin', 'viewer'] },
    createdAt: time,
    lastUsedAt: { type: ['string', 'null'], description: 'Last use (by bearer or by a session made with it), to the minute; null: never' },
    revokedAt: nullableTime,
    token: { type: 'string', description: 'The token (`lht_…`): shown once, at creation' },
  }),
  Session: object('Who is signed in. Send `csrfToken` as `X-CSRF-Token` with every change made with the session cookie.', ['name', 'role', 'csrfToken', 'expiresAt'], {
    name: string,
    role: { type: 'string', enum: ['admin', 'viewer'] },
    csrfToken: { type: ['string', 'null'], description: 'null when authenticated by bearer token (no CSRF token needed)' },
    expiresAt: { type: ['string', 'null'], description: 'When the session ends unless used again (12 h idle, 7 days at most); null for a bearer token' },
  }),
  TestSend: object('What a test event sent to a destination came to', ['ok', 'eventId', 'status', 'latencyMs', 'error'], {
    ok: boolean(),
    eventId: string,
    status: { type: ['integer', 'null'], description: 'The HTTP status the destination answered; null when nothing was answered' },
    latencyMs: { type: 'number' },
    error: nullableString,
    responseSnippet: nullableString,
    retryAfter: {},
  }),
};

function boolean() {
  return { type: 'boolean' } as const;
}

/** Every shared schema, with its `$id`, for `app.addSchema`. */
export function componentSchemas(): Record<string, unknown>[] {
  return Object.entries(COMPONENTS).map(([name, schema]) => ({ $id: name, ...schema }));
}

/** What every admin route may answer besides its success: an error in the shared shape. */
const ERROR_RESPONSES = {
  '4xx': { description: 'Refused: bad input, no or wrong token (401), no such object (404). See docs/errors.md.', ...ref('Error') },
  '5xx': { description: 'Internal error, or storage unavailable (503 with Retry-After)', ...ref('Error') },
} as const;

/**
 * The documentation part of an admin route's schema: its tag, operationId, summary and answers
 * (the error answers are added). Spread into the route's `schema` beside the schemas that validate.
 */
export function operation(tag: ApiTag, operationId: string, summary: string, responses: Record<number, unknown>) {
  return { tags: [tag], operationId, summary, response: { ...responses, ...ERROR_RESPONSES } };
}

/** A success answer: `schema` described for the reader. */
export function answer(description: string, schema: Record<string, unknown>): Record<string, unknown> {
  return { description, ...schema };
}

/** An answer with no body (204). */
export const NO_CONTENT = { description: 'Done; no body', type: 'null' } as const;
