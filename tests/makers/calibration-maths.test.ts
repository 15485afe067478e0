import { describe, expect, it } from 'vitest';
import { calibrationWarnings, checkCalibration } from '../../host/calibration/check.ts';
import { calibrationPositions, describePosition } from '../../host/calibration/positions.ts';
import { pointMassForces } from '../../host/calibration/sim-person.ts';
import { CalibrationSolveError, solveScales, STANDARD_GRAVITY, type PositionMeasurement } from '../../host/calibration/solve.ts';
import { StabilityWindow } from '../../host/calibration/stability.ts';
import { DEFAULT_LAYOUT, type PointMm } from '../../host/pipeline/types.ts';

type Quad = [number, number, number, number];
/** 4379.7 counts per N: the emulator's reference cell (firmware/emulator/hx711-model.ts). */
const COUNTS_PER_N = 4379.7;
const OFFSETS: Quad = [41_230, -73_118, 12_904, 96_551];
const GAINS: Quad = [1.08, 0.92, 1.05, 0.95]; // +-8 % mis-scaled cells
const TRUE_SCALE = GAINS.map((g) => 1 / (COUNTS_PER_N * g)) as Quad;

/** Deterministic Gaussian-ish noise (sum of 12 uniforms), counts. */
function noiseGen(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return () => {
    let a = 0;
    for (let i = 0; i < 12; i++) a += u();
    return a - 6;
  };
}

/** Mean counts over `n` noisy samples of a mass at `p` (noise 64 counts rms like the HX711 at 80 Hz). */
function measure(massKg: number, p: PointMm, name: string, n = 160, seed = 7): PositionMeasurement {
  const f = pointMassForces(massKg, p, DEFAULT_LAYOUT);
  const rnd = noiseGen(seed);
  const mean = [0, 1, 2, 3].map((i) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.round(OFFSETS[i]! + f[i]! * COUNTS_PER_N * GAINS[i]! + 64 * rnd());
    return s / n;
  }) as Quad;
  return { position: p, name, meanCounts: mean };
}

function standardRun(massKg = 10, tweak?: (k: number, p: PointMm) => PointMm): PositionMeasurement[] {
  return calibrationPositions(DEFAULT_LAYOUT).map((m, k) => {
    const at = tweak ? tweak(k, m.position) : m.position;
    return { ...measure(massKg, at, m.name, 160, 11 + k), position: m.position };
  });
}

describe('point mass on the plate (the simulated person)', () => {
  it('shares the weight so that total and moments balance exactly', () => {
    const p = { x: 73, y: -41 };
    const f = pointMassForces(12.5, p, DEFAULT_LAYOUT);
    const W = 12.5 * STANDARD_GRAVITY;
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(W, 9);
    expect(f.reduce((a, v, i) => a + v * DEFAULT_LAYOUT.cells[i]!.x, 0) / W).toBeCloseTo(p.x, 9);
    expect(f.reduce((a, v, i) => a + v * DEFAULT_LAYOUT.cells[i]!.y, 0) / W).toBeCloseTo(p.y, 9);
  });
});

describe('solveScales', () => {
  it('recovers +-8 % mis-scaled cells within 0.2 % and the CoP within 1 mm', () => {
    const sol = solveScales(OFFSETS, standardRun(), 10, DEFAULT_LAYOUT.cells);
    sol.cells.forEach((c, i) => expect(Math.abs(c.scale / TRUE_SCALE[i]! - 1)).toBeLessThan(0.002));
    expect(sol.copErrorMm).toBeLessThan(1);
    expect(sol.maxResidualN).toBeLessThan(0.05);
    expect(sol.condition).toBeLessThan(20);
    expect(checkCalibration(sol, 10)).toEqual([]);
  });

  it('is exact without noise', () => {
    const ms = calibrationPositions(DEFAULT_LAYOUT).map((m) => {
      const f = pointMassForces(5, m.position, DEFAULT_LAYOUT);
      return { position: m.position, name: m.name, meanCounts: f.map((v, i) => OFFSETS[i]! + v * COUNTS_PER_N * GAINS[i]!) as Quad };
    });
    const sol = solveScales(OFFSETS, ms, 5, DEFAULT_LAYOUT.cells);
    sol.cells.forEach((c, i) => expect(c.scale / TRUE_SCALE[i]!).toBeCloseTo(1, 10));
    expect(sol.copErrorMm).toBeLessThan(1e-6);
  });

  it('refuses a single position (3 equations, 4 unknowns)', () => {
    expect(() => solveScales(OFFSETS, [measure(10, { x: 0, y: 0 }, 'centre')], 10, DEFAULT_LAYOUT.cells)).toThrow(CalibrationSolveError);
  });

  it('refuses positions that cannot separate the cells (all at the centre)', () => {
    const ms = [1, 2, 3].map((s) => measure(10, { x: 0, y: 0 }, 'centre', 160, s));
    let refused = false;
    try {
      const sol = solveScales(OFFSETS, ms, 10, DEFAULT_LAYOUT.cells);
      refused = checkCalibration(sol, 10).some((r) => r.code === 'ill-posed');
    } catch (e) {
      refused = e instanceof CalibrationSolveError;
    }
    expect(refused).toBe(true);
  });

  it('names a cell that does not respond', () => {
    const ms = standardRun().map((m) => ({ ...m, meanCounts: [m.meanCounts[0], m.meanCounts[1], OFFSETS[2], m.meanCounts[3]] as Quad }));
    expect(() => solveScales(OFFSETS, ms, 10, DEFAULT_LAYOUT.cells)).toThrow(/cell 2/);
  });
});

describe('checkCalibration refuses, saying why', () => {
  it('a mass that sat 30 mm off one mark: position', () => {
    const ms = standardRun(10, (k, p) => (k === 2 ? { x: p.x + 30, y: p.y } : p));
    const sol = solveScales(OFFSETS, ms, 10, DEFAULT_LAYOUT.cells);
    const r = checkCalibration(sol, 10);
    expect(r.map((x) => x.code)).toContain('position');
    expect(r.find((x) => x.code === 'position')!.message).toContain(ms[2]!.name);
  });

  it('a cell wired backwards: cell-fault', () => {
    const ms = standardRun().map((m) => ({ ...m, meanCounts: m.meanCounts.map((c, i) => (i === 1 ? 2 * OFFSETS[1] - c : c)) as Quad }));
    const r = checkCalibration(solveScales(OFFSETS, ms, 10, DEFAULT_LAYOUT.cells), 10);
    expect(r.some((x) => x.code === 'cell-fault' && x.message.includes('cell 1'))).toBe(true);
  });

  it('a wrong mass entered, against a previous calibration: mass', () => {
    // 12 kg on the plate, 10 kg typed: every scale comes out 10/12 of the truth.
    const ms = standardRun(12);
    const sol = solveScales(OFFSETS, ms, 10, DEFAULT_LAYOUT.cells);
    expect(checkCalibration(sol, 10)).toEqual([]); // no residual can see it ...
    const r = checkCalibration(sol, 10, { priorScales: TRUE_SCALE });
    expect(r.map((x) => x.code)).toEqual(['mass']); // ... the previous calibration can
    expect(r[0]!.message).toMatch(/12\.0\d kg/);
  });
});

describe('calibrationWarnings', () => {
  it('suspects the mass only from an unusual sensitivity, and only without an earlier calibration', () => {
    const ok = solveScales(OFFSETS, standardRun(), 10, DEFAULT_LAYOUT.cells);
    expect(calibrationWarnings(ok, 10, 1 / COUNTS_PER_N, false)).toEqual([]);
    // 20 kg typed, 10 kg placed: every scale doubles.
    const wrong = solveScales(OFFSETS, standardRun(10), 20, DEFAULT_LAYOUT.cells);
    const w = calibrationWarnings(wrong, 20, 1 / COUNTS_PER_N, false);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/2\.00 times .* really 10\.0 kg/);
    expect(calibrationWarnings(wrong, 20, 1 / COUNTS_PER_N, true)).toEqual([]);
  });
});

describe('StabilityWindow', () => {
  const scale: Quad = [2.28e-4, 2.28e-4, 2.28e-4, 2.28e-4];
  it('calls HX711 noise on a still load steady', () => {
    const w = new StabilityWindow({ windowSamples: 160, nominalScale: scale });
    const rnd = noiseGen(3);
    for (let k = 0; k < 160; k++) w.push([1e5 + 64 * rnd(), 2e5 + 64 * rnd(), 3e5 + 64 * rnd(), 4e5 + 64 * rnd()]);
    expect(w.stats().steady).toBe(true);
  });
  it('calls a slow slide (drift without much noise) unsteady', () => {
    const w = new StabilityWindow({ windowSamples: 160, nominalScale: scale });
    // 1 N over the window on cell 0: small std (0.29 N) but a 0.5 N half-to-half drift.
    for (let k = 0; k < 160; k++) w.push([1e5 + (k / 160) * (1 / scale[0]), 0, 0, 0]);
    const s = w.stats();
    expect(s.worstDriftN).toBeGreaterThan(0.3);
    expect(s.steady).toBe(false);
  });
  it('is not steady before the window is full', () => {
    const w = new StabilityWindow({ windowSamples: 16, nominalScale: scale });
    for (let k = 0; k < 15; k++) w.push([0, 0, 0, 0]);
    expect(w.stats().steady).toBe(false);
    w.push([0, 0, 0, 0]);
    expect(w.stats().steady).toBe(true);
  });
});

describe('positions', () => {
  it('are the centre and 2/3 of the way to each cell', () => {
    const p = calibrationPositions(DEFAULT_LAYOUT);
    expect(p.map((m) => m.position)).toEqual([
      { x: 0, y: 0 },
      { x: 120, y: 120 },
      { x: -120, y: 120 },
      { x: -120, y: -120 },
      { x: 120, y: -120 },
    ]);
    expect(describePosition({ x: -120, y: 120 })).toBe('120 mm left and 120 mm forward of the centre');
  });
});
