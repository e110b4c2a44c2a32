import type { FastifyInstance } from 'fastify';
import { HubError, hubError } from '../../core/errors.js';
import { STAGES } from '../../core/lead.js';
import { normalizeEmail } from '../../core/normalize/email.js';
import { phoneSearchCandidates } from '../../core/normalize/phone.js';
import { text } from '../../core/normalize/text.js';
import { isProviderId, providers } from '../../providers/index.js';
import type { LeadQuery, Store } from '../../storage/port.js';

interface LeadsQueryIn {
  phone?: string;
  email?: string;
  q?: string;
  stage?: string;
  provider?: string;
  sourceId?: string;
  limit?: number;
  cursor?: string;
}

const str = { type: 'string', minLength: 1, maxLength: 500 } as const;

/** The regions a typed phone number is read in: every provider's home country. */
const SEARCH_REGIONS = [...new Set(Object.values(providers).map((p) => p.homeCountry))];

/** `GET /api/leads`, `GET /api/leads/:id`. */
export function leadRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: LeadsQueryIn }>(
    '/api/leads',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { phone: str, email: str, q: str, stage: str, provider: str, sourceId: str, cursor: str, limit: { type: 'integer', minimum: 1, maximum: 500 } },
        },
      },
    },
    async (request) => store.listLeads(toLeadQuery(request.query)),
  );

  app.get<{ Params: { id: string } }>('/api/leads/:id', async (request) => {
    const lead = await store.getLead(request.params.id);
    if (lead === null) throw hubError('LH_E_LEAD_NOT_FOUND', request.params.id);
    return lead;
  });
}

function toLeadQuery(q: LeadsQueryIn): LeadQuery {
  const query: LeadQuery = { limit: q.limit ?? 50 };
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
  if (q.cursor !== undefined) query.cursor = q.cursor;
  return query;
}
