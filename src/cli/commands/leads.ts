import type { Lead, TimelineEntry } from '../../core/lead.js';
import { STAGES } from '../../core/lead.js';
import { stringFlag } from '../args.js';
import { query, seg, type CommandContext, type CommandGroup } from '../command.js';
import { fields, json, moreHint, table, time } from '../format.js';

const PAGE_OPTIONS = { limit: { type: 'string' }, cursor: { type: 'string' } } as const;
const FILTER_OPTIONS = {
  phone: { type: 'string' },
  email: { type: 'string' },
  stage: { type: 'string' },
  provider: { type: 'string' },
  source: { type: 'string' },
  ...PAGE_OPTIONS,
} as const;

interface LeadPage {
  items: Lead[];
  nextCursor: string | null;
}

function printPage(ctx: CommandContext, page: LeadPage): void {
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No leads found.\n');
  const rows = page.items.map((l) => [l.id, l.provider, l.stage, l.person.fullName, l.person.phone ?? l.person.phoneRaw, l.person.email ?? l.person.emailRaw, time(l.lastEventAt)]);
  ctx.out(table(['id', 'provider', 'stage', 'name', 'phone', 'email', 'last event'], rows) + moreHint(page.nextCursor, ctx.argv));
}

async function list(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const qs = query({
    phone: stringFlag(v, 'phone'),
    email: stringFlag(v, 'email'),
    stage: stringFlag(v, 'stage'),
    provider: stringFlag(v, 'provider'),
    sourceId: stringFlag(v, 'source'),
    limit: stringFlag(v, 'limit'),
    cursor: stringFlag(v, 'cursor'),
  });
  printPage(ctx, (await ctx.api.request('GET', `/api/leads${qs}`)) as LeadPage);
}

async function search(ctx: CommandContext): Promise<void> {
  const qs = query({ q: ctx.args[0], limit: stringFlag(ctx.values, 'limit'), cursor: stringFlag(ctx.values, 'cursor') });
  printPage(ctx, (await ctx.api.request('GET', `/api/leads${qs}`)) as LeadPage);
}

async function show(ctx: CommandContext): Promise<void> {
  const lead = (await ctx.api.request('GET', `/api/leads/${seg(ctx.args[0] ?? '')}`)) as Lead & { timeline: TimelineEntry[] };
  if (ctx.isJson) return ctx.out(json(lead));
  const p = lead.person;
  const a = lead.attribution;
  const attribution = Object.entries(a).filter(([, value]) => value !== null).map(([k, value]) => `${k}=${value}`).join(', ');
  const head = fields([
    ['Lead', lead.id],
    ['Provider', `${lead.provider} lead ${lead.providerLeadId} (source ${lead.sourceId})`],
    ['Stage', lead.providerStatus === null ? lead.stage : `${lead.stage} (provider status ${JSON.stringify(lead.providerStatus)})`],
    ['Name', p.fullName ?? ([p.firstName, p.lastName].filter((x) => x !== null).join(' ') || null)],
    ['Phone', p.phone ?? (p.phoneRaw === null ? null : `${p.phoneRaw} (not a valid number)`)],
    ['Email', p.email ?? (p.emailRaw === null ? null : `${p.emailRaw} (not a valid address)`)],
    ['Message', lead.message],
    ['Assignee', lead.assignee === null ? null : [lead.assignee.name, lead.assignee.email && `<${lead.assignee.email}>`].filter(Boolean).join(' ')],
    ['Attribution', attribution],
    ['Created', time(lead.providerCreatedAt)],
    ['First seen', time(lead.firstSeenAt)],
    ['Last event', time(lead.lastEventAt)],
    ['Version', lead.version],
  ]);
  const rows = lead.timeline.map((e) => [time(e.occurredAt ?? e.recordedAt), e.kind, e.summary]);
  ctx.out(`${head}\nTimeline (${lead.timeline.length}):\n${rows.length === 0 ? '  (empty)\n' : table(['when', 'kind', 'summary'], rows)}`);
}

/** `leadhook leads …`: find leads and read their timelines. */
export const leads: CommandGroup = {
  name: 'leads',
  summary: 'find leads and read their timelines',
  commands: {
    list: {
      usage: 'leads list [--phone P] [--email E] [--stage S] [--provider P] [--source ID] [--limit N] [--cursor C]',
      summary: 'list leads, most recently active first',
      args: [],
      options: FILTER_OPTIONS,
      details: [
        '--phone   any format; matched against the E.164 number',
        `--stage   one of: ${STAGES.join(', ')}`,
        '--limit   1 to 500 (default 50); --cursor continues a previous page',
      ],
      run: list,
    },
    search: {
      usage: 'leads search <text> [--limit N] [--cursor C]',
      summary: 'leads whose name, e-mail, phone or provider lead id contains <text>',
      args: ['text'],
      options: PAGE_OPTIONS,
      run: search,
    },
    show: { usage: 'leads show <id>', summary: 'show one lead with its timeline', args: ['id'], options: {}, run: show },
  },
};
