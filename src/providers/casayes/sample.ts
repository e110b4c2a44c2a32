import { freshLeadNumber, jsonSample, SAMPLE_MESSAGE, type SampleInput, type SampleWebhook } from '../shared/sample.js';

/** A new-lead webhook as CasaYes sends it: one lead object and the token header (seed 003). */
export function sample({ secret, now }: SampleInput): SampleWebhook {
  const n = freshLeadNumber(now);
  return jsonSample(
    {
      CreatedDate: now.toISOString(),
      EntityPublicId: 'leadhookTest',
      EntityReference: 'leadhook-test',
      EntityType: 'Listing',
      LeadReference: `CY-leadhook-test-${n}`,
      Message: SAMPLE_MESSAGE,
      SenderEmail: `rita.sample.${n}@example.com`,
      SenderName: 'Rita Sample',
      SenderPhone: '912345678',
      Source: 'CasaYes',
    },
    { token: secret },
  );
}
