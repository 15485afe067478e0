/**
 * The stance flags shared by the commands that score a foot (live, replay, analyze):
 *   --foot left|right     stance foot
 *   --foot-length MM      heel to longest toe, 100..400 (default 260)
 *   --target NAME         clinical | physiological (default clinical; live and replay)
 *   --layout FILE         board layout JSON with the foot marks (default: the Tripod board)
 * One parser, so the three commands accept and refuse the same things with the same words.
 */
import type { FootSide } from '../scoring/geometry.ts';
import type { ScoringLayout } from '../scoring/layout.ts';
import { DEFAULT_FOOT_LENGTH_MM, type StanceSetup } from '../scoring/stance.ts';
import { RuntimeError, UsageError } from './errors.ts';
import { parsePositive } from './source-flags.ts';

export const STANCE_FLAGS = ['foot', 'foot-length', 'target', 'layout'] as const;

export const FOOT_LENGTH_RANGE_MM = { min: 100, max: 400 };

/** A --NAME flag that must be one of `allowed` (fallback when absent). */
export function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T;
export function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T | null): T | null;
export function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T | null): T | null {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`--${name} must be ${allowed.join(' or ')}, got '${String(v)}'`);
}

/**
 * Reads --foot, --foot-length, --target and --layout. `footDefault` null: without --foot the
 * command scores nothing and returns null, and the other three flags are refused (they would be
 * silently ignored). A layout file that cannot be read or is not a layout is a RuntimeError (exit 1)
 * naming the file and what is wrong.
 */
export async function parseStanceFlags(values: Record<string, unknown>, footDefault: FootSide | null): Promise<StanceSetup | null> {
  const foot = oneOf<FootSide>(values, 'foot', ['left', 'right'], footDefault);
  if (foot === null) {
    const stray = STANCE_FLAGS.find((k) => k !== 'foot' && values[k] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --foot left|right (the stance foot to score)`);
    return null;
  }
  const footLengthMm = parsePositive(values, 'foot-length', DEFAULT_FOOT_LENGTH_MM)!;
  if (footLengthMm < FOOT_LENGTH_RANGE_MM.min || footLengthMm > FOOT_LENGTH_RANGE_MM.max) {
    throw new UsageError(`--foot-length must be ${FOOT_LENGTH_RANGE_MM.min}..${FOOT_LENGTH_RANGE_MM.max} mm, got ${footLengthMm}`);
  }
  const target = oneOf(values, 'target', ['clinical', 'physiological'] as const, 'clinical');
  const setup: StanceSetup = { foot, footLengthMm, target };
  if (values.layout !== undefined) {
    if (typeof values.layout !== 'string' || values.layout === '') throw new UsageError('--layout needs a layout JSON file');
    setup.layout = await loadLayout(values.layout);
  }
  return setup;
}

async function loadLayout(file: string): Promise<ScoringLayout> {
  // Loaded late: `--help` and flag errors stay fast.
  const { loadLayoutFile } = await import('../scoring/layout.ts');
  try {
    return loadLayoutFile(file);
  } catch (e) {
    throw new RuntimeError(`--layout: ${(e as Error).message}`);
  }
}
