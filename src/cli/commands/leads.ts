import type { Lead, Person, TimelineEntry } from '../../core/lead.js';
import { STAGES } from '../../core/lead.js';
import { isObfuscatedEmail } from '../../core/normalize/email.js';
import { stringFlag } from '../args.js';
import { query, seg, type CommandContext, type CommandGroup } from '../command.js';
import { fields, json, moreHint, printable, table, time } from '../format.js';
import { erasureCommands } from './lead-erasure.js';

/** The date filters, by flag and API parameter. */
const DATE_FLAGS = [
  ['first-seen-since', 'firstSeenSince'],
  ['first-seen-until', 'firstSeenUntil'],
  ['last-activity-since', 'lastActivitySince'],
  ['last-activity-until', 'lastActivityUntil'],
] as const;
const DATE_OPTIONS = Object.fromEntries(DATE_FLAGS.map(([flag]) => [flag, { type: 'string' }])) as Record<(typeof DATE_FLAGS)[number][0], { type: 'string' }>;
const DATE_HELP = [
  '--first-seen-since D, --first-seen-until D, --last-activity-since D, --last-activity-until D',
  '          D = 2026-12-01 (that whole day in the server\'s LEADHOOK_TIMEZONE) or 2026-12-01T09:30:00Z',
];

/** The date filters set on the command line, as API parameters. */
function dateParams(ctx: CommandContext): Record<string, string | undefined> {
  return Object.fromEntries(DATE_FLAGS.map(([flag, param]) => [param, stringFlag(ctx.values, flag)]));
}

const PAGE_OPTIONS = { limit: { type: 'string' }, cursor: { type: 'string' }, 'is-test': { type: 'string' }, ...DATE_OPTIONS } as const;
const FILTER_OPTIONS = {
  phone: { type: 'string' },
  email: { type: 'string' },
  stage: { type: 'string' },
  provider: { type: 'string' },
  source: { type: 'string' },
  ...PAGE_OPTIONS,
} as const;

/** Help line of `--is-test` (the API's `isTest`). */
const IS_TEST_HELP = '--is-test true lists only test leads (a provider\'s test flag), all both; default: real leads only';

/** Characters of an invalid phone or e-mail shown in a list cell, so that its mark always fits (cells are cut at 48). */
const RAW_IN_CELL = 25;

/** A value the provider sent that is not a valid phone or e-mail: shown as sent, but marked. */
function marked(raw: string, mark: string, maxChars: number): string {
  const shown = printable(raw.replace(/\s+/g, ' '));
  return `${shown.length > maxChars ? `${shown.slice(0, maxChars - 1)}…` : shown} (${mark})`;
}

/** The phone of a lead: E.164 with its extension, how many other numbers it has, or the raw value marked invalid. */
function phoneText(p: Person, maxRaw: number): string | null {
  if (p.phone === null) return p.phoneRaw === null ? null : marked(p.phoneRaw, 'invalid', maxRaw);
  const others = p.otherPhones?.length ?? 0;
  return `${p.phone}${p.phoneExtension ? ` ext ${p.phoneExtension}` : ''}${others > 0 ? ` (+${others} more)` : ''}`;
}

/** The e-mail of a lead, or the raw value marked invalid (obfuscated, for Cloudflare's `[email protected]`). */
function emailText(p: Person, maxRaw: number): string | null {
  if (p.email !== null || p.emailRaw === null) return p.email;
  return marked(p.emailRaw, isObfuscatedEmail(p.emailRaw) ? 'invalid: obfuscated' : 'invalid', maxRaw);
}

interface LeadPage {
  items: Lead[];
  nextCursor: string | null;
}

function printPage(ctx: CommandContext, page: LeadPage): void {
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No leads found.\n');
  const rows = page.items.map((l) => [
    l.id,
    l.provider,
    l.isTest === true ? `${l.stage} (test)` : l.stage,
    l.person.fullName,
    phoneText(l.person, RAW_IN_CELL),
    emailText(l.person, RAW_IN_CELL),
    time(l.lastEventAt),
  ]);
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
    isTest: stringFlag(v, 'is-test'),
    ...dateParams(ctx),
    limit: stringFlag(v, 'limit'),
    cursor: stringFlag(v, 'cursor'),
  });
  printPage(ctx, (await ctx.api.request('GET', `/api/leads${qs}`)) as LeadPage);
}

async function search(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const qs = query({ q: ctx.args[0], isTest: stringFlag(v, 'is-test'), ...dateParams(ctx), limit: stringFlag(v, 'limit'), cursor: stringFlag(v, 'cursor') });
  printPage(ctx, (await ctx.api.request('GET', `/api/leads${qs}`)) as LeadPage);
}

async function show(ctx: CommandContext): Promise<void> {
  const lead = (await ctx.api.request('GET', `/api/leads/${seg(ctx.args[0] ?? '')}`)) as Lead & { timeline: TimelineEntry[]; erasedAt?: string };
  if (ctx.isJson) return ctx.out(json(lead));
  const p = lead.person;
  const attributionText = (a: Lead['attribution'] | null | undefined): string | null =>
    a === null || a === undefined ? null : Object.entries(a).filter(([, value]) => value !== null).map(([k, value]) => `${k}=${value}`).join(', ');
  const attribution = attributionText(lead.attribution);
  const first = attributionText(lead.firstAttribution);
  const head = fields([
    ['Lead', lead.id],
    ['Provider', `${lead.provider} lead ${lead.providerLeadId} (source ${lead.sourceId})`],
    ['Stage', lead.providerStatus === null ? lead.stage : `${lead.stage} (provider status ${JSON.stringify(lead.providerStatus)})`],
    ['Name', p.fullName ?? ([p.firstName, p.lastName].filter((x) => x !== null).join(' ') || null)],
    ['Phone', phoneText(p, Infinity)],
    ['Other phones', p.otherPhones?.length ? p.otherPhones.join(', ') : undefined],
    ['Email', emailText(p, Infinity)],
    ['Test lead', lead.isTest === true ? 'yes (the provider flagged it as a test; not forwarded unless a destination includes test leads)' : undefined],
    ['Message', lead.message],
    ['Assignee', lead.assignee === null ? null : [lead.assignee.name, lead.assignee.email && `<${lead.assignee.email}>`].filter(Boolean).join(' ')],
    ['Attribution', attribution],
    ['First touch', first === attribution ? undefined : (first ?? 'unknown (stored before leadhook kept it)')],
    ['Created', time(lead.providerCreatedAt)],
    ['First seen', time(lead.firstSeenAt)],
    ['Last event', time(lead.lastEventAt)],
    ['Version', lead.version],
    ['Erased', lead.erasedAt === undefined ? undefined : `personal data erased ${time(lead.erasedAt)}; new webhooks for it are held (leads held)`],
  ]);
  const rows = lead.timeline.map((e) => [time(e.occurredAt ?? e.recordedAt), e.kind, e.summary]);
  ctx.out(`${head}\nTimeline (${lead.timeline.length}):\n${rows.length === 0 ? '  (empty)\n' : table(['when', 'kind', 'summary'], rows)}`);
}

/** `leadhook leads …`: find leads, read their timelines, erase a person's personal data. */
export const leads: CommandGroup = {
  name: 'leads',
  summary: "find leads, read their timelines, erase a person's personal data",
  commands: {
    list: {
      usage: 'leads list [--phone P] [--email E] [--stage S] [--provider P] [--source ID] [--is-test true|false|all] [--first-seen-since D] [--first-seen-until D] [--last-activity-since D] [--last-activity-until D] [--limit N] [--cursor C]',
      summary: 'list leads, most recently active first',
      args: [],
      options: FILTER_OPTIONS,
      details: [
        '--phone   any format; matched against the E.164 number',
        `--stage   one of: ${STAGES.join(', ')}`,
        IS_TEST_HELP,
        ...DATE_HELP,
        '--limit   1 to 500 (default 50); --cursor continues a previous page',
      ],
      run: list,
    },
    search: {
      usage: 'leads search <text> [--is-test true|false|all] [--first-seen-since D] [--last-activity-since D] … [--limit N] [--cursor C]',
      summary: 'leads whose name, e-mail, phone, provider lead id, project, city or listing contains <text>',
      args: ['text'],
      options: PAGE_OPTIONS,
      details: [IS_TEST_HELP, ...DATE_HELP],
      run: search,
    },
    show: { usage: 'leads show <id>', summary: 'show one lead with its timeline', args: ['id'], options: {}, run: show },
    ...erasureCommands,
  },
};
