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
      return {
        push(sample: ForceSample): LiveScoreView {
          const l = scorer.push(sample);
          return {
            shares: l.shares,
            rollingShares: l.rolling.meanShares,
            rollingScore: l.rolling.meanScore,
            cueGood: l.rolling.meanShares ? inZone(l.rolling.meanShares, l.target) : null,
            targetShares: l.target.shares,
            tolerance: l.target.tolerance,
            score: l.score,
            inZone: l.inZone,
            inZonePct: l.inZonePct,
            cue: l.cue,
            outside: l.outside,
          };
        },
        reset: () => scorer.reset(),
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

/** The result table: label, unit, the result's number and its display text. */
export function trialResultRows(r: TrialResult): ResultRow[] {
  const rows: ResultRow[] = [];
  let group = 'Stance';
  const add = (key: string, label: string, unit: string, value: number | null, digits: number): void => {
    rows.push({ group, key, label, unit, value, text: value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits) });
  };
  const pct = (v: number | undefined | null): number | null => (v === undefined || v === null ? null : 100 * v);
  add('timeHeldS', r.tooShort ? 'Time held (too short)' : r.completed ? 'Time held (completed)' : 'Time held', 's', r.timeHeldS, 2);
  add('errors', 'Errors (touch-downs + step-off)', '', r.errors, 0);
  add('touchDowns', 'Touch-downs', '', r.touchDowns.length, 0);
  add('bodyWeightN', `Body weight (${r.bodyWeightSource})`, 'N', r.bodyWeightN, 1);
  group = 'Tripod';
  add('inZonePct', 'Time in zone', '%', r.inZonePct, 1);
  add('heelPct', 'Heel share, mean', '%', pct(r.shares?.mean.heel), 1);
  add('mt1Pct', '1st MT share, mean', '%', pct(r.shares?.mean.mt1), 1);
  add('mt5Pct', '5th MT share, mean', '%', pct(r.shares?.mean.mt5), 1);
  add('heelSdPct', 'Heel share, SD', '%', pct(r.shares?.sd.heel), 1);
  add('outsidePct', 'Outside the tripod', '%', r.outsidePct, 1);
  add('mlIndex', 'ML index (+ rolls out)', '', r.mlIndex, 3);
  add('heelForefootIndex', 'Heel-forefoot index (+ heel)', '', r.heelForefootIndex, 3);
  const s = r.sway;
  group = 'Sway';
  add('pathMm', 'Path length', 'mm', s?.pathMm ?? null, 0);
  add('velocityMmS', 'Mean velocity', 'mm/s', s?.velocityMmS ?? null, 1);
  add('velocityMlMmS', 'Mean velocity ML', 'mm/s', s?.velocityMlMmS ?? null, 1);
  add('velocityApMmS', 'Mean velocity AP', 'mm/s', s?.velocityApMmS ?? null, 1);
  add('rmsMlMm', 'RMS ML', 'mm', s?.rmsMlMm ?? null, 1);
  add('rmsApMm', 'RMS AP', 'mm', s?.rmsApMm ?? null, 1);
  add('rangeMlMm', 'Range ML', 'mm', s?.rangeMlMm ?? null, 1);
  add('rangeApMm', 'Range AP', 'mm', s?.rangeApMm ?? null, 1);
  add('area95Mm2', '95 % ellipse area', 'mm²', s?.area95Mm2 ?? null, 0);
  add('swayAreaMm2S', 'Sway area per second', 'mm²/s', s?.swayAreaMm2S ?? null, 1);
  add('mfreqHz', 'Mean power frequency', 'Hz', s?.mfreqHz ?? null, 2);
  add('ttbMinS', 'Time to boundary, min', 's', s?.ttb?.minS ?? null, 2);
  return rows;
}
