import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { newSecret, secretId } from '../../core/ids.js';
import { PROVIDER_IDS } from '../../core/lead.js';
import { checkSecret } from '../../core/source-secret.js';
import { isSupportedCountry } from '../../core/normalize/phone.js';
import { getProvider, isProviderId } from '../../providers/index.js';
import type { SourceChanges, SourceRecord, Store } from '../../storage/port.js';

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
  defaultCountry?: string | null;
}

const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const secretSchema = { type: 'string', minLength: 8, maxLength: 4096 } as const;
const countrySchema = { type: ['string', 'null'], minLength: 2, maxLength: 2 } as const;

/** Source DTO. The secret is shown only when it was just created or changed. */
export function sourceOut(source: SourceRecord, publicUrl: string | null, withSecret: boolean) {
  const adapter = getProvider(source.provider);
  const webhookPath = `/hooks/${source.id}`;
  return {
    id: source.id,
    provider: source.provider,
    name: source.name,
    webhookPath,
    webhookUrl: publicUrl === null ? null : `${publicUrl}${webhookPath}`,
    ...(withSecret ? { secret: source.secret } : {}),
    authMethod: adapter.authMethod,
    defaultCountry: source.defaultCountry,
    effectiveCountry: source.defaultCountry ?? adapter.homeCountry,
    setup: adapter.setup.steps,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
  };
}

function checkCountry(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const upper = value.toUpperCase();
  if (!isSupportedCountry(upper)) throw new HubError('LH_E_VALIDATION', [`defaultCountry ${JSON.stringify(value)} is not an ISO 3166 alpha-2 country code`]);
  return upper;
}

/** `POST|GET /api/sources`, `GET|PATCH|DELETE /api/sources/:id`. */
export function sourceRoutes(app: FastifyInstance, store: Store, publicUrl: string | null): void {
  app.post<{ Body: SourceIn }>(
    '/api/sources',
    {
      schema: {
        body: {
          type: 'object',
          required: ['provider', 'name'],
          additionalProperties: false,
          properties: { provider: { type: 'string' }, name: nameSchema, secret: secretSchema, defaultCountry: countrySchema },
        },
      },
    },
    async (request, reply) => {
      const { provider, name, secret, defaultCountry } = request.body;
      if (!isProviderId(provider)) throw hubError('LH_E_UNKNOWN_PROVIDER', JSON.stringify(provider), PROVIDER_IDS.join(', '));
      const source = await store.createSource({
        id: secretId('src'),
        provider,
        name: name.trim(),
        secret: secret === undefined ? newSecret() : checkSecret(secret, getProvider(provider).authMethod),
        defaultCountry: checkCountry(defaultCountry) ?? null,
        createdAt: new Date().toISOString(),
      });
      return reply.code(201).send(sourceOut(source, publicUrl, true));
    },
  );

  app.get('/api/sources', async () => ({ items: (await store.listSources()).map((s) => sourceOut(s, publicUrl, false)) }));

  app.get<{ Params: { id: string } }>('/api/sources/:id', async (request) => {
    const source = await store.getSource(request.params.id);
    if (source === null || source.deletedAt !== null) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
    return sourceOut(source, publicUrl, false);
  });

  app.patch<{ Params: { id: string }; Body: SourcePatch }>(
    '/api/sources/:id',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { name: nameSchema, secret: secretSchema, rotateSecret: { type: 'boolean' }, defaultCountry: countrySchema },
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.secret !== undefined && body.rotateSecret === true) throw new HubError('LH_E_VALIDATION', ['give either secret or rotateSecret, not both']);
      const changes: SourceChanges = {};
      if (body.name !== undefined) changes.name = body.name.trim();
      if (body.secret !== undefined) {
        const current = await store.getSource(request.params.id);
        if (current === null || current.deletedAt !== null) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
        changes.secret = checkSecret(body.secret, getProvider(current.provider).authMethod);
      }
      if (body.rotateSecret === true) changes.secret = newSecret();
      const country = checkCountry(body.defaultCountry);
      if (country !== undefined) changes.defaultCountry = country;
      const source = await store.updateSource(request.params.id, changes, new Date().toISOString());
      if (source === null) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
      return sourceOut(source, publicUrl, changes.secret !== undefined);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/sources/:id', async (request, reply) => {
    if (!(await store.deleteSource(request.params.id, new Date().toISOString()))) throw hubError('LH_E_SOURCE_NOT_FOUND', request.params.id);
    return reply.code(204).send();
  });
}
