/**
 * The single-leg stance trial detector. Push every ForceSample; it returns what happened on it.
 *
 * Phases:
 * 1. 'weighing' (only when no body weight was entered): the body weight is the mean total load
 *    over the first quiet `weighS` (default 3 s) window whose coefficient of variation is below
 *    2 % with a mean above 200 N (stand still, on one foot or both).
 * 2. 'waiting': the trial starts when, for `steadyS` (default 0.5 s), every sample has a total load
 *    >= startFraction x body weight (default 0.9), the load stays within a band of steadyBand x body
 *    weight (default 0.10), and the CoP lies inside the outline of the foot that was set. The start
 *    time is the first sample of that steady window. A CoP steadily inside the OTHER foot's outline
 *    reports 'wrong-foot' once (and the trial does not start); two feet on the board put the CoP
 *    between the outlines, which starts nothing.
 * 3. 'running': errors as in BESS. A drop episode begins when the load falls below
 *    (1 - dropFraction) x body weight (default 10 % drop) and ends when it is back above
 *    (1 - dropFraction / 2) x body weight (hysteresis). An episode that lasts at least touchdownMinS
 *    (default 0.1 s) is a touch-down, dated at its onset; it is reported at its end or once it has
 *    lasted confirmS (default 0.5 s). An episode whose load stays below stepOffFraction x body
 *    weight (default 0.2) for stepOffMinS (default 0.05 s) is a step-off instead: the trial ends
 *    at the episode's onset.
 *    The trial ends at `durationS` (default 30 s) after the start, at a step-off, or on stop().
 * 4. 'ended': further samples are ignored.
 * A sample whose time does not increase is ignored in every phase (a duplicate, a reordering, or a
 * time base restarted by a board reboot: the caller then stop()s the trial or starts a new one).
 *
 * The result: time held (start to end), errors with their times (touch-downs + step-off; the BESS
 * score caps them at 10), too short when held < minHeldS (default 5 s), tripod shares mean and SD
 * and % time in zone from the raw CoP of each sample (as the live scorer sees them), the ML index
 * (mean mt5 - mt1 share: + rolls out) and heel-forefoot index (mean heel - (mt1 + mt5): + heel
 * heavy), and the sway metrics of the CoP from start to end after the one preprocessing
 * (filter.ts; `preprocess.filter: false` switches the low-pass off).
 */
import type { ForceSample } from '../pipeline/types.ts';
import { insideConvex, tripodShares, type FootSide, type TripodShares } from './geometry.ts';
import { preprocessCop, type PreprocessOptions } from './filter.ts';
import { resolveStance, type ResolvedStance, type StanceSetup } from './stance.ts';
import { SwayAccumulator, computeSwayMetrics, type StreamingSwayMetrics, type SwayMetrics } from './sway.ts';
import { inZone, type TripodTarget } from './targets.ts';

export interface TrialConfig extends StanceSetup {
  /** Entered body weight, N; when absent it is measured in the 'weighing' phase. */
  bodyWeightN?: number;
  /** Trial length once started, s (default 30). */
  durationS?: number;
  weighS?: number;
  startFraction?: number;
  steadyS?: number;
  steadyBand?: number;
  dropFraction?: number;
  touchdownMinS?: number;
  confirmS?: number;
  stepOffFraction?: number;
  /** The load must stay below the step-off level this long, s (default 0.05: one glitched sample
   *  is not a step-off). */
  stepOffMinS?: number;
  /** A trial held less than this is marked too short, s (default 5). */
  minHeldS?: number;
  /** Errors counted into the BESS-like score at most (default 10). */
  maxErrors?: number;
  preprocess?: PreprocessOptions;
}

export type TrialPhase = 'weighing' | 'waiting' | 'running' | 'ended';
export type TrialEndReason = 'duration' | 'step-off' | 'stopped';

export interface TouchDown {
  /** Onset, device time s. */
  t: number;
  /** Onset, s since the trial start. */
  trialS: number;
  durationS: number;
  /** Lowest load during the touch-down, N. */
  minLoadN: number;
}

export type TrialEvent =
  | { type: 'body-weight'; t: number; bodyWeightN: number }
  | { type: 'wrong-foot'; t: number; detected: FootSide }
  | { type: 'started'; t: number }
  | { type: 'touch-down'; t: number; trialS: number }
  | { type: 'touch-down-end'; t: number; touchDown: TouchDown }
  | { type: 'step-off'; t: number; trialS: number }
  | { type: 'ended'; t: number; reason: TrialEndReason; result: TrialResult };

export interface TrialResult {
  foot: FootSide;
  bodyWeightN: number;
  bodyWeightSource: 'entered' | 'measured';
  /** Device times, s. */
  startT: number;
  endT: number;
  /** Set duration, s. */
  durationS: number;
  timeHeldS: number;
  endReason: TrialEndReason;
  /** Held for the whole set duration. */
  completed: boolean;
  /** Held less than minHeldS. */
  tooShort: boolean;
  touchDowns: TouchDown[];
  stepOff: { t: number; trialS: number } | null;
  /** Touch-downs + step-off. */
  errors: number;
  /** min(errors, maxErrors): the BESS-like score. */
  errorsScored: number;
  target: TripodTarget;
  /** Loaded samples with a CoP in the trial. */
  samples: number;
  shares: { mean: TripodShares; sd: TripodShares } | null;
  /** % of loaded samples in the target zone / outside the tripod triangle. */
  inZonePct: number | null;
  outsidePct: number | null;
  /** Mean mt5 - mt1 share (+ = lateral, rolls out), share units. */
  mlIndex: number | null;
  /** Mean heel - (mt1 + mt5) share (+ = heel heavy), share units. */
  heelForefootIndex: number | null;
  sway: SwayMetrics | null;
  /** The O(1) sway metrics of the raw CoP samples (rate from the mean interval): what the live
   *  view's accumulator shows for the same samples. Equal to `sway` when the filter is off and
   *  the samples are even. */
  liveSway: StreamingSwayMetrics | null;
  /** What preprocessing the sway metrics had. */
  preprocessing: string;
}

export interface TrialDetector {
  readonly stance: ResolvedStance;
  readonly phase: TrialPhase;
  readonly bodyWeightN: number | null;
  push(sample: ForceSample): TrialEvent[];
  /** Ends a running trial now; returns its result (null when it never started). */
  stop(): TrialResult | null;
}

/** One CoP sample kept for the result: device time s, position mm. */
export interface KeptCop {
  t: number;
  x: number;
  y: number;
}

/** Everything the result of a trial is computed from (what the detector gathered). */
export interface TrialRecord {
  stance: ResolvedStance;
  foot: FootSide;
  bodyWeightN: number;
  bodyWeightSource: 'entered' | 'measured';
  /** Device times, s. */
  startT: number;
  endT: number;
  endReason: TrialEndReason;
  /** Set duration, s. */
  durationS: number;
  minHeldS: number;
  maxErrors: number;
  touchDowns: readonly TouchDown[];
  stepOff: { t: number; trialS: number } | null;
  /** CoP samples from the start on; those after endT are left out. */
  cop: readonly KeptCop[];
  preprocess?: PreprocessOptions;
}

/** The result of a trial from what was recorded of it: pure (same record, same result). */
export function summariseTrial(rec: TrialRecord): TrialResult {
  const { stance, endT, startT } = rec;
  const samples = rec.cop.filter((k) => k.t <= endT + 1e-9);
  const timeHeldS = Math.max(0, endT - startT);
  const errors = rec.touchDowns.length + (rec.stepOff ? 1 : 0);
  return {
    foot: rec.foot,
    bodyWeightN: rec.bodyWeightN,
    bodyWeightSource: rec.bodyWeightSource,
    startT,
    endT,
    durationS: rec.durationS,
    timeHeldS,
    endReason: rec.endReason,
    completed: rec.endReason === 'duration',
    tooShort: timeHeldS < rec.minHeldS,
    touchDowns: rec.touchDowns.slice(),
    stepOff: rec.stepOff,
    errors,
    errorsScored: Math.min(errors, rec.maxErrors),
    target: stance.target,
    samples: samples.length,
    ...summariseShares(samples, stance),
    ...summariseSway(samples, stance, rec.preprocess),
  };
}

type ShareSummary = Pick<TrialResult, 'shares' | 'inZonePct' | 'outsidePct' | 'mlIndex' | 'heelForefootIndex'>;

/** Tripod shares mean and SD, % in zone and outside, ML and heel-forefoot indices of raw CoPs. */
function summariseShares(samples: readonly KeptCop[], stance: ResolvedStance): ShareSummary {
  if (samples.length === 0) return { shares: null, inZonePct: null, outsidePct: null, mlIndex: null, heelForefootIndex: null };
  const sum = { heel: 0, mt1: 0, mt5: 0 };
  const sq = { heel: 0, mt1: 0, mt5: 0 };
  let zone = 0;
  let outside = 0;
  for (const k of samples) {
    const r = tripodShares(k, stance.landmarks);
    for (const key of ['heel', 'mt1', 'mt5'] as const) {
      sum[key] += r.shares[key];
      sq[key] += r.shares[key] ** 2;
    }
    if (inZone(r.shares, stance.target)) zone++;
    if (r.outside) outside++;
  }
  const n = samples.length;
  const mean = { heel: sum.heel / n, mt1: sum.mt1 / n, mt5: sum.mt5 / n };
  const sd = (key: 'heel' | 'mt1' | 'mt5'): number => (n > 1 ? Math.sqrt(Math.max(0, (sq[key] - n * mean[key] ** 2) / (n - 1))) : 0);
  return {
    shares: { mean, sd: { heel: sd('heel'), mt1: sd('mt1'), mt5: sd('mt5') } },
    inZonePct: (100 * zone) / n,
    outsidePct: (100 * outside) / n,
    mlIndex: mean.mt5 - mean.mt1,
    heelForefootIndex: mean.heel - (mean.mt1 + mean.mt5),
  };
}

/** Sway metrics after the one preprocessing, and the live accumulator's metrics of the raw CoPs. */
function summariseSway(
  samples: readonly KeptCop[],
  stance: ResolvedStance,
  preprocess: PreprocessOptions | undefined,
): Pick<TrialResult, 'sway' | 'liveSway' | 'preprocessing'> {
  let sway: SwayMetrics | null = null;
  let preprocessing = 'no sway metrics: fewer than 8 CoP samples';
  if (samples.length >= 8) {
    try {
      const pre = preprocessCop(
        samples.map((k) => k.t),
        samples.map((k) => k.x),
        samples.map((k) => k.y),
        preprocess,
      );
      sway = computeSwayMetrics({ x: pre.x, y: pre.y }, pre.fs, { outline: stance.landmarks.outline });
      preprocessing = pre.description;
    } catch (e) {
      preprocessing = `no sway metrics: ${(e as Error).message}`;
    }
  }
  let liveSway: StreamingSwayMetrics | null = null;
  if (samples.length >= 3) {
    const acc = new SwayAccumulator();
    for (const k of samples) acc.push(k.x, k.y);
    const span = samples[samples.length - 1]!.t - samples[0]!.t;
    if (span > 0) liveSway = acc.metrics((samples.length - 1) / span);
  }
  return { sway, liveSway, preprocessing };
}

function check(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || v < lo || v > hi) throw new RangeError(`trial ${name}: expected ${lo}..${hi}, got ${v}`);
  return v;
}

/** A drop of the load under way in the 'running' phase (a touch-down or a step-off to be). */
interface Episode {
  onsetT: number;
  minLoad: number;
  confirmed: boolean;
  belowStepSinceT: number | null;
}

export function createTrialDetector(config: TrialConfig): TrialDetector {
  const stance = resolveStance(config);
  const durationS = check('durationS', config.durationS ?? 30, 1, 600);
  const weighS = check('weighS', config.weighS ?? 3, 0.5, 30);
  const startFraction = check('startFraction', config.startFraction ?? 0.9, 0.5, 1);
  const steadyS = check('steadyS', config.steadyS ?? 0.5, 0, 5);
  const steadyBand = check('steadyBand', config.steadyBand ?? 0.1, 0.01, 1);
  const dropFraction = check('dropFraction', config.dropFraction ?? 0.1, 0.02, 0.8);
  const touchdownMinS = check('touchdownMinS', config.touchdownMinS ?? 0.1, 0, 5);
  const confirmS = check('confirmS', config.confirmS ?? 0.5, touchdownMinS, 10);
  const stepOffFraction = check('stepOffFraction', config.stepOffFraction ?? 0.2, 0.01, 1 - dropFraction);
  const stepOffMinS = check('stepOffMinS', config.stepOffMinS ?? 0.05, 0, 5);
  const minHeldS = check('minHeldS', config.minHeldS ?? 5, 0, 600);
  const maxErrors = check('maxErrors', config.maxErrors ?? 10, 1, 1000);
  if (config.bodyWeightN !== undefined) check('bodyWeightN', config.bodyWeightN, 100, 3000);

  let phase: TrialPhase = config.bodyWeightN !== undefined ? 'waiting' : 'weighing';
  let bw: number | null = config.bodyWeightN ?? null;
  const source: 'entered' | 'measured' = config.bodyWeightN !== undefined ? 'entered' : 'measured';
  // Sliding windows for weighing and the steady start: recent samples.
  let recent: ForceSample[] = [];
  let wrongFootReported = false;
  let startT = NaN;
  let kept: KeptCop[] = [];
  const touchDowns: TouchDown[] = [];
  let episode: Episode | null = null;
  let stepOff: { t: number; trialS: number } | null = null;
  let result: TrialResult | null = null;
  let lastT = NaN;

  /** Drops old samples but keeps the newest one at least `span` old, so the window covers >= span. */
  const trimRecent = (t: number, span: number): void => {
    let i = 0;
    while (i + 1 < recent.length && t - recent[i + 1]!.t >= span) i++;
    if (i > 0) recent = recent.slice(i);
  };

  const finish = (endT: number, reason: TrialEndReason): TrialResult => {
    phase = 'ended';
    result = summariseTrial({
      stance,
      foot: config.foot,
      bodyWeightN: bw!,
      bodyWeightSource: source,
      startT,
      endT,
      endReason: reason,
      durationS,
      minHeldS,
      maxErrors,
      touchDowns,
      stepOff,
      cop: kept,
      preprocess: config.preprocess,
    });
    kept = [];
    return result;
  };

  const closeEpisode = (t: number, events: TrialEvent[]): void => {
    if (!episode) return;
    const d = t - episode.onsetT;
    if (d >= touchdownMinS) {
      const td: TouchDown = { t: episode.onsetT, trialS: episode.onsetT - startT, durationS: d, minLoadN: episode.minLoad };
      touchDowns.push(td);
      if (!episode.confirmed) events.push({ type: 'touch-down', t: episode.onsetT, trialS: td.trialS });
      events.push({ type: 'touch-down-end', t, touchDown: td });
    }
    episode = null;
  };

  /** 'weighing': the body weight is the mean of the first quiet window. */
  const onWeighing = (s: ForceSample, events: TrialEvent[]): void => {
    recent.push(s);
    trimRecent(s.t, weighS);
    const first = recent[0]!;
    if (s.t - first.t < weighS || recent.length < 3) return;
    let m = 0;
    for (const r of recent) m += r.total;
    m /= recent.length;
    let v = 0;
    for (const r of recent) v += (r.total - m) ** 2;
    const cv = Math.sqrt(v / (recent.length - 1)) / m;
    if (m > 200 && cv < 0.02) {
      bw = m;
      phase = 'waiting';
      recent = [];
      events.push({ type: 'body-weight', t: s.t, bodyWeightN: m });
    }
  };

  /** 'waiting': starts the trial on a steady load on the set foot; reports the other foot once. */
  const onWaiting = (s: ForceSample, weight: number, events: TrialEvent[]): void => {
    recent.push(s);
    trimRecent(s.t, steadyS);
    const first = recent[0]!;
    if (s.t - first.t < steadyS) return;
    let lo = Infinity;
    let hi = -Infinity;
    let onFoot = true;
    let onOther = true;
    for (const r of recent) {
      lo = Math.min(lo, r.total);
      hi = Math.max(hi, r.total);
      onFoot &&= r.cop !== null && insideConvex(r.cop, stance.landmarks.outline);
      onOther &&= r.cop !== null && insideConvex(r.cop, stance.otherLandmarks.outline);
    }
    const loaded = lo >= startFraction * weight && hi - lo <= steadyBand * weight;
    if (loaded && onOther && !onFoot) {
      if (!wrongFootReported) events.push({ type: 'wrong-foot', t: s.t, detected: stance.otherLandmarks.side });
      wrongFootReported = true;
      return;
    }
    if (!loaded || !onFoot) return;
    phase = 'running';
    startT = first.t;
    events.push({ type: 'started', t: startT });
    const backlog = recent;
    recent = [];
    for (const r of backlog) if (r.cop) kept.push({ t: r.t, x: r.cop.x, y: r.cop.y });
  };

  /** 'running': touch-downs and step-off from load drops; ends at the set duration. */
  const onRunning = (s: ForceSample, weight: number, events: TrialEvent[]): void => {
    if (s.t - startT >= durationS) {
      const endT = startT + durationS;
      if (episode) closeEpisode(endT, events);
      const r = finish(endT, 'duration');
      events.push({ type: 'ended', t: endT, reason: 'duration', result: r });
      return;
    }
    if (s.cop && s.total > 0) kept.push({ t: s.t, x: s.cop.x, y: s.cop.y });
    const tdLevel = (1 - dropFraction) * weight;
    const recoverLevel = (1 - dropFraction / 2) * weight;
    const stepLevel = stepOffFraction * weight;
    if (!episode && s.total < tdLevel) episode = { onsetT: s.t, minLoad: s.total, confirmed: false, belowStepSinceT: null };
    if (!episode) return;
    episode.minLoad = Math.min(episode.minLoad, s.total);
    if (s.total < stepLevel && episode.belowStepSinceT === null) episode.belowStepSinceT = s.t;
    if (s.total >= stepLevel) episode.belowStepSinceT = null;
    if (episode.belowStepSinceT !== null && s.t - episode.belowStepSinceT >= stepOffMinS) {
      const t = episode.onsetT;
      episode = null;
      stepOff = { t, trialS: t - startT };
      events.push({ type: 'step-off', t, trialS: t - startT });
      const r = finish(t, 'step-off');
      events.push({ type: 'ended', t, reason: 'step-off', result: r });
      return;
    }
    if (s.total >= recoverLevel) closeEpisode(s.t, events);
    else if (!episode.confirmed && s.t - episode.onsetT >= confirmS) {
      episode.confirmed = true;
      events.push({ type: 'touch-down', t: episode.onsetT, trialS: episode.onsetT - startT });
    }
  };

  const push = (s: ForceSample): TrialEvent[] => {
    const events: TrialEvent[] = [];
    if (phase === 'ended') return events;
    if (!Number.isNaN(lastT) && s.t <= lastT) return events; // duplicates / reordering: ignore
    lastT = s.t;
    if (phase === 'weighing') onWeighing(s, events);
    else if (phase === 'waiting') onWaiting(s, bw!, events);
    else onRunning(s, bw!, events);
    return events;
  };

  const stop = (): TrialResult | null => {
    if (phase === 'ended') return result;
    if (phase !== 'running') {
      phase = 'ended';
      return null;
    }
    const endT = Number.isNaN(lastT) ? startT : lastT;
    if (episode) closeEpisode(endT, []);
    return finish(endT, 'stopped');
  };

  return {
    stance,
    get phase() {
      return phase;
    },
    get bodyWeightN() {
      return bw;
    },
    push,
    stop,
  };
}
