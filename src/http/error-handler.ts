import type { FastifyError, FastifyInstance } from 'fastify';
import { HubError, isStoreFault, type ErrorCode } from '../core/errors.js';
import { describeValidation, type AjvError, type RequestParts } from './validation-message.js';

/** `Retry-After` (seconds) of a 503 caused by a storage fault. */
export const STORE_FAULT_RETRY_AFTER_S = 5;

/** Fastify's own error codes → ours, so every answer has the same `{ error: { code, message } }` shape. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'LH_E_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LH_E_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LH_E_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LH_E_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'LH_E_VALIDATION',
  FST_ERR_VALIDATION: 'LH_E_VALIDATION',
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Map every thrown error to a status and a body; messages of 5xx errors are not shown to clients. */
export function registerErrorHandler(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError | HubError, request, reply) => {
    const { status, body } = toErrorReply(error, bodyLimit, { body: request.body, query: request.query, params: request.params, headers: request.headers, schema: request.routeOptions.schema as Record<string, unknown> | undefined });
    // A storage fault is logged by the store once per episode (what is wrong, then the recovery),
    // not once per request: a provider flood during a full disk would bury it.
    if (isStoreFault(error)) request.log.debug({ code: body.error.code, status }, body.error.message);
    else if (status >= 500) request.log.error({ err: error }, 'request failed');
    // A refused webhook is logged by the inbound route, throttled per source: one line, not two.
    else if (body.error.code !== 'LH_E_WEBHOOK_UNAUTHORIZED') request.log.info({ code: body.error.code, status }, body.error.message);
    // Storage faults clear by themselves: tell clients when to try again.
    if (isStoreFault(error)) void reply.header('retry-after', String(STORE_FAULT_RETRY_AFTER_S));
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'LH_E_ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } });
  });
}

/**
 * The status and body of an error. A schema violation (FST_ERR_VALIDATION) is told in the user's
 * words when the request is given: the field, what was wrong, the allowed values (see describeValidation).
 */
export function toErrorReply(error: unknown, bodyLimit: number, request?: RequestParts): { status: number; body: ErrorBody } {
  if (error instanceof HubError) {
    const message = error.statusCode >= 500 && error.code === 'LH_E_INTERNAL' ? 'Internal error' : error.message;
    return { status: error.statusCode, body: { error: { code: error.code, message, ...(error.details ? { details: error.details } : {}) } } };
  }
  const fe = error as Partial<FastifyError>;
  const mapped = fe.code !== undefined ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped === 'LH_E_PAYLOAD_TOO_LARGE') {
    return { status: 413, body: { error: { code: mapped, message: `Body exceeds ${bodyLimit} bytes` } } };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  const first = (error as { validation?: AjvError[] }).validation?.[0];
  if (mapped === 'LH_E_VALIDATION' && first !== undefined && request !== undefined) {
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const { message, details } = describeValidation(first, context, request);
    return { status, body: { error: { code: mapped, message, details } } };
  }
  if (mapped !== undefined) return { status, body: { error: { code: mapped, message: fe.message ?? mapped } } };
  if (status < 500 && status >= 400) return { status, body: { error: { code: 'LH_E_VALIDATION', message: fe.message ?? 'Bad request' } } };
  return { status: 500, body: { error: { code: 'LH_E_INTERNAL', message: 'Internal error' } } };
}
