import type { ParseArgsConfig } from 'node:util';
import type { TransportFactory } from '../transport/open.ts';

/** The options table of one command, in node:util parseArgs form. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * An options table from flag names: each flag takes a value (`strings`) or is a switch
 * (`booleans`). Tripod's flags have no short forms and no parser defaults (each command applies and
 * documents its own), so a name is all a command declares.
 */
export function optionTable(strings: readonly string[], booleans: readonly string[] = []): OptionSpec {
  const spec: OptionSpec = {};
  for (const name of strings) spec[name] = { type: 'string' };
  for (const name of booleans) spec[name] = { type: 'boolean' };
  return spec;
}

/** What a command's run() receives once its flags are parsed. */
export interface CommandContext {
  /** Parsed flags, keyed by long name. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Where human output goes (stdout unless a test swaps it). */
  out: NodeJS.WritableStream;
  /** Where progress and warnings go (stderr). */
  err: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and keep what they took. */
  signal: AbortSignal;
  /** Makes the transports for board sources (the platform radio unless main() was given another, e.g. a FakeRadio in tests). */
  transports: TransportFactory;
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text shown by `tripod NAME --help` (usage line, flags with defaults, examples). */
  help: string;
  options: OptionSpec;
  /** Whether positionals are accepted (default false: a stray word is a usage error). */
  allowPositionals?: boolean;
  /** Returns the exit code. Throw UsageError / RuntimeError for one-line failures. */
  run(ctx: CommandContext): Promise<number>;
}
