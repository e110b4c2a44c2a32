import { stringFlag, usageError } from '../args.js';
import { seg, type CommandContext, type CommandGroup } from '../command.js';
import { fields, json, printable, table, time } from '../format.js';

/** The token DTO of `/api/tokens` (src/http/routes/tokens.ts `tokenOut`); `token` only from `add`. */
interface TokenOut {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt?: string | null;
  token?: string;
}

const ROLES = ['admin', 'viewer'];
const ADD_USAGE = 'tokens add <name> --role admin|viewer';

async function add(ctx: CommandContext): Promise<void> {
  const role = stringFlag(ctx.values, 'role') ?? '';
  if (!ROLES.includes(role)) throw usageError(`--role must be admin or viewer (got ${JSON.stringify(role)})`, `Usage: leadhook ${ADD_USAGE}`);
  const t = (await ctx.api.request('POST', '/api/tokens', { name: ctx.args[0] ?? '', role })) as TokenOut;
  if (ctx.isJson) return ctx.out(json(t));
  const can = role === 'admin' ? 'everything the admin token can' : 'read leads, requests, deliveries, sources and destinations (no secrets), and change nothing';
  ctx.out(
    `Created ${role} token ${t.id} (${printable(JSON.stringify(t.name))}): it can ${can}.\n\n` +
      fields([
        ['Token', `${t.token ?? ''}   (shown once: leadhook keeps only its hash)`],
        ['Use', 'Authorization: Bearer <token> on /api, --token <token> with the CLI, or sign in to the console with it'],
      ]) +
      `Revoke it with: leadhook tokens rm ${t.id}\n`,
  );
}

async function list(ctx: CommandContext): Promise<void> {
  const page = (await ctx.api.request('GET', '/api/tokens')) as { items: TokenOut[] };
  if (ctx.isJson) return ctx.out(json(page));
  if (page.items.length === 0) return ctx.out('No named API tokens (the admin token always works). Make one with: leadhook tokens add <name> --role viewer\n');
  const rows = page.items.map((t) => [t.id, t.name, t.role, time(t.createdAt), t.lastUsedAt === null ? 'never' : time(t.lastUsedAt), t.revokedAt ? `revoked ${time(t.revokedAt)}` : 'active']);
  ctx.out(table(['id', 'name', 'role', 'created', 'last used', 'status'], rows));
}

async function remove(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0] ?? '';
  await ctx.api.request('DELETE', `/api/tokens/${seg(id)}`);
  // DELETE answers 204 with no body; --json still prints something a script can read.
  ctx.out(ctx.isJson ? json({ revoked: id }) : `Revoked token ${id}: it and every console session signed in with it stop working now.\n`);
}

/** `leadhook tokens …`: named API tokens with roles (admin, viewer). */
export const tokens: CommandGroup = {
  name: 'tokens',
  summary: 'named API tokens with roles (admin, viewer): for people, scripts and the console',
  commands: {
    add: {
      usage: ADD_USAGE,
      summary: 'make a named token; prints it once',
      args: ['name'],
      requiredFlags: ['role'],
      options: { role: { type: 'string' } },
      details: [
        '<name>     who or what uses it (1–100 characters), e.g. "sales dashboard"',
        '--role     admin: everything; viewer: reads leads, requests, deliveries, sources and destinations, without secrets, and changes nothing',
      ],
      run: add,
    },
    list: { usage: 'tokens list', summary: 'list named tokens with their role, when each was last used, and whether it is revoked', args: [], options: {}, run: list },
    rm: { usage: 'tokens rm <id>', summary: 'revoke a token: it and its console sessions stop working at once', args: ['id'], options: {}, run: remove },
  },
};
