import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { newSecret, secretId, timeOrderedId } from '../../core/ids.js';
import { PROVIDER_IDS } from '../../core/lead.js';
import { checkSecret } from '../../core/source-secret.js';
import { isSupportedCountry } from '../../core/normalize/phone.js';
import { getProvider, isProviderId } from '../../providers/index.js';
import type { SourceActivity } from '../../storage/console-port.js';
import type { SourceChanges, SourceRecord, Store } from '../../storage/port.js';
import { viewerSource } from '../../auth/redaction.js';
import { isViewer } from '../admin-auth.js';
import { answer, idParams, list, NO_CONTENT, operation, ref } from '../openapi-schemas.js';

interface SourceIn {
  provider: string;
  name: string;
  secret?: string;
  defaultCountry?: string | null;
}

interface SourcePatch {
  name?: string;
  secret?: string;
  rotateSecret?: boolean;
  overlapHours?: number;
  defaultCountry?: string | null;
}

/** Hours a replaced secret or URL token is still accepted when the rotation does not say. */
export const DEFAULT_OVERLAP_HOURS = 24;
/** Longest overlap a rotation may ask for: 30 days. */
export const MAX_OVERLAP_HOURS = 24 * 30;

const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const secretSchema = { type: 'string', minLength: 8, maxLength: 4096 } as const;
const countrySchema = { type: ['string', 'null'], minLength: 2, maxLength: 2 } as const;
const overlapSchema = { type: 'number', minimum: 0, maximum: MAX_OVERLAP_HOURS, description: `Hours the replaced credential is still accepted (default ${DEFAULT_OVERLAP_HOURS}; 0: not at all)` } as const;
const params = idParams('source');

/** What a source's DTO includes besides its public fields. */
interface Shown {
  /** The webhook URL (its token is a credential): only in the source's own admin view. */
  url: boolean;
  /** The secret: only when it was just created or changed. */
  secret: boolean;
}

/** An expiry still ahead of `now`, else null (the previous credential is no longer accepted). */
function liveUntil(expiresAt: string | null, now: string): string | null {
  return expiresAt !== null && now < expiresAt ? expiresAt : null;
}

/**
 * Source DTO. Its webhook URL carries the source's URL token, a credential: only the source's own
 * view shows it (create, get one, change, rotate-url), never the list. The secret is shown only when
 * it was just created or changed.
 */
export function sourceOut(source: SourceRecord, publicUrl: string | null, shown: Shown, now: string = new Date().toISOString()) {
  const adapter = getProvider(source.provider);
  const webhookPath = `/hooks/${source.urlToken}`;
  return {
    id: source.id,
    provider: source.provider,
    name: source.name,
    ...(shown.url ? { webhookPath, webhookUrl: publicUrl === null ? null : `${publicUrl}${webhookPath}` } : {}),
    previousWebhookUrlExpiresAt: source.previousUrlToken === null ? null : liveUntil(source.previousUrlTokenExpiresAt, now),
    ...(shown.secret ? { secret: source.secret } : {}),
    previousSecretExpiresAt: source.previousSecret === null ? null : liveUntil(source.previousSecretExpiresAt, now),
    authMethod: adapter.authMethod,
    defaultCountry: source.defaultCountry,
    effectiveCountry: source.defaultCountry ?? adapter.homeCountry,
    setup: adapter.setup.steps,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
  };
}

/** Each source's activity as GET /api/sources and /api/sources/:id show it, by source id (none yet: null and zeros). */
async function activityOf(store: Store, sourceIds: readonly string[]): Promise<(sourceId: string) => Omit<SourceActivity, 'sourceId'>> {
  const byId = new Map((await store.console.sourceActivity(sourceIds)).map((a) => [a.sourceId, a]));
  return (sourceId) => {
    const found = byId.get(sourceId);
    return { lastReceivedAt: found?.lastReceivedAt ?? null, refusedCount: Number(found?.refusedCount ?? 0), quarantinedCount: Number(found?.quarantinedCount ?? 0) };
  };
}

/** Until when a replaced credential is still accepted: `hours` from `now`, or null (not at all) for 0. */
function overlapUntil(now: Date, hours: number | undefined): string | null {
  const h = hours ?? DEFAULT_OVERLAP_HOURS;
  return h === 0 ? null : new Date(now.getTime() + h * 3_600_000).toISOString();
}

/** A new secret part for a webhook URL: 160 random bits. */
function newUrlToken(): string {
  return secretId('wh');
}

function checkCountry(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const upper = value.toUpperCase();
  if (!isSupportedCountry(upper)) throw new HubError('LH_E_VALIDATION', [`defaultCountry ${JSON.stringify(value)} is not an ISO 3166 alpha-2 country code`]);
  return upper;
}

/** `POST|GET /api/sources`, `GET|PATCH|DELETE /api/sources/:id`, `POST /api/sources/:id/rotate-url`. */
export function sourceRoutes(app: FastifyInstance, store: Store, publicUrl: string | null): void {
  const ownView = { url: true, secret: false };
  const mustGet = async (id: string): Promise<SourceRecord> => {
    const source = await store.getSource(id);
    if (source === null || source.deletedAt !== null) throw hubError('LH_E_SOURCE_NOT_FOUND', id);
    return source;
  };

  app.post<{ Body: SourceIn }>(
    '/api/sources',
    {
      schema: {
        ...operation('sources', 'createSource', 'Register a source: its webhook URL and secret (shown once)', { 201: answer('The source, with its secret', ref('Source')) }),
        body: {
          type: 'object',
          required: ['provider', 'name'],
          additionalProperties: false,
          properties: { provider: { type: 'string', description: `One of ${PROVIDER_IDS.join(', ')}` }, name: nameSchema, secret: secretSchema, defaultCountry: countrySchema },
        },
      },
    },
    async (request, reply) => {
      const { provider, name, secret, defaultCountry } = request.body;
      if (!isProviderId(provider)) throw hubError('LH_E_UNKNOWN_PROVIDER', JSON.stringify(provider), PROVIDER_IDS.join(', '));
      const now = new Date();
      const source = await store.createSource({
        id: timeOrderedId('src', now.getTime()),
        provider,
        name: name.trim(),
        urlToken: newUrlToken(),
        secret: secret === undefined ? newSecret() : checkSecret(secret, getProvider(provider).authMethod),
        defaultCountry: checkCountry(defaultCountry) ?? null,
        createdAt: now.toISOString(),
      });
      return reply.code(201).send(sourceOut(source, publicUrl, { url: true, secret: true }));
    },
  );

  app.get(
    '/api/sources',
    { schema: operation('sources', 'listSources', 'List the sources (without their webhook URLs or secrets), each with its last webhook, refused and quarantined ones counted', { 200: answer('Every source', list('Source', 'The sources')) }) },
    async (request) => {
      const sources = await store.listSources();
      // One read for the activity of every source.
      const activity = await activityOf(store, sources.map((s) => s.id));
      const items = sources.map((s) => ({ ...sourceOut(s, publicUrl, { url: false, secret: false }), ...activity(s.id) }));
      return { items: isViewer(request) ? items.map(viewerSource) : items };
    },
  );

  // With its refused webhooks counted (`leadhook requests list --status rejected --source <id>` shows them).
  app.get<{ Params: { id: string } }>(
    '/api/sources/:id',
    { schema: { ...operation('sources', 'getSource', 'One source, with its webhook URL and its refused webhooks counted', { 200: answer('The source', ref('Source')) }), params } },
    async (request) => {
      const source = await mustGet(request.params.id);
      // A viewer sees no credential: neither the secret nor the webhook URL (it carries the URL token).
      const shown = isViewer(request) ? viewerSource(sourceOut(source, publicUrl, { url: false, secret: false })) : sourceOut(source, publicUrl, ownView);
      return { ...shown, ...(await activityOf(store, [source.id]))(source.id), refusals: await store.refusals.counts(source.id) };
    },
  );

  app.patch<{ Params: { id: string }; Body: SourcePatch }>(
    '/api/sources/:id',
    {
      schema: {
        ...operation('sources', 'updateSource', 'Rename a source, change its default country, or replace its secret', { 200: answer('The source (with its secret when it changed)', ref('Source')) }),
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { name: nameSchema, secret: secretSchema, rotateSecret: { type: 'boolean' }, overlapHours: overlapSchema, defaultCountry: countrySchema },
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.secret !== undefined && body.rotateSecret === true) throw new HubError('LH_E_VALIDATION', ['give either secret or rotateSecret, not both']);
      const rotates = body.secret !== undefined || body.rotateSecret === true;
      if (body.overlapHours !== undefined && !rotates) {
        throw new HubError('LH_E_VALIDATION', ['overlapHours goes with a new secret (secret or rotateSecret: true); a webhook URL is replaced with POST /api/sources/:id/rotate-url']);
      }
      const now = new Date();
      const changes: SourceChanges = {};
      if (body.name !== undefined) changes.name = body.name.trim();
      if (body.secret !== undefined) changes.secret = checkSecret(body.secret, getProvider((await mustGet(request.params.id)).provider).authMethod);
      if (body.rotateSecret === true) changes.secret = newSecret();
      if (rotates) changes.previousSecretExpiresAt = overlapUntil(now, body.overlapHours);
      const country = checkCountry(body.defaultCountry);
      if (country !== undefined) changes.defaultCountry = country;
      const source = await store.updateSource(request.params.id, changes, now.toISOString());
      if (source === null) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
      return sourceOut(source, publicUrl, { url: true, secret: rotates });
    },
  );

  app.post<{ Params: { id: string }; Body: { overlapHours?: number } | undefined }>(
    '/api/sources/:id/rotate-url',
    {
      schema: {
        ...operation('sources', 'rotateSourceUrl', 'Give a source a new webhook URL; the old one keeps working for the overlap', { 200: answer('The source, with its new webhook URL', ref('Source')) }),
        params,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { overlapHours: overlapSchema } },
      },
    },
    async (request) => {
      const now = new Date();
      const changes: SourceChanges = { urlToken: newUrlToken(), previousUrlTokenExpiresAt: overlapUntil(now, request.body?.overlapHours) };
      const source = await store.updateSource(request.params.id, changes, now.toISOString());
      if (source === null) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
      return sourceOut(source, publicUrl, ownView);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/sources/:id',
    { schema: { ...operation('sources', 'deleteSource', 'Delete a source: its webhook URL stops working; its leads are kept', { 204: NO_CONTENT }), params } },
    async (request, reply) => {
      if (!(await store.deleteSource(request.params.id, new Date().toISOString()))) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
      return reply.code(204).send();
    },
  );
}
