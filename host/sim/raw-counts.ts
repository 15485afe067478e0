/**
 * Raw HX711 count signals for the protocol bench and tests: a realistic single-leg stance and
 * worst-case full-scale noise, sample-major (4 counts per sample), seeded.
 */
import { COUNT_MAX, COUNT_MIN } from '../../protocol/index.ts';
import { gaussian, mulberry32 } from './random.ts';

/** RMS noise of an HX711 channel at 80 Hz, gain 128, counts (the realistic signal's noise). */
export const HX711_NOISE_RMS_COUNTS = 64;

/** What the realistic generator produced, for the record next to the figures. */
export interface SignalSummary {
  meanCopSpeedMmS: number;
  forceRmsPercent: number;
}

/**
 * Realistic raw counts of a ~700 N person standing on one leg: CoP sway (slow drift 0.1-1 Hz plus
 * 3-5 Hz corrections, mean CoP speed scaled to 30 mm/s), total force fluctuating ~2 % of body
 * weight (half of it at 3-5 Hz), cells at (+-180, +-180) mm sharing the load bilinearly,
 * 4375 counts/N with a +-3 % gain spread, per-cell offsets 1e4..1e5 counts, HX711 noise 64 counts RMS.
 * Returns counts sample-major (4 per sample), int24-clamped.
 */
export function realisticCounts(samples: number, rateHz: number, seed: number): { counts: Int32Array; summary: SignalSummary } {
  const rnd = mulberry32(seed);
  const dt = 1 / rateHz;
  type Tone = { f: number; a: number; ph: number };
  const tones = (n: number, f0: number, f1: number, rms: number): Tone[] => {
    const list: Tone[] = [];
    for (let i = 0; i < n; i++) list.push({ f: f0 + (f1 - f0) * rnd(), a: 1, ph: 2 * Math.PI * rnd() });
    const scale = rms / Math.sqrt(n / 2); // each unit tone has RMS 1/sqrt(2)
    for (const t of list) t.a = scale;
    return list;
  };
  const evalTones = (ts: Tone[], t: number): number => {
    let v = 0;
    for (const x of ts) v += x.a * Math.sin(2 * Math.PI * x.f * t + x.ph);
    return v;
  };
  // Sway: 6 mm RMS slow drift + 1.2 mm RMS 3-5 Hz corrections per axis (scaled below to 30 mm/s).
  const xs = [...tones(8, 0.1, 1, 6), ...tones(8, 3, 5, 1.2)];
  const ys = [...tones(8, 0.1, 1, 8), ...tones(8, 3, 5, 1.2)];
  const fSlow = tones(6, 0.3, 2, 0.014);
  const fFast = tones(6, 3, 5, 0.014);
  const bodyN = 700;
  const countsPerN = 4375;
  const gains = [0, 1, 2, 3].map(() => countsPerN * (1 + 0.06 * (rnd() - 0.5)));
  const offsets = [0, 1, 2, 3].map(() => Math.round(1e4 + 9e4 * rnd()) * (rnd() < 0.5 ? -1 : 1));
  const cells = [
    [180, 180],
    [-180, 180],
    [-180, -180],
    [180, -180],
  ] as const;
  // Scale the sway so the mean CoP speed is 30 mm/s.
  let path = 0;
  let px = evalTones(xs, 0);
  let py = evalTones(ys, 0);
  for (let i = 1; i < samples; i++) {
    const t = i * dt;
    const x = evalTones(xs, t);
    const y = evalTones(ys, t);
    path += Math.hypot(x - px, y - py);
    px = x;
    py = y;
  }
  const k = samples > 1 ? 30 / (path / ((samples - 1) * dt)) : 1;
  const counts = new Int32Array(samples * 4);
  let f2 = 0;
  for (let i = 0; i < samples; i++) {
    const t = i * dt;
    const x = k * evalTones(xs, t);
    const y = k * evalTones(ys, t);
    const rel = evalTones(fSlow, t) + evalTones(fFast, t);
    f2 += rel * rel;
    const total = bodyN * (1 + rel);
    for (let c = 0; c < 4; c++) {
      const [cx, cy] = cells[c] as readonly [number, number];
      const share = ((180 + Math.sign(cx) * x) / 360) * ((180 + Math.sign(cy) * y) / 360);
      const v = Math.round((offsets[c] as number) + total * share * (gains[c] as number) + HX711_NOISE_RMS_COUNTS * gaussian(rnd));
      counts[i * 4 + c] = Math.min(COUNT_MAX, Math.max(COUNT_MIN, v));
    }
  }
  return { counts, summary: { meanCopSpeedMmS: 30, forceRmsPercent: 100 * Math.sqrt(f2 / samples) } };
}

/** Full-scale uniform noise: every count independent over the whole int24 range. */
export function noiseCounts(samples: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const out = new Int32Array(samples * 4);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 0x1000000) + COUNT_MIN;
  return out;
}
