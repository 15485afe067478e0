/**
 * The live scorer: push every ForceSample, get back what the page shows for it. Works on the raw
 * CoP of each sample (no filter: live feedback must not lag; the rolling summary is the smoothing).
 *
 * - shares / outside / score / inZone: of this sample (targets.ts has the score formula).
 * - inZonePct: time in zone / loaded time since the last reset, time-weighted (each sample counts
 *   for the interval since the previous one, capped at 0.25 s so a gap does not count as time).
 * - rolling: the last `windowS` (default 2 s) of loaded samples: mean shares (= shares of the mean
 *   CoP, shares being linear in the CoP), mean score, % in zone, CoP mean velocity.
 * - cue: from the rolling mean (a therapist speaks every second or two, not every sample).
 * - sway: the O(1) sway metrics of every loaded sample since the reset (rate from the mean
 *   interval), the same accumulator the trial result uses.
 * O(1) amortised per sample.
 */
import type { ForceSample, PointMm } from '../pipeline/types.ts';
import { tripodShares, type TripodReading, type TripodShares, type TripodSide } from './geometry.ts';
import { resolveStance, type ResolvedStance, type StanceSetup } from './stance.ts';
import { cueFor, inZone, scoreShares, type TripodTarget } from './targets.ts';
import { SwayAccumulator, type StreamingSwayMetrics } from './sway.ts';

export interface LiveScorerConfig extends StanceSetup {
  /** Below this total the board counts as empty, N (default 50). */
  minLoadN?: number;
  /** Rolling summary window, s (default 2). */
  windowS?: number;
}

export interface RollingSummary {
  windowS: number;
  /** Loaded samples in the window. */
  samples: number;
  meanCop: PointMm | null;
  meanShares: TripodShares | null;
  meanScore: number | null;
  inZonePct: number | null;
  /** Path in the window / window time span, mm/s. */
  velocityMmS: number | null;
}

export interface LiveScore {
  index: number;
  t: number;
  totalN: number;
  loaded: boolean;
  cop: PointMm | null;
  shares: TripodShares | null;
  outside: TripodSide | null;
  score: number | null;
  inZone: boolean;
  inZonePct: number;
  rolling: RollingSummary;
  cue: string;
  target: TripodTarget;
  sway: StreamingSwayMetrics | null;
}

export interface LiveScorer {
  readonly stance: ResolvedStance;
  push(sample: ForceSample): LiveScore;
  /** Restarts % time in zone, the rolling summary and the sway accumulator. */
  reset(): void;
}

const MAX_DT_S = 0.25;

interface WindowEntry {
  t: number;
  x: number;
  y: number;
  score: number;
  inZone: number;
  step: number;
}

export function createLiveScorer(config: LiveScorerConfig): LiveScorer {
  const stance = resolveStance(config);
  const minLoadN = config.minLoadN ?? 50;
  const windowS = config.windowS ?? 2;
  if (!(windowS > 0)) throw new RangeError(`live scorer: windowS must be > 0 s, got ${windowS}`);
  const { landmarks, target } = stance;

  let prevT: number | null = null;
  let loadedTime = 0;
  let zoneTime = 0;
  let win: WindowEntry[] = [];
  let head = 0;
  let sx = 0;
  let sy = 0;
  let sScore = 0;
  let sZone = 0;
  let sStep = 0;
  const acc = new SwayAccumulator();
  let accFirstT = NaN;
  let accLastT = NaN;

  const reset = (): void => {
    prevT = null;
    loadedTime = 0;
    zoneTime = 0;
    win = [];
    head = 0;
    sx = sy = sScore = sZone = sStep = 0;
    acc.reset();
    accFirstT = accLastT = NaN;
  };

  const push = (s: ForceSample): LiveScore => {
    if (prevT !== null && s.t < prevT) {
      // Time went back (a new stream after a board reboot): the window's samples are from another
      // time base, drop them; % in zone and the sway accumulator carry on.
      win = [];
      head = 0;
      sx = sy = sScore = sZone = sStep = 0;
    }
    const dt = prevT === null ? 0 : Math.min(Math.max(0, s.t - prevT), MAX_DT_S);
    prevT = s.t;
    const loaded = s.cop !== null && s.total >= minLoadN;
    let reading: TripodReading | null = null;
    let score: number | null = null;
    let zone = false;
    if (loaded && s.cop) {
      reading = tripodShares(s.cop, landmarks);
      score = scoreShares(reading.shares, target);
      zone = inZone(reading.shares, target);
      loadedTime += dt;
      if (zone) zoneTime += dt;
      // Rolling window.
      const last = win.length > head ? win[win.length - 1]! : null;
      const step = last ? Math.hypot(s.cop.x - last.x, s.cop.y - last.y) : 0;
      win.push({ t: s.t, x: s.cop.x, y: s.cop.y, score, inZone: zone ? 1 : 0, step });
      sx += s.cop.x;
      sy += s.cop.y;
      sScore += score;
      sZone += zone ? 1 : 0;
      sStep += step;
      acc.push(s.cop.x, s.cop.y);
      if (Number.isNaN(accFirstT)) accFirstT = s.t;
      accLastT = s.t;
    }
    while (win.length > head && s.t - win[head]!.t > windowS) {
      const e = win[head++]!;
      sx -= e.x;
      sy -= e.y;
      sScore -= e.score;
      sZone -= e.inZone;
      // The oldest remaining sample's step now reaches outside the window.
      const nextE = win[head];
      if (nextE) {
        sStep -= nextE.step;
        nextE.step = 0;
      }
    }
    if (head > 1024 && head * 2 > win.length) {
      win = win.slice(head);
      head = 0;
      // Re-add the window's sums from scratch so hours of add/subtract leave no round-off drift.
      sx = sy = sScore = sZone = sStep = 0;
      for (const e of win) {
        sx += e.x;
        sy += e.y;
        sScore += e.score;
        sZone += e.inZone;
        sStep += e.step;
      }
    }
    const count = win.length - head;
    let rolling: RollingSummary;
    let cue: string;
    if (count > 0) {
      const meanCop = { x: sx / count, y: sy / count };
      const meanReading = tripodShares(meanCop, landmarks);
      const span = win[win.length - 1]!.t - win[head]!.t;
      rolling = {
        windowS,
        samples: count,
        meanCop,
        meanShares: meanReading.shares,
        meanScore: sScore / count,
        inZonePct: (100 * sZone) / count,
        velocityMmS: span > 0 ? sStep / span : null,
      };
      cue = cueFor(meanReading, target);
    } else {
      rolling = { windowS, samples: 0, meanCop: null, meanShares: null, meanScore: null, inZonePct: null, velocityMmS: null };
      cue = `Step onto the board: ${config.foot} foot on the ${config.foot} outline`;
    }
    let sway: StreamingSwayMetrics | null = null;
    if (acc.n >= 2 && accLastT > accFirstT) sway = acc.metrics((acc.n - 1) / (accLastT - accFirstT));
    return {
      index: s.index,
      t: s.t,
      totalN: s.total,
      loaded,
      cop: loaded ? s.cop : null,
      shares: reading ? reading.shares : null,
      outside: reading ? reading.outside : null,
      score,
      inZone: zone,
      inZonePct: loadedTime > 0 ? (100 * zoneTime) / loadedTime : 0,
      rolling,
      cue,
      target,
      sway,
    };
  };

  return { stance, push, reset };
}
