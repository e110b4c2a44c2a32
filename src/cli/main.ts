import { loadClientConfig } from '../config.js';
import { HubError } from '../core/errors.js';
import { isFlagSet, parseCommandArgs, peekCommand, stringFlag, usageError } from './args.js';
import { ApiError, createClient, resolveClientToken } from './client.js';
import type { Command, CommandGroup } from './command.js';
import { deliveries } from './commands/deliveries.js';
import { destinations } from './commands/destinations.js';
import { leads } from './commands/leads.js';
import { requests } from './commands/requests.js';
import { sources } from './commands/sources.js';
import { store, type LocalCommand } from './commands/store.js';
import { tokens } from './commands/tokens.js';
import { VERSION } from '../version.js';
import { loadDotEnv } from './dotenv.js';
import { printable, setDisplayTimeZone } from './format.js';
import { commandHelp, groupHelp, mainHelp, serveHelp } from './help.js';

const GROUPS: readonly CommandGroup[] = [sources, leads, requests, destinations, deliveries, tokens, store];
const MAIN_HINT = "Run 'leadhook --help' for usage.";

const out = (text: string): void => {
  process.stdout.write(text);
};

/** Run one CLI invocation; resolves the exit code, or -1 when the server keeps running. */
async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = peekCommand(argv);
  if (isFlagSet(values, 'version')) return print(`leadhook ${VERSION}\n`);
  // Before any configuration is read, by serve and by every command alike.
  loadDotEnv();
  const [name, sub] = positionals;
  const wantsHelp = isFlagSet(values, 'help');
  if (name === undefined) {
    if (wantsHelp) return print(mainHelp(GROUPS));
    if (argv.length > 0) throw usageError(`no command given (got ${argv.join(' ')})`, MAIN_HINT);
  }
  if (name === undefined || name === 'serve') {
    if (wantsHelp) return print(serveHelp());
    const usage = 'Usage: leadhook serve [--database-url <postgres url>]';
    const parsed = parseCommandArgs(argv.slice(name === undefined ? 0 : 1), { 'database-url': { type: 'string' } }, usage);
    if (parsed.positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`, usage);
    // Loaded only here: the server's modules (Fastify, SQLite) would slow every client command.
    const { serve } = await import('./serve.js');
    const databaseUrl = stringFlag(parsed.values, 'database-url');
    // The flag wins over LEADHOOK_DATABASE_URL and .env, and is validated the same way.
    await serve(databaseUrl === undefined ? process.env : { ...process.env, LEADHOOK_DATABASE_URL: databaseUrl });
    return -1; // keeps running
  }
  if (name === 'help') {
    const group = GROUPS.find((g) => g.name === sub);
    return print(group === undefined ? mainHelp(GROUPS) : groupHelp(group));
  }
  const group = GROUPS.find((g) => g.name === name);
  if (group === undefined) throw usageError(`unknown command ${JSON.stringify(name)}`, MAIN_HINT);
  const command = sub === undefined ? undefined : group.commands[sub];
  if (command === undefined) {
    if (sub === undefined && wantsHelp) return print(groupHelp(group));
    const problem = sub === undefined ? `missing ${group.name} command` : `unknown command "${group.name} ${sub}"`;
    throw usageError(problem, `Commands: ${Object.keys(group.commands).join(', ')}. Run 'leadhook ${group.name} --help' for usage.`);
  }
  if (wantsHelp) return print(commandHelp(command));
  // `store` commands run on this machine, with no server or token.
  await runCommand(command, argv, group === store ? (store.commands as Record<string, LocalCommand>)[sub as string] : undefined);
  // A command that printed its answer may still report a failure (`destinations test`: no 2xx).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

async function runCommand(command: Command, argv: readonly string[], local?: LocalCommand): Promise<void> {
  const usage = `Usage: leadhook ${command.usage}`;
  const { positionals, values } = parseCommandArgs(argv, command.options, usage);
  const args = positionals.slice(2);
  if (args.length !== command.args.length) {
    const problem = args.length < command.args.length ? `missing <${command.args[args.length]}>` : `unexpected argument ${JSON.stringify(args[command.args.length])}`;
    throw usageError(problem, usage);
  }
  const missing = (command.requiredFlags ?? []).find((f) => stringFlag(values, f) === undefined);
  if (missing !== undefined) throw usageError(`missing --${missing}`, usage);
  if (local !== undefined) return local.run({ args, values, argv, isJson: isFlagSet(values, 'json'), out });
  // A command that declares its own --url (`destinations add`: the receiver's URL) reaches the server through LEADHOOK_URL or PORT.
  const serverUrl = 'url' in command.options ? undefined : stringFlag(values, 'url');
  const config = loadClientConfig(undefined, { url: serverUrl, token: stringFlag(values, 'token'), tz: stringFlag(values, 'tz') });
  setDisplayTimeZone(config.timeZone);
  const api = createClient(config.url, resolveClientToken(config, usage));
  await command.run({ api, args, values, argv, isJson: isFlagSet(values, 'json'), out });
}

function print(text: string): number {
  out(text);
  return 0;
}

/** `leadhook: <code>: <message>` on stderr; exit 1 for the user's errors, 2 for infrastructure. */
function report(error: unknown): number {
  if (error instanceof ApiError) {
    // The server's message can quote webhook or user text: printed inert, like every other field.
    process.stderr.write(`leadhook: ${printable(error.code)}: ${printable(error.message)}\n`);
    return error.statusCode >= 500 ? 2 : 1;
  }
  if (error instanceof HubError) {
    process.stderr.write(`leadhook: ${error.code}: ${error.message}\n`);
    const usage = error.details?.['usage'];
    if (typeof usage === 'string') process.stderr.write(`${usage}\n`);
    // An unexpected start-up failure is one line; its stack only when asked for.
    if (error.code === 'LH_E_STARTUP_FAILED' && ['debug', 'trace'].includes(process.env['LEADHOOK_LOG_LEVEL'] ?? '') && error.cause instanceof Error) {
      process.stderr.write(`${error.cause.stack ?? ''}\n`);
    }
    return error.statusCode >= 500 ? 2 : 1;
  }
  process.stderr.write(`leadhook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
