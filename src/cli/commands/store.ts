import { HubError } from '../../core/errors.js';
import { stringFlag } from '../args.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import { json, printable, table } from '../format.js';

/** What a command that runs on this machine gets (it opens the databases itself, so it needs no server or admin token). */
export type LocalCommandContext = Omit<CommandContext, 'api'>;

/** A command run locally; `run` takes no API client (it stays assignable to Command). */
export interface LocalCommand extends Omit<Command, 'run'> {
  run(ctx: LocalCommandContext): Promise<void>;
}

const copy: LocalCommand = {
  usage: 'store copy --from <data dir> --to <postgres url>',
  summary: 'copy a stopped SQLite installation to PostgreSQL, resumably, and verify it',
  args: [],
  requiredFlags: ['from', 'to'],
  options: { from: { type: 'string' }, to: { type: 'string' } },
  details: [
    'Runs on this machine: it opens the SQLite database in --from read-only and the PostgreSQL',
    'database of --to (postgres://user:password@host:port/database; a schema with',
    '?options=-c%20search_path%3D<schema>), and talks to no server. Stop the leadhook server of',
    '--from first: the copy holds the data directory lock, so neither runs while the other does.',
    'The target is migrated, must be empty, and gets every table in batches, each committed with',
    'its progress: after an interruption, run the same command again to continue where it stopped.',
    'The admin token file becomes the database\'s admin token, so the same token keeps working.',
    'At the end every table\'s row count and a sha256 of its rows must be equal on both sides: the',
    'summary is printed and the exit code is 0, or 1 naming the table that differs.',
    'Progress goes to stderr; --json prints the summary as JSON.',
  ],
  async run({ values, isJson, out }) {
    // Loaded here only: the SQLite and PostgreSQL drivers would slow every other command.
    const { copyStore } = await import('../../storage/copy/copy-store.js');
    const { streamProgress } = await import('../../storage/copy/progress.js');
    const { redactedUrl } = await import('../../storage/postgres/pool.js');
    const from = stringFlag(values, 'from') as string;
    const report = await copyStore({ from, to: stringFlag(values, 'to') as string, progress: streamProgress(process.stderr) });
    if (isJson) out(json(report));
    else {
      const rows = report.tables.map((t) => [t.table, t.sourceRows, t.targetRows, t.targetChecksum.slice(0, 16), t.ok ? 'ok' : 'DIFFERS']);
      out(table(['table', 'sqlite rows', 'postgres rows', 'sha256 (postgres)', 'check'], rows));
      out(`${report.resumed ? 'Continued an interrupted copy' : 'Copied'}: ${report.rowsCopiedNow} rows in ${report.batches} batches.\n`);
    }
    const differs = report.tables.find((t) => !t.ok);
    if (differs !== undefined) {
      const what = differs.sourceRows === differs.targetRows ? 'same row count, different content' : `${differs.sourceRows} rows in SQLite, ${differs.targetRows} in PostgreSQL`;
      throw new HubError('LH_E_STORE_COPY_MISMATCH', [differs.table, what]);
    }
    if (!isJson) out(`Verified: every table matches. Point leadhook at it with LEADHOOK_DATABASE_URL (${printable(redactedUrl(stringFlag(values, 'to') as string))}).\n`);
  },
};

/** `leadhook store …`: commands that work on a store directly, on this machine. */
export const store = {
  name: 'store',
  summary: 'work on a store directly, on this machine (no server): copy SQLite to PostgreSQL',
  commands: { copy },
} satisfies CommandGroup & { commands: Record<string, LocalCommand> };
