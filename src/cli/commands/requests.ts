import type { ItemOutcome, StoredRequest } from '../../storage/port.js';
import { stringFlag } from '../args.js';
import { query, seg, type CommandContext, type CommandGroup } from '../command.js';
import { bodyBlock, fields, json, moreHint, printable, table, time } from '../format.js';

/** `GET /api/requests/:id`: the stored request with its exact body (text, else base64). */
interface RequestOut extends StoredRequest {
  body: string | null;
  bodyBase64: string | null;
  authPayload?: unknown;
}

interface ReprocessOut {
  status: string;
  requestId: string;
  leads: { id: string; providerLeadId: string | null; outcome: string }[];
  quarantined?: { index: number; providerLeadId: string | null; reason: string }[];
}

function itemsTable(items: readonly ItemOutcome[]): string {
  if (items.length === 0) return '  (none)\n';
  return table(['item', 'outcome', 'lead', 'provider lead id', 'reason'], items.map((i) => [i.index, i.outcome, i.leadId, i.providerLeadId, i.reason]));
}

async function list(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const qs = query({ sourceId: stringFlag(v, 'source'), status: stringFlag(v, 'status'), limit: stringFlag(v, 'limit'), cursor: stringFlag(v, 'cursor') });
  const page = (await ctx.api.request('GET', `/api/requests${qs}`)) as { items: StoredRequest[]; nextCursor: string | null };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No stored requests found.\n');
  const rows = page.items.map((r) => [r.id, r.sourceId, r.provider, time(r.receivedAt), r.status, r.httpStatus, r.bodySize, r.reason ?? r.items.map((i) => i.outcome).join(',')]);
  ctx.out(table(['id', 'source', 'provider', 'received', 'status', 'http', 'bytes', 'items / reason'], rows) + moreHint(page.nextCursor, ctx.argv));
}

/**
 * The stored body, labelled: UTF-8 text (the API sends text with control characters as base64 too)
 * line by line behind a gutter with every unsafe character escaped, anything else as base64.
 */
function bodySection(r: RequestOut): string {
  const bytes = r.body === null ? Buffer.from(r.bodyBase64 ?? '', 'base64') : null;
  const text = bytes === null ? r.body : bytes.toString('utf8');
  if (text === null || (bytes !== null && !Buffer.from(text, 'utf8').equals(bytes))) return `Body (not UTF-8 text; base64):\n  ${r.bodyBase64 ?? ''}\n`;
  return `Body (as text, each line behind "  | "; control and bidi characters shown as \\x.. / \\u.... escapes):\n${bodyBlock(text)}`;
}

async function show(ctx: CommandContext): Promise<void> {
  const r = (await ctx.api.request('GET', `/api/requests/${seg(ctx.args[0] ?? '')}`)) as RequestOut;
  if (ctx.isJson) return ctx.out(json(r));
  const head = fields([
    ['Request', r.id],
    ['Source', `${r.sourceId} (${r.provider})`],
    ['Received', time(r.receivedAt)],
    ['Status', `${r.status} (answered HTTP ${r.httpStatus})`],
    ['Reason', r.reason],
    ['Reprocessed', time(r.reprocessedAt)],
    ['Content type', r.contentType],
    ['Body', `${r.bodySize} bytes, sha256 ${r.bodySha256}`],
  ]);
  // Header names and values are the sender's: printed inert, like every byte of the body.
  const headers = Object.entries(r.headers).map(([k, v]) => `  ${printable(k)}: ${printable(v)}`).join('\n');
  ctx.out(`${head}\nItems:\n${itemsTable(r.items)}\nHeaders (credentials redacted):\n${headers}\n\n${bodySection(r)}`);
}

async function reprocess(ctx: CommandContext): Promise<void> {
  const r = (await ctx.api.request('POST', `/api/requests/${seg(ctx.args[0] ?? '')}/reprocess`)) as ReprocessOut;
  if (ctx.isJson) return ctx.out(json(r));
  const rows = [
    ...r.leads.map((l) => [l.outcome, l.id, l.providerLeadId, null]),
    ...(r.quarantined ?? []).map((q) => ['quarantined', null, q.providerLeadId, q.reason]),
  ];
  const items = rows.length === 0 ? '  (no lead items)\n' : table(['outcome', 'lead', 'provider lead id', 'reason'], rows);
  ctx.out(`Reprocessed ${r.requestId} through the current mapping: status ${r.status}.\n${items}`);
}

/** `leadhook requests …`: the stored inbound requests (exact bytes), and replaying them. */
export const requests: CommandGroup = {
  name: 'requests',
  summary: 'inspect stored webhook requests and reprocess quarantined ones',
  commands: {
    list: {
      usage: 'requests list [--source ID] [--status S] [--limit N] [--cursor C]',
      summary: 'list stored requests, newest first',
      args: [],
      options: { source: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
      details: ['--status  accepted, duplicate or quarantined'],
      run: list,
    },
    show: { usage: 'requests show <id>', summary: 'show a stored request: outcome, headers (redacted) and exact body', args: ['id'], options: {}, run: show },
    reprocess: {
      usage: 'requests reprocess <id>',
      summary: 'run a stored request through the current mapping again (safe to repeat)',
      args: ['id'],
      options: {},
      run: reprocess,
    },
  },
};
