/**
 * The live scorer's per-sample numbers for a whole ForceBlock at once (a replay at full speed reads
 * blocks of thousands of rows): per row the tripod shares, the 0-100 score and whether it is in the
 * target zone, and over every row since the reset the time-weighted % in zone and the streaming
 * sway metrics. Loops over the block's typed arrays: no object per sample.
 *
 * Each number is the live scorer's (live.ts) for the same samples, bit for bit: the same formulas
 * in the same order (geometry.ts tripodShares, targets.ts scoreShares and inZone, the same
 * SwayAccumulator), the same "loaded" rule (a CoP and at least minLoadN) and the same time weighting
 * (each sample counts for the interval since the previous one, capped at 0.25 s). What the live
 * scorer adds for a screen (the rolling 2 s summary and the therapist's cue) is not computed here.
 */
import type { ForceBlock } from '../pipeline/block.ts';
import { resolveStance, type ResolvedStance } from './stance.ts';
import type { LiveScorerConfig } from './live.ts';
import { SwayAccumulator, type StreamingSwayMetrics } from './sway.ts';

/** One block's scores, row k = the block's row k; arrays reused by the next push(). */
export interface BlockScores {
  readonly count: number;
  /** Tripod shares (heel + mt1 + mt5 = 1); NaN where the board was not loaded. */
  readonly heel: Float64Array;
  readonly mt1: Float64Array;
  readonly mt5: Float64Array;
  /** Score 0-100 (targets.ts); NaN where not loaded. */
  readonly score: Float64Array;
  /** 1 where the shares are inside the target zone, else 0. */
  readonly inZone: Uint8Array;
}

/** Totals over every row pushed since the reset. */
export interface BlockScoreSummary {
  /** Loaded rows (a CoP and at least minLoadN). */
  loadedSamples: number;
  /** Loaded time and time in zone, s (time-weighted as live.ts). */
  loadedS: number;
  inZoneS: number;
  /** Time in zone / loaded time, %; 0 before any loaded time (as LiveScore.inZonePct). */
  inZonePct: number;
  /** Streaming sway metrics of the loaded rows (as LiveScore.sway); null before two. */
  sway: StreamingSwayMetrics | null;
}

export interface BlockScorer {
  readonly stance: ResolvedStance;
  push(b: ForceBlock): BlockScores;
  summary(): BlockScoreSummary;
  /** Restarts % in zone and the sway accumulator (as LiveScorer.reset). */
  reset(): void;
}

const MAX_DT_S = 0.25;

export function createBlockScorer(config: LiveScorerConfig): BlockScorer {
  const stance = resolveStance(config);
  const minLoadN = config.minLoadN ?? 50;
  const { heel: a, mt1: b, mt5: c } = stance.landmarks;
  const det = (b.y - c.y) * (a.x - c.x) + (c.x - b.x) * (a.y - c.y);
  if (det === 0) throw new RangeError('tripod landmarks are collinear: check the foot length and width');
  // Plain numbers for the loop (tripodShares' expressions, in its order).
  const hA = b.y - c.y, hB = c.x - b.x, mA = c.y - a.y, mB = a.x - c.x, cx = c.x, cy = c.y;
  const th = stance.target.shares.heel, tm1 = stance.target.shares.mt1, tm5 = stance.target.shares.mt5;
  const tol = stance.target.tolerance;
  const twoTol = 2 * tol;

  let cap = 0;
  let heelA = new Float64Array(0);
  let mt1A = new Float64Array(0);
  let mt5A = new Float64Array(0);
  let scoreA = new Float64Array(0);
  let zoneA = new Uint8Array(0);
  let prevT = NaN;
  let loadedTime = 0;
  let zoneTime = 0;
  let loadedSamples = 0;
  const acc = new SwayAccumulator();
  let accFirstT = NaN;
  let accLastT = NaN;

  function push(blk: ForceBlock): BlockScores {
    const n = blk.count;
    if (n > cap) {
      cap = Math.max(n, 2 * cap);
      heelA = new Float64Array(cap);
      mt1A = new Float64Array(cap);
      mt5A = new Float64Array(cap);
      scoreA = new Float64Array(cap);
      zoneA = new Uint8Array(cap);
    }
    scoreRows(blk, n, heelA, mt1A, mt5A, scoreA, zoneA);
    return { count: n, heel: heelA.subarray(0, n), mt1: mt1A.subarray(0, n), mt5: mt5A.subarray(0, n), score: scoreA.subarray(0, n), inZone: zoneA.subarray(0, n) };
  }

  /**
   * The loop over a block's rows, alone in its function: the JIT compiles it while it runs (on-stack
   * replacement) and nothing after the loop needs type feedback it has not seen yet (that made the
   * compiled loop bail out at the end of every block, measured with --trace-deopt).
   */
  function scoreRows(blk: ForceBlock, n: number, heelA: Float64Array, mt1A: Float64Array, mt5A: Float64Array, scoreA: Float64Array, zoneA: Uint8Array): void {
    const t = blk.t;
    const total = blk.total;
    const copX = blk.copX;
    const copY = blk.copY;
    // Running totals in locals (a double stored in a closure variable is a new heap number each time).
    let pt = prevT;
    let loaded = loadedTime;
    let inZone = zoneTime;
    let count = loadedSamples;
    let firstT = accFirstT;
    let lastT = accLastT;
    for (let k = 0; k < n; k++) {
      const tk = t[k]!;
      const dt = pt !== pt ? 0 : Math.min(Math.max(0, tk - pt), MAX_DT_S);
      pt = tk;
      const x = copX[k]!;
      if (x !== x || !(total[k]! >= minLoadN)) {
        heelA[k] = NaN;
        mt1A[k] = NaN;
        mt5A[k] = NaN;
        scoreA[k] = NaN;
        zoneA[k] = 0;
        continue;
      }
      const y = copY[k]!;
      const heel = (hA * (x - cx) + hB * (y - cy)) / det;
      const mt1 = (mA * (x - cx) + mB * (y - cy)) / det;
      const mt5 = 1 - heel - mt1;
      const err = Math.max(Math.abs(heel - th), Math.abs(mt1 - tm1), Math.abs(mt5 - tm5));
      const zone = err <= tol;
      heelA[k] = heel;
      mt1A[k] = mt1;
      mt5A[k] = mt5;
      scoreA[k] = 100 * Math.max(0, 1 - err / twoTol);
      zoneA[k] = zone ? 1 : 0;
      loaded += dt;
      if (zone) inZone += dt;
      count++;
      acc.push(x, y);
      if (firstT !== firstT) firstT = tk;
      lastT = tk;
    }
    prevT = pt;
    loadedTime = loaded;
    zoneTime = inZone;
    loadedSamples = count;
    accFirstT = firstT;
    accLastT = lastT;
  }

  return {
    stance,
    push,
    summary(): BlockScoreSummary {
      return {
        loadedSamples,
        loadedS: loadedTime,
        inZoneS: zoneTime,
        inZonePct: loadedTime > 0 ? (100 * zoneTime) / loadedTime : 0,
        sway: acc.n >= 2 && accLastT > accFirstT ? acc.metrics((acc.n - 1) / (accLastT - accFirstT)) : null,
      };
    },
    reset(): void {
      prevT = NaN;
      loadedTime = 0;
      zoneTime = 0;
      loadedSamples = 0;
      acc.reset();
      accFirstT = accLastT = NaN;
    },
  };
}
