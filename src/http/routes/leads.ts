import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { readBound } from '../../core/date-bounds.js';
import { STAGES } from '../../core/lead.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { phoneSearchCandidates } from '../../core/normalize/phone.js';
import { text } from '../../core/normalize/text.js';
import { isProviderId, providers } from '../../providers/index.js';
import type { LeadQuery, Store } from '../../storage/port.js';
import { answer, idParams, operation, page, ref } from '../openapi-schemas.js';
import { ERASURE_BY, erasureActor } from './held-requests.js';

/** The query of `GET /api/leads` (and, without cursor and limit, of `GET /api/leads.csv`). */
export interface LeadsQueryIn {
  phone?: string;
  email?: string;
  q?: string;
  stage?: string;
  provider?: string;
  sourceId?: string;
  isTest?: 'true' | 'false' | 'all';
  firstSeenSince?: string;
  firstSeenUntil?: string;
  lastActivitySince?: string;
  lastActivityUntil?: string;
  limit?: number;
  cursor?: string;
}

/** The date filters: query parameter, how it bounds, and the LeadQuery field it sets. */
const DATE_FILTERS = [
  ['firstSeenSince', 'since'],
  ['firstSeenUntil', 'until'],
  ['lastActivitySince', 'since'],
  ['lastActivityUntil', 'until'],
] as const;

export interface LeadRouteOptions {
  /** IANA zone plain dates of the date filters are read in (`LEADHOOK_TIMEZONE`). */
  timeZone: string;
}

const str = { type: 'string', minLength: 1, maxLength: 500 } as const;
/** A date filter: read by readBound, which names the formats it takes. */
const dateFilter = { ...str, description: 'A date (2026-12-01, read in LEADHOOK_TIMEZONE) or an ISO 8601 time' } as const;
const params = idParams('lead');

/** The filters of `GET /api/leads` as query-string schema properties (paging apart); `GET /api/leads.csv` takes the same. */
export const LEAD_FILTERS = {
  phone: { ...str, description: 'A phone number as typed, in any format' },
  email: str,
  q: { ...str, description: 'Text found in a name, e-mail, phone or id' },
  stage: { ...str, description: `One of ${STAGES.join(', ')}` },
  provider: { ...str, description: `One of ${Object.keys(providers).join(', ')}` },
  sourceId: str,
  isTest: { type: 'string', enum: ['true', 'false', 'all'], description: 'Test leads: only them (true), none (false, the default) or both (all)' },
  firstSeenSince: dateFilter,
  firstSeenUntil: dateFilter,
  lastActivitySince: dateFilter,
  lastActivityUntil: dateFilter,
} as const;

/** The regions a typed phone number is read in: every provider's home country. */
const SEARCH_REGIONS = [...new Set(Object.values(providers).map((p) => p.homeCountry))];

/** `GET /api/leads`, `GET /api/leads/:id`, `DELETE /api/leads/:id?erase=personal-data`. */
export function leadRoutes(app: FastifyInstance, store: Store, options: LeadRouteOptions = { timeZone: 'UTC' }): void {
  app.get<{ Querystring: LeadsQueryIn }>(
    '/api/leads',
    {
      schema: {
        ...operation('leads', 'listLeads', 'Find leads by phone, e-mail, text, stage, provider, source or dates, newest first', { 200: answer('A page of leads', page('Lead', 'Leads')) }),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LEAD_FILTERS,
            cursor: str,
            limit: { type: 'integer', minimum: 1, maximum: 500, description: 'Default 50' },
          },
        },
      },
    },
    async (request) => store.listLeads(toLeadQuery(request.query, options.timeZone)),
  );

  // An erased lead answers 200 like any other, with its personal data emptied, `erasedAt`, and the
  // audit stub in `erasure` (src/storage/sqlite/erase-lead.ts).
  app.get<{ Params: { id: string } }>(
    '/api/leads/:id',
    { schema: { ...operation('leads', 'getLead', 'One lead, with its timeline', { 200: answer('The lead', ref('Lead')) }), params } },
    async (request) => {
      const lead = await store.getLead(request.params.id);
      if (lead === null) throw hubError('LH_E_LEAD_NOT_FOUND', request.params.id);
      const erasure = await store.getLeadErasure(lead.id);
      return erasure === null ? lead : { ...lead, erasedAt: erasure.erasedAt, erasure };
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { erase?: string; by?: string } }>(
    '/api/leads/:id',
    {
      schema: {
        ...operation('leads', 'eraseLead', "Erase a lead's personal data (?erase=personal-data); its stage, ids and times are kept", { 200: answer('What was erased', ref('LeadErasure')) }),
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { erase: { ...str, description: 'Must be personal-data' }, by: ERASURE_BY } },
      },
    },
    async (request) => {
      if (request.query.erase !== 'personal-data') {
        throw new HubError('LH_E_VALIDATION', [
          'erase must be personal-data (DELETE /api/leads/:id?erase=personal-data): a lead is never deleted, its personal data is erased and its stage, ids and times are kept',
        ]);
      }
      const erasure = await store.eraseLead(request.params.id, erasureActor(request), new Date().toISOString());
      if (erasure === null) throw hubError('LH_E_LEAD_NOT_FOUND', request.params.id);
      return erasure;
    },
  );
}

/** Read the date filters into the query: ISO UTC bounds, or a 400 naming the parameter and the formats. */
function addDateBounds(query: LeadQuery, q: LeadsQueryIn, timeZone: string): void {
  for (const [field, kind] of DATE_FILTERS) {
    const value = q[field];
    if (value === undefined) continue;
    const read = readBound(field, value, kind, timeZone);
    if (!read.ok) throw new HubError('LH_E_VALIDATION', [read.message]);
    query[field] = read.bound.kind === 'since' ? read.bound.atOrAfter : read.bound.atOrBefore;
  }
  for (const on of ['firstSeen', 'lastActivity'] as const) {
    const since = query[`${on}Since`];
    const until = query[`${on}Until`];
    if (since !== undefined && until !== undefined && since > until) {
      throw new HubError('LH_E_VALIDATION', [`${on}Since (${since}) is after ${on}Until (${until}): no lead can match`]);
    }
  }
}

/**
 * The store query of a `GET /api/leads` query: filters read and checked (a 400 naming the parameter
 * otherwise), test leads left out unless asked for, 50 a page unless told.
 */
export function toLeadQuery(q: LeadsQueryIn, timeZone: string): LeadQuery {
  const query: LeadQuery = { limit: q.limit ?? 50 };
  addDateBounds(query, q, timeZone);
  if (q.stage !== undefined) {
    if (!(STAGES as readonly string[]).includes(q.stage)) throw new HubError('LH_E_VALIDATION', [`stage must be one of ${STAGES.join(', ')}`]);
    query.stage = q.stage;
  }
  if (q.provider !== undefined) {
    if (!isProviderId(q.provider)) throw hubError('LH_E_UNKNOWN_PROVIDER', JSON.stringify(q.provider), Object.keys(providers).join(', '));
    query.provider = q.provider;
  }
  if (q.phone !== undefined) query.phones = phoneSearchCandidates(q.phone, SEARCH_REGIONS);
  if (q.email !== undefined) query.email = normalizeEmail(q.email).value ?? q.email.trim().toLowerCase();
  if (q.q !== undefined) {
    // The same normalization as the names, e-mails and ids it is matched against (NFC, Unicode
    // spaces as spaces, trimmed), so that any text found in a lead finds that lead.
    const searched = text(q.q);
    if (searched === null) throw new HubError('LH_E_VALIDATION', ['q has no text to search for: give the text, or leave q out to list every lead']);
    query.q = searched;
  }
  if (q.sourceId !== undefined) query.sourceId = q.sourceId;
  // Test leads (a provider's test flag) only when asked for: `true` lists only them, `all` every lead.
  if (q.isTest !== 'all') query.isTest = q.isTest === 'true';
  if (q.cursor !== undefined) query.cursor = q.cursor;
  return query;
}
