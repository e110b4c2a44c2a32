import type { ProviderId } from '../core/lead.js';
import { PROVIDER_IDS } from '../core/lead.js';
import type { ProviderAdapter } from './adapter.js';
import { anarock } from './anarock/index.js';
import { casayes } from './casayes/index.js';
import { leadpro } from './leadpro/index.js';
import { praetorian } from './praetorian/index.js';

/** Every provider leadhook receives from, listed explicitly (no autoload: grep finds them). */
export const providers = { anarock, leadpro, casayes, praetorian } as const satisfies Record<ProviderId, ProviderAdapter>;

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

export function getProvider(id: ProviderId): ProviderAdapter {
  return providers[id];
}
