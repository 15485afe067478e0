/**
 * The board-source flags shared by every command that needs a board:
 *   --sim                 the simulated board (default): the emulator running the built firmware
 *   --ble [ID|NAME]       a board over Bluetooth LE; without a value, the first Tripod board found
 *   --serial PATH         a board on a USB/UART serial port
 *   --calibration FILE    per-cell offset/scale JSON overriding what the board reports
 *
 * node:util parseArgs has no optional-value options, so `--ble` is a boolean and the board's id or
 * name is the positional word that follows it (`tripod info --ble Tripod-1A2B`). Commands using
 * these flags set `allowPositionals: true` and pass their positionals to parseSourceFlags.
 * `--ble=NAME` works too (main.ts expands it to `--ble NAME` before parsing).
 */
import type { BoardSource } from '../source.ts';
import type { OptionSpec } from './command.ts';
import { UsageError } from './errors.ts';
import { escapeControl } from '../util/terminal-text.ts';
import { parseDecimal } from '../util/strict-number.ts';

export type { BoardSource };

export const SOURCE_OPTIONS: OptionSpec = {
  sim: { type: 'boolean' },
  ble: { type: 'boolean' },
  serial: { type: 'string' },
  calibration: { type: 'string' },
  'sim-seed': { type: 'string' },
};

export const SOURCE_HELP = `Board source (choose one):
  --sim                 the simulated board: the emulator running the built firmware (default)
  --ble [ID|NAME]       a board over Bluetooth LE (first Tripod board found if no ID or name)
  --serial PATH         a board on a serial port, e.g. /dev/ttyUSB0, or tcp://HOST:PORT
  --calibration FILE    calibration JSON overriding the board's stored calibration
  --sim-seed N          noise seed of the simulated board (default 1)`;

export interface ParsedSource {
  source: BoardSource;
  calibrationFile: string | null;
}

/**
 * Reads the source flags. `positionals` are the command's positionals: only allowed as the BLE id.
 * Throws UsageError (exit 2) with one line naming the conflict.
 */
export function parseSourceFlags(values: Record<string, unknown>, positionals: string[]): ParsedSource {
  const chosen = (['sim', 'ble', 'serial'] as const).filter((k) => values[k] !== undefined && values[k] !== false);
  if (chosen.length > 1) throw new UsageError(`choose one board source, got ${chosen.map((c) => `--${c}`).join(' and ')}`);
  const calibrationFile = typeof values.calibration === 'string' ? values.calibration : null;
  if (calibrationFile === '') throw new UsageError('--calibration needs a file path');
  if (values.ble === true) {
    if (positionals.length > 1) throw new UsageError(`--ble takes one board id or name, got ${positionals.length}: ${positionals.join(' ')}`);
    const id = positionals[0];
    return { source: id === undefined ? { kind: 'ble' } : { kind: 'ble', id }, calibrationFile };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (only --ble takes a board id or name)`);
  if (typeof values.serial === 'string') {
    if (values.serial === '') throw new UsageError('--serial needs a port path, e.g. --serial /dev/ttyUSB0');
    return { source: { kind: 'serial', path: values.serial }, calibrationFile };
  }
  let seed = 1;
  if (values['sim-seed'] !== undefined) {
    seed = typeof values['sim-seed'] === 'string' ? (parseDecimal(values['sim-seed']) ?? NaN) : NaN;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--sim-seed must be a non-negative integer, got '${String(values['sim-seed'])}'`);
  }
  return { source: { kind: 'sim', seed }, calibrationFile };
}

/**
 * Several boards at once (`--ble Tripod-A1B2 Tripod-C3D4`): the BLE ids/names given, or null when
 * the source is not BLE or names at most one board (then use parseSourceFlags).
 */
export function parseBleTargets(values: Record<string, unknown>, positionals: string[]): string[] | null {
  if (values.ble !== true || positionals.length < 2) return null;
  if (values.serial !== undefined || values.sim === true) throw new UsageError('choose one board source: --ble with several boards cannot be mixed with --sim or --serial');
  const seen = new Set<string>();
  for (const p of positionals) {
    if (seen.has(p.toLowerCase())) throw new UsageError(`board '${p}' is named twice`);
    seen.add(p.toLowerCase());
  }
  return positionals;
}

/** Parses a positive number flag (`fallback` when absent); throws UsageError naming the flag. */
export function parsePositive(values: Record<string, unknown>, name: string, fallback: number | null): number | null {
  return positiveNumber(values[name], `--${name}`) ?? fallback;
}

/**
 * A positive decimal number from its text (a flag's value or a typed answer), null when absent;
 * '0x10', 'Infinity' and '1e999' are refused. Throws UsageError naming `what` and the unit.
 */
export function positiveNumber(v: unknown, what: string, unit?: string): number | null {
  if (v === undefined) return null;
  const n = typeof v === 'string' ? parseDecimal(v) : null;
  if (n === null || n <= 0) {
    throw new UsageError(`${what} must be a positive number${unit === undefined ? '' : ` of ${unit}`}, got '${escapeControl(String(v))}'`);
  }
  return n;
}

/** Longest --duration a command accepts, s (one year: beyond it a typo is more likely than a plan). */
export const MAX_DURATION_S = 366 * 24 * 3600;

/** Parses --duration S (positive, at most MAX_DURATION_S); null when absent. */
export function parseDuration(values: Record<string, unknown>, name = 'duration'): number | null {
  const s = parsePositive(values, name, null);
  if (s !== null && s > MAX_DURATION_S) throw new UsageError(`--${name} ${s} s is more than a year (${MAX_DURATION_S} s): give the duration in seconds, e.g. --${name} 3600 for an hour`);
  return s;
}
