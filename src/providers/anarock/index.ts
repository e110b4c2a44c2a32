import type { ProviderAdapter } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

/** Anarock (India) lead callbacks: full lead snapshots on every change (providers.md §1.1). */
export const anarock: ProviderAdapter = {
  id: 'anarock',
  displayName: 'Anarock',
  homeCountry: 'IN',
  authMethod: 'url_secret',
  authenticate,
  parse,
  normalize,
  setup: {
    steps: [
      'Copy the webhook URL leadhook printed for this source.',
      'Send it to your Anarock PoC (or paste it as the callback URL where your Anarock account offers one) and ask them to POST lead updates to it.',
      'Anarock sends no credential with its callbacks: the unguessable URL is the credential, so keep it private; if it leaks, run `leadhook sources rotate-url <id>` and give Anarock the new URL (the old one keeps working for 24 hours, on the same source).',
      'Every change to a lead (status, agent, note, call, event, disposition) arrives as a full snapshot; leadhook dedupes repeats and builds the timeline.',
    ],
  },
};
