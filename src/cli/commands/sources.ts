import { PROVIDER_IDS } from '../../core/lead.js';
import { checkSecret } from '../../core/source-secret.js';
import { stringFlag, usageError } from '../args.js';
import { seg, type CommandContext, type CommandGroup } from '../command.js';
import { fields, json, printable, steps, table, time } from '../format.js';

/** The source DTO of `/api/sources` (src/http/routes/sources.ts `sourceOut`). */
interface SourceOut {
  id: string;
  provider: string;
  name: string;
  /** Only in the source's own view (add, show, rotate-*), never in the list: the URL token is a credential. */
  webhookPath?: string;
  webhookUrl?: string | null;
  previousWebhookUrlExpiresAt: string | null;
  secret?: string;
  previousSecretExpiresAt: string | null;
  authMethod: string;
  defaultCountry: string | null;
  effectiveCountry: string;
  setup: string[];
  createdAt: string;
  updatedAt: string;
  /** Webhooks refused on this source (wrong or missing credentials): only in `show`. */
  refusals?: { total: number; since: string | null; lastAt: string | null };
}

/** How each auth method uses the source's secret, in one line. */
const AUTH_TEXT: Record<string, string> = {
  url_secret: 'the webhook URL itself is the credential (the provider sends no header; the secret is not used); replace a leaked one with sources rotate-url',
  authorization_header: 'header "Authorization: <secret>" (raw, or "Bearer <secret>")',
  token_header: 'header "token: <secret>"',
  jwt_hs256: 'header "Authorization" carries an HS256 JWT signed with the secret; its claims are the lead',
};

/** The URL to give the provider: the server's public URL when it knows one, else the one the CLI uses. */
function webhookUrl(ctx: CommandContext, s: SourceOut): string | undefined {
  if (s.webhookPath === undefined) return undefined;
  return s.webhookUrl ?? `${ctx.api.url}${s.webhookPath}`;
}

/** "still accepted until …" while a replaced credential is, else nothing. */
function stillAccepted(until: string | null): string | undefined {
  return until === null ? undefined : `still accepted until ${time(until)}`;
}

type Row = readonly [string, string | null | undefined];

/** URL, secret (when the answer has it), auth and country, then the provider's setup steps. */
function describe(ctx: CommandContext, s: SourceOut, head: readonly Row[] = []): string {
  let text = fields([
    ...head,
    ['Webhook URL', webhookUrl(ctx, s)],
    ['Previous URL', stillAccepted(s.previousWebhookUrlExpiresAt)],
    ['Secret', s.secret === undefined ? undefined : `${s.secret}   (shown once)`],
    ['Previous secret', stillAccepted(s.previousSecretExpiresAt)],
    ['Auth', AUTH_TEXT[s.authMethod] ?? s.authMethod],
    ['Country', `${s.effectiveCountry} (phone numbers without a country code are read as ${s.effectiveCountry})`],
  ]);
  if (s.webhookPath !== undefined && s.webhookUrl === null) text += `\nThe URL uses the address this CLI reached; set LEADHOOK_PUBLIC_URL on the server to print the address providers use.\n`;
  return `${text}\nSet up ${s.provider}:\n${steps(s.setup)}`;
}

/** `--secret`, refused before anything is sent when it could never match (a pasted space, a line break). */
function givenSecret(ctx: CommandContext): string | undefined {
  const secret = stringFlag(ctx.values, 'secret');
  return secret === undefined ? undefined : checkSecret(secret);
}

async function add(ctx: CommandContext): Promise<void> {
  const [provider] = ctx.args;
  const name = stringFlag(ctx.values, 'name');
  const secret = givenSecret(ctx);
  const country = stringFlag(ctx.values, 'default-country');
  const s = (await ctx.api.request('POST', '/api/sources', {
    provider,
    name,
    ...(secret === undefined ? {} : { secret }),
    ...(country === undefined ? {} : { defaultCountry: country }),
  })) as SourceOut;
  if (ctx.isJson) return ctx.out(json(s));
  ctx.out(`Created source ${s.id} (${s.provider}, ${printable(JSON.stringify(s.name))}).\n\n${describe(ctx, s)}`);
}

async function list(ctx: CommandContext): Promise<void> {
  const page = (await ctx.api.request('GET', '/api/sources')) as { items: SourceOut[] };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No sources. Add one with: leadhook sources add <provider> --name <name>\n');
  // No webhook URLs here: each is a credential, shown by `sources show <id>` only.
  ctx.out(table(['id', 'provider', 'name', 'country', 'created'], page.items.map((s) => [s.id, s.provider, s.name, s.effectiveCountry, time(s.createdAt)])));
  ctx.out('Webhook URL of a source: leadhook sources show <id>\n');
}

async function show(ctx: CommandContext): Promise<void> {
  const s = (await ctx.api.request('GET', `/api/sources/${seg(ctx.args[0] ?? '')}`)) as SourceOut;
  if (ctx.isJson) return ctx.out(json(s));
  const head: Row[] = [
    ['Source', s.id],
    ['Provider', s.provider],
    ['Name', s.name],
    ['Created', time(s.createdAt)],
    ['Updated', time(s.updatedAt)],
    ['Refused', s.refusals === undefined ? undefined : refusedText(s.refusals, s.id)],
  ];
  ctx.out(describe(ctx, s, head));
}

function refusedText(r: NonNullable<SourceOut['refusals']>, id: string): string {
  if (r.total === 0) return 'none';
  return `${r.total} webhook${r.total === 1 ? '' : 's'} since ${time(r.since)}, last ${time(r.lastAt)} (see: leadhook requests list --status rejected --source ${id})`;
}

async function remove(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0] ?? '';
  await ctx.api.request('DELETE', `/api/sources/${seg(id)}`);
  // DELETE answers 204 with no body; --json still prints something a script can read.
  ctx.out(ctx.isJson ? json({ deleted: id }) : `Deleted source ${printable(id)}: its webhook URL now answers 404. Its leads and requests are kept.\n`);
}

/** Hours in `--overlap` (`24h`, `90m`, `2d`, `0`; a bare number is hours), or undefined for the server's default. */
export function overlapHours(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([hmd]?)$/i.exec(value.trim());
  if (m === null) throw usageError(`--overlap ${JSON.stringify(value)} is not a duration: give hours like 24h, minutes like 90m, days like 2d, or 0 to stop the old one now`, usage);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return unit === 'm' ? n / 60 : unit === 'd' ? n * 24 : n;
}

/** What happens to a replaced secret or URL, in one sentence. */
function overlapText(what: string, until: string | null): string {
  return until === null ? `The old ${what} stops working now.` : `The old ${what} still works until ${time(until)}; after that only the new one.`;
}

const ROTATE_SECRET_USAGE = 'sources rotate-secret <id> [--secret <s>] [--overlap <24h>]';
const ROTATE_URL_USAGE = 'sources rotate-url <id> [--overlap <24h>]';

async function rotateSecret(ctx: CommandContext): Promise<void> {
  const secret = givenSecret(ctx);
  const overlap = overlapHours(stringFlag(ctx.values, 'overlap'), ROTATE_SECRET_USAGE);
  const patch = { ...(secret === undefined ? { rotateSecret: true } : { secret }), ...(overlap === undefined ? {} : { overlapHours: overlap }) };
  const s = (await ctx.api.request('PATCH', `/api/sources/${seg(ctx.args[0] ?? '')}`, patch)) as SourceOut;
  if (ctx.isJson) return ctx.out(json(s));
  // For url_secret providers the URL is the credential: the secret is not used.
  const note = s.authMethod === 'url_secret' ? ` ${s.provider} sends no secret: its webhook URL is its credential; to replace a leaked URL use: leadhook sources rotate-url ${s.id}` : '';
  ctx.out(`New secret for ${s.id}. ${overlapText('secret', s.previousSecretExpiresAt)}${note}\n\n${describe(ctx, s)}`);
}

async function rotateUrl(ctx: CommandContext): Promise<void> {
  const overlap = overlapHours(stringFlag(ctx.values, 'overlap'), ROTATE_URL_USAGE);
  const s = (await ctx.api.request('POST', `/api/sources/${seg(ctx.args[0] ?? '')}/rotate-url`, overlap === undefined ? {} : { overlapHours: overlap })) as SourceOut;
  if (ctx.isJson) return ctx.out(json(s));
  ctx.out(
    `New webhook URL for ${s.id} (same source: its leads, requests and destinations stay). ${overlapText('URL', s.previousWebhookUrlExpiresAt)} ` +
      `Give ${s.provider} the new URL.\n\n${describe(ctx, s)}`,
  );
}

/** `leadhook sources …`: register provider accounts and get the URL and secret to paste. */
export const sources: CommandGroup = {
  name: 'sources',
  summary: 'register provider accounts (webhook URL + secret)',
  commands: {
    add: {
      usage: 'sources add <provider> --name <name> [--secret <s>] [--default-country <CC>]',
      summary: 'register a source; prints its webhook URL, its secret (once) and the setup steps',
      args: ['provider'],
      requiredFlags: ['name'],
      options: { name: { type: 'string' }, secret: { type: 'string' }, 'default-country': { type: 'string' } },
      details: [
        `<provider> is one of: ${PROVIDER_IDS.join(', ')}`,
        '--secret <s>             use this secret instead of a generated one (CasaYes supplies its token; LeadPro may supply its signing secret);',
        '                         exactly what the provider sends: no white space at either end, no control characters',
        '--default-country <CC>   ISO 3166 code for phone numbers without a country code (default: the provider\'s country)',
      ],
      run: add,
    },
    list: { usage: 'sources list', summary: 'list sources', args: [], options: {}, run: list },
    show: { usage: 'sources show <id>', summary: 'show a source, its webhook URL and its setup steps (not its secret)', args: ['id'], options: {}, run: show },
    rm: { usage: 'sources rm <id>', summary: 'delete a source (its URL stops accepting; its leads stay)', args: ['id'], options: {}, run: remove },
    'rotate-secret': {
      usage: ROTATE_SECRET_USAGE,
      summary: 'replace the secret with a new generated one (or the one given) and print it; the old one works for an overlap',
      args: ['id'],
      options: { secret: { type: 'string' }, overlap: { type: 'string' } },
      details: [
        '--secret <s>      set this secret instead, e.g. a new token CasaYes issued',
        '--overlap <24h>   how long the old secret still works (e.g. 24h, 90m, 2d; 0: it stops now); default 24h, at most 30 days',
      ],
      run: rotateSecret,
    },
    'rotate-url': {
      usage: ROTATE_URL_USAGE,
      summary: 'give the source a new webhook URL (same source, same leads); the old URL works for an overlap',
      args: ['id'],
      options: { overlap: { type: 'string' } },
      details: ['--overlap <24h>   how long the old URL still works (e.g. 24h, 90m, 2d; 0: it stops now); default 24h, at most 30 days'],
      run: rotateUrl,
    },
  },
};
