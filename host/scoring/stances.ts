/**
 * The stances in a whole recording or export: where the person stood on the plate, without the step
 * onto it and the step off it, for `tripod analyze` of a Tripod file. The load rules are the trial
 * detector's (trial.ts) with its defaults, less what needs a foot outline (a lab's file may be a
 * two-foot stance):
 * - body weight: the mean total load of the first `weighS` (3 s) window whose coefficient of
 *   variation is below 2 % with a mean above 200 N;
 * - a stance starts at the first sample of a `steadyS` (0.5 s) window whose every load is at least
 *   startFraction (0.9) x body weight and whose loads stay within steadyBand (0.10) x body weight;
 * - it ends at a step-off: the onset of a drop below (1 - dropFraction) (0.9) x body weight during
 *   which the load stays below stepOffFraction (0.2) x body weight for stepOffMinS (0.05 s); a drop
 *   that recovers (a touch-down, a shift) does not end it. The end of the data ends it too;
 * - stances held less than minHeldS (5 s, the trial detector's "too short") are not trials: they
 *   are counted, not analysed.
 * Pure: arrays in, times out. Time s, load N.
 */

export interface LoadTrace {
  /** Sample times, s (increasing). */
  t: ArrayLike<number>;
  /** Total vertical load per sample, N (every sample, also those without a CoP). */
  total: ArrayLike<number>;
}

export interface Stance {
  /** First and last time of the stance, s. */
  startT: number;
  endT: number;
  /** 'step-off' when the person stepped off, 'end' when the data ended during the stance. */
  end: 'step-off' | 'end';
}

export interface StanceOptions {
  weighS?: number;
  startFraction?: number;
  steadyS?: number;
  steadyBand?: number;
  dropFraction?: number;
  stepOffFraction?: number;
  stepOffMinS?: number;
  minHeldS?: number;
}

export interface StanceSearch {
  /** Measured body weight, N; null when the load never stayed quiet for weighS. */
  bodyWeightN: number | null;
  /** Stances held at least minHeldS, in time order. */
  stances: Stance[];
  /** Stances shorter than minHeldS, left out. */
  shortStances: number;
  minHeldS: number;
}

/** Mean load of the first quiet window (CV < 2 %, mean > 200 N), or null. Sliding sums: O(n). */
export function quietBodyWeight(load: LoadTrace, windowS = 3): number | null {
  const { t, total } = load;
  let lo = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < t.length; i++) {
    sum += total[i]!;
    sq += total[i]! ** 2;
    while (lo < i && t[i]! - t[lo + 1]! >= windowS) {
      sum -= total[lo]!;
      sq -= total[lo]! ** 2;
      lo++;
    }
    const n = i - lo + 1;
    if (n < 3 || t[i]! - t[lo]! < windowS) continue;
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
    if (mean > 200 && sd / mean < 0.02) return mean;
  }
  return null;
}

/** Running minimum and maximum of a sliding window (monotonic queues of indices). */
class WindowExtremes {
  private mins: number[] = [];
  private maxs: number[] = [];
  constructor(private readonly v: ArrayLike<number>) {}
  push(i: number): void {
    const x = this.v[i]!;
    while (this.mins.length && this.v[this.mins[this.mins.length - 1]!]! >= x) this.mins.pop();
    while (this.maxs.length && this.v[this.maxs[this.maxs.length - 1]!]! <= x) this.maxs.pop();
    this.mins.push(i);
    this.maxs.push(i);
  }
  dropBefore(first: number): void {
    while (this.mins.length && this.mins[0]! < first) this.mins.shift();
    while (this.maxs.length && this.maxs[0]! < first) this.maxs.shift();
  }
  clear(): void {
    this.mins = [];
    this.maxs = [];
  }
  get min(): number {
    return this.v[this.mins[0]!]!;
  }
  get max(): number {
    return this.v[this.maxs[0]!]!;
  }
}

export function findStances(load: LoadTrace, opts: StanceOptions = {}): StanceSearch {
  const startFraction = opts.startFraction ?? 0.9;
  const steadyS = opts.steadyS ?? 0.5;
  const steadyBand = opts.steadyBand ?? 0.1;
  const dropFraction = opts.dropFraction ?? 0.1;
  const stepOffFraction = opts.stepOffFraction ?? 0.2;
  const stepOffMinS = opts.stepOffMinS ?? 0.05;
  const minHeldS = opts.minHeldS ?? 5;
  const bw = quietBodyWeight(load, opts.weighS ?? 3);
  const out: StanceSearch = { bodyWeightN: bw, stances: [], shortStances: 0, minHeldS };
  if (bw === null) return out;
  const { t, total } = load;
  const keep = (s: Stance): void => {
    if (s.endT - s.startT >= minHeldS) out.stances.push(s);
    else out.shortStances++;
  };
  const win = new WindowExtremes(total);
  let first = 0;
  let startT: number | null = null;
  let dropOnset: number | null = null;
  let belowSince: number | null = null;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    const v = total[i]!;
    if (startT === null) {
      win.push(i);
      while (first < i && ti - t[first + 1]! >= steadyS) first++;
      win.dropBefore(first);
      if (ti - t[first]! >= steadyS && win.min >= startFraction * bw && win.max - win.min <= steadyBand * bw) {
        startT = t[first]!;
        dropOnset = null;
        belowSince = null;
      }
      continue;
    }
    if (dropOnset === null && v < (1 - dropFraction) * bw) dropOnset = ti;
    if (dropOnset === null) continue;
    if (v >= (1 - dropFraction / 2) * bw) {
      dropOnset = null;
      belowSince = null;
      continue;
    }
    if (v < stepOffFraction * bw) belowSince ??= ti;
    else belowSince = null;
    if (belowSince !== null && ti - belowSince >= stepOffMinS) {
      keep({ startT, endT: dropOnset, end: 'step-off' });
      startT = null;
      win.clear();
      first = i + 1;
    }
  }
  // The data ended during the stance, or while stepping off (below the step-off level, not yet for
  // stepOffMinS): the stance ends at that drop's onset.
  if (startT !== null && t.length > 0) keep(belowSince !== null && dropOnset !== null ? { startT, endT: dropOnset, end: 'step-off' } : { startT, endT: t[t.length - 1]!, end: 'end' });
  return out;
}
