import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HubError } from '../core/errors.js';

/** parseArgs option declarations (`{ name: { type: 'string' } }`). */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed flag values, by long name. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  tz: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies OptionSpec;

export interface ParsedArgs {
  positionals: string[];
  values: FlagValues;
}

/** A usage error (exit 1); `usage` is printed under the message as a hint. */
export function usageError(message: string, usage: string): HubError {
  return new HubError('LH_E_CLI_USAGE', [message], { details: { usage } });
}

/**
 * Find the command words without knowing the command's flags yet: global flags are understood,
 * anything else is skipped. Used only to pick the command; each command then parses strictly.
 */
export function peekCommand(argv: readonly string[]): ParsedArgs {
  const { positionals, values } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  return { positionals, values };
}

/** Parse a command's arguments strictly: unknown flags and missing flag values are usage errors. */
export function parseCommandArgs(argv: readonly string[], options: OptionSpec, usage: string): ParsedArgs {
  try {
    const { positionals, values } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { positionals, values };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw usageError((error as Error).message, usage);
    throw error;
  }
}

/** A string flag's value, or undefined. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** True when a boolean flag was given. */
export function isFlagSet(values: FlagValues, name: string): boolean {
  return values[name] === true;
}
