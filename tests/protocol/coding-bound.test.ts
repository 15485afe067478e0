import { describe, expect, it } from 'vitest';
import { noiseEntropyBytes, predictionBound } from '../../host/sim/coding-bound.ts';
import { gaussian, mulberry32 } from '../../host/sim/random.ts';

/** Random walk per cell with integer Gaussian steps of `sigma` counts: first differences are white. */
function randomWalk(samples: number, sigma: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const out = new Int32Array(samples * 4);
  const x = [10_000, -20_000, 30_000, 5_000];
  for (let i = 0; i < samples; i++) {
    for (let c = 0; c < 4; c++) {
      x[c] = x[c]! + Math.round(sigma * gaussian(rnd));
      out[i * 4 + c] = x[c]!;
    }
  }
  return out;
}

describe('predictionBound (the bench yardstick of SPEC 9.1)', () => {
  it('gives the entropy of the innovation on a random walk: nothing in its past predicts it', () => {
    const sigma = 100;
    const b = predictionBound(randomWalk(40_000, sigma, 5), 4);
    // Entropy of an integer Gaussian of sigma >> 1 is log2(sigma * sqrt(2 pi e)) bits.
    const perCell = Math.log2(sigma * Math.sqrt(2 * Math.PI * Math.E));
    expect(b.bytesPerSample).toBeCloseTo((4 * perCell) / 8, 1);
    for (const r of b.residualRms) expect(Math.abs(r - sigma)).toBeLessThan(3);
  });

  it('finds the structure a linear predictor can use: a slow sine is nearly free', () => {
    const n = 8000;
    const counts = new Int32Array(n * 4);
    for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) counts[i * 4 + c] = Math.round(50_000 * Math.sin((2 * Math.PI * 0.5 * i) / 80 + c));
    const b = predictionBound(counts, 2);
    // Only the rounding to whole counts is left: well under one byte for four cells.
    expect(b.bytesPerSample).toBeLessThan(1);
    for (const r of b.residualRms) expect(r).toBeLessThan(2);
  });

  it('uses the other cells: a cell that is the sum of two others costs nothing extra', () => {
    const base = randomWalk(20_000, 200, 9);
    const counts = new Int32Array(base.length);
    for (let i = 0; i < base.length; i += 4) {
      counts[i] = base[i]!;
      counts[i + 1] = base[i + 1]!;
      counts[i + 2] = base[i + 2]!;
      counts[i + 3] = base[i]! + base[i + 1]!;
    }
    const b = predictionBound(counts, 1);
    expect(b.residualRms[3]).toBeLessThan(1);
    expect(b.residualRms[0]).toBeGreaterThan(150);
  });

  it('names a bad order or a too-short signal', () => {
    expect(() => predictionBound(new Int32Array(400), 0)).toThrow(/order must be an integer >= 1, got 0/);
    expect(() => predictionBound(new Int32Array(40), 8)).toThrow(/10 samples are too few for order 8/);
  });
});

describe('noiseEntropyBytes (the floor under every coder on a noisy signal)', () => {
  it('equals the measured entropy of rounded Gaussian noise, and the closed form for sigma >> 1', () => {
    const rnd = mulberry32(21);
    const sigma = 64;
    const n = 400_000;
    const hist = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = Math.round(sigma * gaussian(rnd));
      hist.set(v, (hist.get(v) ?? 0) + 1);
    }
    let h = 0;
    for (const c of hist.values()) h -= (c / n) * Math.log2(c / n);
    // The plug-in estimate is biased low by about (bins - 1) / (2 n ln 2) bits.
    const bias = (hist.size - 1) / (2 * n * Math.LN2);
    expect(noiseEntropyBytes(sigma)).toBeCloseTo((4 * (h + bias)) / 8, 2);
    expect(noiseEntropyBytes(sigma)).toBeCloseTo((4 * Math.log2(sigma * Math.sqrt(2 * Math.PI * Math.E))) / 8, 4);
    // At sigma 0.3 nearly every sample rounds to 0: far below the closed form, still positive.
    expect(noiseEntropyBytes(0.3)).toBeGreaterThan(0);
    expect(noiseEntropyBytes(0.3)).toBeLessThan(0.5);
    expect(() => noiseEntropyBytes(0)).toThrow(/sigma must be > 0 counts, got 0/);
  });
});
