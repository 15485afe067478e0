/**
 * Is the load steady? A window of raw samples per cell, judged in newtons through a nominal scale
 * (the board's current calibration or the reference cell: good to a few %, which is plenty for a
 * threshold). Steady means, over the window: each cell's standard deviation below `maxStdN`, and the
 * difference between the means of the window's first and second halves below `maxDriftN` (a mass
 * sliding slowly has a small deviation but a clear drift). Pure: push samples, ask.
 */

export interface StabilityOptions {
  /** Samples in the window (at 80 Hz, 160 = 2 s). */
  windowSamples: number;
  /** N per count per cell, used only to express the thresholds in newtons. */
  nominalScale: [number, number, number, number];
  /** Largest per-cell standard deviation of a steady load, N. Defaults to 0.3 N (the HX711's noise is ~0.015 N). */
  maxStdN?: number;
  /** Largest per-cell change between the window's halves, N. Defaults to 0.3 N. */
  maxDriftN?: number;
}

export interface WindowStats {
  /** Samples currently in the window. */
  count: number;
  mean: [number, number, number, number];
  std: [number, number, number, number];
  /** Second half mean minus first half mean, counts. */
  drift: [number, number, number, number];
  /** Largest per-cell std and |drift|, N (through the nominal scale). */
  worstStdN: number;
  worstDriftN: number;
  /** Window full and both limits met. */
  steady: boolean;
}

export class StabilityWindow {
  private readonly buf: Float64Array;
  private n = 0;
  private head = 0;
  private readonly maxStdN: number;
  private readonly maxDriftN: number;

  constructor(private readonly opts: StabilityOptions) {
    if (!(opts.windowSamples >= 4)) throw new TypeError(`StabilityWindow: windowSamples must be >= 4, got ${opts.windowSamples}`);
    this.buf = new Float64Array(opts.windowSamples * 4);
    this.maxStdN = opts.maxStdN ?? 0.3;
    this.maxDriftN = opts.maxDriftN ?? 0.3;
  }

  push(raw: ArrayLike<number>): void {
    const base = this.head * 4;
    for (let c = 0; c < 4; c++) this.buf[base + c] = raw[c]!;
    this.head = (this.head + 1) % this.opts.windowSamples;
    if (this.n < this.opts.windowSamples) this.n++;
  }

  clear(): void {
    this.n = 0;
    this.head = 0;
  }

  full(): boolean {
    return this.n === this.opts.windowSamples;
  }

  stats(): WindowStats {
    const W = this.opts.windowSamples;
    const n = this.n;
    const start = (this.head - n + W) % W;
    const at = (k: number, c: number): number => this.buf[((start + k) % W) * 4 + c]!;
    const mean = [0, 0, 0, 0] as [number, number, number, number];
    const std = [0, 0, 0, 0] as [number, number, number, number];
    const drift = [0, 0, 0, 0] as [number, number, number, number];
    let worstStdN = 0;
    let worstDriftN = 0;
    const half = Math.floor(n / 2);
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += at(k, c);
      const m = n > 0 ? s / n : 0;
      let v = 0;
      let h1 = 0;
      let h2 = 0;
      for (let k = 0; k < n; k++) {
        const x = at(k, c);
        v += (x - m) ** 2;
        if (k < half) h1 += x;
        else if (k >= n - half) h2 += x;
      }
      const sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
      const dr = half > 0 ? h2 / half - h1 / half : 0;
      mean[c] = m;
      std[c] = sd;
      drift[c] = dr;
      const scale = Math.abs(this.opts.nominalScale[c]!);
      worstStdN = Math.max(worstStdN, sd * scale);
      worstDriftN = Math.max(worstDriftN, Math.abs(dr) * scale);
    }
    return { count: n, mean, std, drift, worstStdN, worstDriftN, steady: n === W && worstStdN <= this.maxStdN && worstDriftN <= this.maxDriftN };
  }
}
