/**
 * How few bytes any sample coder built on linear prediction could reach on a signal: the bench's
 * yardstick for protocol/SPEC.md 9.1 (protocol.bytes_per_sample.bound_*).
 *
 * Each cell's first difference (which removes the cell's offset) is predicted by least squares from
 * the previous `order` first differences of all four cells and, for cells 1-3, the current first
 * differences of the cells before it (a coder sends cell 0 first), plus a constant. The
 * coefficients are fitted to the whole signal with hindsight, which no streaming coder can do, so
 * the residuals are smaller than any fixed or adaptive predictor of that order gets. The figure is
 * the empirical entropy of the integer residuals (histogram of each cell's rounded residuals): what
 * an ideal memoryless entropy coder with a perfect static model would pay, before any frame header,
 * KEY or padding. It is not a bound on every conceivable coder (a model of the exact tones of a
 * synthetic signal could go lower, down to the entropy of the HX711 noise itself), but it is one on
 * the coders the protocol can carry: per-frame widths, Rice or arithmetic codes over a linear
 * predictor. The signal's own floor is `noiseEntropyBytes`: what its white HX711 noise costs any coder.
 */

/** Solves A x = b in place (Gaussian elimination with partial pivoting); A is m x m, row-major. */
function solve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  for (let i = 0; i < m; i++) {
    let p = i;
    for (let j = i + 1; j < m; j++) if (Math.abs(a[j * m + i]!) > Math.abs(a[p * m + i]!)) p = j;
    if (p !== i) {
      for (let k = 0; k < m; k++) {
        const t = a[i * m + k]!;
        a[i * m + k] = a[p * m + k]!;
        a[p * m + k] = t;
      }
      const t = b[i]!;
      b[i] = b[p]!;
      b[p] = t;
    }
    const d = a[i * m + i]!;
    if (Math.abs(d) < 1e-9) continue; // a feature that never varies: its coefficient stays 0
    for (let j = i + 1; j < m; j++) {
      const f = a[j * m + i]! / d;
      if (f === 0) continue;
      for (let k = i; k < m; k++) a[j * m + k]! -= f * a[i * m + k]!;
      b[j]! -= f * b[i]!;
    }
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    const d = a[i * m + i]!;
    if (Math.abs(d) < 1e-9) continue;
    let s = b[i]!;
    for (let k = i + 1; k < m; k++) s -= a[i * m + k]! * x[k]!;
    x[i] = s / d;
  }
  return x;
}

/** Empirical entropy (bits) of integer values. */
function entropyBits(values: Int32Array): number {
  const hist = new Map<number, number>();
  for (const v of values) hist.set(v, (hist.get(v) ?? 0) + 1);
  let h = 0;
  for (const c of hist.values()) {
    const p = c / values.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export interface CodingBound {
  /** Residual RMS per cell (counts). */
  residualRms: number[];
  /** Entropy of the rounded residuals, summed over the four cells (bytes per 4-cell sample). */
  bytesPerSample: number;
}

/**
 * The hindsight linear-prediction bound of `counts` (sample-major, 4 counts per sample) at
 * prediction order `order` (>= 1, previous samples used per cell).
 */
export function predictionBound(counts: Int32Array, order: number): CodingBound {
  const n = counts.length / 4;
  if (!Number.isInteger(order) || order < 1) throw new Error(`predictionBound: order must be an integer >= 1, got ${order}`);
  if (n < order + 10) throw new Error(`predictionBound: ${n} samples are too few for order ${order}`);
  const d = new Float64Array(4 * n); // first differences, d[k*4+c] = x[k] - x[k-1]
  for (let i = 4; i < 4 * n; i++) d[i] = counts[i]! - counts[i - 4]!;
  const residualRms: number[] = [];
  let bits = 0;
  const first = order + 1;
  for (let c = 0; c < 4; c++) {
    const m = 4 * order + c + 1;
    const f = new Float64Array(m);
    const fill = (k: number): void => {
      let j = 0;
      for (let lag = 1; lag <= order; lag++) for (let cc = 0; cc < 4; cc++) f[j++] = d[(k - lag) * 4 + cc]!;
      for (let cc = 0; cc < c; cc++) f[j++] = d[k * 4 + cc]!;
      f[j] = 1;
    };
    const a = new Float64Array(m * m);
    const b = new Float64Array(m);
    for (let k = first; k < n; k++) {
      fill(k);
      const y = d[k * 4 + c]!;
      for (let i = 0; i < m; i++) {
        const fi = f[i]!;
        b[i]! += y * fi;
        for (let j = i; j < m; j++) a[i * m + j]! += fi * f[j]!;
      }
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) a[i * m + j] = a[j * m + i]!;
    const coef = solve(a, b, m);
    const res = new Int32Array(n - first);
    let e2 = 0;
    for (let k = first; k < n; k++) {
      fill(k);
      let p = 0;
      for (let i = 0; i < m; i++) p += coef[i]! * f[i]!;
      const r = Math.round(d[k * 4 + c]! - p);
      res[k - first] = r;
      e2 += r * r;
    }
    residualRms.push(Math.sqrt(e2 / res.length));
    bits += entropyBits(res);
  }
  return { residualRms, bytesPerSample: bits / 8 };
}

/**
 * Entropy of four cells' white Gaussian noise of `sigma` counts RMS after rounding to whole counts,
 * bytes per 4-cell sample: exact sum over the integer distribution (for sigma >> 1 it is
 * log2(sigma * sqrt(2 pi e)) bits per cell). A signal that is this noise on top of anything, however
 * predictable, costs every coder at least this much (no code beats the noise's entropy).
 */
export function noiseEntropyBytes(sigma: number): number {
  if (!(sigma > 0)) throw new Error(`noiseEntropyBytes: sigma must be > 0 counts, got ${sigma}`);
  const reach = Math.ceil(12 * sigma) + 2;
  const cdf = (x: number): number => 0.5 * (1 + erf(x / (sigma * Math.SQRT2)));
  let h = 0;
  for (let k = -reach; k <= reach; k++) {
    const p = cdf(k + 0.5) - cdf(k - 0.5);
    if (p > 0) h -= p * Math.log2(p);
  }
  return (4 * h) / 8;
}

/** erf to about 1e-15 (Taylor series near 0, continued fraction for erfc further out). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    const v = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -v : v;
  }
  // erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + 1/2 / (x + 1 / (x + 3/2 / (x + ...)))), Lentz-free backward sum.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}
