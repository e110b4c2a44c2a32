import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { csvRow } from '../../core/csv.js';
import type { Lead } from '../../core/lead.js';
import { localDate } from '../../core/stats-range.js';
import type { LeadQuery, Page, Store } from '../../storage/port.js';
import { operation } from '../openapi-schemas.js';
import { LEAD_FILTERS, toLeadQuery, type LeadsQueryIn } from './leads.js';

/** Leads read per page of the export: memory holds about one page, whatever the export's size. */
export const CSV_PAGE_SIZE = 500;

/** The export's columns, in order (the console and the API contract name them). */
export const CSV_COLUMNS = ['id', 'name', 'phone', 'email', 'provider', 'sourceId', 'sourceName', 'stage', 'providerStatus', 'assignee', 'firstSeenAt', 'lastEventAt'] as const;

export interface LeadsCsvOptions {
  /** IANA zone of the date filters and of the file name's date (`LEADHOOK_TIMEZONE`). */
  timeZone: string;
}

/**
 * `GET /api/leads.csv`: the leads `GET /api/leads` finds with the same filters, every page of them,
 * as a CSV download (formula-safe cells, src/core/csv.ts). Streamed: a page is read from the store
 * only when the client has taken the one before (the response's backpressure), so an export of any
 * size holds about one page in memory. The first page is read before answering, so that a storage
 * fault is a 503, not a cut file; a fault later cuts the connection (the file is visibly incomplete).
 */
export function leadsCsvRoutes(app: FastifyInstance, store: Store, options: LeadsCsvOptions): void {
  app.get<{ Querystring: Omit<LeadsQueryIn, 'cursor' | 'limit'> }>(
    '/api/leads.csv',
    {
      schema: {
        ...operation('leads', 'exportLeadsCsv', 'The leads GET /api/leads finds, every page, as a CSV file (streamed; cells that a spreadsheet could run as formulas are prefixed with \')', {
          200: { description: `text/csv; charset=utf-8, columns ${CSV_COLUMNS.join(',')}`, content: { 'text/csv': { schema: { type: 'string' } } } },
        }),
        querystring: { type: 'object', additionalProperties: false, properties: LEAD_FILTERS },
      },
    },
    async (request, reply) => {
      const query = { ...toLeadQuery(request.query, options.timeZone), limit: CSV_PAGE_SIZE };
      const first = await store.listLeads(query);
      const date = localDate(new Date(), options.timeZone);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="leads-${date}.csv"`)
        .send(leadsCsvStream(store, query, first));
    },
  );
}

/**
 * The export as a byte stream: the header row, then `first` and each next page, read from the store
 * only when less than `highWaterMark` bytes are buffered (a page is more: one page ahead at most).
 */
export function leadsCsvStream(store: Pick<Store, 'listLeads' | 'getSource'>, query: LeadQuery, first: Page<Lead>, highWaterMark = 64 * 1024): Readable {
  return Readable.from(csvChunks(store, query, first), { objectMode: false, highWaterMark });
}

/** The header row, then one chunk of rows per page, the next page read only when asked for. */
async function* csvChunks(store: Pick<Store, 'listLeads' | 'getSource'>, query: LeadQuery, first: Page<Lead>): AsyncGenerator<Buffer> {
  const sourceName = sourceNames(store);
  yield Buffer.from(csvRow(CSV_COLUMNS), 'utf8');
  let page = first;
  for (;;) {
    const rows: string[] = [];
    for (const lead of page.items) rows.push(csvRow(leadCells(lead, await sourceName(lead.sourceId))));
    if (rows.length > 0) yield Buffer.from(rows.join(''), 'utf8');
    if (page.nextCursor === null) return;
    page = await store.listLeads({ ...query, cursor: page.nextCursor });
  }
}

/** One lead's cells, in {@link CSV_COLUMNS} order. */
export function leadCells(lead: Lead, sourceName: string | null): (string | null)[] {
  const p = lead.person;
  const name = p.fullName ?? ([p.firstName, p.lastName].filter((n) => n !== null).join(' ') || null);
  return [
    lead.id,
    name,
    p.phone ?? p.phoneRaw,
    p.email ?? p.emailRaw,
    lead.provider,
    lead.sourceId,
    sourceName,
    lead.stage,
    lead.providerStatus,
    lead.assignee?.name ?? lead.assignee?.email ?? null,
    lead.firstSeenAt,
    lead.lastEventAt,
  ];
}

/** Source names by id, each read once per export (deleted sources keep theirs). */
function sourceNames(store: Pick<Store, 'getSource'>): (id: string) => Promise<string | null> {
  const names = new Map<string, string | null>();
  return async (id) => {
    if (!names.has(id)) names.set(id, (await store.getSource(id))?.name ?? null);
    return names.get(id) ?? null;
  };
}
