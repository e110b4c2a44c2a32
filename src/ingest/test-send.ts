import type { IngestJob } from '../storage/port.js';

/**
 * The job with every lead it maps marked as a test lead (`isTest`): what a test send
 * (`POST /api/sources/:id/test-lead`) stores, and what reprocessing or applying its stored request
 * applies again (the request keeps the mark, `isTestSend`), so a test lead never becomes a real one.
 */
export function asTestLeads<J extends Pick<IngestJob, 'items'>>(job: J): J {
  return { ...job, items: job.items.map((item) => ('patch' in item ? { ...item, patch: { ...item.patch, fields: { ...item.patch.fields, isTest: true } } } : item)) };
}
