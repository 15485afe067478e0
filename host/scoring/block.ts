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
/** Rows per call of the row loop. */
const ROWS_PER_CALL = 256;

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
  let loadedX = new Float64Array(0);
  let loadedY = new Float64Array(0);
  // Running state in a typed array: the row loop reads it as plain doubles (a double kept in a
  // closure variable is boxed, and a loop variable started from one is boxed at every step).
  const st = new Float64Array(6);
  const PREV_T = 0, LOADED_S = 1, ZONE_S = 2, LOADED_N = 3, FIRST_T = 4, LAST_T = 5;
  const acc = new SwayAccumulator();
  const clear = (): void => {
    st.fill(0);
    st[PREV_T] = NaN;
    st[FIRST_T] = NaN;
    st[LAST_T] = NaN;
    acc.reset();
  };
  clear();

  function push(blk: ForceBlock): BlockScores {
    const n = blk.count;
    if (n > cap) {
      cap = Math.max(n, 2 * cap);
      heelA = new Float64Array(cap);
      mt1A = new Float64Array(cap);
      mt5A = new Float64Array(cap);
      scoreA = new Float64Array(cap);
      zoneA = new Uint8Array(cap);
      loadedX = new Float64Array(cap);
      loadedY = new Float64Array(cap);
    }
    // In runs of ROWS_PER_CALL: the row loop is compiled as a whole function after a few calls,
    // not replaced while it runs (the on-stack-compiled loop bailed out at the end of every block for
    // want of type feedback on the code after it: hundreds of times per replay, --trace-deopt).
    let m = 0;
    for (let from = 0; from < n; from += ROWS_PER_CALL) {
      m = scoreRows(blk.t, blk.total, blk.copX, blk.copY, from, Math.min(n, from + ROWS_PER_CALL), heelA, mt1A, mt5A, scoreA, zoneA, loadedX, loadedY, m);
    }
    for (let from = 0; from < m; from += ROWS_PER_CALL) acc.pushMany(loadedX, loadedY, from, Math.min(m, from + ROWS_PER_CALL));
    return { count: n, heel: heelA.subarray(0, n), mt1: mt1A.subarray(0, n), mt5: mt5A.subarray(0, n), score: scoreA.subarray(0, n), inZone: zoneA.subarray(0, n) };
  }

  /**
   * Rows [from, to) of a block; the loaded rows' CoP go to lx, ly from m0 on (for the sway
   * accumulator). Returns m0 + how many.
   */
  function scoreRows(
    t: Float64Array,
    total: Float64Array,
    copX: Float64Array,
    copY: Float64Array,
    from: number,
    to: number,
    heelA: Float64Array,
    mt1A: Float64Array,
    mt5A: Float64Array,
    scoreA: Float64Array,
    zoneA: Uint8Array,
    lx: Float64Array,
    ly: Float64Array,
    m0: number,
  ): number {
    // Running totals in locals (a double stored in a closure variable is a new heap number each time).
    let pt = st[PREV_T]!;
    let loaded = st[LOADED_S]!;
    let inZone = st[ZONE_S]!;
    let firstT = st[FIRST_T]!;
    let lastT = st[LAST_T]!;
    let m = m0;
    for (let k = from; k < to; k++) {
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
      lx[m] = x;
      ly[m] = y;
      m++;
      if (firstT !== firstT) firstT = tk;
      lastT = tk;
    }
    st[PREV_T] = pt;
    st[LOADED_S] = loaded;
    st[ZONE_S] = inZone;
    st[LOADED_N] = st[LOADED_N]! + m - m0;
    st[FIRST_T] = firstT;
    st[LAST_T] = lastT;
    return m;
  }

  return {
    stance,
    push,
    summary(): BlockScoreSummary {
      const loadedTime = st[LOADED_S]!;
      const zoneTime = st[ZONE_S]!;
      const first = st[FIRST_T]!;
      const last = st[LAST_T]!;
      return {
        loadedSamples: st[LOADED_N]!,
        loadedS: loadedTime,
        inZoneS: zoneTime,
        inZonePct: loadedTime > 0 ? (100 * zoneTime) / loadedTime : 0,
        sway: acc.n >= 2 && last > first ? acc.metrics((acc.n - 1) / (last - first)) : null,
      };
    },
    reset: clear,
  };
}
