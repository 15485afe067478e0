/** Sway metrics on trajectories with closed-form answers, and the streaming accumulator. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SwayAccumulator,
  hypot2,
  computeSwayMetrics,
  ellipseArea95,
  fQuantile2,
  pathLength,
  predictionEllipseScale,
  range,
  rms,
  swayAreaPerSecond,
  timeToBoundary,
} from '../../host/scoring/sway.ts';
import { fQuantile } from '../../host/scoring/stats.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('circle at constant speed', () => {
  // Radius R, k whole turns in N samples at fs; N a multiple of 4k so the samples hit the extremes.
  const R = 10;
  const k = 5;
  const N = 1000;
  const fs = 50;
  const x = Array.from({ length: N }, (_, i) => R * Math.cos((2 * Math.PI * k * i) / N));
  const y = Array.from({ length: N }, (_, i) => R * Math.sin((2 * Math.PI * k * i) / N));
  const m = computeSwayMetrics({ x, y }, fs);
  const dTheta = (2 * Math.PI * k) / N;

  it('path and velocities', () => {
    const chord = 2 * R * Math.sin(dTheta / 2);
    expect(rel(m.pathMm, (N - 1) * chord)).toBeLessThan(1e-12);
    expect(rel(m.velocityMmS, ((N - 1) * chord) / (N / fs))).toBeLessThan(1e-12);
    expect(m.durationS).toBe(N / fs);
  });
  it('RMS, range, ellipse and sway area', () => {
    expect(rel(m.rmsMlMm, R / Math.SQRT2)).toBeLessThan(1e-12);
    expect(rel(m.rmsApMm, R / Math.SQRT2)).toBeLessThan(1e-12);
    expect(rel(m.rangeMlMm, 2 * R)).toBeLessThan(1e-12);
    expect(rel(m.rangeApMm, 2 * R)).toBeLessThan(1e-12);
    // S = (R^2 / 2) N / (N - 1) I, det S = S_11^2.
    const s11 = ((R * R) / 2) * (N / (N - 1));
    expect(rel(m.area95Mm2, Math.PI * predictionEllipseScale(N) * s11)).toBeLessThan(1e-10);
    // Each triangle with the centre has area R^2 sin(dTheta) / 2.
    expect(rel(m.swayAreaMm2S, ((N - 1) * R * R * Math.sin(dTheta)) / (2 * (N / fs)))).toBeLessThan(1e-12);
  });
  it('mean power frequency is the rotation frequency (Hann leakage is symmetric)', () => {
    const f0 = (k * fs) / N; // 0.25 Hz: k/2 = 2.5 turns per N/2 segment is not whole; use the analytic bin check below
    expect(f0).toBe(0.25);
    // With k = 5 turns and segments of N/2 = 500 samples, each segment holds 2.5 turns: not on a bin.
    // Use 8 turns instead: 4 per segment, exactly bin 4 of the segment FFT.
    const k2 = 8;
    const x2 = Array.from({ length: N }, (_, i) => R * Math.cos((2 * Math.PI * k2 * i) / N));
    const y2 = Array.from({ length: N }, (_, i) => R * Math.sin((2 * Math.PI * k2 * i) / N));
    const m2 = computeSwayMetrics({ x: x2, y: y2 }, fs);
    const f2 = (k2 * fs) / N;
    const df = fs / (N / 2);
    expect(Math.abs(m2.mfreqHz - f2)).toBeLessThan(1e-10);
    expect(Math.abs(m2.mfreqMlHz - f2)).toBeLessThan(1e-10);
    expect(Math.abs(m2.mfreqApHz - f2)).toBeLessThan(1e-10);
    // Hann puts 1/6, 2/3, 1/6 of the power on bins f-df, f, f+df: 95 % is reached at f + 2 df.
    expect(m2.f95Hz).toBeCloseTo(f2 + 2 * df, 12);
    expect([f2, f2 + df].some((f) => Math.abs(m2.f50Hz - f) < 1e-12)).toBe(true);
  });
});

describe('straight line', () => {
  const N = 400;
  const fs = 80;
  const vx = 12; // mm/s
  const vy = -5;
  const x = Array.from({ length: N }, (_, i) => 3 + (vx * i) / fs);
  const y = Array.from({ length: N }, (_, i) => -7 + (vy * i) / fs);
  const m = computeSwayMetrics({ x, y }, fs);
  it('path, velocity per axis, RMS, range; zero area', () => {
    const speed = Math.hypot(vx, vy);
    expect(rel(m.pathMm, ((N - 1) * speed) / fs)).toBeLessThan(1e-12);
    expect(rel(m.velocityMmS, ((N - 1) * speed) / N)).toBeLessThan(1e-12);
    expect(rel(m.velocityMlMmS, ((N - 1) * Math.abs(vx)) / N)).toBeLessThan(1e-12);
    expect(rel(m.velocityApMmS, ((N - 1) * Math.abs(vy)) / N)).toBeLessThan(1e-12);
    // Uniform grid: variance of i/fs over i = 0..N-1 is (N^2 - 1) / 12 / fs^2.
    expect(rel(m.rmsMlMm, (Math.abs(vx) / fs) * Math.sqrt((N * N - 1) / 12))).toBeLessThan(1e-9);
    expect(rel(m.rmsApMm, (Math.abs(vy) / fs) * Math.sqrt((N * N - 1) / 12))).toBeLessThan(1e-9);
    expect(rel(m.rangeMlMm, ((N - 1) * Math.abs(vx)) / fs)).toBeLessThan(1e-12);
    // Collinear: det S is 0 up to round-off, and sqrt(det) keeps half the digits: compare with the
    // area a round cloud of the same spread would have.
    expect(m.area95Mm2).toBeLessThan(1e-6 * Math.PI * predictionEllipseScale(N) * m.rmsMlMm * m.rmsApMm);
    expect(m.swayAreaMm2S).toBeLessThan(1e-9);
  });
  it('time to boundary toward a wall is the distance over the speed', () => {
    const square = [
      { x: -100, y: -100 },
      { x: 100, y: -100 },
      { x: 100, y: 100 },
      { x: -100, y: 100 },
    ];
    const xs = Array.from({ length: N }, (_, i) => (vx * i) / fs);
    const ys = new Array<number>(N).fill(0);
    const ttb = timeToBoundary(xs, ys, fs, square)!;
    expect(ttb.minS).toBeCloseTo((100 - xs[N - 1]!) / vx, 10);
    expect(ttb.minima).toBe(0); // strictly decreasing: no interior local minimum
    expect(ttb.meanMinimaS).toBeCloseTo(ttb.minS, 12);
    expect(ttb.insidePct).toBe(100);
    // One-axis variants: all the motion is ML here.
    expect(ttb.ml!.minS).toBeCloseTo(ttb.minS, 12);
    expect(ttb.ap).toBeNull();
    // Diagonal motion: the ML variant ignores the AP velocity, so it reaches the side wall later.
    const d = timeToBoundary(xs, xs, fs, square)!;
    expect(d.minS).toBeCloseTo((100 - xs[N - 1]!) / vx, 10);
    expect(d.ml!.minS).toBeCloseTo(d.minS, 10);
    expect(d.ap!.minS).toBeCloseTo(d.minS, 10);
  });
});

describe('a point', () => {
  it('has zero path, RMS, range, area; no frequency', () => {
    const x = new Array<number>(100).fill(4.2);
    const y = new Array<number>(100).fill(-1);
    const m = computeSwayMetrics({ x, y }, 100);
    expect(m.pathMm).toBe(0);
    expect(m.velocityMmS).toBe(0);
    expect(m.rmsMlMm).toBe(0);
    expect(m.rmsApMm).toBe(0);
    expect(m.rangeMlMm).toBe(0);
    expect(m.area95Mm2).toBe(0);
    expect(m.swayAreaMm2S).toBe(0);
    expect(m.mfreqHz).toBeNaN();
    expect(m.meanMlMm).toBeCloseTo(4.2, 12);
  });
});

describe('sine on one axis', () => {
  it('RMS A/sqrt 2, range 2A, path 4A per cycle, area 0, mean frequency f0', () => {
    const A = 6;
    const fs = 100;
    const N = 2000;
    const cycles = 20; // 10 per N/2 segment: on a bin
    const f0 = (cycles * fs) / N;
    const x = Array.from({ length: N }, (_, i) => A * Math.sin((2 * Math.PI * cycles * i) / N));
    const y = new Array<number>(N).fill(0);
    const m = computeSwayMetrics({ x, y }, fs);
    expect(rel(m.rmsMlMm, A / Math.SQRT2)).toBeLessThan(1e-12);
    expect(m.rmsApMm).toBe(0);
    expect(rel(m.rangeMlMm, 2 * A)).toBeLessThan(1e-12);
    // Samples hit every peak and trough (N / cycles = 100 samples per cycle, a multiple of 4); the
    // last sample is one step short of the end of the last cycle.
    const lastStep = A * Math.sin((2 * Math.PI * cycles) / N);
    expect(rel(m.pathMm, 4 * A * cycles - lastStep)).toBeLessThan(1e-12);
    expect(m.velocityApMmS).toBe(0);
    expect(m.area95Mm2).toBe(0);
    expect(Math.abs(m.mfreqHz - f0)).toBeLessThan(1e-10);
    expect(Math.abs(m.mfreqMlHz - f0)).toBeLessThan(1e-10);
    expect(m.mfreqApHz).toBeNaN();
  });
});

describe('prediction ellipse constant', () => {
  it('uses F(2, n-2): chi-square shortcut 5.991 is 0.08 % smaller at n = 6000', () => {
    const c = predictionEllipseScale(6000);
    expect((c - 5.991464547107979) / c).toBeGreaterThan(0.0007);
    expect((c - 5.991464547107979) / c).toBeLessThan(0.0009);
    // F(2, d) closed form: (d/2) ((1 - p)^(-2/d) - 1).
    const n = 30;
    const closed = ((n - 2) / 2) * (0.05 ** (-2 / (n - 2)) - 1);
    expect(rel(fQuantile(0.95, 2, n - 2), closed)).toBeLessThan(1e-10);
    // The ellipse uses the closed form of F(2, d); the general inversion agrees with it.
    expect(rel(c, ((2 * 5999 * 6001) / (6000 * 5998)) * fQuantile(0.95, 2, 5998))).toBeLessThan(1e-9);
    for (const d of [1, 3, 10, 98, 4798, 59998]) expect(rel(fQuantile2(0.95, d), fQuantile(0.95, 2, d))).toBeLessThan(1e-9);
  });
  it('a Gaussian cloud: about 95 % of new points fall in the ellipse (prediction, not confidence)', () => {
    // Deterministic pseudo-random normal pairs (correlated).
    let s = 12345;
    const u = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
    const g = (): number => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const pts = (n: number) => Array.from({ length: n }, () => {
      const a = g();
      const b = g();
      return [3 * a, 2 * a + b] as const;
    });
    const train = pts(50);
    const area = ellipseArea95(train.map((p) => p[0]), train.map((p) => p[1]));
    // Ellipse of the true distribution with 95 % mass: pi * chi2_0.95(2) * sqrt(det Sigma), Sigma = [[9,6],[6,5]].
    const trueArea = Math.PI * 5.991464547107979 * Math.sqrt(9 * 5 - 36);
    expect(area / trueArea).toBeGreaterThan(0.6);
    expect(area / trueArea).toBeLessThan(1.6);
  });
});

describe('SwayAccumulator (the live O(1) path) agrees with the batch functions', () => {
  it('on arbitrary series', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: -200, max: 200, noNaN: true })), { minLength: 4, maxLength: 300 }), (pts) => {
        const x = pts.map((p) => p[0]);
        const y = pts.map((p) => p[1]);
        const acc = new SwayAccumulator();
        for (const p of pts) acc.push(p[0], p[1]);
        const m = acc.metrics(80);
        const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
        return (
          close(m.pathMm, pathLength(x, y)) &&
          close(m.rmsMlMm, rms(x)) &&
          close(m.rmsApMm, rms(y)) &&
          close(m.rangeMlMm, range(x)) &&
          // sqrt(det S) loses half the digits near collinearity: compare on the ellipse's scale.
          Math.abs(m.area95Mm2 - ellipseArea95(x, y)) <= 1e-6 * (1 + Math.PI * predictionEllipseScale(x.length) * (rms(x) ** 2 + rms(y) ** 2)) &&
          close(m.velocityMmS, pathLength(x, y) / (x.length / 80))
        );
      }),
      { numRuns: 200 },
    );
  });
  it('sway area per second is centred on the mean (shifting the series changes nothing)', () => {
    const x = [1, 4, 2, 5, 3, 0];
    const y = [0, 2, 5, 1, 3, 4];
    const a = swayAreaPerSecond(x, y, 10);
    const b = swayAreaPerSecond(x.map((v) => v + 100), y.map((v) => v - 50), 10);
    expect(a).toBeCloseTo(b, 10);
  });
  it('refuses too few samples and mismatched axes with a precise message', () => {
    expect(() => computeSwayMetrics({ x: [1, 2, 3], y: [1, 2, 3] }, 10)).toThrow(/at least 4 CoP samples, got 3/);
    expect(() => computeSwayMetrics({ x: [1, 2, 3, 4], y: [1, 2, 3] }, 10)).toThrow(/x has 4 samples but y has 3/);
    expect(() => computeSwayMetrics({ x: [1, 2, 3, 4], y: [1, 2, 3, 4] }, 0)).toThrow(/sample rate must be > 0 Hz/);
  });
});

describe('hypot2', () => {
  it('is Math.hypot bit for bit: special values and 4 million pairs over 40 decades', () => {
    const specials = [0, -0, 1, -1, 3, 4, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1e-300, 1e308, 1.7976931348623157e308, 2 ** 52 + 1];
    for (const a of specials) for (const b of specials) expect(Object.is(hypot2(a, b), Math.hypot(a, b)), `${a}, ${b}`).toBe(true);
    let seed = 1;
    const r = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let differ = 0;
    for (let i = 0; i < 2e6; i++) {
      const a = (r() - 0.5) * 10 ** (Math.floor(r() * 40) - 20);
      const b = (r() - 0.5) * 10 ** (Math.floor(r() * 40) - 20);
      if (!Object.is(hypot2(a, b), Math.hypot(a, b))) differ++;
      const c = (r() - 0.5) * 30; // CoP steps, mm
      const d = (r() - 0.5) * 30;
      if (!Object.is(hypot2(c, d), Math.hypot(c, d))) differ++;
    }
    expect(differ).toBe(0);
  });
});
