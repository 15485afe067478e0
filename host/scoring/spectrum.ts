/**
 * Spectra of CoP series: an FFT of any length (radix-2, Bluestein's chirp-z for other lengths),
 * Welch's PSD as scipy.signal.welch computes it with scaling 'density' (periodic Hann window,
 * constant detrend per segment, one-sided with the interior bins doubled, segments averaged), and
 * the frequency statistics of the BDS definition: mean power frequency = trapz(f P) / trapz(P) and
 * the frequency below which p % of the (trapezoid-cumulated) power lies.
 */

/** In-place radix-2 FFT of (re, im); length must be a power of two. */
function fftRadix2(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k);
      const wi = Math.sin(ang * k);
      for (let i = k; i < n; i += len) {
        const j = i + half;
        const xr = re[j]! * wr - im[j]! * wi;
        const xi = re[j]! * wi + im[j]! * wr;
        re[j] = re[i]! - xr;
        im[j] = im[i]! - xi;
        re[i] = re[i]! + xr;
        im[i] = im[i]! + xi;
      }
    }
  }
}

/** Forward DFT of a real or complex sequence of any length; returns new arrays. */
export function fft(inputRe: ArrayLike<number>, inputIm?: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = inputRe.length;
  const re = Float64Array.from(inputRe);
  const im = inputIm ? Float64Array.from(inputIm) : new Float64Array(n);
  if (n <= 1) return { re, im };
  if ((n & (n - 1)) === 0) {
    fftRadix2(re, im);
    return { re, im };
  }
  // Bluestein: X_k = conj(w_k) * sum_j (x_j conj(w_j)) w_(k-j), w_j = exp(i pi j^2 / n).
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = (Math.PI * ((j * j) % (2 * n))) / n;
    wr[j] = Math.cos(a);
    wi[j] = Math.sin(a);
  }
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    // x_j * conj(w_j)
    ar[j] = re[j]! * wr[j]! + im[j]! * wi[j]!;
    ai[j] = im[j]! * wr[j]! - re[j]! * wi[j]!;
  }
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  br[0] = wr[0]!;
  bi[0] = wi[0]!;
  for (let j = 1; j < n; j++) {
    br[j] = br[m - j] = wr[j]!;
    bi[j] = bi[m - j] = wi[j]!;
  }
  fftRadix2(ar, ai);
  fftRadix2(br, bi);
  for (let k = 0; k < m; k++) {
    const r = ar[k]! * br[k]! - ai[k]! * bi[k]!;
    const i = ar[k]! * bi[k]! + ai[k]! * br[k]!;
    ar[k] = r;
    ai[k] = i;
  }
  fftRadix2(ar, ai, true);
  for (let k = 0; k < n; k++) {
    const cr = ar[k]! / m;
    const ci = ai[k]! / m;
    re[k] = cr * wr[k]! + ci * wi[k]!;
    im[k] = ci * wr[k]! - cr * wi[k]!;
  }
  return { re, im };
}

export interface WelchOptions {
  /** Segment length, samples; defaults to ceil(N / 2) (the BDS choice). */
  nperseg?: number;
  /** Overlap, samples; defaults to floor(nperseg / 2) (N / 4 with the default segment). */
  noverlap?: number;
}

export interface Spectrum {
  /** Frequencies, Hz: k fs / nperseg, k = 0..floor(nperseg / 2). */
  f: Float64Array;
  /** One-sided power spectral density, unit^2 / Hz. */
  p: Float64Array;
}

/** Welch PSD as scipy.signal.welch(x, fs, 'hann', nperseg, noverlap, detrend='constant'). */
export function welchPsd(x: ArrayLike<number>, fs: number, opts: WelchOptions = {}): Spectrum {
  const n = x.length;
  const nperseg = opts.nperseg ?? Math.ceil(n / 2);
  const noverlap = opts.noverlap ?? Math.floor(nperseg / 2);
  if (!(nperseg >= 2) || nperseg > n) throw new RangeError(`welch: segment length ${nperseg} must be 2..${n} samples`);
  if (!(noverlap >= 0 && noverlap < nperseg)) throw new RangeError(`welch: overlap ${noverlap} must be 0..${nperseg - 1}`);
  const step = nperseg - noverlap;
  const segments = Math.floor((n - noverlap) / step);
  const win = new Float64Array(nperseg);
  let winSq = 0;
  for (let i = 0; i < nperseg; i++) {
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nperseg);
    winSq += win[i]! * win[i]!;
  }
  const nf = Math.floor(nperseg / 2) + 1;
  const p = new Float64Array(nf);
  const seg = new Float64Array(nperseg);
  for (let s = 0; s < segments; s++) {
    const off = s * step;
    let mean = 0;
    for (let i = 0; i < nperseg; i++) mean += x[off + i]!;
    mean /= nperseg;
    for (let i = 0; i < nperseg; i++) seg[i] = (x[off + i]! - mean) * win[i]!;
    const { re, im } = fft(seg);
    for (let k = 0; k < nf; k++) p[k] = p[k]! + re[k]! * re[k]! + im[k]! * im[k]!;
  }
  const scale = 1 / (fs * winSq * segments);
  const lastDoubled = nperseg % 2 === 0 ? nf - 2 : nf - 1;
  for (let k = 0; k < nf; k++) p[k] = p[k]! * scale * (k >= 1 && k <= lastDoubled ? 2 : 1);
  const f = new Float64Array(nf);
  for (let k = 0; k < nf; k++) f[k] = (k * fs) / nperseg;
  return { f, p };
}

/** Trapezoidal integral of y over x. */
export function trapz(y: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < y.length; i++) s += ((y[i]! + y[i - 1]!) * (x[i]! - x[i - 1]!)) / 2;
  return s;
}

/** Mean power frequency, Hz: trapz(f P) / trapz(P). NaN for zero power. */
export function meanFrequency(s: Spectrum): number {
  const fp = s.f.map((f, i) => f * s.p[i]!);
  return trapz(fp, s.f) / trapz(s.p, s.f);
}

/**
 * The first frequency bin at which the trapezoid-cumulated power reaches `pct` % of the total (the
 * BDS / Duarte definition of frequency percentiles; F50 is the median frequency, F95 the 95 %).
 */
export function frequencyPercentile(s: Spectrum, pct: number): number {
  const total = trapz(s.p, s.f);
  if (!(total > 0)) return NaN;
  let cum = 0;
  if (pct <= 0) return s.f[0]!;
  for (let i = 1; i < s.f.length; i++) {
    cum += ((s.p[i]! + s.p[i - 1]!) * (s.f[i]! - s.f[i - 1]!)) / 2;
    if ((100 * cum) / total >= pct) return s.f[i]!;
  }
  return s.f[s.f.length - 1]!;
}
