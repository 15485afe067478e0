/**
 * LiveAnalysis over the project's scoring (host/scoring/): the live scorer, the trial detector, the
 * stance geometry and the left/right comparison. The result table's numbers are the TrialResult's
 * own fields, unrounded in `value` (the page shows `text`, a rounding of the same number).
 */
import type { ForceSample } from '../pipeline/types.ts';
import { compareFeet } from '../scoring/asymmetry.ts';
import { createLiveScorer } from '../scoring/live.ts';
import { resolveStance, type StanceSetup } from '../scoring/stance.ts';
import { inZone } from '../scoring/targets.ts';
import { insideConvex, tripodShares } from '../scoring/geometry.ts';
import { CueGovernor } from './cue.ts';
import { createTrialDetector, type TrialConfig, type TrialResult } from '../scoring/trial.ts';
import type { LiveAnalysis, TrialRun, TrialUpdate } from './analysis.ts';
import type { FootGeometry, LiveScoreView, ResultRow, TrialSetup } from './messages.ts';

/** Stance options the live command passes through (foot length, target preset, layout...). */
export type StanceOptions = Omit<StanceSetup, 'foot'>;

/** Trial detector options beyond the page's setup (e.g. an entered body weight). */
export type TrialOptions = Omit<TrialConfig, 'foot' | 'durationS' | keyof StanceSetup>;

export function scoringAnalysis(stance: StanceOptions = {}, trial: TrialOptions = {}): LiveAnalysis {
  return {
    geometry(setup: TrialSetup): FootGeometry {
      const s = resolveStance({ ...stance, foot: setup.foot });
      const lm = s.landmarks;
      return { foot: setup.foot, outline: lm.outline, tripod: { heel: lm.heel, mt1: lm.mt1, mt5: lm.mt5 }, target: s.targetPoint, zone: s.targetZone };
    },
    createLiveScorer(setup: TrialSetup) {
      const scorer = createLiveScorer({ ...stance, foot: setup.foot });
      const { landmarks, otherLandmarks } = scorer.stance;
      const governor = new CueGovernor();
      return {
        push(sample: ForceSample): LiveScoreView {
          const l = scorer.push(sample);
          const mean = l.rolling.meanCop;
          const cue = governor.push({
            t: sample.t,
            foot: setup.foot,
            meanCop: mean,
            rollingScore: l.rolling.meanScore,
            meanInZone: l.rolling.meanShares !== null && inZone(l.rolling.meanShares, l.target),
            outside: mean ? tripodShares(mean, landmarks).outside : null,
            scorerCue: l.cue,
            insideFoot: (p) => insideConvex(p, landmarks.outline),
            insideOtherFoot: (p) => insideConvex(p, otherLandmarks.outline),
          });
          return {
            shares: l.shares,
            rollingShares: l.rolling.meanShares,
            rollingScore: l.rolling.meanScore,
            cueGood: l.rolling.meanShares ? cue.kind === 'good' : null,
            targetShares: l.target.shares,
            tolerance: l.target.tolerance,
            score: l.score,
            inZone: l.inZone,
            inZonePct: l.inZonePct,
            cue: cue.cue,
            cueKind: cue.kind,
            cueSince: governor.since,
            outside: l.outside,
          };
        },
        reset: () => {
          scorer.reset();
          governor.reset();
        },
      };
    },
    createTrial(setup: TrialSetup): TrialRun {
      const detector = createTrialDetector({ ...stance, ...trial, foot: setup.foot, durationS: setup.durationS });
      return {
        push(sample: ForceSample): TrialUpdate[] {
          const out: TrialUpdate[] = [];
          for (const e of detector.push(sample)) {
            switch (e.type) {
              case 'body-weight':
                out.push({ type: 'note', t: e.t, text: `Body weight ${e.bodyWeightN.toFixed(0)} N (${(e.bodyWeightN / 9.80665).toFixed(1)} kg). Now stand on the ${setup.foot} foot.` });
                break;
              case 'wrong-foot':
                out.push({ type: 'note', t: e.t, text: `That is the ${e.detected} foot: stand on the ${setup.foot} foot outline.` });
                break;
              case 'started':
                out.push({ type: 'started', t: e.t });
                break;
              case 'touch-down':
                out.push({ type: 'touchdown', t: e.t, trialS: e.trialS });
                break;
              case 'touch-down-end':
                out.push({ type: 'touchdown-end', t: e.t, durationS: e.touchDown.durationS });
                break;
              case 'step-off':
                out.push({ type: 'note', t: e.t, text: `Stepped off at ${e.trialS.toFixed(1)} s.` });
                break;
              case 'ended':
                out.push({ type: 'ended', t: e.t, reason: END_REASON[e.reason], result: e.result });
                break;
            }
          }
          return out;
        },
        stop: () => detector.stop(),
      };
    },
    resultRows: (r) => trialResultRows(r as TrialResult),
    compare: (l, r) => compareFeet(l as TrialResult, r as TrialResult),
  };
}

const END_REASON: Record<TrialResult['endReason'], string> = {
  duration: 'the set duration was reached',
  'step-off': 'step-off',
  stopped: 'stopped by the therapist',
};

/** The result table: label, unit, the result's number, its display text and a one-line explanation. */
export function trialResultRows(r: TrialResult): ResultRow[] {
  const rows: ResultRow[] = [];
  let group = 'Stance';
  const add = (key: string, label: string, unit: string, value: number | null, digits: number, help: string): void => {
    rows.push({ group, key, label, unit, value, text: value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits), help });
  };
  const pct = (v: number | undefined | null): number | null => (v === undefined || v === null ? null : 100 * v);
  add('timeHeldS', r.tooShort ? 'Time held (too short)' : r.completed ? 'Time held (completed)' : 'Time held', 's', r.timeHeldS, 2, 'time on one leg from the steady start to the end, step-off or Stop');
  add('errors', 'Errors (touch-downs + step-off)', 'count', r.errors, 0, 'BESS errors: each touch-down of the other foot, plus a step-off');
  add('touchDowns', 'Touch-downs', 'count', r.touchDowns.length, 0, 'times the other foot took weight for at least 0.1 s');
  add('bodyWeightN', `Body weight (${r.bodyWeightSource})`, 'N', r.bodyWeightN, 1, 'total load of the quiet stand (newtons; divide by 9.81 for kg)');
  group = 'Tripod';
  add('inZonePct', 'Time in zone', '%', r.inZonePct, 1, 'share of the trial with all three tripod shares within the tolerance of the target');
  add('heelPct', 'Heel share, mean', '%', pct(r.shares?.mean.heel), 1, 'mean part of the load on the heel');
  add('mt1Pct', '1st MT share, mean', '%', pct(r.shares?.mean.mt1), 1, 'mean part of the load on the big-toe ball (1st metatarsal head)');
  add('mt5Pct', '5th MT share, mean', '%', pct(r.shares?.mean.mt5), 1, 'mean part of the load on the little-toe ball (5th metatarsal head)');
  add('heelSdPct', 'Heel share, SD', '%', pct(r.shares?.sd.heel), 1, 'how much the heel share varied (standard deviation)');
  add('outsidePct', 'Outside the tripod', '%', r.outsidePct, 1, 'share of the trial with the CoP outside the heel-1st-5th triangle');
  add('mlIndexPct', 'Medio-lateral index', '% pts', pct(r.mlIndex), 1, '5th MT share minus 1st MT share: + = weight rolls out, − = rolls in');
  add('heelForefootIndexPct', 'Heel-forefoot index', '% pts', pct(r.heelForefootIndex), 1, 'heel share minus both forefoot shares: + = heel heavy, − = forefoot heavy');
  const s = r.sway;
  group = 'Sway';
  add('pathMm', 'Path length', 'mm', s?.pathMm ?? null, 0, 'distance the CoP travelled during the trial');
  add('velocityMmS', 'Mean velocity', 'mm/s', s?.velocityMmS ?? null, 1, 'path length / time: mean speed of the CoP (lower is steadier)');
  add('velocityMlMmS', 'Mean velocity ML', 'mm/s', s?.velocityMlMmS ?? null, 1, 'mean speed side to side');
  add('velocityApMmS', 'Mean velocity AP', 'mm/s', s?.velocityApMmS ?? null, 1, 'mean speed front to back');
  add('rmsMlMm', 'RMS ML', 'mm', s?.rmsMlMm ?? null, 1, 'root-mean-square distance from the mean CoP, side to side');
  add('rmsApMm', 'RMS AP', 'mm', s?.rmsApMm ?? null, 1, 'root-mean-square distance from the mean CoP, front to back');
  add('rangeMlMm', 'Range ML', 'mm', s?.rangeMlMm ?? null, 1, 'widest side-to-side excursion');
  add('rangeApMm', 'Range AP', 'mm', s?.rangeApMm ?? null, 1, 'widest front-to-back excursion');
  add('area95Mm2', '95 % ellipse area', 'mm²', s?.area95Mm2 ?? null, 0, 'area of the ellipse holding 95 % of the CoP positions (lower is steadier)');
  add('swayAreaMm2S', 'Sway area per second', 'mm²/s', s?.swayAreaMm2S ?? null, 1, 'area swept by the CoP about its mean, per second');
  add('mfreqHz', 'Mean power frequency', 'Hz', s?.mfreqHz ?? null, 2, 'average frequency of the sway (higher = quicker corrections)');
  add('ttbMinS', 'Time to boundary, min', 's', s?.ttb?.minS ?? null, 2, 'shortest time the CoP would have needed to reach the foot edge at its speed');
  return rows;
}
