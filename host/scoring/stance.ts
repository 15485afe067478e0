/**
 * One stance setup, shared by the live scorer and the trial detector: which foot, its size, where
 * it stands (the layout's printed mark), and the target. Defaults: 260 mm foot (a typical adult
 * EU 41), ball width 0.39 x length, no toe-out, clinical target, DEFAULT_SCORING_LAYOUT.
 */
import { footLandmarks, type FootLandmarks, type FootPlacement, type FootSide } from './geometry.ts';
import { DEFAULT_SCORING_LAYOUT, type ScoringLayout } from './layout.ts';
import { resolveTarget, targetPoint, targetZone, type TargetPresetName, type TripodTarget } from './targets.ts';
import type { PointMm } from '../pipeline/types.ts';

export const DEFAULT_FOOT_LENGTH_MM = 260;

export interface StanceSetup {
  foot: FootSide;
  /** Heel to longest toe, mm (default 260). */
  footLengthMm?: number;
  /** Ball width, mm (default 0.39 x length). */
  footWidthMm?: number;
  /** Toe-out, degrees (default 0). */
  toeOutDeg?: number;
  /** Board layout with its foot marks (default DEFAULT_SCORING_LAYOUT). */
  layout?: ScoringLayout;
  /** Target preset name or a custom target (default 'clinical'). */
  target?: TargetPresetName | TripodTarget;
}

export interface ResolvedStance {
  layout: ScoringLayout;
  placement: FootPlacement;
  landmarks: FootLandmarks;
  /** The other foot at its mark (for wrong-foot detection). */
  otherLandmarks: FootLandmarks;
  target: TripodTarget;
  targetPoint: PointMm;
  targetZone: PointMm[];
}

export function resolveStance(setup: StanceSetup): ResolvedStance {
  const layout = setup.layout ?? DEFAULT_SCORING_LAYOUT;
  const placementFor = (side: 'left' | 'right'): FootPlacement => {
    const p: FootPlacement = { side, lengthMm: setup.footLengthMm ?? DEFAULT_FOOT_LENGTH_MM, centre: layout.footMarks[side] };
    if (setup.footWidthMm !== undefined) p.widthMm = setup.footWidthMm;
    if (setup.toeOutDeg !== undefined) p.toeOutDeg = setup.toeOutDeg;
    return p;
  };
  const placement = placementFor(setup.foot);
  const landmarks = footLandmarks(placement);
  const otherLandmarks = footLandmarks(placementFor(setup.foot === 'left' ? 'right' : 'left'));
  const target = resolveTarget(setup.target ?? 'clinical');
  return { layout, placement, landmarks, otherLandmarks, target, targetPoint: targetPoint(target, landmarks), targetZone: targetZone(target, landmarks) };
}
