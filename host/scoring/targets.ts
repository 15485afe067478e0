/**
 * Target tripod shares, the live score formula and the cue a therapist would say.
 *
 * Presets (see host/scoring/BALANCE.md, "The foot tripod and its targets"):
 * - 'clinical': the clinical cue, equal thirds, tolerance +/-0.10 (10 points of share).
 * - 'physiological': our derivation from two-foot standing data (rearfoot 54-55 %, forefoot 45 %,
 *   Zebris reference study 2020): heel 0.525, forefoot 0.475 split 60/40 between the 1st and 5th
 *   metatarsal heads (0.285 / 0.190), tolerance +/-0.10.
 * - custom: any three shares summing to 1 (within 1e-6), tolerance 0.01..0.5.
 *
 * Score (0-100, per sample): e = max over heel, mt1, mt5 of |share - target| (share units);
 * score = 100 * max(0, 1 - e / (2 * tolerance)). So 100 on target, 50 at the edge of the zone,
 * 0 at twice the tolerance or beyond. In zone <=> e <= tolerance <=> score >= 50.
 */
import { pointFromShares, type FootLandmarks, type TripodReading, type TripodShares } from './geometry.ts';
import type { PointMm } from '../pipeline/types.ts';

export interface TripodTarget {
  name: string;
  shares: TripodShares;
  /** Half-width of the zone around each target share, share units (0.10 = +/-10 points). */
  tolerance: number;
}

export const TARGET_PRESETS = {
  clinical: { name: 'clinical', shares: { heel: 1 / 3, mt1: 1 / 3, mt5: 1 / 3 }, tolerance: 0.1 },
  physiological: { name: 'physiological', shares: { heel: 0.525, mt1: 0.285, mt5: 0.19 }, tolerance: 0.1 },
} as const satisfies Record<string, TripodTarget>;

export type TargetPresetName = keyof typeof TARGET_PRESETS;

/** A custom target; throws RangeError naming the bad value. */
export function customTarget(shares: TripodShares, tolerance: number, name = 'custom'): TripodTarget {
  for (const k of ['heel', 'mt1', 'mt5'] as const) {
    const v = shares[k];
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`target ${k}: expected a share 0..1, got ${v}`);
  }
  const sum = shares.heel + shares.mt1 + shares.mt5;
  if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`target shares must sum to 1, got ${sum.toFixed(4)} (heel ${shares.heel}, mt1 ${shares.mt1}, mt5 ${shares.mt5})`);
  if (!Number.isFinite(tolerance) || tolerance < 0.01 || tolerance > 0.5) throw new RangeError(`target tolerance: expected 0.01..0.5 (share units), got ${tolerance}`);
  return { name, shares: { ...shares }, tolerance };
}

/** A preset by name, or a custom target; throws RangeError for an unknown preset. */
export function resolveTarget(t: TargetPresetName | TripodTarget): TripodTarget {
  if (typeof t === 'string') {
    const p = (TARGET_PRESETS as Record<string, TripodTarget>)[t];
    if (!p) throw new RangeError(`unknown target preset '${t}' (expected ${Object.keys(TARGET_PRESETS).join(', ')})`);
    return { name: p.name, shares: { ...p.shares }, tolerance: p.tolerance };
  }
  return customTarget(t.shares, t.tolerance, t.name);
}

/** Largest absolute share error, share units. */
export function shareError(s: TripodShares, target: TripodTarget): number {
  return Math.max(Math.abs(s.heel - target.shares.heel), Math.abs(s.mt1 - target.shares.mt1), Math.abs(s.mt5 - target.shares.mt5));
}

/** Live score 0-100 (see the file comment). */
export function scoreShares(s: TripodShares, target: TripodTarget): number {
  return 100 * Math.max(0, 1 - shareError(s, target) / (2 * target.tolerance));
}

export function inZone(s: TripodShares, target: TripodTarget): boolean {
  return shareError(s, target) <= target.tolerance;
}

/** What the therapist says for a reading (usually of the rolling mean shares). */
export function cueFor(reading: Pick<TripodReading, 'shares' | 'outside'>, target: TripodTarget): string {
  switch (reading.outside) {
    case 'forefoot':
      return 'On your toes: sink back toward the heel';
    case 'lateral':
      return 'Rolling out: press the big toe down';
    case 'medial':
      return 'Rolling in: lift the arch, weight to the outer edge';
    default:
      break;
  }
  const s = reading.shares;
  const d = { heel: s.heel - target.shares.heel, mt1: s.mt1 - target.shares.mt1, mt5: s.mt5 - target.shares.mt5 };
  const worst = (['heel', 'mt1', 'mt5'] as const).reduce((a, b) => (Math.abs(d[b]) > Math.abs(d[a]) ? b : a));
  if (Math.abs(d[worst]) <= target.tolerance) return 'Good: hold it there';
  const over = d[worst] > 0;
  switch (worst) {
    case 'heel':
      return over ? 'Off the heel: come forward onto the ball of the foot' : 'Sit back a little onto the heel';
    case 'mt1':
      return over ? 'Ease off the big toe: spread to the outer edge' : 'More weight toward the big toe';
    case 'mt5':
      return over ? 'Off the outer edge: press the big toe down' : 'More weight toward the little toe';
  }
}

/** The CoP point of the target shares. */
export function targetPoint(target: TripodTarget, lm: Pick<FootLandmarks, 'heel' | 'mt1' | 'mt5'>): PointMm {
  return pointFromShares(target.shares, lm);
}

/**
 * The zone as a plate polygon (counter-clockwise): every CoP whose three shares are within the
 * tolerance. In (heel, mt1) share coordinates it is the square |heel - t| <= tol, |mt1 - t| <= tol
 * cut by |(1 - heel - mt1) - t5| <= tol: a hexagon at most.
 */
export function targetZone(target: TripodTarget, lm: Pick<FootLandmarks, 'heel' | 'mt1' | 'mt5'>): PointMm[] {
  const { heel: th, mt1: tm, mt5: t5 } = target.shares;
  const tol = target.tolerance;
  let poly: Array<[number, number]> = [
    [th - tol, tm - tol],
    [th + tol, tm - tol],
    [th + tol, tm + tol],
    [th - tol, tm + tol],
  ];
  // Keep h + m >= 1 - t5 - tol, then h + m <= 1 - t5 + tol (Sutherland-Hodgman).
  const clip = (pts: Array<[number, number]>, f: (p: [number, number]) => number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < pts.length; i++) {
      const a = pts[i]!;
      const b = pts[(i + 1) % pts.length]!;
      const fa = f(a);
      const fb = f(b);
      if (fa >= 0) out.push(a);
      if ((fa >= 0) !== (fb >= 0)) {
        const k = fa / (fa - fb);
        out.push([a[0] + k * (b[0] - a[0]), a[1] + k * (b[1] - a[1])]);
      }
    }
    return out;
  };
  poly = clip(poly, (p) => p[0] + p[1] - (1 - t5 - tol));
  poly = clip(poly, (p) => 1 - t5 + tol - (p[0] + p[1]));
  const pts = poly.map(([h, m]) => pointFromShares({ heel: h, mt1: m, mt5: 1 - h - m }, lm));
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % pts.length]!;
    area += a.x * b.y - b.x * a.y;
  }
  return area < 0 ? pts.reverse() : pts;
}
