import type { FlagValues, OptionSpec } from './args.js';
import type { ApiClient } from './client.js';

/** What a command's `run` gets: the API, its arguments and where to write. */
export interface CommandContext {
  api: ApiClient;
  /** Positional arguments after the command words, as declared in `Command.args`. */
  args: string[];
  values: FlagValues;
  /** The whole command line after `leadhook`, to print the command that fetches the next page. */
  argv: readonly string[];
  /** `--json`: print the raw API answer instead of a table or summary. */
  isJson: boolean;
  out(text: string): void;
}

/** One `leadhook <group> <name>` command. */
export interface Command {
  /** Synopsis after `leadhook `, e.g. `sources show <id>`. */
  usage: string;
  summary: string;
  /** Names of the required positional arguments, in order. */
  args: readonly string[];
  /** String flags the command cannot run without. */
  requiredFlags?: readonly string[];
  /** Command-specific flags (the global ones are added). */
  options: OptionSpec;
  /** Extra help lines under the synopsis. */
  details?: readonly string[];
  run(ctx: CommandContext): Promise<void>;
}

/** A command group (`sources`, `leads`, `requests`). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Readonly<Record<string, Command>>;
}

/** A URL query string from the flags that are set (`?a=1&b=2`, or ''). */
export function query(params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, v);
  const text = qs.toString();
  return text === '' ? '' : `?${text}`;
}

/** A path segment from user input (ids never need escaping, but a typo must not change the route). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
