/**
 * The synthetic person: single-leg stance on the board, for the simulated board, demos and tests.
 *
 * Model (per axis, ML = x and AP = y, mm, about a reference point r(t) on the foot):
 *   inverted pendulum  c'' = w0^2 (c - p),       w0^2 = g / h (h = CoM height, default 0.55 x 1.75 m)
 *   ankle/hip control  p = c + Kp c + Kd c' + n  (CoP = CoM + proportional-derivative correction)
 *   motor noise        n: Ornstein-Uhlenbeck (tau 0.5 s) smoothed by a 1st-order low-pass (30 ms),
 *                      so the CoP has a finite velocity at any sample rate.
 * Closed loop: c'' = -w0^2 (Kp c + Kd c' + n), a damped oscillator (about 0.6-0.7 Hz) driven by
 * coloured noise; the CoP then has most of its power below 2 Hz, as measured CoP does.
 * Gains and noise were tuned so that, at 80 Hz, eyes open gives a mean CoP velocity of 20-40 mm/s and
 * a 95 % ellipse of a few hundred mm^2 (single-leg stance of healthy young adults), eyes closed
 * about 1.7x the velocity and 4x the area (tests/scoring/person.test.ts checks the ranges over
 * seeds). Measured over 5 seeds, 30 s at 80 Hz: eyes open 30 mm/s, 330-360 mm^2; eyes closed
 * 51-53 mm/s, 1300-1400 mm^2.
 * Integrated with a semi-implicit Euler step of 1 ms; seeded (mulberry32), so a given seed and
 * options give the same trace whatever times it is queried at.
 *
 * r(t) is the point of the person's tripod shares on the stance foot (host/scoring geometry): mean
 * shares + bias + drift x minutes since step-on. Timeline (absolute board time, s): empty board
 * before stepOnS; the load ramps to body weight over 0.4 s; optional two-foot stand (bipedalS,
 * CoP between the two foot marks, a third of the sway) then 0.5 s to move onto the stance foot;
 * single-leg stance; touch-downs (the other foot takes `fraction` of the weight, ramps 80 ms);
 * step-off at stepOffS (load ramps to 0 over 0.3 s); repeatEveryS repeats that timeline (DEMO_PERSON).
 *
 * Cell forces (personLoadSource): the total force and CoP are shared among the four cells with
 * bilinear weights over the cell quadrilateral: find (u, v) with
 *   cop = (1-u)(1-v) p_rearLeft + u(1-v) p_rearRight + u v p_frontRight + (1-u) v p_frontLeft
 * (exact for a rectangle, Newton iteration otherwise) and give each cell F x its weight. The weights
 * sum to 1 and sum(w_i p_i) = cop, so CoP = sum(F_i p_i) / F reproduces the CoP exactly.
 */
import { DEFAULT_LAYOUT, type BoardLayout, type PointMm } from '../pipeline/types.ts';
import { mulberry32 } from './random.ts';
import { footLandmarks, pointFromShares, type FootLandmarks, type FootSide, type TripodShares } from '../scoring/geometry.ts';
import { DEFAULT_SCORING_LAYOUT, type ScoringLayout } from '../scoring/layout.ts';

export type CellForces = [number, number, number, number];

const G_MM_S2 = 9806.65;
const G_N_PER_KG = 9.80665;
const STEP_S = 0.001;

export interface TouchDownPlan {
  /** Board time the other foot touches, s. */
  atS: number;
  /** How long it stays down, s. */
  durationS: number;
  /** Fraction of body weight it takes off the board (default 0.5). */
  fraction?: number;
}

export interface SyntheticPersonOptions {
  /** Default 1. */
  seed?: number;
  /** Body mass, kg (default 70). */
  massKg?: number;
  /** Body height, m (default 1.75); CoM height = 0.55 x height. */
  heightM?: number;
  /** Stance foot (default 'right'). */
  foot?: FootSide;
  /** Foot length, mm (default 260). */
  footLengthMm?: number;
  layout?: ScoringLayout;
  /** Default 'open'. */
  eyes?: 'open' | 'closed';
  /** The person's habitual tripod shares (default heel 0.42, mt1 0.31, mt5 0.27). */
  meanShares?: TripodShares;
  /** Shift of the mean, share units: heel > 0 sits back on the heel, lateral > 0 moves weight from
   *  the 1st to the 5th metatarsal head (the outer edge). */
  bias?: { heel?: number; lateral?: number };
  /** Drift of the mean, share units per minute since step-on (same axes as bias). */
  driftPerMin?: { heel?: number; lateral?: number };
  /** Multiplies the motor noise (default 1). */
  swayScale?: number;
  /** Board time the person steps on, s (default 0.5). */
  stepOnS?: number;
  /** Two-foot quiet stand after stepping on, s (default 0). */
  bipedalS?: number;
  /** Board time the person steps off, s (default never). */
  stepOffS?: number;
  touchDowns?: TouchDownPlan[];
  /** Repeat the whole timeline (step-on .. step-off, touch-downs) every this many s of board
   *  time, for a demo board that keeps giving trials; needs a step-off. Sway runs on throughout. */
  repeatEveryS?: number;
}

/** A demo timeline for the simulated board: every 50 s, step on, stand on both feet for 4 s
 *  (time to weigh), 35 s on the right foot with a touch-down at 14 s and a drift onto the heel,
 *  step off, rest. */
export const DEMO_PERSON: SyntheticPersonOptions = {
  stepOnS: 2,
  bipedalS: 4,
  touchDowns: [{ atS: 20, durationS: 0.6, fraction: 0.45 }],
  driftPerMin: { heel: 0.12 },
  stepOffS: 43,
  repeatEveryS: 50,
};

export type PersonPhase = 'off' | 'stepping-on' | 'bipedal' | 'shifting' | 'single' | 'touch-down' | 'stepping-off';

export interface PersonState {
  /** Vertical force on the board, N. */
  totalN: number;
  /** CoP on the board, mm; null when nobody is on it. */
  cop: PointMm | null;
  phase: PersonPhase;
}

export interface SyntheticPerson {
  readonly bodyWeightN: number;
  readonly foot: FootSide;
  readonly landmarks: FootLandmarks;
  readonly layout: ScoringLayout;
  /** The state at board time t, s (any order of queries; deterministic). */
  at(t: number): PersonState;
}

interface AxisParams {
  kp: number;
  /** s */
  kd: number;
  /** Noise amplitude, mm (stationary SD of the OU process). */
  sigma: number;
}

interface AxisState {
  c: number;
  v: number;
  ou: number;
  n: number;
}

const TAU_OU_S = 0.5;
const TAU_SMOOTH_S = 0.03;

function axisParams(eyes: 'open' | 'closed', axis: 'ml' | 'ap', scale: number): AxisParams {
  const base = axis === 'ml' ? { kp: 1.5, kd: 0.15, sigma: 2.4 } : { kp: 1.2, kd: 0.15, sigma: 2.6 };
  if (eyes === 'closed') return { kp: base.kp * 0.8, kd: base.kd * 0.85, sigma: base.sigma * 1.7 * scale };
  return { kp: base.kp, kd: base.kd, sigma: base.sigma * scale };
}

function check(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || v < lo || v > hi) throw new RangeError(`synthetic person ${name}: expected ${lo}..${hi}, got ${v}`);
  return v;
}

function smoothStep(a: number): number {
  const x = Math.min(1, Math.max(0, a));
  return x * x * (3 - 2 * x);
}

export function createSyntheticPerson(opts: SyntheticPersonOptions = {}): SyntheticPerson {
  const seed = opts.seed ?? 1;
  const massKg = check('massKg', opts.massKg ?? 70, 20, 250);
  const heightM = check('heightM', opts.heightM ?? 1.75, 1, 2.3);
  const foot = opts.foot ?? 'right';
  const layout = opts.layout ?? DEFAULT_SCORING_LAYOUT;
  const eyes = opts.eyes ?? 'open';
  const scale = check('swayScale', opts.swayScale ?? 1, 0, 10);
  const stepOnS = check('stepOnS', opts.stepOnS ?? 0.5, 0, 1e6);
  const bipedalS = check('bipedalS', opts.bipedalS ?? 0, 0, 1e6);
  const stepOffS = opts.stepOffS ?? Infinity;
  if (!(stepOffS > stepOnS)) throw new RangeError(`synthetic person stepOffS: must come after stepOnS (${stepOnS} s), got ${stepOffS}`);
  const touchDowns = (opts.touchDowns ?? []).map((d, i) => {
    check(`touchDowns[${i}].durationS`, d.durationS, 0.01, 1e6);
    check(`touchDowns[${i}].fraction`, d.fraction ?? 0.5, 0, 1);
    return { atS: d.atS, durationS: d.durationS, fraction: d.fraction ?? 0.5 };
  });
  const repeatS = opts.repeatEveryS;
  if (repeatS !== undefined && !(Number.isFinite(stepOffS) && repeatS > stepOffS + 0.3)) {
    throw new RangeError(`synthetic person repeatEveryS: needs a step-off and a period longer than stepOffS + 0.3 s (${stepOffS + 0.3} s), got ${repeatS}`);
  }
  const bodyWeightN = massKg * G_N_PER_KG;
  const footLengthMm = opts.footLengthMm ?? 260;
  const landmarks = footLandmarks({ side: foot, lengthMm: footLengthMm, centre: layout.footMarks[foot] });
  const other = footLandmarks({ side: foot === 'left' ? 'right' : 'left', lengthMm: footLengthMm, centre: layout.footMarks[foot === 'left' ? 'right' : 'left'] });
  const mean = opts.meanShares ?? { heel: 0.42, mt1: 0.31, mt5: 0.27 };
  const singleStartS = stepOnS + 0.4 + (bipedalS > 0 ? bipedalS + 0.5 : 0);

  const sharesAt = (t: number): TripodShares => {
    const minutes = Math.max(0, t - stepOnS) / 60;
    const h = (opts.bias?.heel ?? 0) + (opts.driftPerMin?.heel ?? 0) * minutes;
    const l = (opts.bias?.lateral ?? 0) + (opts.driftPerMin?.lateral ?? 0) * minutes;
    return { heel: mean.heel + h, mt1: mean.mt1 - h / 2 - l, mt5: mean.mt5 - h / 2 + l };
  };
  const stanceRef = (t: number): PointMm => pointFromShares(sharesAt(t), landmarks);
  const bipedalRef = (t: number): PointMm => {
    const a = stanceRef(t);
    const b = pointFromShares(sharesAt(t), other);
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  };

  const comHeightMm = 0.55 * heightM * 1000;
  const w02 = G_MM_S2 / comHeightMm;
  const px = axisParams(eyes, 'ml', scale);
  const py = axisParams(eyes, 'ap', scale);

  // Simulation state, stepped forward in STEP_S; a ring of recent outputs serves out-of-order reads.
  let rand = mulberry32(seed);
  let spare: number | null = null;
  const gauss = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u1 = Math.max(rand(), 1e-300);
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  const RING = 4096;
  const ringX = new Float64Array(RING);
  const ringY = new Float64Array(RING);
  const ringF = new Float64Array(RING);
  let step = -1;
  let sx: AxisState;
  let sy: AxisState;
  let fNoise = 0;

  const restart = (): void => {
    rand = mulberry32(seed);
    spare = null;
    step = -1;
    sx = { c: 0, v: 0, ou: 0, n: 0 };
    sy = { c: 0, v: 0, ou: 0, n: 0 };
    // Start the noise at its stationary distribution.
    sx.ou = px.sigma * gauss();
    sx.n = sx.ou;
    sy.ou = py.sigma * gauss();
    sy.n = sy.ou;
    fNoise = 0;
  };
  restart();

  const advanceAxis = (s: AxisState, p: AxisParams): number => {
    const dt = STEP_S;
    s.ou += (-s.ou / TAU_OU_S) * dt + p.sigma * Math.sqrt((2 * dt) / TAU_OU_S) * gauss();
    s.n += ((s.ou - s.n) / TAU_SMOOTH_S) * dt;
    const acc = -w02 * (p.kp * s.c + p.kd * s.v + s.n);
    s.v += acc * dt;
    s.c += s.v * dt;
    return s.c + p.kp * s.c + p.kd * s.v + s.n;
  };

  const stepOnce = (): void => {
    step++;
    const ox = advanceAxis(sx, px);
    const oy = advanceAxis(sy, py);
    // Vertical force ripple: 0.3 % of body weight, OU with tau 0.2 s.
    fNoise += (-fNoise / 0.2) * STEP_S + 0.003 * Math.sqrt((2 * STEP_S) / 0.2) * gauss();
    const i = step % RING;
    ringX[i] = ox;
    ringY[i] = oy;
    ringF[i] = fNoise;
  };

  const swayAt = (t: number): { x: number; y: number; f: number } => {
    const k = Math.max(0, t) / STEP_S;
    const k1 = Math.ceil(k);
    if (k1 < step - RING + 2) restart();
    while (step < k1) stepOnce();
    const k0 = Math.floor(k);
    const a = k - k0;
    const i0 = k0 % RING;
    const i1 = k1 % RING;
    return {
      x: ringX[i0]! + (ringX[i1]! - ringX[i0]!) * a,
      y: ringY[i0]! + (ringY[i1]! - ringY[i0]!) * a,
      f: ringF[i0]! + (ringF[i1]! - ringF[i0]!) * a,
    };
  };

  const at = (tBoard: number): PersonState => {
    // Timeline time (repeats when asked); the sway runs on board time.
    const t = repeatS ? ((tBoard % repeatS) + repeatS) % repeatS : tBoard;
    if (!(t >= stepOnS) || t >= stepOffS + 0.3) return { totalN: 0, cop: null, phase: 'off' };
    const sway = swayAt(repeatS ? tBoard : t - stepOnS);
    let load = bodyWeightN * (1 + sway.f);
    let phase: PersonPhase = 'single';
    let ref = stanceRef(t);
    let swayGain = 1;
    if (t < stepOnS + 0.4) {
      load *= smoothStep((t - stepOnS) / 0.4);
      phase = 'stepping-on';
    }
    if (bipedalS > 0 && t < singleStartS) {
      const bip = bipedalRef(t);
      if (t < stepOnS + 0.4 + bipedalS) {
        ref = bip;
        swayGain = 1 / 3;
        if (phase !== 'stepping-on') phase = 'bipedal';
      } else {
        const a = smoothStep((t - (stepOnS + 0.4 + bipedalS)) / 0.5);
        ref = { x: bip.x + (ref.x - bip.x) * a, y: bip.y + (ref.y - bip.y) * a };
        swayGain = 1 / 3 + (2 / 3) * a;
        phase = 'shifting';
      }
    }
    for (const d of touchDowns) {
      if (t >= d.atS && t < d.atS + d.durationS + 0.08) {
        const up = smoothStep((t - d.atS) / 0.08);
        const down = smoothStep((d.atS + d.durationS + 0.08 - t) / 0.08);
        load *= 1 - d.fraction * Math.min(up, down);
        phase = 'touch-down';
      }
    }
    if (t >= stepOffS) {
      load *= smoothStep((stepOffS + 0.3 - t) / 0.3);
      phase = 'stepping-off';
    }
    if (load <= 0) return { totalN: 0, cop: null, phase: 'off' };
    return { totalN: load, cop: { x: ref.x + swayGain * sway.x, y: ref.y + swayGain * sway.y }, phase };
  };

  return { bodyWeightN, foot, landmarks, layout, at };
}

/**
 * Bilinear cell weights of a CoP over the cell quadrilateral (see the file comment), in cell order
 * 0 front-right, 1 front-left, 2 rear-left, 3 rear-right. Weights sum to 1 and sum(w_i p_i) = cop;
 * a CoP outside the cell quadrilateral gives negative weights (a plate cannot do that: it tips).
 */
export function bilinearCellWeights(cop: PointMm, layout: BoardLayout = DEFAULT_LAYOUT): CellForces {
  const [fr, fl, rl, rr] = layout.cells;
  const P = (u: number, v: number): PointMm => ({
    x: (1 - u) * (1 - v) * rl.x + u * (1 - v) * rr.x + u * v * fr.x + (1 - u) * v * fl.x,
    y: (1 - u) * (1 - v) * rl.y + u * (1 - v) * rr.y + u * v * fr.y + (1 - u) * v * fl.y,
  });
  let u = 0.5;
  let v = 0.5;
  for (let it = 0; it < 20; it++) {
    const p = P(u, v);
    const ex = p.x - cop.x;
    const ey = p.y - cop.y;
    if (Math.abs(ex) < 1e-12 && Math.abs(ey) < 1e-12) break;
    const dxu = (1 - v) * (rr.x - rl.x) + v * (fr.x - fl.x);
    const dyu = (1 - v) * (rr.y - rl.y) + v * (fr.y - fl.y);
    const dxv = (1 - u) * (fl.x - rl.x) + u * (fr.x - rr.x);
    const dyv = (1 - u) * (fl.y - rl.y) + u * (fr.y - rr.y);
    const det = dxu * dyv - dxv * dyu;
    if (det === 0) throw new RangeError('bilinear cell weights: the cell layout is degenerate');
    u -= (ex * dyv - ey * dxv) / det;
    v -= (ey * dxu - ex * dyu) / det;
  }
  return [u * v, (1 - u) * v, (1 - u) * (1 - v), u * (1 - v)];
}

/** The four cell forces, N, for a total force and CoP. */
export function distributeToCells(totalN: number, cop: PointMm, layout: BoardLayout = DEFAULT_LAYOUT): CellForces {
  const w = bilinearCellWeights(cop, layout);
  return [totalN * w[0], totalN * w[1], totalN * w[2], totalN * w[3]];
}

/** A load source for the emulated board: (board time s) => N per cell. */
export function personLoadSource(person: SyntheticPerson, layout: BoardLayout = person.layout): (tSeconds: number) => CellForces {
  return (t) => {
    const s = person.at(t);
    if (!s.cop || s.totalN <= 0) return [0, 0, 0, 0];
    return distributeToCells(s.totalN, s.cop, layout);
  };
}
