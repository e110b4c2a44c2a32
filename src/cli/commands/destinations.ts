import { EVENT_TYPES } from '../../core/lead-events.js';
import { isFlagSet, stringFlag, usageError, type FlagValues } from '../args.js';
import { seg, type CommandContext, type CommandGroup } from '../command.js';
import { fields, json, printable, table, time } from '../format.js';

/** The destination DTO of `/api/destinations` (src/http/routes/destinations.ts `destinationOut`). */
interface DestinationOut {
  id: string;
  name: string;
  url: string;
  events: string[];
  filter: string | null;
  sourceIds: string[] | null;
  /** Whether test leads' events are forwarded too; absent in answers of older servers. */
  includeTest?: boolean;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  lastSuccessAt: string | null;
  failingSince: string | null;
  /** Deliveries its rule filtered out, ever; absent in answers of older servers. */
  filteredCount?: number;
  lastRuleError?: { message: string; at: string; deliveryId: string } | null;
  secret?: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/destinations/:id/test` (src/http/routes/deliveries.ts). */
interface TestOut {
  ok: boolean;
  eventId: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
  retryAfter: string | null;
}

/** `GET /api/rule-templates` items (src/delivery/rule-templates.ts `RuleTemplate`). */
interface RuleTemplateOut {
  id: string;
  title: string;
  description: string;
  expression: string;
}

/** How a receiver checks what leadhook sends, in one line. */
const VERIFY_HINT =
  'receivers check the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature with this secret, e.g. new Webhook(secret).verify(rawBody, headers) from the standardwebhooks npm package';

const ADD_USAGE = 'destinations add --name <name> --url <url> [--events E,…] [--filter <cel> | --template <id>] [--source <id>,…] [--include-test]';

type Row = readonly [string, string | null | undefined];

/** A filter on one line (rule templates span several). */
function oneLine(expression: string): string {
  return expression.replace(/\s*\n\s*/g, ' ');
}

function statusOf(d: DestinationOut): string {
  if (!d.enabled) return 'disabled';
  return d.failingSince === null ? 'enabled' : 'failing';
}

/** URL, state, subscription and (when the answer has it) the secret. */
function describe(d: DestinationOut, head: readonly Row[] = [], tail: readonly Row[] = []): string {
  const state = d.enabled
    ? d.failingSince === null
      ? 'enabled'
      : `enabled, failing since ${time(d.failingSince)}`
    : `disabled since ${time(d.disabledAt)}: ${d.disabledReason ?? 'no reason recorded'}`;
  return fields([
    ...head,
    ['URL', d.url],
    ['Status', state],
    ['Events', d.events.join(', ')],
    ['Filter', d.filter === null ? 'none (every event)' : oneLine(d.filter)],
    ['Sources', d.sourceIds === null ? 'every source' : d.sourceIds.join(', ')],
    ['Test leads', d.includeTest === undefined ? undefined : d.includeTest ? 'forwarded too' : 'not forwarded'],
    ['Secret', d.secret === undefined ? undefined : `${d.secret}   (shown once)`],
    ['Verify', d.secret === undefined ? undefined : VERIFY_HINT],
    ...tail,
  ]);
}

/** A comma list, or a flag given several times (`--source a --source b`), as one list. */
function listFlag(values: FlagValues, name: string): string[] | undefined {
  const v = values[name];
  const given = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  if (given.length === 0) return undefined;
  return given.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

async function add(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const filter = stringFlag(v, 'filter');
  const template = stringFlag(v, 'template');
  if (filter !== undefined && template !== undefined) throw usageError('give either --filter or --template, not both', `Usage: leadhook ${ADD_USAGE}`);
  const events = listFlag(v, 'events');
  const sourceIds = listFlag(v, 'source');
  const d = (await ctx.api.request('POST', '/api/destinations', {
    name: stringFlag(v, 'name'),
    url: stringFlag(v, 'url'),
    ...(events === undefined ? {} : { events }),
    ...(filter === undefined ? {} : { filter }),
    ...(template === undefined ? {} : { filterTemplate: template }),
    ...(sourceIds === undefined ? {} : { sourceIds }),
    ...(isFlagSet(v, 'include-test') ? { includeTest: true } : {}),
  })) as DestinationOut;
  if (ctx.isJson) return ctx.out(json(d));
  ctx.out(`Created destination ${d.id} (${printable(JSON.stringify(d.name))}).\n\n${describe(d)}\nCheck the receiver with: leadhook destinations test ${d.id}\n`);
}

async function list(ctx: CommandContext): Promise<void> {
  const page = (await ctx.api.request('GET', '/api/destinations')) as { items: DestinationOut[] };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No destinations. Add one with: leadhook destinations add --name <name> --url <url>\n');
  const rows = page.items.map((d) => [d.id, d.name, statusOf(d), d.events.join(','), d.filter === null ? null : oneLine(d.filter), time(d.lastSuccessAt), d.url]);
  ctx.out(table(['id', 'name', 'status', 'events', 'filter', 'last success', 'url'], rows));
}

async function show(ctx: CommandContext): Promise<void> {
  const d = (await ctx.api.request('GET', `/api/destinations/${seg(ctx.args[0] ?? '')}`)) as DestinationOut;
  if (ctx.isJson) return ctx.out(json(d));
  const oldSecret = d.previousSecretExpiresAt !== null && Date.parse(d.previousSecretExpiresAt) > Date.now() ? `still signs until ${time(d.previousSecretExpiresAt)}` : undefined;
  const head: Row[] = [
    ['Destination', d.id],
    ['Name', d.name],
  ];
  const tail: Row[] = [
    ['Old secret', oldSecret],
    ['Last success', time(d.lastSuccessAt)],
    ['Filtered', d.filter === null && !d.filteredCount ? undefined : `${d.filteredCount ?? 0} deliveries (its rule did not match, failed or ran over its budget)`],
    ['Rule failed', d.lastRuleError ? `${time(d.lastRuleError.at)} on delivery ${d.lastRuleError.deliveryId}: ${d.lastRuleError.message}` : undefined],
    ['Created', time(d.createdAt)],
    ['Updated', time(d.updatedAt)],
  ];
  ctx.out(describe(d, head, tail));
}

async function remove(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0] ?? '';
  await ctx.api.request('DELETE', `/api/destinations/${seg(id)}`);
  // DELETE answers 204 with no body; --json still prints something a script can read.
  ctx.out(ctx.isJson ? json({ deleted: id }) : `Deleted destination ${id}: it gets no more events, and its pending deliveries are not sent.\n`);
}

async function setEnabled(ctx: CommandContext, enabled: boolean): Promise<void> {
  const d = (await ctx.api.request('PATCH', `/api/destinations/${seg(ctx.args[0] ?? '')}`, { enabled })) as DestinationOut;
  if (ctx.isJson) return ctx.out(json(d));
  ctx.out(
    enabled
      ? `Enabled destination ${d.id}: its pending deliveries are sent now, and new lead changes are queued for it again.\n`
      : `Disabled destination ${d.id}: its pending deliveries wait, and lead changes made while it is disabled are not queued for it. Turn it back on with: leadhook destinations enable ${d.id}\n`,
  );
}

async function rotateSecret(ctx: CommandContext): Promise<void> {
  const d = (await ctx.api.request('PATCH', `/api/destinations/${seg(ctx.args[0] ?? '')}`, { rotateSecret: true })) as DestinationOut;
  if (ctx.isJson) return ctx.out(json(d));
  const until = d.previousSecretExpiresAt;
  const overlap =
    until !== null && Date.parse(until) > Date.now()
      ? `Until ${time(until)} every webhook is signed with both the old and the new secret; after that with the new one only.`
      : 'The old secret stops signing now.';
  ctx.out(`New signing secret for ${d.id}. ${overlap}\n\n${fields([['Secret', `${d.secret ?? ''}   (shown once)`], ['Verify', VERIFY_HINT]])}`);
}

async function test(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0] ?? '';
  const r = (await ctx.api.request('POST', `/api/destinations/${seg(id)}/test`)) as TestOut;
  if (ctx.isJson) ctx.out(json(r));
  else {
    const verdict = r.ok ? 'the receiver accepted it' : 'the receiver did NOT answer 2xx';
    ctx.out(
      `Sent a signed destination.test event (${r.eventId}) to ${id}: ${verdict}.\n\n` +
        fields([
          ['Status', r.status === null ? 'no answer' : r.status],
          ['Latency', `${r.latencyMs} ms`],
          ['Error', r.error],
          ['Response', r.responseSnippet === null ? null : oneLine(r.responseSnippet).slice(0, 200)],
        ]),
    );
  }
  // The answer was printed; a receiver that did not take the event is still a failure (exit 1).
  if (!r.ok) process.exitCode = 1;
}

async function replay(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0] ?? '';
  const since = stringFlag(ctx.values, 'since');
  const status = stringFlag(ctx.values, 'status');
  const r = (await ctx.api.request('POST', `/api/destinations/${seg(id)}/replay`, { since, ...(status === undefined ? {} : { status }) })) as { requeued: number };
  if (ctx.isJson) return ctx.out(json(r));
  const which = status === undefined ? '' : ` ${status}`;
  if (r.requeued === 0) return ctx.out(`Nothing to replay: no${which} deliveries of ${id} created since ${since}.\n`);
  ctx.out(
    `Requeued ${r.requeued}${which} ${r.requeued === 1 ? 'delivery' : 'deliveries'} of ${id} created since ${since}. ` +
      `${r.requeued === 1 ? 'It is' : 'They are'} sent again now, in order per lead, with the original webhook-id.\nFollow them with: leadhook deliveries list --destination ${id}\n`,
  );
}

async function templates(ctx: CommandContext): Promise<void> {
  const page = (await ctx.api.request('GET', '/api/rule-templates')) as { items: RuleTemplateOut[] };
  if (ctx.isJson) return ctx.out(json(page));
  const blocks = page.items.map((t) => `${t.id}\n  ${t.title}\n${t.expression.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
  ctx.out(`${blocks.join('\n')}\nUse one with: leadhook destinations add --name <name> --url <url> --template <id>\n`);
}

/** `leadhook destinations …`: where lead changes are forwarded, and checking those receivers. */
export const destinations: CommandGroup = {
  name: 'destinations',
  summary: 'forward lead changes to your CRM (signed webhooks)',
  commands: {
    add: {
      usage: ADD_USAGE,
      summary: 'register a receiver; prints its signing secret (once) and how receivers verify it',
      args: [],
      requiredFlags: ['name', 'url'],
      options: {
        name: { type: 'string' },
        url: { type: 'string' },
        events: { type: 'string', multiple: true },
        filter: { type: 'string' },
        template: { type: 'string' },
        source: { type: 'string', multiple: true },
        'include-test': { type: 'boolean' },
      },
      details: [
        '--url        the receiver\'s URL (here --url is not the server\'s: set LEADHOOK_URL, or PORT, to reach a server elsewhere)',
        `--events     comma list of ${EVENT_TYPES.join(', ')} (default: all)`,
        '--filter     CEL over event, lead and payload, e.g. \'payload.action == "status_update"\'; a missing field means no match',
        "--template   a ready-made filter by id (see 'leadhook destinations templates')",
        '--source     only leads of these sources (comma list, or repeat the flag); default: every source',
        '--include-test  also forward test leads (a provider\'s test flag, e.g. Praetorian production: false); default: not',
      ],
      run: add,
    },
    list: { usage: 'destinations list', summary: 'list destinations', args: [], options: {}, run: list },
    show: { usage: 'destinations show <id>', summary: 'show a destination: URL, status (and why it is disabled), events, filter', args: ['id'], options: {}, run: show },
    rm: { usage: 'destinations rm <id>', summary: 'delete a destination (its pending deliveries are dropped)', args: ['id'], options: {}, run: remove },
    enable: { usage: 'destinations enable <id>', summary: 'turn a destination back on (its pending deliveries resume)', args: ['id'], options: {}, run: (ctx) => setEnabled(ctx, true) },
    disable: { usage: 'destinations disable <id>', summary: 'stop queueing and sending to a destination', args: ['id'], options: {}, run: (ctx) => setEnabled(ctx, false) },
    'rotate-secret': {
      usage: 'destinations rotate-secret <id>',
      summary: 'new signing secret; prints it and until when the old one still signs',
      args: ['id'],
      options: {},
      run: rotateSecret,
    },
    test: {
      usage: 'destinations test <id>',
      summary: 'send a signed destination.test event now; exit 1 unless the receiver answers 2xx',
      args: ['id'],
      options: {},
      run: test,
    },
    replay: {
      usage: 'destinations replay <id> --since <ISO time> [--status failed|succeeded|filtered]',
      summary: 'send the deliveries created since a time again (all, or only failed/succeeded/filtered ones)',
      args: ['id'],
      requiredFlags: ['since'],
      options: { since: { type: 'string' }, status: { type: 'string' } },
      details: ['--since    an ISO 8601 time, e.g. 2024-05-01T00:00:00Z', '--status   failed, succeeded or filtered (filtered ones meet the current rule again; default: every delivery not being sent right now)'],
      run: replay,
    },
    templates: { usage: 'destinations templates', summary: 'list the ready-made filters (--template ids)', args: [], options: {}, run: templates },
  },
};
