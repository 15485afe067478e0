/**
 * Sway metrics of a CoP series, exactly as defined in host/scoring/BALANCE.md ("Sway metrics").
 * Input: x (medio-lateral) and y (antero-posterior) in mm, N samples at fs Hz, T = N / fs.
 * One function per metric; SwayAccumulator keeps the O(1)-per-sample ones (path, velocities, RMS,
 * range, ellipse) so the live view and the final result compute them the same way:
 * computeSwayMetrics feeds its input through the same accumulator.
 */
import type { PointMm } from '../pipeline/types.ts';
import { rayExitConvex } from './geometry.ts';
import { frequencyPercentile, meanFrequency, welchPsd, type Spectrum, type WelchOptions } from './spectrum.ts';

type Series = ArrayLike<number>;

function mean(a: Series): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** Sum of the distances between consecutive samples, mm. */
export function pathLength(x: Series, y: Series): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += Math.hypot(x[i]! - x[i - 1]!, y[i]! - y[i - 1]!);
  return s;
}

/** Path along one axis only: sum of |a_i - a_(i-1)|, mm. */
export function axisPathLength(a: Series): number {
  let s = 0;
  for (let i = 1; i < a.length; i++) s += Math.abs(a[i]! - a[i - 1]!);
  return s;
}

/** Mean velocity, mm/s: path / T with T = N / fs (the BDS definition). */
export function meanVelocity(x: Series, y: Series, fs: number): number {
  return pathLength(x, y) / (x.length / fs);
}

/** Root mean square of the centred series, mm: sqrt(mean((a - mean a)^2)). */
export function rms(a: Series): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return Math.sqrt(s / a.length);
}

/** max - min, mm. */
export function range(a: Series): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < lo) lo = a[i]!;
    if (a[i]! > hi) hi = a[i]!;
  }
  return hi - lo;
}

/**
 * F_p(2, d). With two numerator degrees of freedom the F distribution has a closed-form quantile,
 * (d / 2) ((1 - p)^(-2/d) - 1), which the live view can afford on every sample; fQuantile (the
 * general incomplete-beta inversion) agrees with it to 1e-9 (tests/scoring/sway.test.ts).
 */
export function fQuantile2(p: number, d: number): number {
  return (d / 2) * (Math.pow(1 - p, -2 / d) - 1);
}

/** c of the 95 % prediction ellipse: 2 (n-1)(n+1) / (n (n-2)) F_0.95(2, n-2). */
export function predictionEllipseScale(n: number, p = 0.95): number {
  if (n < 3) return NaN;
  return ((2 * (n - 1) * (n + 1)) / (n * (n - 2))) * fQuantile2(p, n - 2);
}

/** Area of a prediction ellipse from covariance entries (n-1 normalised), mm^2. */
export function ellipseAreaFromCovariance(n: number, sxx: number, syy: number, sxy: number, p = 0.95): number {
  const det = sxx * syy - sxy * sxy;
  return Math.PI * predictionEllipseScale(n, p) * Math.sqrt(Math.max(0, det));
}

/** 95 % prediction ellipse area, mm^2: pi c sqrt(det S), S the sample covariance (n - 1). */
export function ellipseArea95(x: Series, y: Series): number {
  const n = x.length;
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  return ellipseAreaFromCovariance(n, sxx / (n - 1), syy / (n - 1), sxy / (n - 1));
}

/** Sway area per second, mm^2/s: (1 / (2T)) sum |x~_i y~_(i+1) - x~_(i+1) y~_i|. */
export function swayAreaPerSecond(x: Series, y: Series, fs: number): number {
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    s += Math.abs((x[i]! - mx) * (y[i + 1]! - my) - (x[i + 1]! - mx) * (y[i]! - my));
  }
  return s / (2 * (x.length / fs));
}

/** Total power of a spectrum as the BDS weights it: sum of the PSD bins x bin width (unit^2). */
export function spectrumPower(s: Spectrum): number {
  let sum = 0;
  for (let i = 0; i < s.p.length; i++) sum += s.p[i]!;
  return s.f.length > 1 ? sum * (s.f[1]! - s.f[0]!) : sum;
}

export interface FrequencyMetrics {
  /**
   * Resultant mean power frequency, Hz: the ML and AP mean power frequencies (each trapz(f P) /
   * trapz(P)) weighted by each axis's total power taken as sum(P) x df. This is the weighting that
   * reproduces the published BDS COPmfreq to 12 digits (trapezoid weights miss by up to 0.1 %).
   */
  mfreqHz: number;
  mfreqMlHz: number;
  mfreqApHz: number;
  /** Resultant median (50 %) and 95 % power frequencies, Hz, of the summed ML + AP spectrum. */
  f50Hz: number;
  f95Hz: number;
}

/** Welch spectra of both axes and their frequency statistics. */
export function frequencyMetrics(x: Series, y: Series, fs: number, welch: WelchOptions = {}): FrequencyMetrics {
  const sx = welchPsd(x, fs, welch);
  const sy = welchPsd(y, fs, welch);
  const sum: Spectrum = { f: sx.f, p: sx.p.map((v, i) => v + sy.p[i]!) };
  // A constant axis has no power (its segment means leave round-off residue: ignore it).
  const flatX = range(x) === 0;
  const flatY = range(y) === 0;
  const mfX = flatX ? NaN : meanFrequency(sx);
  const mfY = flatY ? NaN : meanFrequency(sy);
  const powX = flatX ? 0 : spectrumPower(sx);
  const powY = flatY ? 0 : spectrumPower(sy);
  return {
    // An axis with no power (a trace on one axis only) has no mean frequency and weight 0.
    mfreqHz: powX > 0 && powY > 0 ? (mfX * powX + mfY * powY) / (powX + powY) : powX > 0 ? mfX : powY > 0 ? mfY : NaN,
    mfreqMlHz: mfX,
    mfreqApHz: mfY,
    f50Hz: flatX && flatY ? NaN : frequencyPercentile(sum, 50),
    f95Hz: flatX && flatY ? NaN : frequencyPercentile(sum, 95),
  };
}

/** Resultant mean power frequency, Hz (see frequencyMetrics). */
export function meanPowerFrequency(x: Series, y: Series, fs: number, welch: WelchOptions = {}): number {
  return frequencyMetrics(x, y, fs, welch).mfreqHz;
}

export interface TtbSummary {
  /** Smallest time to boundary, s. */
  minS: number;
  /** Mean of the local minima of the time-to-boundary series, s. */
  meanMinimaS: number;
  /** How many local minima went into the mean. */
  minima: number;
}

export interface TimeToBoundary extends TtbSummary {
  /** % of samples whose CoP lies inside the outline (TTB is 0 outside; a low figure means the CoP
   *  is not in the plate frame of that foot). */
  insidePct: number;
  /** The one-axis variants of Hertel & Olmsted-Kramer: only the ML (x) or AP (y) velocity, to the
   *  outline along that axis. null when that axis never moves. */
  ml: TtbSummary | null;
  ap: TtbSummary | null;
}

/** Min and mean of the local minima of a TTB series (infinite entries skipped). */
function summariseTtb(ttb: Float64Array): TtbSummary | null {
  const n = ttb.length;
  let minS = Infinity;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = ttb[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < minS) minS = v;
    const prev = i > 0 ? ttb[i - 1]! : Infinity;
    const next = i < n - 1 ? ttb[i + 1]! : Infinity;
    if (i > 0 && i < n - 1 && v < prev && v <= next) {
      sum += v;
      count++;
    }
  }
  if (!Number.isFinite(minS)) return null;
  return { minS, meanMinimaS: count > 0 ? sum / count : minS, minima: count };
}

/**
 * Time to boundary (Hertel & Olmsted-Kramer 2007), two-dimensional: at each sample the CoP moves on
 * with its instantaneous velocity (central difference; one-sided at the ends) until it reaches the
 * stance foot's outline (convex, counter-clockwise polygon); TTB is that time (0 outside the
 * outline; samples with zero velocity are skipped). Reports the absolute minimum and the mean of the
 * local minima of the TTB series, and the same for the one-axis variants (ML velocity only along x,
 * AP velocity only along y). null when fewer than 3 samples or no finite TTB.
 */
export function timeToBoundary(x: Series, y: Series, fs: number, outline: readonly PointMm[]): TimeToBoundary | null {
  const n = x.length;
  if (n < 3) return null;
  const both = new Float64Array(n);
  const ml = new Float64Array(n);
  const ap = new Float64Array(n);
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const a = i === 0 ? 0 : i - 1;
    const b = i === n - 1 ? n - 1 : i + 1;
    const dt = (b - a) / fs;
    const vx = (x[b]! - x[a]!) / dt;
    const vy = (y[b]! - y[a]!) / dt;
    both[i] = rayExitConvex(x[i]!, y[i]!, vx, vy, outline);
    ml[i] = rayExitConvex(x[i]!, y[i]!, vx, 0, outline);
    ap[i] = rayExitConvex(x[i]!, y[i]!, 0, vy, outline);
    if (both[i]! > 0) inside++;
  }
  const main = summariseTtb(both);
  if (!main) return null;
  return { ...main, insidePct: (100 * inside) / n, ml: summariseTtb(ml), ap: summariseTtb(ap) };
}

/**
 * Math.hypot(a, b) as V8 computes it (builtins/math.tq: the larger magnitude scales both, their
 * squares are summed, the root is scaled back; Infinity wins over NaN), bit for bit
 * (tests/scoring/sway.test.ts checks 4 million pairs and the special values against Math.hypot), without the builtin's
 * call and its array and boxed arguments per call: the accumulator runs once per sample of a replay.
 */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  // Every return is a computed double (x, y, their max or the root), never a literal: compiled
  // inline into the accumulator's loop, a literal Infinity, NaN or 0 among the returns made every
  // result a heap number (16 bytes per sample of a replay).
  if (x === Infinity) return x;
  if (y === Infinity) return y;
  if (x !== x) return x;
  if (y !== y) return y;
  const max = x > y ? x : y;
  if (max === 0) return max;
  const p = x / max;
  const q = y / max;
  return Math.sqrt(p * p + q * q) * max;
}

/**
 * O(1)-per-sample accumulator: count, path (total and per axis), Welford means / co-moments, and
 * extremes. Gives path, velocities, RMS, range and the 95 % ellipse at any moment.
 */
/** push()'s one-point arrays for pushMany(). */
const ONE_X = new Float64Array(1);
const ONE_Y = new Float64Array(1);

export class SwayAccumulator {
  n = 0;
  pathMm = 0;
  pathMlMm = 0;
  pathApMm = 0;
  private mx = 0;
  private my = 0;
  private m2x = 0;
  private m2y = 0;
  private cxy = 0;
  private minX = Infinity;
  private maxX = -Infinity;
  private minY = Infinity;
  private maxY = -Infinity;
  private lastX = NaN;
  private lastY = NaN;

  /** One more point (mm). */
  push(x: number, y: number): void {
    ONE_X[0] = x;
    ONE_Y[0] = y;
    this.pushMany(ONE_X, ONE_Y, 0, 1);
  }

  /**
   * Points xs[i], ys[i] for from <= i < to, in order: the same as push() for each, with the sums
   * kept in locals over the loop (no call and no boxed number per point). Give a few hundred points
   * per call: a loop the JIT has to compile while it runs (thousands) bails out at its end.
   */
  pushMany(xs: Float64Array, ys: Float64Array, from: number, to: number): void {
    let n = this.n;
    let pathMm = this.pathMm, pathMlMm = this.pathMlMm, pathApMm = this.pathApMm;
    let mx = this.mx, my = this.my, m2x = this.m2x, m2y = this.m2y, cxy = this.cxy;
    let minX = this.minX, maxX = this.maxX, minY = this.minY, maxY = this.maxY;
    let lastX = this.lastX, lastY = this.lastY;
    for (let i = from; i < to; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (n > 0) {
        const sx = x - lastX;
        const sy = y - lastY;
        pathMm += hypot2(sx, sy);
        pathMlMm += Math.abs(sx);
        pathApMm += Math.abs(sy);
      }
      n++;
      const dx = x - mx;
      const dy = y - my;
      mx += dx / n;
      my += dy / n;
      m2x += dx * (x - mx);
      m2y += dy * (y - my);
      cxy += dx * (y - my);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      lastX = x;
      lastY = y;
    }
    this.n = n;
    this.pathMm = pathMm;
    this.pathMlMm = pathMlMm;
    this.pathApMm = pathApMm;
    this.mx = mx;
    this.my = my;
    this.m2x = m2x;
    this.m2y = m2y;
    this.cxy = cxy;
    this.minX = minX;
    this.maxX = maxX;
    this.minY = minY;
    this.maxY = maxY;
    this.lastX = lastX;
    this.lastY = lastY;
  }

  reset(): void {
    Object.assign(this, new SwayAccumulator());
  }

  /** The O(1) metrics for a series at fs Hz (T = n / fs). */
  metrics(fs: number): StreamingSwayMetrics {
    const n = this.n;
    const T = n / fs;
    return {
      n,
      durationS: T,
      pathMm: this.pathMm,
      velocityMmS: n > 0 ? this.pathMm / T : NaN,
      velocityMlMmS: n > 0 ? this.pathMlMm / T : NaN,
      velocityApMmS: n > 0 ? this.pathApMm / T : NaN,
      meanMlMm: n > 0 ? this.mx : NaN,
      meanApMm: n > 0 ? this.my : NaN,
      rmsMlMm: n > 0 ? Math.sqrt(this.m2x / n) : NaN,
      rmsApMm: n > 0 ? Math.sqrt(this.m2y / n) : NaN,
      rangeMlMm: n > 0 ? this.maxX - this.minX : NaN,
      rangeApMm: n > 0 ? this.maxY - this.minY : NaN,
      area95Mm2: n >= 3 ? ellipseAreaFromCovariance(n, this.m2x / (n - 1), this.m2y / (n - 1), this.cxy / (n - 1)) : NaN,
    };
  }
}

export interface StreamingSwayMetrics {
  n: number;
  /** T = n / fs, s. */
  durationS: number;
  pathMm: number;
  velocityMmS: number;
  velocityMlMmS: number;
  velocityApMmS: number;
  meanMlMm: number;
  meanApMm: number;
  rmsMlMm: number;
  rmsApMm: number;
  rangeMlMm: number;
  rangeApMm: number;
  area95Mm2: number;
}

export interface SwayMetrics extends StreamingSwayMetrics, FrequencyMetrics {
  fsHz: number;
  swayAreaMm2S: number;
  /** null when no foot outline was given or no finite TTB. */
  ttb: TimeToBoundary | null;
}

export interface SwayOptions {
  /** Stance foot outline (plate frame, convex, CCW) for time to boundary. */
  outline?: readonly PointMm[];
  welch?: WelchOptions;
}

/** Every sway metric of an evenly sampled CoP series (mm) at fs Hz. Needs N >= 4. */
export function computeSwayMetrics(cop: { x: Series; y: Series }, fs: number, opts: SwayOptions = {}): SwayMetrics {
  const { x, y } = cop;
  const n = x.length;
  if (y.length !== n) throw new RangeError(`sway metrics: x has ${n} samples but y has ${y.length}`);
  if (n < 4) throw new RangeError(`sway metrics: need at least 4 CoP samples, got ${n}`);
  if (!(fs > 0) || !Number.isFinite(fs)) throw new RangeError(`sway metrics: sample rate must be > 0 Hz, got ${fs}`);
  const acc = new SwayAccumulator();
  for (let i = 0; i < n; i++) acc.push(x[i]!, y[i]!);
  return {
    ...acc.metrics(fs),
    fsHz: fs,
    swayAreaMm2S: swayAreaPerSecond(x, y, fs),
    ...frequencyMetrics(x, y, fs, opts.welch),
    ttb: opts.outline ? timeToBoundary(x, y, fs, opts.outline) : null,
  };
}

/** The snake_case JSON form used by `tripod analyze --json` and exports. */
export function swayMetricsJson(m: SwayMetrics): Record<string, number | null> {
  const s = streamingSwayJson(m);
  return {
    n: m.n,
    fs_hz: m.fsHz,
    ...s,
    sway_area_mm2_s: m.swayAreaMm2S,
    mfreq_hz: m.mfreqHz,
    mfreq_ml_hz: m.mfreqMlHz,
    mfreq_ap_hz: m.mfreqApHz,
    f50_hz: m.f50Hz,
    f95_hz: m.f95Hz,
    ttb_min_s: m.ttb ? m.ttb.minS : null,
    ttb_mean_minima_s: m.ttb ? m.ttb.meanMinimaS : null,
    ttb_inside_pct: m.ttb ? m.ttb.insidePct : null,
    ttb_ml_min_s: m.ttb?.ml ? m.ttb.ml.minS : null,
    ttb_ml_mean_minima_s: m.ttb?.ml ? m.ttb.ml.meanMinimaS : null,
    ttb_ap_min_s: m.ttb?.ap ? m.ttb.ap.minS : null,
    ttb_ap_mean_minima_s: m.ttb?.ap ? m.ttb.ap.meanMinimaS : null,
  };
}

/** The streaming metrics (no spectrum, no time to boundary) under the same snake_case keys. */
export function streamingSwayJson(m: StreamingSwayMetrics): Record<string, number> {
  return {
    n: m.n,
    duration_s: m.durationS,
    path_mm: m.pathMm,
    velocity_mm_s: m.velocityMmS,
    velocity_ml_mm_s: m.velocityMlMmS,
    velocity_ap_mm_s: m.velocityApMmS,
    mean_ml_mm: m.meanMlMm,
    mean_ap_mm: m.meanApMm,
    rms_ml_mm: m.rmsMlMm,
    rms_ap_mm: m.rmsApMm,
    range_ml_mm: m.rangeMlMm,
    range_ap_mm: m.rangeApMm,
    area95_mm2: m.area95Mm2,
  };
}
