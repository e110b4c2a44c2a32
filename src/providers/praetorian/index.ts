import type { ProviderAdapter } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

/** Praetorian Digital / Lexipol ID lead webhooks (providers.md §1.4, seed 004). */
export const praetorian: ProviderAdapter = {
  id: 'praetorian',
  displayName: 'Praetorian',
  homeCountry: 'US',
  authMethod: 'authorization_header',
  authenticate,
  parse,
  normalize,
  setup: {
    steps: [
      'Praetorian only delivers to https: expose the webhook URL leadhook printed through your HTTPS reverse proxy.',
      'Ask Praetorian (sales or support) to send lead webhooks to that https URL.',
      'Give them the secret leadhook printed as the value of the Authorization header (the bare secret; no scheme needed).',
    ],
  },
};
