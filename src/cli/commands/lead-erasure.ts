import type { HeldRequest, LeadErasure } from '../../storage/port.js';
import { isFlagSet, stringFlag, usageError } from '../args.js';
import { query, seg, type Command, type CommandContext } from '../command.js';
import { fields, json, moreHint, printable, table, time } from '../format.js';

/** `leadhook leads erase|held|apply-held|discard-held`: erase a person's personal data, decide on held webhooks. */

type Erasure = LeadErasure;
type Held = HeldRequest;

const BY_OPTION = { by: { type: 'string' } } as const;
const BY_HELP = '--by     who asked for it, recorded with the admin identity (e.g. "ticket 4711, dpo@example.com")';

function byQuery(ctx: CommandContext): string {
  return query({ by: stringFlag(ctx.values, 'by') });
}

function requireYes(ctx: CommandContext, usage: string, what: string): void {
  if (!isFlagSet(ctx.values, 'yes')) throw usageError(`${what} cannot be undone: add --yes to confirm`, usage);
}

const ERASE_USAGE = 'leads erase <id> --yes [--by TEXT]';

async function erase(ctx: CommandContext): Promise<void> {
  requireYes(ctx, ERASE_USAGE, 'Erasing a person’s personal data');
  const qs = query({ erase: 'personal-data', by: stringFlag(ctx.values, 'by') });
  const e = (await ctx.api.request('DELETE', `/api/leads/${seg(ctx.args[0] ?? '')}${qs}`)) as Erasure;
  if (ctx.isJson) return ctx.out(json(e));
  const n = e.erased;
  ctx.out(
    fields([
      ['Lead', e.leadId],
      ['Erased at', time(e.erasedAt)],
      ['By', `${e.actor}${e.requestedBy === null ? '' : ` (${printable(e.requestedBy)})`}${e.remoteAddress === null ? '' : ` from ${e.remoteAddress}`}`],
      ['Lead fields', n.leadFields.length === 0 ? '(none held data)' : n.leadFields.join(', ')],
      ['Timeline', `${n.timelineEntries} entries redacted`],
      ['Requests', `${n.requests} stored bodies redacted (${n.requestsItemOnly} of them only this lead's items of a batch)`],
      ['Held', `${n.heldDiscarded} waiting webhooks discarded`],
      ['Events', `${n.events} event bodies redacted (deliveries not sent yet send the redacted lead)`],
      ['Attempts', `${n.attemptResponses} receiver responses cleared`],
      ['Destinations', `${n.destinationsNotified ?? 0} told to erase their copy (a lead.erased event each, sent after the lead's earlier events)`],
    ]) + 'A new webhook for this lead will be held: see `leadhook leads held`.\n',
  );
}

async function held(ctx: CommandContext): Promise<void> {
  const qs = query({ all: isFlagSet(ctx.values, 'all') ? 'true' : undefined, limit: stringFlag(ctx.values, 'limit'), cursor: stringFlag(ctx.values, 'cursor') });
  const page = (await ctx.api.request('GET', `/api/requests/held${qs}`)) as { items: Held[]; nextCursor: string | null };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No held webhooks.\n');
  const rows = page.items.map((h) => [h.requestId, h.leadId, time(h.receivedAt), h.resolution ?? 'waiting', h.resolvedBy === null ? null : `${h.resolvedBy} ${time(h.resolvedAt) ?? ''}`]);
  ctx.out(table(['request', 'lead', 'received', 'decision', 'decided'], rows) + moreHint(page.nextCursor, ctx.argv));
}

async function applyHeld(ctx: CommandContext): Promise<void> {
  const out = (await ctx.api.request('POST', `/api/requests/${seg(ctx.args[0] ?? '')}/apply${byQuery(ctx)}`)) as {
    held: Held[];
    leads: { id: string; outcome: string }[];
    quarantinedCount?: number;
  };
  if (ctx.isJson) return ctx.out(json(out));
  const leads = out.leads.map((l) => `${l.id} ${l.outcome}`).join(', ') || '(none)';
  ctx.out(`Applied request ${printable(ctx.args[0] ?? '')}: ${leads}. These leads take new webhooks again.\n`);
}

const DISCARD_USAGE = 'leads discard-held <request-id> --yes [--by TEXT]';

async function discardHeld(ctx: CommandContext): Promise<void> {
  requireYes(ctx, DISCARD_USAGE, 'Discarding a held webhook');
  const out = (await ctx.api.request('POST', `/api/requests/${seg(ctx.args[0] ?? '')}/discard${byQuery(ctx)}`)) as { held: Held[] };
  if (ctx.isJson) return ctx.out(json(out));
  ctx.out(`Discarded request ${printable(ctx.args[0] ?? '')}: the items of ${out.held.map((h) => h.leadId).join(', ')} were redacted from its body; the leads stay erased.\n`);
}

/** The erasure commands of the `leads` group. */
export const erasureCommands: Readonly<Record<string, Command>> = {
  erase: {
    usage: ERASE_USAGE,
    summary: "erase a person's personal data from a lead and every copy leadhook keeps",
    args: ['id'],
    options: { yes: { type: 'boolean' }, ...BY_OPTION },
    details: [
      'Empties name, e-mail, phones, message and free-text provider fields; keeps stage, ids and times.',
      'Redacts the timeline, stored request bodies (their sha256 stays: retries stay duplicates), event bodies.',
      'Later webhooks for the lead are held until `leads apply-held` or `leads discard-held`.',
      BY_HELP,
    ],
    run: erase,
  },
  held: {
    usage: 'leads held [--all] [--limit N] [--cursor C]',
    summary: 'webhooks held because their lead was erased (waiting ones; --all for decided ones too)',
    args: [],
    options: { all: { type: 'boolean' }, limit: { type: 'string' }, cursor: { type: 'string' } },
    run: held,
  },
  'apply-held': {
    usage: 'leads apply-held <request-id> [--by TEXT]',
    summary: 'apply a held webhook: its leads take webhooks again and it is reprocessed',
    args: ['request-id'],
    options: BY_OPTION,
    details: [BY_HELP],
    run: applyHeld,
  },
  'discard-held': {
    usage: DISCARD_USAGE,
    summary: "discard a held webhook: its erased leads' items are redacted from it",
    args: ['request-id'],
    options: { yes: { type: 'boolean' }, ...BY_OPTION },
    details: [BY_HELP],
    run: discardHeld,
  },
};
