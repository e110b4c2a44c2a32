import { CLIENT_SETTINGS, SETTINGS } from '../config.js';
import { VERSION } from '../version.js';
import type { Command, CommandGroup } from './command.js';
import { table } from './format.js';

const GLOBAL_FLAGS = `Options (every command but serve):
  --url <url>      server to talk to; else LEADHOOK_URL; else http://127.0.0.1:$PORT
                   (destinations add takes --url as the receiver's URL; it uses LEADHOOK_URL or PORT)
  --token <token>  admin token; else LEADHOOK_ADMIN_TOKEN; else the token file in LEADHOOK_DATA_DIR
  --json           print the raw API JSON instead of a table or summary
  --tz <zone>      show times in this IANA time zone (Asia/Kolkata); else LEADHOOK_TIMEZONE; else UTC
  -h, --help       show help
  --version        print leadhook's version
`;

/** `store` commands run on this machine: no server, so no --url or --token. */
const LOCAL_FLAGS = `Options:
  --json           print the result as JSON
  -h, --help       show help
`;

/** The options block of a group or command (by its first word). */
function flagsFor(usage: string): string {
  return usage.startsWith('store') ? LOCAL_FLAGS : GLOBAL_FLAGS;
}

const DOTENV_NOTE = `A .env file in the working directory is read too (KEY=value lines); a variable set in the environment wins over it.
`;

const EXIT_CODES = `Exit codes: 0 success; 1 usage error, a 4xx answer, or a destination test the receiver did not answer 2xx; 2 server unreachable, a 5xx answer or invalid configuration.
`;

/** Every environment variable with its default, straight from SETTINGS (src/config.ts). */
export function environmentHelp(): string {
  const rows = [...Object.values(SETTINGS), ...Object.values(CLIENT_SETTINGS)].map((s) => [s.env, s.default === '' ? '(unset)' : s.default, s.help]);
  return `Environment:\n${indent(table(['variable', 'default', 'meaning'], rows, { maxCell: Infinity }))}`;
}

/** `leadhook --help`. */
export function mainHelp(groups: readonly CommandGroup[]): string {
  const lines = [
    ['leadhook [serve]', 'run the server (the default command)'],
    ...groups.flatMap((g) => Object.values(g.commands).map((c) => [`leadhook ${c.usage}`, c.summary])),
    ['leadhook help [<group>]', 'this help, or one group\'s'],
  ];
  const usage = lines.map(([u, s]) => `  ${u}\n      ${s}`).join('\n');
  return `leadhook ${VERSION}: receive, verify, normalize, store and forward real-estate lead webhooks.\n\nUsage:\n${usage}\n\n${GLOBAL_FLAGS}\n${environmentHelp()}\n${DOTENV_NOTE}\n${EXIT_CODES}`;
}

/** `leadhook <group> --help`. */
export function groupHelp(group: CommandGroup): string {
  const usage = Object.values(group.commands).map((c) => `  leadhook ${c.usage}\n      ${c.summary}`).join('\n');
  return `leadhook ${group.name}: ${group.summary}\n\nUsage:\n${usage}\n\n${flagsFor(group.name)}`;
}

/** `leadhook <group> <command> --help`. */
export function commandHelp(command: Command): string {
  const details = command.details === undefined ? '' : `\n${command.details.map((d) => `  ${d}`).join('\n')}\n`;
  return `Usage: leadhook ${command.usage}\n  ${command.summary}\n${details}\n${flagsFor(command.usage)}`;
}

/** `leadhook serve --help`. */
export function serveHelp(): string {
  return `Usage: leadhook serve [--database-url <postgres url>]\n  Run the server until SIGTERM/SIGINT. Configured by the environment; --database-url is LEADHOOK_DATABASE_URL\n  (PostgreSQL instead of SQLite in the data directory) and wins over it.\n\n${environmentHelp()}\n${DOTENV_NOTE}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');
}
