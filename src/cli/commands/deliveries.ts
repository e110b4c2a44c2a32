import type { AttemptRecord, DeliveryRecord } from '../../storage/delivery-port.js';
import { stringFlag } from '../args.js';
import { query, seg, type CommandContext, type CommandGroup } from '../command.js';
import { cell, fields, json, moreHint, printable, table, time } from '../format.js';

/** `GET /api/deliveries/:id`: the delivery with its attempts and the exact event body it sends. */
interface DeliveryOut extends DeliveryRecord {
  attempts: AttemptRecord[];
  event: unknown;
}

/** Longest response snippet shown in a table cell (the API keeps 1 KiB; `--json` has all of it). */
const SNIPPET_CELL = 120;

/** The last answer in one cell: the HTTP status, else the error. */
function lastAnswer(d: DeliveryRecord): string | null {
  if (d.lastStatusCode !== null) return d.lastError === null ? String(d.lastStatusCode) : `${d.lastStatusCode} ${d.lastError}`;
  return d.lastError;
}

/** When it was delivered, or when the next attempt is due. */
function when(d: DeliveryRecord): string | null {
  if (d.status === 'succeeded') return `delivered ${time(d.deliveredAt)}`;
  if (d.status === 'pending' && d.nextAttemptAt !== null) return `next ${time(d.nextAttemptAt)}`;
  return null;
}

async function list(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const qs = query({
    destinationId: stringFlag(v, 'destination'),
    status: stringFlag(v, 'status'),
    leadId: stringFlag(v, 'lead'),
    limit: stringFlag(v, 'limit'),
    cursor: stringFlag(v, 'cursor'),
  });
  const page = (await ctx.api.request('GET', `/api/deliveries${qs}`)) as { items: DeliveryRecord[]; nextCursor: string | null };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No deliveries found.\n');
  const rows = page.items.map((d) => [d.id, d.destinationId, d.eventType, d.leadId, d.status, d.attemptCount, lastAnswer(d), time(d.createdAt), when(d)]);
  ctx.out(table(['id', 'destination', 'event', 'lead', 'status', 'tries', 'last answer', 'created', 'delivered / next'], rows) + moreHint(page.nextCursor, ctx.argv));
}

async function show(ctx: CommandContext): Promise<void> {
  const d = (await ctx.api.request('GET', `/api/deliveries/${seg(ctx.args[0] ?? '')}`)) as DeliveryOut;
  if (ctx.isJson) return ctx.out(json(d));
  const head = fields([
    ['Delivery', d.id],
    ['Event', `${d.eventType} ${d.eventId} (the webhook-id of every attempt)`],
    ['Destination', d.destinationId],
    ['Lead', d.leadId],
    ['Status', d.status],
    ['Next attempt', d.status === 'pending' ? time(d.nextAttemptAt) : undefined],
    ['Delivered', d.deliveredAt === null ? undefined : time(d.deliveredAt)],
    ['Created', time(d.createdAt)],
    ['Updated', time(d.updatedAt)],
  ]);
  const rows = d.attempts.map((a) => [a.attemptNumber, time(a.startedAt), a.statusCode ?? 'none', `${a.latencyMs} ms`, a.error, a.responseSnippet === null ? null : cell(a.responseSnippet, SNIPPET_CELL)]);
  const attempts = rows.length === 0 ? '  (none yet)\n' : table(['#', 'time', 'status', 'latency', 'error', 'response'], rows);
  const retry =
    d.status === 'failed'
      ? `\nSend it again with: leadhook deliveries retry ${d.id}\n`
      : d.status === 'filtered'
        ? `\nFiltered by its destination's rule: ${printable(d.lastError ?? 'no reason recorded')}\nEvaluate the current rule again with: leadhook deliveries retry ${d.id}\n`
        : '';
  ctx.out(`${head}\nAttempts (${d.attempts.length}):\n${attempts}${retry}`);
}

async function retry(ctx: CommandContext): Promise<void> {
  const d = (await ctx.api.request('POST', `/api/deliveries/${seg(ctx.args[0] ?? '')}/retry`)) as DeliveryRecord;
  if (ctx.isJson) return ctx.out(json(d));
  ctx.out(`Queued delivery ${d.id} (${d.eventType}) to be sent again now, with a fresh retry schedule and the same webhook-id.\nFollow it with: leadhook deliveries show ${d.id}\n`);
}

/** `leadhook deliveries …`: what was sent to each destination, every attempt, and retrying. */
export const deliveries: CommandGroup = {
  name: 'deliveries',
  summary: 'see what was forwarded to each destination, and retry',
  commands: {
    list: {
      usage: 'deliveries list [--destination ID] [--status S] [--lead ID] [--limit N] [--cursor C]',
      summary: 'list deliveries, newest first',
      args: [],
      options: { destination: { type: 'string' }, status: { type: 'string' }, lead: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
      details: ['--status  pending, delivering, succeeded, failed or filtered (its destination\'s rule said no)', '--limit   1 to 500 (default 50); --cursor continues a previous page'],
      run: list,
    },
    show: {
      usage: 'deliveries show <id>',
      summary: 'show a delivery and its attempts: time, status, latency, error, response',
      args: ['id'],
      options: {},
      run: show,
    },
    retry: {
      usage: 'deliveries retry <id>',
      summary: 'send a delivery again now (e.g. a failed one), with a fresh retry schedule',
      args: ['id'],
      options: {},
      run: retry,
    },
  },
};
