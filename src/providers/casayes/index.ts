import type { ProviderAdapter } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

/** CasaYes (Portugal) new-lead webhook (providers.md §1.3, seed 003). */
export const casayes: ProviderAdapter = {
  id: 'casayes',
  displayName: 'CasaYes',
  homeCountry: 'PT',
  authMethod: 'token_header',
  authenticate,
  parse,
  normalize,
  setup: {
    steps: [
      'CasaYes supplies the token: create the leadhook source with that token as its secret.',
      'Give CasaYes the webhook URL leadhook printed as your CRM leads-webhook endpoint.',
      'CasaYes sends the token in a header named `token`; nothing else to configure.',
    ],
  },
};
