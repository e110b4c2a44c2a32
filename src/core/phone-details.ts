import type { Person } from './lead.js';

/**
 * The other phones and the extension after an update: they belong to the number in `phone`, so
 * an update with a valid number brings its own (none included), and one without keeps the stored
 * ones. A lead stored before these fields existed has none.
 *
 * @example phoneDetailsAfter(stored, { ...next, phone: '+919820012345', otherPhones: [], phoneExtension: '2' }) // { otherPhones: [], phoneExtension: '2' }
 */
export function phoneDetailsAfter(old: Person, next: Person): Pick<Person, 'otherPhones' | 'phoneExtension'> {
  if (next.phone !== null) return { otherPhones: [...next.otherPhones], phoneExtension: next.phoneExtension };
  return { otherPhones: [...(old.otherPhones ?? [])], phoneExtension: old.phoneExtension ?? null };
}
