import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.ts';
import { EXIT_RUNTIME, EXIT_USAGE, RuntimeError, UsageError } from './errors.ts';
import type { CliCommand } from './command.ts';
import { escapeControl } from '../util/terminal-text.ts';

const TOP_HELP_HEAD = `tripod: balance-board toolkit (Tripod board over BLE, USB serial or a simulated board)

Usage: tripod <command> [flags]      tripod <command> --help for its flags

Commands:`;

const TOP_HELP_TAIL = `
Board source flags (commands that need a board): --sim (default: the simulated board),
--ble [id|name], --serial PATH. Add --json for machine-readable output.`;

async function topHelp(): Promise<string> {
  const lines: string[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const cmd = await load();
    lines.push(`  ${name.padEnd(11)} ${cmd.summary}`);
  }
  return `${TOP_HELP_HEAD}\n${lines.join('\n')}\n${TOP_HELP_TAIL}\n`;
}

/**
 * `--ble=NAME` as `--ble NAME`: --ble is a boolean in parseArgs form (it has no optional-value
 * options) whose board id or name is the next word (host/cli/source-flags.ts), so the `=` form
 * would otherwise be refused as a value on a boolean flag.
 */
function expandOptionalValues(args: string[], options: CliCommand['options']): string[] {
  if (options['ble']?.type !== 'boolean') return args;
  const out: string[] = [];
  for (const a of args) {
    if (a.startsWith('--ble=')) out.push('--ble', a.slice('--ble='.length));
    else out.push(a);
  }
  return out;
}

/** node:util parseArgs messages, cut to what the user needs: which flag, and what was wrong. */
function describeParseError(e: unknown): string {
  return oneLine(e)
    .replace(/^TypeError \[[A-Z_]+\]: /, '')
    .replace(/\. To specify a positional argument starting with a '-'.*$/, '')
    .replace(/^Option '(.+?)' argument missing$/, "flag '$1' needs a value");
}

/** The first line of an error, its control characters escaped (it may quote a file or a board). */
function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return escapeControl(msg.split('\n')[0] ?? msg);
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 usage error). */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(await topHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-V') {
    out.write(`${process.env.npm_package_version ?? (await import('../../package.json', { with: { type: 'json' } })).default.version}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    err.write(`tripod: unknown command '${escapeControl(name)}'; run 'tripod --help' for the list\n`);
    return EXIT_USAGE;
  }
  let cmd: CliCommand;
  try {
    cmd = await load();
  } catch (e) {
    err.write(`tripod ${name}: ${oneLine(e)}\n`);
    return EXIT_RUNTIME;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`);
    return 0;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: expandOptionalValues(rest, cmd.options), allowPositionals: cmd.allowPositionals ?? false, options: cmd.options, strict: true });
  } catch (e) {
    err.write(`tripod ${name}: ${describeParseError(e)}; see 'tripod ${name} --help'\n`);
    return EXIT_USAGE;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await cmd.run({
      values: parsed.values as CommandContextValues,
      positionals: parsed.positionals,
      out,
      err,
      signal: controller.signal,
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`tripod ${name}: ${oneLine(e)}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof RuntimeError) {
      err.write(`tripod ${name}: ${oneLine(e)}\n`);
      return EXIT_RUNTIME;
    }
    err.write(`tripod ${name}: ${oneLine(e)}\n`);
    if (process.env.TRIPOD_DEBUG) err.write(`${(e as Error)?.stack ?? ''}\n`);
    return EXIT_RUNTIME;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

type CommandContextValues = Record<string, string | boolean | string[] | boolean[] | undefined>;
