/**
 * Reconstructs each sample's device time from the KEY frames' time stamps.
 *
 * Only KEY frames carry a device time (ms, of their first sample); samples in between get
 * t = line(index), where the line is a least-squares fit of (index, keyTime) over the last
 * FIT_KEYS keys. The fit averages away the firmware's timer jitter on single stamps (a few ms) and
 * follows a slowly drifting HX711 oscillator; its error stays well within one sample period
 * (12.5 ms at 80 Hz) over an hour (tests/host/samples.test.ts checks this with drift and jitter).
 * Before the second KEY of a session (the first second at the default key interval) only the
 * nominal period is known, so those times can be off by the oscillator's error times the elapsed
 * time (about 30 ms at the end of that second for a 3 % fast HX711); after it (and a few samples
 * held back so time never runs backwards), within one period.
 * A stream restart keeps the fitted period. Output times never go backwards.
 */

/** Keys in the sliding fit window (one KEY per second by default: about a minute). */
export const FIT_KEYS = 64;

export class DeviceClock {
  private readonly idx = new Float64Array(FIT_KEYS);
  private readonly tms = new Float64Array(FIT_KEYS);
  private n = 0;
  private head = 0;
  /** Fit: t(i) = a + b * (i - refIndex), ms. */
  private a = 0;
  private b: number;
  private refIndex = 0;
  private t0Ms: number | null = null;
  private lastS = -Infinity;

  /** nominalPeriodMs: 1000 / sample rate, used until two keys have been seen. */
  constructor(private nominalPeriodMs: number) {
    this.b = nominalPeriodMs;
  }

  setNominalPeriod(ms: number): void {
    this.nominalPeriodMs = ms;
    if (this.n < 2) this.b = ms;
  }

  /** Forgets the fit (new stream: the index restarted); the time origin is kept. */
  restart(): void {
    this.n = 0;
    this.head = 0;
  }

  /** Forgets the fit and uses the nominal period from the next key on (rate change). */
  restartAtNominal(): void {
    this.restart();
    this.b = this.nominalPeriodMs;
  }

  /** A KEY frame: sample `index` was read at device time `timeMs` (unwrapped). */
  addKey(index: number, timeMs: number): void {
    if (this.t0Ms === null) this.t0Ms = timeMs;
    this.idx[this.head] = index;
    this.tms[this.head] = timeMs;
    this.head = (this.head + 1) % FIT_KEYS;
    if (this.n < FIT_KEYS) this.n++;
    this.refit(index, timeMs);
  }

  /** Device time of sample `index`, s since the first KEY of the session. */
  timeOf(index: number): number {
    let s = (this.a + this.b * (index - this.refIndex) - (this.t0Ms ?? 0)) / 1000;
    if (s < this.lastS) s = this.lastS; // monotonic: a refit may pull the line back by a fraction of a ms
    this.lastS = s;
    return s;
  }

  /** Fitted sample period, ms. */
  get periodMs(): number {
    return this.b;
  }

  /** Unwrapped device time of sample `index` on the current fit, ms (not clamped). */
  msOf(index: number): number {
    return this.a + this.b * (index - this.refIndex);
  }

  get hasTime(): boolean {
    return this.t0Ms !== null;
  }

  private refit(lastIndex: number, lastTime: number): void {
    this.refIndex = lastIndex;
    if (this.n < 2) {
      this.a = lastTime;
      return;
    }
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < this.n; k++) {
      sx += this.idx[k]! - lastIndex;
      sy += this.tms[k]! - lastTime;
    }
    const mx = sx / this.n;
    const my = sy / this.n;
    let sxx = 0;
    let sxy = 0;
    for (let k = 0; k < this.n; k++) {
      const dx = this.idx[k]! - lastIndex - mx;
      sxx += dx * dx;
      sxy += dx * (this.tms[k]! - lastTime - my);
    }
    if (sxx <= 0) return;
    const b = sxy / sxx;
    // A slope far from nominal means a clock jump (or a stream mix-up): fall back to the last key.
    if (!(b > this.nominalPeriodMs * 0.5 && b < this.nominalPeriodMs * 2)) {
      this.a = lastTime;
      this.b = this.nominalPeriodMs;
      return;
    }
    this.b = b;
    this.a = lastTime + my - b * mx;
  }
}
