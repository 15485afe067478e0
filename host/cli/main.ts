import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.ts';
import { EXIT_RUNTIME, EXIT_USAGE, RuntimeError, UsageError } from './errors.ts';
import type { CliCommand } from './command.ts';
import { escapeControl } from '../util/terminal-text.ts';
import type { TransportFactory } from '../transport/open.ts';

const TOP_HELP_HEAD = `tripod: balance-board toolkit (Tripod board over BLE, USB serial or a simulated board)

Usage: tripod <command> [flags]      tripod <command> --help for its flags

Commands:`;

const TOP_HELP_TAIL = `
Board source flags (commands that need a board): --sim (default: the simulated board),
--ble [id|name], --serial PATH. Add --json for machine-readable output.`;

function topHelp(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`);
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

/** The command within edit distance 2 of `name` (a typo), or one that starts with it; null when none is close. */
export function closestCommand(name: string, names: string[]): string | null {
  const n = name.toLowerCase();
  let best: string | null = null;
  let bestD = 3;
  for (const c of names) {
    const d = c.startsWith(n) && n.length >= 3 ? 1 : editDistance(n, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Edits (insert, delete, replace, swap of neighbours) between a and b: optimal string alignment. */
function editDistance(a: string, b: string): number {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
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
  transports?: TransportFactory,
): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `tripod help record` is `tripod record --help`.
  const helpFor = first === 'help' && afterFirst[0] !== undefined ? afterFirst[0] : null;
  const [name, ...rest] = helpFor !== null ? [helpFor, '--help'] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(topHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-V') {
    out.write(`${(await import('../package-root.ts')).SOFTWARE.version}\n`);
    return 0;
  }
  const load = COMMANDS[name]?.load;
  if (!load) {
    const near = closestCommand(name, Object.keys(COMMANDS));
    err.write(`tripod: unknown command '${escapeControl(name)}'; ${near ? `did you mean '${near}'? (tripod --help lists them all)` : "run 'tripod --help' for the list"}\n`);
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
      transports: transports ?? (await import('../transport/open.ts')).defaultTransports(),
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
