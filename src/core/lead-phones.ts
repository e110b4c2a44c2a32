import type { Lead } from './lead.js';

/**
 * Every number a lead is found by (`GET /api/leads?phone=`): its phone and its other phones
 * (`person.otherPhones`), E.164, each once, in that order. Both stores keep them in `lead_phones`
 * (SQLite migration 0014, PostgreSQL 0006, whose backfills read the same two fields of the document).
 * A lead stored before other phones existed has none; an erased lead has no number at all.
 *
 * @example leadPhones(lead) // ['+919820012345', '+919820054321']
 */
export function leadPhones(lead: Lead): string[] {
  const p = lead.person;
  const all = [p.phone, ...(p.otherPhones ?? [])].filter((v): v is string => typeof v === 'string' && v !== '');
  return [...new Set(all)];
}
