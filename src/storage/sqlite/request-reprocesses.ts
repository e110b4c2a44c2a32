import type { RequestReprocess } from '../port.js';

/**
 * How a request's reprocesses are stored (column `requests.reprocesses`, migration 0008): a JSON
 * array of the last REPROCESS_LIMITS.kept, oldest first (src/ingest/request-record.ts decides what
 * is kept); `reprocess_count` counts them all. Null: none kept.
 */
export function decodeReprocesses(text: string | null): RequestReprocess[] {
  return text === null ? [] : (JSON.parse(text) as RequestReprocess[]);
}

export function encodeReprocesses(reprocesses: readonly RequestReprocess[]): string {
  return JSON.stringify(reprocesses);
}
