import { freshLeadNumber, jsonSample, SAMPLE_MESSAGE, type SampleInput, type SampleWebhook } from '../shared/sample.js';

/**
 * A new-lead callback as Anarock sends it: one lead snapshot (providers.md §1.1), no credential (the
 * URL is the credential).
 */
export function sample({ now }: SampleInput): SampleWebhook {
  const leadId = freshLeadNumber(now);
  return jsonSample({
    lead_id: leadId,
    name: 'Asha Sample',
    phone: '9820012345',
    country_code: '+91',
    email: `asha.sample.${leadId}@example.com`,
    lead_status: 'Fresh',
    channel_name: 'leadhook',
    source: 'leadhook test lead',
    sub_source: 'console',
    action: 'lead_created',
    project_name: 'Sample Towers',
    created_at: Math.floor(now.getTime() / 1000),
    notes: [{ note_id: leadId, note_type: 'text', data: SAMPLE_MESSAGE, created_at: Math.floor(now.getTime() / 1000) }],
  });
}
