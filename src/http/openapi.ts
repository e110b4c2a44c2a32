import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { API_TAGS, componentSchemas } from './openapi-schemas.js';

/** Where the OpenAPI document is served, without a token: it describes the API and holds no data. */
export const OPENAPI_PATH = '/openapi.json';

/** The security requirement of every admin operation: `Authorization: Bearer <admin token>`. */
const BEARER = [{ bearer: [] }];

/**
 * Document the admin API: an OpenAPI 3.1 document of every `/api` route, built by @fastify/swagger
 * from the very schemas Fastify validates requests with (so the two cannot differ), served at
 * {@link OPENAPI_PATH}. Call before any route is registered: routes are collected as they are added.
 *
 * Only `/api` is documented; the public routes (`/hooks/:token`, `/health`, `/healthz`, the document
 * itself) are not: they take no admin token and are described in the README.
 *
 * Answers are serialized with JSON.stringify rather than compiled from the response schemas
 * (fast-json-stringify would drop any field a schema does not list and coerce mistyped values):
 * the response schemas document; they never change an answer.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of componentSchemas()) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'leadhook',
        version,
        description: 'The leadhook admin API. Every operation takes `Authorization: Bearer <admin token>`; errors are `{ "error": { "code", "message", "details"? } }` with the stable codes of docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (LEADHOOK_ADMIN_TOKEN, or the one printed at first start)' } } },
      security: BEARER,
      tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    },
    // Shared schemas are named by their `$id` in `components.schemas` (rather than `def-0`…).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url }) =>
      isAdminUrl(url) ? { schema: { ...schema, security: BEARER }, url } : { schema: { ...schema, hide: true }, url },
    transformObject: (document) => ('openapiObject' in document ? optionalEmptyBodies(document.openapiObject) : document.swaggerObject),
  });
  app.get(OPENAPI_PATH, async () => app.swagger());
}

function isAdminUrl(url: string): boolean {
  return url === '/api' || url.startsWith('/api/');
}

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { type?: unknown } }> };
}

/**
 * @fastify/swagger marks every request body required; one whose schema admits `null` (an empty
 * body, as `POST /api/sources/:id/rotate-url` takes) is optional.
 */
function optionalEmptyBodies<T extends { paths?: object }>(document: T): T {
  for (const item of Object.values(document.paths ?? {}) as Record<string, Operation>[]) {
    for (const op of Object.values(item)) {
      const type = op.requestBody?.content?.['application/json']?.schema?.type;
      if (op.requestBody !== undefined && Array.isArray(type) && type.includes('null')) op.requestBody.required = false;
    }
  }
  return document;
}
