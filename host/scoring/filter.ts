/**
 * The one offline preprocessing of CoP series (host/scoring/BALANCE.md, "Sway metrics"), in order:
 * 1. Uneven sample times: resample onto a uniform grid by WINDOW AVERAGING (Audiffren & Contal 2016),
 *    never by linear interpolation. Grid k: t0 + k / fs; value = mean of the samples with time in
 *    [t_k - 0.5/fs, t_k + 0.5/fs); an empty window (a gap) holds the previous value. Series whose
 *    intervals all lie within 10 % of the median interval count as even and are left as they are.
 * 2. Low-pass: 2nd-order Butterworth (bilinear transform, prewarped) run forward and backward
 *    (filtfilt): zero lag, 4th-order magnitude response, -6 dB at the cut-off (default 10 Hz, the
 *    usual scipy butter(2) + filtfilt practice; the -3 dB point is then about 8 Hz). The ends are
 *    padded by odd reflection (up to 3 cut-off periods) and the filter starts at steady state.
 *    Skipped (and said so) when the cut-off is not below 0.9 x Nyquist.
 * `--no-filter` / { filter: false } switches step 2 off; step 1 always runs when needed.
 */

export interface Biquad {
  b: [number, number, number];
  a: [number, number];
}

/** 2nd-order Butterworth low-pass (a0 = 1), cut-off fc Hz at rate fs Hz. */
export function butterworthLowpass2(fc: number, fs: number): Biquad {
  if (!(fc > 0 && fc < fs / 2)) throw new RangeError(`Butterworth cut-off ${fc} Hz must be between 0 and Nyquist (${fs / 2} Hz)`);
  const w = Math.tan((Math.PI * fc) / fs);
  const norm = 1 / (1 + Math.SQRT2 * w + w * w);
  const b0 = w * w * norm;
  return { b: [b0, 2 * b0, b0], a: [2 * (w * w - 1) * norm, (1 - Math.SQRT2 * w + w * w) * norm] };
}

/** Causal run of a biquad (direct form II transposed) starting at steady state for x[0]. */
export function lfilter(q: Biquad, x: ArrayLike<number>): Float64Array {
  const [b0, b1, b2] = q.b;
  const [a1, a2] = q.a;
  const n = x.length;
  const y = new Float64Array(n);
  if (n === 0) return y;
  const u = x[0]!;
  let z2 = (b2 - a2 * ((b0 + b1 + b2) / (1 + a1 + a2))) * u;
  let z1 = (b1 - a1 * ((b0 + b1 + b2) / (1 + a1 + a2))) * u + z2;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = b0 * xi + z1;
    z1 = b1 * xi - a1 * yi + z2;
    z2 = b2 * xi - a2 * yi;
    y[i] = yi;
  }
  return y;
}

/** Zero-lag forward-backward filtering with odd-reflection padding of `pad` samples. */
export function filtfilt(q: Biquad, x: ArrayLike<number>, pad: number): Float64Array {
  const n = x.length;
  if (n === 0) return new Float64Array(0);
  const p = Math.max(0, Math.min(pad, n - 1));
  const ext = new Float64Array(n + 2 * p);
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  for (let i = 0; i < p; i++) ext[i] = 2 * x0 - x[p - i]!;
  for (let i = 0; i < n; i++) ext[p + i] = x[i]!;
  for (let i = 0; i < p; i++) ext[p + n + i] = 2 * xn - x[n - 2 - i]!;
  const fwd = lfilter(q, ext);
  fwd.reverse();
  const back = lfilter(q, fwd);
  back.reverse();
  return back.slice(p, p + n);
}

/** Median sample interval, s. */
export function medianInterval(t: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(t[i]! - t[i - 1]!);
  d.sort((a, b) => a - b);
  if (d.length === 0) return NaN;
  const m = d.length >> 1;
  return d.length % 2 ? d[m]! : (d[m - 1]! + d[m]!) / 2;
}

/** Whether every interval is within 10 % of the median interval. */
export function isEvenlySampled(t: ArrayLike<number>): boolean {
  const med = medianInterval(t);
  if (!(med > 0)) return false;
  for (let i = 1; i < t.length; i++) if (Math.abs(t[i]! - t[i - 1]! - med) > 0.1 * med) return false;
  return true;
}

/** Window-averaging resampling of (t, x, y) onto t0 + k / fs (see the file comment). */
export function resampleWindowAverage(t: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>, fs: number): { x: Float64Array; y: Float64Array } {
  const n = t.length;
  if (n === 0) return { x: new Float64Array(0), y: new Float64Array(0) };
  const t0 = t[0]!;
  const count = Math.floor((t[n - 1]! - t0) * fs + 0.5) + 1;
  const ox = new Float64Array(count);
  const oy = new Float64Array(count);
  let j = 0;
  let lastX = x[0]!;
  let lastY = y[0]!;
  for (let k = 0; k < count; k++) {
    const hi = t0 + (k + 0.5) / fs;
    let sx = 0;
    let sy = 0;
    let c = 0;
    while (j < n && t[j]! < hi) {
      sx += x[j]!;
      sy += y[j]!;
      c++;
      j++;
    }
    if (c > 0) {
      lastX = sx / c;
      lastY = sy / c;
    }
    ox[k] = lastX;
    oy[k] = lastY;
  }
  return { x: ox, y: oy };
}

export interface PreprocessOptions {
  /** Low-pass the series (default true). */
  filter?: boolean;
  /** Cut-off, Hz (default 10). */
  cutoffHz?: number;
  /** Output rate, Hz; defaults to 1 / median interval. */
  rateHz?: number;
}

export interface Preprocessed {
  x: Float64Array;
  y: Float64Array;
  /** Rate of the output series, Hz. */
  fs: number;
  resampled: boolean;
  filtered: boolean;
  /** One line saying what was done, for reports. */
  description: string;
}

/** Resamples uneven series by window averaging, then low-passes (unless switched off). */
export function preprocessCop(t: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>, opts: PreprocessOptions = {}): Preprocessed {
  const n = t.length;
  if (x.length !== n || y.length !== n) throw new RangeError(`preprocess: t, x, y lengths differ (${n}, ${x.length}, ${y.length})`);
  const med = medianInterval(t);
  const fs = opts.rateHz ?? (med > 0 ? 1 / med : NaN);
  if (!(fs > 0) || !Number.isFinite(fs)) throw new RangeError('preprocess: cannot tell the sample rate (fewer than 2 samples or non-increasing times)');
  const even = opts.rateHz === undefined ? isEvenlySampled(t) : isEvenlySampled(t) && Math.abs(1 / med - fs) < 0.01 * fs;
  let ox: Float64Array;
  let oy: Float64Array;
  if (even) {
    ox = Float64Array.from(x);
    oy = Float64Array.from(y);
  } else {
    ({ x: ox, y: oy } = resampleWindowAverage(t, x, y, fs));
  }
  const parts = [even ? `${n} samples at ${fs.toFixed(2)} Hz` : `${n} uneven samples resampled by window averaging to ${ox.length} at ${fs.toFixed(2)} Hz`];
  let filtered = false;
  if (opts.filter !== false) {
    const fc = opts.cutoffHz ?? 10;
    if (fc < 0.9 * (fs / 2) && ox.length >= 3) {
      const q = butterworthLowpass2(fc, fs);
      const pad = Math.round((3 * fs) / fc);
      ox = filtfilt(q, ox, pad);
      oy = filtfilt(q, oy, pad);
      filtered = true;
      parts.push(`low-passed: 2nd-order Butterworth forward and backward (4th-order zero-lag), ${fc} Hz`);
    } else {
      parts.push(`not filtered: ${fc} Hz cut-off is not below 0.9 x Nyquist (${(fs / 2).toFixed(1)} Hz)`);
    }
  } else {
    parts.push('not filtered (--no-filter)');
  }
  return { x: ox, y: oy, fs, resampled: !even, filtered, description: parts.join('; ') };
}
