/** The F quantile, the FFT and Welch PSD, and the preprocessing (filter, resampling). */
import { describe, expect, it } from 'vitest';
import { fCdf, fQuantile, logGamma, regularizedIncompleteBeta } from '../../host/scoring/stats.ts';
import { fft, frequencyPercentile, meanFrequency, welchPsd } from '../../host/scoring/spectrum.ts';
import { butterworthLowpass2, filtfilt, isEvenlySampled, preprocessCop, resampleWindowAverage } from '../../host/scoring/filter.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('log-gamma and the regularized incomplete beta', () => {
  it('logGamma(n) = ln((n-1)!) and Gamma(1/2) = sqrt(pi)', () => {
    let f = 1;
    for (let n = 1; n <= 20; n++) {
      if (n > 1) f *= n - 1;
      expect(rel(logGamma(n), Math.log(f)) < 1e-13 || Math.abs(logGamma(n) - Math.log(f)) < 1e-13).toBe(true);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });
  it('closed forms: I_x(a,1) = x^a, I_x(1,b) = 1-(1-x)^b, I_1/2(a,a) = 1/2', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
      for (const a of [0.5, 1, 2.5, 7, 40]) {
        expect(Math.abs(regularizedIncompleteBeta(x, a, 1) - x ** a)).toBeLessThan(1e-13);
        expect(Math.abs(regularizedIncompleteBeta(x, 1, a) - (1 - (1 - x) ** a))).toBeLessThan(1e-13);
      }
    }
    // Large a: ln of the prefactor is ~ 4000, so 1e-15 relative becomes a few 1e-12 absolute.
    for (const a of [0.5, 3, 100, 3000]) expect(regularizedIncompleteBeta(0.5, a, a)).toBeCloseTo(0.5, 10);
  });
  it('refuses bad arguments', () => {
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/0 <= x <= 1, got 1.5/);
    expect(() => fQuantile(1, 2, 3)).toThrow(/0 < p < 1, got 1/);
    expect(() => logGamma(0)).toThrow(/x > 0/);
  });
});

describe('F quantile', () => {
  it('matches the closed form of F(2, d) to 1e-9 relative for small to large d', () => {
    for (const d of [1, 2, 5, 28, 100, 1000, 5998, 100000]) {
      for (const p of [0.5, 0.9, 0.95, 0.99]) {
        const closed = (d / 2) * ((1 - p) ** (-2 / d) - 1);
        expect(rel(fQuantile(p, 2, d), closed)).toBeLessThan(1e-9);
      }
    }
  });
  it('matches published F table values (5 significant digits)', () => {
    const table: Array<[number, number, number, number]> = [
      [0.95, 1, 1, 161.4476],
      [0.95, 3, 10, 3.708265],
      [0.95, 5, 20, 2.71089],
      [0.95, 10, 10, 2.978237],
      [0.99, 4, 12, 5.411951],
      [0.95, 1, 30, 4.170877],
    ];
    for (const [p, d1, d2, v] of table) expect(rel(fQuantile(p, d1, d2), v)).toBeLessThan(2e-6);
  });
  it('is the inverse of the CDF', () => {
    for (const [d1, d2] of [[2, 4], [3, 17], [12, 250]] as const) {
      for (const p of [0.05, 0.5, 0.95]) expect(fCdf(fQuantile(p, d1, d2), d1, d2)).toBeCloseTo(p, 12);
    }
  });
});

describe('FFT and Welch', () => {
  const naive = (x: number[]) => {
    const n = x.length;
    return Array.from({ length: n }, (_, k) => {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        re += x[j]! * Math.cos((-2 * Math.PI * k * j) / n);
        im += x[j]! * Math.sin((-2 * Math.PI * k * j) / n);
      }
      return [re, im];
    });
  };
  it('agrees with a direct DFT for power-of-two and other lengths', () => {
    for (const n of [1, 2, 8, 30, 64, 97, 150]) {
      const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + ((i * 7919) % 13) / 13);
      const f = fft(x);
      const d = naive(x);
      for (let k = 0; k < n; k++) {
        expect(f.re[k]!).toBeCloseTo(d[k]![0]!, 9);
        expect(f.im[k]!).toBeCloseTo(d[k]![1]!, 9);
      }
    }
  });
  it('Welch density integrates to the variance of white-ish noise (Parseval, within Welch bias)', () => {
    let s = 7;
    const u = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
    const x = Array.from({ length: 8000 }, () => u() - 0.5);
    const spec = welchPsd(x, 100);
    let integral = 0;
    for (let k = 0; k < spec.p.length; k++) integral += spec.p[k]! * (100 / 4000);
    expect(rel(integral, 1 / 12)).toBeLessThan(0.05);
    expect(spec.f[spec.f.length - 1]).toBe(50);
    expect(meanFrequency(spec)).toBeGreaterThan(20);
    expect(meanFrequency(spec)).toBeLessThan(30);
    expect(frequencyPercentile(spec, 95)).toBeGreaterThan(45);
  });
  it('refuses impossible segment settings', () => {
    expect(() => welchPsd([1, 2, 3, 4], 10, { nperseg: 5 })).toThrow(/segment length 5 must be 2..4/);
    expect(() => welchPsd([1, 2, 3, 4], 10, { nperseg: 4, noverlap: 4 })).toThrow(/overlap 4 must be 0..3/);
  });
});

describe('preprocessing', () => {
  const fs = 100;
  const sine = (f: number, n: number) => Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / fs));
  const amplitudeMid = (y: ArrayLike<number>) => {
    let m = 0;
    for (let i = 200; i < y.length - 200; i++) m = Math.max(m, Math.abs(y[i]!));
    return m;
  };
  it('the zero-lag Butterworth passes DC and 1 Hz, halves 10 Hz (-6 dB), kills 30 Hz, no lag', () => {
    const q = butterworthLowpass2(10, fs);
    expect(Array.from(filtfilt(q, new Array(50).fill(3), 30)).every((v) => Math.abs(v - 3) < 1e-12)).toBe(true);
    const one = filtfilt(q, sine(1, 1000), 30);
    expect(amplitudeMid(one)).toBeGreaterThan(0.999);
    // Zero lag: the filtered 1 Hz sine equals the input sine times its gain, in phase.
    const x1 = sine(1, 1000);
    for (let i = 200; i < 800; i += 37) expect(Math.abs(one[i]! - x1[i]! * amplitudeMid(one))).toBeLessThan(1e-3);
    expect(amplitudeMid(filtfilt(q, sine(10, 1000), 30)) / amplitudeMid(sine(10, 1000))).toBeCloseTo(0.5, 2);
    expect(amplitudeMid(filtfilt(q, sine(30, 1000), 30))).toBeLessThan(0.02);
  });
  it('resamples uneven samples by window averaging, holding across gaps', () => {
    const t = [0, 0.004, 0.011, 0.019, 0.02, 0.05];
    const x = [1, 3, 5, 7, 9, 11];
    const r = resampleWindowAverage(t, x, x, 100);
    // Windows [-5,5) ms: 1, 3 -> 2; [5,15): 5; [15,25): 7, 9 -> 8; [25,35): empty -> 8; [35,45): 8; [45,55): 11.
    expect(Array.from(r.x)).toEqual([2, 5, 8, 8, 8, 11]);
    expect(isEvenlySampled(t)).toBe(false);
    expect(isEvenlySampled([0, 0.0125, 0.025, 0.0375])).toBe(true);
  });
  it('preprocessCop says what it did; --no-filter leaves even data untouched', () => {
    const t = Array.from({ length: 500 }, (_, i) => i / 80);
    const x = t.map((v) => Math.sin(v * 3));
    const off = preprocessCop(t, x, x, { filter: false });
    expect(off.filtered).toBe(false);
    expect(off.resampled).toBe(false);
    expect(Array.from(off.x)).toEqual(x);
    expect(off.fs).toBeCloseTo(80, 9);
    const on = preprocessCop(t, x, x);
    expect(on.filtered).toBe(true);
    expect(on.description).toMatch(/Butterworth/);
    // A 20 Hz stream: 10 Hz is not below 0.9 x Nyquist, so no filter, and it says so.
    const slow = preprocessCop(t.map((v) => v * 4), x, x);
    expect(slow.filtered).toBe(false);
    expect(slow.description).toMatch(/not below 0.9 x Nyquist/);
  });
});
