import { freshLeadNumber, jsonSample, SAMPLE_MESSAGE, type SampleInput, type SampleWebhook } from '../shared/sample.js';

/**
 * A lead as Praetorian / Lexipol ID sends it: one API object (providers.md §1.4) with the secret as
 * the whole `Authorization` value. `production: false` is Lexipol's own test-lead flag.
 */
export function sample({ secret, now }: SampleInput): SampleWebhook {
  const n = freshLeadNumber(now);
  return jsonSample(
    {
      id: `led_leadhook_test_${n}`,
      object: 'lead',
      created: now.toISOString(),
      production: false,
      url: 'https://leadhook.invalid/test-lead',
      data: { first_name: 'Pat', last_name: 'Sample', email: `pat.sample.${n}@example.com`, phone: '(415) 555-0123', message: SAMPLE_MESSAGE },
    },
    { authorization: secret },
  );
}
