import type { ProviderAdapter } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

/** LeadPro (UK) `lead.created` / `lead.updated` webhooks, HS256 JWT-authenticated (providers.md §1.2, seed 002). */
export const leadpro: ProviderAdapter = {
  id: 'leadpro',
  displayName: 'LeadPro',
  homeCountry: 'GB',
  authMethod: 'jwt_hs256',
  authenticate,
  parse,
  normalize,
  setup: {
    steps: [
      'In the LeadPro dashboard open Developers (webhooks).',
      'Set the webhook URL to the URL leadhook printed.',
      'Set the webhook signing secret to the secret leadhook printed,' +
        ' or create the leadhook source with the signing secret LeadPro shows there.',
    ],
  },
};
