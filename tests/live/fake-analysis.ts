/**
 * A small LiveAnalysis for the page tests that do not need the real scorer (rendering, transport,
 * memory): a fixed foot, barycentric shares, a score from the distance to the centroid, and a trial
 * that starts above 300 N and ends at its duration. The end-to-end trial test uses the real scorer.
 */
import type { LiveAnalysis, TrialRun, TrialUpdate } from '../../host/live/analysis.ts';
import type { FootGeometry, LiveScoreView, ResultRow, TrialSetup } from '../../host/live/messages.ts';
import type { ForceSample, PointMm } from '../../host/pipeline/types.ts';

const TRI = { heel: { x: -60, y: -110 }, mt1: { x: -25, y: 80 }, mt5: { x: -95, y: 55 } };

function bary(p: PointMm): { heel: number; mt1: number; mt5: number } {
  const { heel: a, mt1: b, mt5: c } = TRI;
  const d = (b.y - c.y) * (a.x - c.x) + (c.x - b.x) * (a.y - c.y);
  const heel = ((b.y - c.y) * (p.x - c.x) + (c.x - b.x) * (p.y - c.y)) / d;
  const mt1 = ((c.y - a.y) * (p.x - c.x) + (a.x - c.x) * (p.y - c.y)) / d;
  return { heel, mt1, mt5: 1 - heel - mt1 };
}

export function fakeAnalysis(): LiveAnalysis {
  const third = 1 / 3;
  const target = { x: (TRI.heel.x + TRI.mt1.x + TRI.mt5.x) / 3, y: (TRI.heel.y + TRI.mt1.y + TRI.mt5.y) / 3 };
  return {
    geometry(setup: TrialSetup): FootGeometry {
      const s = setup.foot === 'left' ? 1 : -1;
      const m = (p: PointMm): PointMm => ({ x: p.x * s, y: p.y });
      const outline = Array.from({ length: 24 }, (_, i) => {
        const a = (i / 24) * Math.PI * 2;
        return m({ x: -60 + 45 * Math.cos(a), y: -15 + 125 * Math.sin(a) });
      });
      const zone = Array.from({ length: 16 }, (_, i) => {
        const a = (i / 16) * Math.PI * 2;
        return m({ x: target.x + 12 * Math.cos(a), y: target.y + 25 * Math.sin(a) });
      });
      return { foot: setup.foot, outline, tripod: { heel: m(TRI.heel), mt1: m(TRI.mt1), mt5: m(TRI.mt5) }, target: m(target), zone };
    },
    createLiveScorer() {
      let n = 0;
      let inN = 0;
      return {
        push(s: ForceSample): LiveScoreView {
          const shares = s.cop ? bary(s.cop) : null;
          const err = shares ? Math.max(Math.abs(shares.heel - third), Math.abs(shares.mt1 - third), Math.abs(shares.mt5 - third)) : 1;
          const inZone = shares !== null && err <= 0.1;
          n++;
          if (inZone) inN++;
          return {
            shares,
            rollingShares: shares,
            rollingScore: shares ? Math.max(0, 100 - err * 200) : null,
            cueGood: shares ? inZone : null,
            targetShares: { heel: third, mt1: third, mt5: third },
            tolerance: 0.1,
            score: shares ? Math.max(0, 100 - err * 200) : null,
            inZone,
            inZonePct: (100 * inN) / n,
            cue: !shares ? 'Step onto the board' : inZone ? 'Good, hold it there' : shares.heel > third ? 'Off the heel' : 'Back onto the heel',
            cueKind: !shares ? 'step-on' : inZone ? 'good' : 'correct',
            cueSince: -Infinity, // no cue governor here: the page dates changes by the frame
            outside: null,
          };
        },
        reset() {
          n = 0;
          inN = 0;
        },
      };
    },
    createTrial(setup: TrialSetup): TrialRun {
      let startT: number | null = null;
      let sum = 0;
      let n = 0;
      const result = () => ({ heldS: startT === null ? 0 : n / 80, meanTotalN: n ? sum / n : 0, n });
      return {
        push(s: ForceSample): TrialUpdate[] {
          if (startT === null) {
            if (s.total < 300) return [];
            startT = s.t;
            return [{ type: 'started', t: s.t }];
          }
          sum += s.total;
          n++;
          if (s.t - startT >= setup.durationS) return [{ type: 'ended', t: s.t, reason: 'duration reached', result: result() }];
          return [];
        },
        stop: () => (startT === null ? null : result()),
      };
    },
    resultRows(r: unknown): ResultRow[] {
      const v = r as { heldS: number; meanTotalN: number; n: number };
      return [
        { key: 'held_s', label: 'Time held', unit: 's', value: v.heldS, text: v.heldS.toFixed(2) },
        { key: 'mean_total_n', label: 'Mean load', unit: 'N', value: v.meanTotalN, text: v.meanTotalN.toFixed(1) },
        { key: 'samples', label: 'Samples', unit: '', value: v.n, text: String(v.n) },
      ];
    },
    compare(l: unknown, r: unknown) {
      const a = l as { heldS: number };
      const b = r as { heldS: number };
      return [{ key: 'held_s', label: 'Time held', unit: 's', left: a.heldS, right: b.heldS, asymmetryPct: (200 * (a.heldS - b.heldS)) / (a.heldS + b.heldS) }];
    },
  };
}
