import type { ProviderId } from './types.js';

/** The providers leadhook reads, in the order the console lists them, with their names. */
export const PROVIDERS: readonly { id: ProviderId; label: string }[] = [
  { id: 'anarock', label: 'Anarock' },
  { id: 'leadpro', label: 'LeadPro' },
  { id: 'casayes', label: 'CasaYes' },
  { id: 'praetorian', label: 'Praetorian' },
];

/** The provider's name ("LeadPro"), or the id itself for one the console does not know. */
export function providerLabel(id: string): string {
  return PROVIDERS.find((p) => p.id === id)?.label ?? id;
}
