/**
 * The big cue on the live page: one clear instruction at a time, steady enough to act on.
 *
 * What it says, first match wins (from the rolling 2 s mean of the CoP and of the score):
 * 1. nobody on the board                       -> "Step onto the board: left foot on the left outline"
 * 2. the CoP is on the other foot's outline    -> "Wrong foot: stand on your LEFT foot"
 * 3. the CoP is off the set foot's outline     -> "Move onto the left foot outline"
 * 4. the CoP is outside the tripod triangle    -> the scorer's edge cue ("On your toes: sink back...")
 * 5. in the zone and the score in the good band (>= GOOD_SCORE) -> "Good: hold it there"
 * 6. otherwise                                 -> the scorer's correction for the worst share
 *    (in the zone but the score below the band: "Nearly: keep the weight centred")
 *
 * Pace: the shown cue changes at most once per CUE_HOLD_S of device time; a candidate must also
 * have been the same for CUE_SETTLE_S, so a cue never flickers. One exception keeps it honest:
 * "Good" is withdrawn at once when the score leaves the good band.
 */
import type { PointMm } from '../pipeline/types.ts';
import { GOOD_SCORE, type CueKind } from './messages.ts';

export const CUE_HOLD_S = 1;
export const CUE_SETTLE_S = 0.3;
export const GOOD_CUE = 'Good: hold it there';

export interface CueInput {
  t: number;
  foot: 'left' | 'right';
  /** Rolling mean CoP, null when nobody stands on the board. */
  meanCop: PointMm | null;
  /** Rolling mean score 0..100. */
  rollingScore: number | null;
  /** Whether the rolling mean shares are in the zone. */
  meanInZone: boolean;
  /** Which edge of the tripod the mean CoP is outside of, null inside. */
  outside: string | null;
  /** The scorer's cue for the mean shares. */
  scorerCue: string;
  insideFoot(p: PointMm): boolean;
  insideOtherFoot(p: PointMm): boolean;
}

export interface CueOut {
  cue: string;
  kind: CueKind;
}

export function candidateCue(i: CueInput): CueOut {
  const other = i.foot === 'left' ? 'right' : 'left';
  if (!i.meanCop) return { cue: `Step onto the board: ${i.foot} foot on the ${i.foot} outline`, kind: 'step-on' };
  if (!i.insideFoot(i.meanCop) && i.insideOtherFoot(i.meanCop)) {
    return { cue: `Wrong foot: that is the ${other} foot. Stand on your ${i.foot.toUpperCase()} foot`, kind: 'wrong-foot' };
  }
  if (!i.insideFoot(i.meanCop)) return { cue: `Move onto the ${i.foot} foot outline`, kind: 'off-foot' };
  if (i.outside !== null) return { cue: i.scorerCue, kind: 'off-tripod' };
  if (i.meanInZone && i.rollingScore !== null && i.rollingScore >= GOOD_SCORE) return { cue: GOOD_CUE, kind: 'good' };
  if (i.meanInZone) return { cue: 'Nearly: keep the weight centred and steady', kind: 'correct' };
  return { cue: i.scorerCue, kind: 'correct' };
}

export class CueGovernor {
  private shown: CueOut | null = null;
  private shownAt = -Infinity;

  /** Device time the shown cue took its text, s (-Infinity before the first). */
  get since(): number {
    return this.shownAt;
  }
  private cand: CueOut | null = null;
  private candSince = -Infinity;
  /** Device times at which the shown cue changed (the last 100; for tests). */
  readonly changes: number[] = [];

  reset(): void {
    this.shown = null;
    this.shownAt = -Infinity;
    this.cand = null;
  }

  push(i: CueInput): CueOut {
    const c = candidateCue(i);
    if (!this.cand || this.cand.cue !== c.cue) {
      this.cand = c;
      this.candSince = i.t;
    }
    const goodInvalid = this.shown?.kind === 'good' && !(i.rollingScore !== null && i.rollingScore >= GOOD_SCORE);
    if (!this.shown) this.show(c, i.t);
    else if (goodInvalid) this.show(c.kind === 'good' ? { cue: 'Nearly: keep the weight centred and steady', kind: 'correct' } : c, i.t);
    else if (c.cue !== this.shown.cue && i.t - this.shownAt >= CUE_HOLD_S && i.t - this.candSince >= CUE_SETTLE_S) this.show(c, i.t);
    return this.shown!;
  }

  private show(c: CueOut, t: number): void {
    if (this.shown && this.shown.cue === c.cue) return;
    this.shown = c;
    this.shownAt = t;
    this.changes.push(t);
    if (this.changes.length > 100) this.changes.shift();
  }
}
