import { createHmac } from 'node:crypto';
import { freshLeadNumber, SAMPLE_MESSAGE, type SampleInput, type SampleWebhook } from '../shared/sample.js';

/**
 * A `lead.created` webhook as LeadPro sends it: the lead in an HS256 JWT in `Authorization`, signed
 * with the webhook signing secret, and the same `{event, data}` as the body (providers.md §1.2).
 */
export function sample({ secret, now }: SampleInput): SampleWebhook {
  const body = {
    event: 'lead.created',
    data: {
      id: freshLeadNumber(now),
      first_name: 'Oliver',
      last_name: 'Sample',
      full_name: 'Oliver Sample',
      email: 'oliver.sample@example.com',
      phone: '07700 900123',
      type: 'vendor',
      source: 'leadhook',
      message: SAMPLE_MESSAGE,
      createdAt: now.toISOString(),
    },
  };
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const signed = `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment({ ...body, iat: Math.floor(now.getTime() / 1000) })}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest('base64url');
  return {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${signed}.${signature}` },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}
