import type { ItemOutcome, RequestReprocess, StoredRequest } from '../../storage/port.js';
import type { RefusalCounts } from '../../storage/refusal-port.js';
import { stringFlag } from '../args.js';
import { query, seg, type CommandContext, type CommandGroup } from '../command.js';
import { bodyBlock, fields, json, moreHint, printable, table, time } from '../format.js';

/** `GET /api/requests/:id`: the stored request with its exact body (text, else base64). */
interface RequestOut extends StoredRequest {
  body: string | null;
  bodyBase64: string | null;
  authPayload?: unknown;
  reprocesses: RequestReprocess[];
}

/** A refused webhook (`status=rejected`, ids `rej_…`), as src/http/routes/refusal-out.ts shows it. */
interface RefusalOut {
  id: string;
  sourceId: string;
  provider: string;
  receivedAt: string;
  status: 'rejected';
  httpStatus: number;
  reason: string;
  detail: string;
  contentType: string | null;
  headers: Record<string, string>;
  headersOmitted: number;
  bodySize: number;
  bodyExcerpt: string | null;
  bodyExcerptBase64: string | null;
  bodyTruncated: boolean;
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
  const status = stringFlag(v, 'status');
  const qs = query({ sourceId: stringFlag(v, 'source'), status, limit: stringFlag(v, 'limit'), cursor: stringFlag(v, 'cursor') });
  if (status === 'rejected') return listRefusals(ctx, qs);
  const page = (await ctx.api.request('GET', `/api/requests${qs}`)) as { items: StoredRequest[]; nextCursor: string | null; refusals?: RefusalCounts };
  if (ctx.isJson) return ctx.out(json(page));
  const refused = refusedHint(page.refusals);
  if (page.items.length === 0) return ctx.out(`No stored requests found.\n${refused}`);
  const rows = page.items.map((r) => [
    r.id,
    r.sourceId,
    r.provider,
    time(r.receivedAt),
    r.status,
    r.httpStatus,
    r.bodySize,
    r.reprocessCount > 0 ? `${r.reprocessCount}×, last ${time(r.reprocessedAt) ?? '-'}` : null,
    r.reason ?? r.items.map((i) => i.outcome).join(','),
  ]);
  ctx.out(table(['id', 'source', 'provider', 'received', 'status', 'http', 'bytes', 'reprocessed', 'items / reason'], rows) + moreHint(page.nextCursor, ctx.argv) + refused);
}

/** A line saying webhooks were refused (wrong or missing credentials), and how to see them; '' when none. */
function refusedHint(counts: RefusalCounts | undefined): string {
  if (counts === undefined || counts.total === 0) return '';
  return `\n${counts.total} webhook(s) refused for wrong or missing credentials since ${time(counts.since) ?? '-'}, the last at ${time(counts.lastAt) ?? '-'}: leadhook requests list --status rejected\n`;
}

/** The refused webhooks kept (the last 50 per source), newest first. */
async function listRefusals(ctx: CommandContext, qs: string): Promise<void> {
  const page = (await ctx.api.request('GET', `/api/requests${qs}`)) as { items: RefusalOut[]; nextCursor: string | null };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No refused webhooks kept.\n');
  const rows = page.items.map((r) => [r.id, r.sourceId, r.provider, time(r.receivedAt), r.status, r.httpStatus, r.bodySize, `${r.reason}: ${r.detail}`]);
  ctx.out(table(['id', 'source', 'provider', 'received', 'status', 'http', 'bytes', 'reason'], rows) + moreHint(page.nextCursor, ctx.argv));
}

/**
 * The stored body, labelled: UTF-8 text (the API sends text with control characters as base64 too)
 * line by line behind a gutter with every unsafe character escaped, anything else as base64.
 */
function bodySection(label: string, body: string | null, bodyBase64: string | null): string {
  const bytes = body === null ? Buffer.from(bodyBase64 ?? '', 'base64') : null;
  const text = bytes === null ? body : bytes.toString('utf8');
  if (text === null || (bytes !== null && !Buffer.from(text, 'utf8').equals(bytes))) return `${label} (not UTF-8 text; base64):\n  ${bodyBase64 ?? ''}\n`;
  return `${label} (as text, each line behind "  | "; control and bidi characters shown as \\x.. / \\u.... escapes):\n${bodyBlock(text)}`;
}

/** Header names and values are the sender's: printed inert, like every byte of the body. */
function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers).map(([k, v]) => `  ${printable(k)}: ${printable(v)}`).join('\n');
}

/** The reprocesses kept, oldest first: when, the status and counts each came to (the request's own outcome is above). */
function reprocessSection(r: RequestOut): string {
  if (r.reprocessCount === 0) return '';
  const kept = r.reprocesses.length;
  const label = kept === r.reprocessCount ? `Reprocesses (${kept}, oldest first):` : `Reprocesses (${r.reprocessCount} in all; the last ${kept}, oldest first):`;
  if (kept === 0) return `${label}\n  (none kept: reprocessed before this version recorded each)\n`;
  const rows = r.reprocesses.map((p) => {
    const c = p.itemCounts;
    return [time(p.at), p.status, c.created, c.updated, c.duplicate, c.stale, c.quarantined, p.reason];
  });
  return `${label}\n${table(['at', 'status', 'created', 'updated', 'duplicate', 'stale', 'quarantined', 'reason'], rows)}`;
}

/** A refused webhook: why, its headers (credentials redacted) and the start of its body (never processed). */
function showRefusal(r: RefusalOut): string {
  const head = fields([
    ['Refused webhook', r.id],
    ['Source', `${r.sourceId} (${r.provider})`],
    ['Received', time(r.receivedAt)],
    ['Status', `rejected (answered HTTP ${r.httpStatus}); not stored, not processed`],
    ['Reason', `${r.reason}: ${r.detail}`],
    ['Content type', r.contentType],
    ['Body', `${r.bodySize} bytes${r.bodyTruncated ? ', the first ones kept' : ''}`],
  ]);
  const omitted = r.headersOmitted > 0 ? `\n  (${r.headersOmitted} more not kept)` : '';
  const label = r.bodyTruncated ? 'Body excerpt' : 'Body';
  return `${head}\nHeaders (credentials redacted):\n${headerLines(r.headers)}${omitted}\n\n${bodySection(label, r.bodyExcerpt, r.bodyExcerptBase64)}`;
}

async function show(ctx: CommandContext): Promise<void> {
  const answer = (await ctx.api.request('GET', `/api/requests/${seg(ctx.args[0] ?? '')}`)) as RequestOut | RefusalOut;
  if (ctx.isJson) return ctx.out(json(answer));
  if (answer.status === 'rejected') return ctx.out(showRefusal(answer));
  const r = answer;
  const head = fields([
    ['Request', r.id],
    ['Source', `${r.sourceId} (${r.provider})`],
    ['Received', time(r.receivedAt)],
    ['Status', `${r.status} (answered HTTP ${r.httpStatus}; reprocessing never changes it)`],
    ['Reason', r.reason],
    ['Reprocessed', r.reprocessCount === 0 ? null : `${r.reprocessCount}×, last ${time(r.reprocessedAt) ?? '-'}`],
    ['Content type', r.contentType],
    ['Body', `${r.bodySize} bytes, sha256 ${r.bodySha256}`],
  ]);
  ctx.out(`${head}\nItems:\n${itemsTable(r.items)}\n${reprocessSection(r)}Headers (credentials redacted):\n${headerLines(r.headers)}\n\n${bodySection('Body', r.body, r.bodyBase64)}`);
}

async function reprocess(ctx: CommandContext): Promise<void> {
  const r = (await ctx.api.request('POST', `/api/requests/${seg(ctx.args[0] ?? '')}/reprocess`)) as ReprocessOut;
  if (ctx.isJson) return ctx.out(json(r));
  const rows = [
    ...r.leads.map((l) => [l.outcome, l.id, l.providerLeadId, null]),
    ...(r.quarantined ?? []).map((q) => ['quarantined', null, q.providerLeadId, q.reason]),
  ];
  const items = rows.length === 0 ? '  (no lead items)\n' : table(['outcome', 'lead', 'provider lead id', 'reason'], rows);
  ctx.out(`Reprocessed ${r.requestId} through the current mapping: status ${r.status}.\n${items}(Recorded beside the request, which keeps the outcome it was answered with: leadhook requests show ${r.requestId})\n`);
}

/** `leadhook requests …`: the stored inbound requests (exact bytes), and replaying them. */
export const requests: CommandGroup = {
  name: 'requests',
  summary: 'inspect stored and refused webhook requests, and reprocess stored ones',
  commands: {
    list: {
      usage: 'requests list [--source ID] [--status S] [--limit N] [--cursor C]',
      summary: 'list stored requests, newest first',
      args: [],
      options: { source: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
      details: [
        '--status  accepted, duplicate or quarantined (the outcome each request was answered with),',
        '          or rejected: webhooks refused for wrong or missing credentials (the last 50 per source)',
      ],
      run: list,
    },
    show: {
      usage: 'requests show <id>',
      summary: 'show a stored request (outcome, reprocesses, headers redacted, exact body) or a refused one (rej_…)',
      args: ['id'],
      options: {},
      run: show,
    },
    reprocess: {
      usage: 'requests reprocess <id>',
      summary: 'run a stored request through the current mapping again (safe to repeat)',
      args: ['id'],
      options: {},
      run: reprocess,
    },
  },
};
