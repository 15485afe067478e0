/**
 * Calibrated samples in blocks of typed arrays: the replay path's unit (no object per sample).
 * A ForceBlock holds consecutive delivered samples (the pipeline ends a block before every event,
 * so a gap, duplicate or stream start always falls between blocks, never inside one). Row k of a
 * block is exactly the ForceSample the per-sample path gives for that sample (forceSampleAt):
 * the same arithmetic, in the same order, as cop.ts's toForceSample.
 * A block's arrays belong to the pipeline and are reused for the next block: read them in the
 * callback that receives the block, copy what you keep.
 */
import type { Calibration } from './calibration.ts';
import type { FrameSamples } from './samples.ts';
import type { ForceSample } from './types.ts';

export interface ForceBlock {
  /** Samples in the block (rows). */
  readonly count: number;
  /** Unwrapped sample index of each row. */
  readonly index: Float64Array;
  /** Device time, s since the session's first KEY. */
  readonly t: Float64Array;
  /** Host receive time of the frame that carried the row, ms since the epoch. */
  readonly hostTimeMs: Float64Array;
  /** Raw 24-bit counts, 4 per row (cells 0..3). */
  readonly raw: Int32Array;
  /** Calibrated force per cell, N, 4 per row. */
  readonly forces: Float64Array;
  /** Sum of the four cell forces, N. */
  readonly total: Float64Array;
  /** Centre of pressure, mm (plate frame); NaN when the total is below the minimum load (ForceSample.cop null). */
  readonly copX: Float64Array;
  readonly copY: Float64Array;
  /** Per-sample protocol flags. */
  readonly flags: Uint8Array;
}

/** Rows per calibrateRows() call. */
const ROWS_PER_CALL = 256;

/**
 * Fills blocks frame by frame. take() hands the filled block over as views of the builder's arrays,
 * which the next block reuses: a block is valid until the callback that receives it returns (copy
 * its arrays, or make ForceSamples with forceSampleAt, to keep rows). Reusing them saves zeroing
 * and collecting about 100 bytes per sample (measured: a third of a max-speed replay's time).
 */
export class ForceBlockBuilder {
  private n = 0;
  private cap: number;
  private index!: Float64Array;
  private t!: Float64Array;
  private host!: Float64Array;
  private raw!: Int32Array;
  private forces!: Float64Array;
  private total!: Float64Array;
  private copX!: Float64Array;
  private copY!: Float64Array;
  private flags!: Uint8Array;
  /** Calibration and minimum CoP load of the rows added since the last calibrate(); rows [0, done) are calibrated. */
  private cal: Calibration | null = null;
  private minLoadN = 0;
  private done = 0;

  /** capacity: samples per block (a frame larger than what is left starts a new block). */
  constructor(private readonly capacity: number) {
    this.cap = capacity;
    this.allocate(capacity);
  }

  get length(): number {
    return this.n;
  }

  /** Whether `count` more samples fit in the block being filled. */
  fits(count: number): boolean {
    return this.n + count <= this.cap;
  }

  /**
   * Copies one frame's samples into the block (call fits() first; take() when it is full). The
   * calibration, forces and CoP of the rows are computed later, for many frames in one loop
   * (calibrate(): at take(), or when the calibration changes), with the calibration given here.
   */
  add(f: FrameSamples, cal: Calibration, minLoadN: number): void {
    const count = f.count;
    if (this.n + count > this.cap) {
      if (this.n > 0) throw new RangeError('ForceBlockBuilder.add: block full, take() it first');
      this.allocate(Math.max(this.capacity, count));
    }
    if (cal !== this.cal || minLoadN !== this.minLoadN) {
      this.calibrate(); // rows so far keep the calibration they were received under
      this.cal = cal;
      this.minLoadN = minLoadN;
    }
    const counts = f.counts;
    const fl = f.flags;
    const ft = f.t;
    const raw = this.raw;
    const index = this.index;
    const t = this.t;
    const hostArr = this.host;
    const flags = this.flags;
    const host = f.hostTimeMs;
    const first = f.firstIndex;
    const r0 = this.n;
    for (let k = 0; k < count; k++) {
      const r = r0 + k;
      const a = k * 4;
      const b = r * 4;
      raw[b] = counts[a]!;
      raw[b + 1] = counts[a + 1]!;
      raw[b + 2] = counts[a + 2]!;
      raw[b + 3] = counts[a + 3]!;
      index[r] = first + k;
      t[r] = ft[k]!;
      hostArr[r] = host;
      flags[r] = fl[k]!;
    }
    this.n = r0 + count;
  }

  /**
   * Forces, total and CoP of the rows not yet calibrated, with the block's calibration: the same
   * arithmetic, in the same order, as cop.ts's toForceSample (identical doubles).
   */
  private calibrate(): void {
    const from = this.done;
    const to = this.n;
    this.done = to;
    const cal = this.cal;
    if (cal === null || from >= to) return;
    // In runs of ROWS_PER_CALL: the row loop is compiled as a whole function after a few calls, not
    // replaced while it runs (a loop compiled while it runs bails out after it, --trace-deopt).
    for (let r = from; r < to; r += ROWS_PER_CALL) this.calibrateRows(cal, r, Math.min(to, r + ROWS_PER_CALL));
  }

  /** calibrate() for rows [from, to). */
  private calibrateRows(cal: Calibration, from: number, to: number): void {
    const c = cal.cells;
    const o0 = c[0].offset, s0 = c[0].scale, o1 = c[1].offset, s1 = c[1].scale;
    const o2 = c[2].offset, s2 = c[2].scale, o3 = c[3].offset, s3 = c[3].scale;
    const p = cal.layout.cells;
    const x0 = p[0].x, y0 = p[0].y, x1 = p[1].x, y1 = p[1].y, x2 = p[2].x, y2 = p[2].y, x3 = p[3].x, y3 = p[3].y;
    const minLoadN = this.minLoadN;
    const raw = this.raw;
    const forces = this.forces;
    const totalArr = this.total;
    const copX = this.copX;
    const copY = this.copY;
    for (let r = from; r < to; r++) {
      const b = r * 4;
      const f0 = (raw[b]! - o0) * s0, f1 = (raw[b + 1]! - o1) * s1, f2 = (raw[b + 2]! - o2) * s2, f3 = (raw[b + 3]! - o3) * s3;
      forces[b] = f0;
      forces[b + 1] = f1;
      forces[b + 2] = f2;
      forces[b + 3] = f3;
      totalArr[r] = f0 + f1 + f2 + f3;
      // As centreOfPressure: sums from 0 in cell order (the same doubles as the per-sample path).
      let sum = 0;
      let mx = 0;
      let my = 0;
      sum += f0; mx += f0 * x0; my += f0 * y0;
      sum += f1; mx += f1 * x1; my += f1 * y1;
      sum += f2; mx += f2 * x2; my += f2 * y2;
      sum += f3; mx += f3 * x3; my += f3 * y3;
      if (sum >= minLoadN) {
        copX[r] = mx / sum;
        copY[r] = my / sum;
      } else {
        copX[r] = NaN;
        copY[r] = NaN;
      }
    }
  }

  /** The filled block (null when empty), valid until the next add(); the next add() starts a new one. */
  take(): ForceBlock | null {
    const n = this.n;
    if (n === 0) return null;
    this.calibrate();
    const block: ForceBlock = {
      count: n,
      index: this.index.subarray(0, n),
      t: this.t.subarray(0, n),
      hostTimeMs: this.host.subarray(0, n),
      raw: this.raw.subarray(0, n * 4),
      forces: this.forces.subarray(0, n * 4),
      total: this.total.subarray(0, n),
      copX: this.copX.subarray(0, n),
      copY: this.copY.subarray(0, n),
      flags: this.flags.subarray(0, n),
    };
    this.n = 0;
    this.done = 0;
    return block;
  }

  private allocate(cap: number): void {
    this.cap = cap;
    this.n = 0;
    this.done = 0;
    this.index = new Float64Array(cap);
    this.t = new Float64Array(cap);
    this.host = new Float64Array(cap);
    this.raw = new Int32Array(cap * 4);
    this.forces = new Float64Array(cap * 4);
    this.total = new Float64Array(cap);
    this.copX = new Float64Array(cap);
    this.copY = new Float64Array(cap);
    this.flags = new Uint8Array(cap);
  }
}

/** Row k of a block as the ForceSample the per-sample path gives (one object: for consumers that want them). */
export function forceSampleAt(b: ForceBlock, k: number): ForceSample {
  const r = k * 4;
  const x = b.copX[k]!;
  return {
    index: b.index[k]!,
    t: b.t[k]!,
    hostTimeMs: b.hostTimeMs[k]!,
    raw: [b.raw[r]!, b.raw[r + 1]!, b.raw[r + 2]!, b.raw[r + 3]!],
    forces: [b.forces[r]!, b.forces[r + 1]!, b.forces[r + 2]!, b.forces[r + 3]!],
    total: b.total[k]!,
    cop: Number.isNaN(x) ? null : { x, y: b.copY[k]! },
    flags: b.flags[k]!,
  };
}

/** A one-row block holding `s` (live sessions' blocks$). */
export function blockOfSample(s: ForceSample): ForceBlock {
  return {
    count: 1,
    index: Float64Array.of(s.index),
    t: Float64Array.of(s.t),
    hostTimeMs: Float64Array.of(s.hostTimeMs),
    raw: Int32Array.from(s.raw),
    forces: Float64Array.from(s.forces),
    total: Float64Array.of(s.total),
    copX: Float64Array.of(s.cop ? s.cop.x : NaN),
    copY: Float64Array.of(s.cop ? s.cop.y : NaN),
    flags: Uint8Array.of(s.flags),
  };
}
