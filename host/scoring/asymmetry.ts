/**
 * Left/right asymmetry once both feet have a trial. Asymmetry % = 100 x (right - left) /
 * max(|right|, |left|): 0 symmetric, + right larger, -100..+100 (the bounded form force-plate
 * software such as VALD ForceDecks reports). null when either value is missing or both are 0.
 */
import type { TrialResult } from './trial.ts';

export interface AsymmetryRow {
  key: string;
  label: string;
  unit: string;
  left: number | null;
  right: number | null;
  asymmetryPct: number | null;
}

export function asymmetryPct(left: number | null, right: number | null): number | null {
  if (left === null || right === null || !Number.isFinite(left) || !Number.isFinite(right)) return null;
  const m = Math.max(Math.abs(left), Math.abs(right));
  return m === 0 ? null : (100 * (right - left)) / m;
}

const ROWS: Array<[string, string, string, (r: TrialResult) => number | null]> = [
  ['timeHeldS', 'Time held', 's', (r) => r.timeHeldS],
  ['errors', 'Errors', '', (r) => r.errors],
  ['inZonePct', 'Time in zone', '%', (r) => r.inZonePct],
  ['velocityMmS', 'Mean CoP velocity', 'mm/s', (r) => r.sway?.velocityMmS ?? null],
  ['velocityMlMmS', 'Mean CoP velocity ML', 'mm/s', (r) => r.sway?.velocityMlMmS ?? null],
  ['velocityApMmS', 'Mean CoP velocity AP', 'mm/s', (r) => r.sway?.velocityApMmS ?? null],
  ['area95Mm2', '95 % ellipse area', 'mm²', (r) => r.sway?.area95Mm2 ?? null],
  ['rmsMlMm', 'RMS ML', 'mm', (r) => r.sway?.rmsMlMm ?? null],
  ['rmsApMm', 'RMS AP', 'mm', (r) => r.sway?.rmsApMm ?? null],
  ['pathMm', 'Path length', 'mm', (r) => r.sway?.pathMm ?? null],
];

/** Rows comparing a left-foot and a right-foot result; throws when the feet are not left and right. */
export function compareFeet(left: TrialResult, right: TrialResult): AsymmetryRow[] {
  if (left.foot !== 'left' || right.foot !== 'right') {
    throw new RangeError(`compareFeet: expected a left and a right trial, got ${left.foot} and ${right.foot}`);
  }
  return ROWS.map(([key, label, unit, get]) => {
    const l = get(left);
    const r = get(right);
    return { key, label, unit, left: l, right: r, asymmetryPct: asymmetryPct(l, r) };
  });
}
