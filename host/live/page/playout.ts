/**
 * A playout clock for smooth live views. Samples reach the page in bursts (a BLE notification
 * carries several samples; the host sends display frames at ~30 Hz), so drawing "up to the newest
 * sample" would move in jumps at the burst rate. Instead the views show the data up to a display
 * time that advances every animation frame at the stream's own pace (device seconds per wall
 * second, measured: 1 live, N for an N-times replay) and trails the newest sample by a small lag.
 * When data stops (board away) the clock stops at the newest sample; when it falls too far behind
 * (the tab was hidden) it jumps forward.
 */
export class PlayoutClock {
  /** Device seconds per wall second, smoothed. */
  private rate = 1;
  private newestT = NaN;
  private prevArrivalT = NaN;
  private prevArrivalMs = NaN;
  private displayT = NaN;
  private lastTickMs = NaN;

  /**
   * @param targetLagS wall seconds the display trails the newest sample by (absorbs the bursts)
   * @param maxLagS beyond this (wall seconds) the display jumps to the target lag
   */
  constructor(
    private readonly targetLagS = 0.12,
    private readonly maxLagS = 1,
  ) {}

  /** A burst arrived whose newest sample has device time `t` (s), at wall time `nowMs`. */
  arrive(t: number, nowMs: number): void {
    if (!Number.isNaN(this.prevArrivalMs) && t > this.prevArrivalT) {
      const wall = (nowMs - this.prevArrivalMs) / 1000;
      if (wall > 0.2) {
        // measure the pace over at least 0.2 s of wall time (single bursts are too noisy)
        const r = (t - this.prevArrivalT) / wall;
        this.rate = Math.min(200, Math.max(0.05, 0.7 * this.rate + 0.3 * r));
        this.prevArrivalT = t;
        this.prevArrivalMs = nowMs;
      }
    } else if (Number.isNaN(this.prevArrivalMs) || t < this.prevArrivalT) {
      this.prevArrivalT = t;
      this.prevArrivalMs = nowMs;
    }
    if (t < this.newestT) this.displayT = NaN; // the stream restarted: start over
    this.newestT = t;
  }

  /** Advances to wall time `nowMs`; returns the device time to display (NaN before any data). */
  tick(nowMs: number): number {
    if (Number.isNaN(this.newestT)) return NaN;
    const dtWall = Number.isNaN(this.lastTickMs) ? 0 : Math.max(0, (nowMs - this.lastTickMs) / 1000);
    this.lastTickMs = nowMs;
    const target = this.newestT - this.targetLagS * this.rate;
    if (Number.isNaN(this.displayT) || this.newestT - this.displayT > this.maxLagS * this.rate) {
      this.displayT = target;
      return this.displayT;
    }
    // run at the stream's pace, nudged toward the target lag (at most +-50 %)
    const err = (this.displayT - target) / (this.targetLagS * this.rate);
    const speed = this.rate * Math.min(1.5, Math.max(0.5, 1 - 0.5 * err));
    this.displayT = Math.min(this.newestT, this.displayT + dtWall * speed);
    return this.displayT;
  }

  /** Device seconds per wall second as measured. */
  get pace(): number {
    return this.rate;
  }
}
