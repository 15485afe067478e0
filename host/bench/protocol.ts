/**
 * Protocol bench: wire bytes per 4-cell sample (all headers included) for a realistic single-leg
 * signal at MTU 23 and 53 and for worst-case full-scale noise at MTU 23, plus encoder and decoder
 * throughput in Node. Figures: protocol.bytes_per_sample.{mtu23,mtu53,worst_mtu23},
 * protocol.encode_samples_per_s, protocol.decode_samples_per_s.
 */
import {
  COUNT_MAX,
  COUNT_MIN,
  KEY_INTERVAL_DEFAULT,
  createFrameEncoder,
  createStreamDecoder,
} from '../../protocol/index.ts';
import type { BenchModule, Figures } from './main.ts';

/** Deterministic PRNG (mulberry32): same seed, same signal on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

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
  const rnd = seededRandom(seed);
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
      const v = Math.round((offsets[c] as number) + total * share * (gains[c] as number) + 64 * gaussian(rnd));
      counts[i * 4 + c] = Math.min(COUNT_MAX, Math.max(COUNT_MIN, v));
    }
  }
  return { counts, summary: { meanCopSpeedMmS: 30, forceRmsPercent: 100 * Math.sqrt(f2 / samples) } };
}

/** Full-scale uniform noise: every count independent over the whole int24 range. */
export function noiseCounts(samples: number, seed: number): Int32Array {
  const rnd = seededRandom(seed);
  const out = new Int32Array(samples * 4);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 0x1000000) + COUNT_MIN;
  return out;
}

/** Encodes `counts` (sample-major) and returns every frame. */
export function encodeAll(counts: Int32Array, payloadBytes: number, samplesPerFrame: number, secondOrder = true): Uint8Array[] {
  const enc = createFrameEncoder(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT, secondOrder);
  const frames: Uint8Array[] = [];
  const n = counts.length / 4;
  for (let i = 0; i < n; i++) {
    let f = enc.add(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, 0, i * 12.5);
    while (f) {
      frames.push(f);
      f = enc.poll();
    }
  }
  let f = enc.flush();
  while (f) {
    frames.push(f);
    f = enc.poll();
  }
  return frames;
}

/** Samples per frame a device uses for a payload size (latency cap: 100 ms at 80 Hz). */
export function defaultSamplesPerFrame(payloadBytes: number): number {
  return Math.max(1, Math.min(8, Math.floor(((payloadBytes - 3) * 8) / 44)));
}

export function bytesPerSample(frames: Uint8Array[], samples: number): number {
  let total = 0;
  for (const f of frames) total += f.length;
  return total / samples;
}

function round(v: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(v * m) / m;
}

export const bench: BenchModule = {
  name: 'protocol',
  async run(log): Promise<Figures> {
    const rate = 80;
    const n = rate * 300; // five minutes
    const { counts, summary } = realisticCounts(n, rate, 2);
    log(`realistic signal: ${n} samples at ${rate} Hz, force fluctuation ${summary.forceRmsPercent.toFixed(1)} % RMS, CoP 30 mm/s`);
    const spf23 = defaultSamplesPerFrame(20);
    const spf53 = defaultSamplesPerFrame(50);
    const mtu23 = bytesPerSample(encodeAll(counts, 20, spf23), n);
    const mtu53 = bytesPerSample(encodeAll(counts, 50, spf53), n);
    const first23 = bytesPerSample(encodeAll(counts, 20, spf23, false), n);
    const noise = noiseCounts(n, 3);
    const worst = bytesPerSample(encodeAll(noise, 20, spf23), n);
    log(`MTU 23 (${spf23} samples/frame): ${mtu23.toFixed(3)} B/sample (first-order predictor: ${first23.toFixed(3)})`);
    log(`MTU 53 (${spf53} samples/frame): ${mtu53.toFixed(3)} B/sample; full-scale noise at MTU 23: ${worst.toFixed(3)} B/sample`);

    // Throughput: encode then decode the same 5 minutes several times; best of 5 runs.
    const frames = encodeAll(counts, 20, spf23);
    let bestEnc = Infinity;
    let bestDec = Infinity;
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      encodeAll(counts, 20, spf23);
      const t1 = performance.now();
      const dec = createStreamDecoder();
      let got = 0;
      for (const f of frames) {
        const b = dec.push(f);
        if (b) got += b.count;
      }
      const t2 = performance.now();
      if (got !== n) throw new Error(`protocol bench: decoder returned ${got} samples, expected ${n}`);
      bestEnc = Math.min(bestEnc, t1 - t0);
      bestDec = Math.min(bestDec, t2 - t1);
    }
    const encRate = n / (bestEnc / 1000);
    const decRate = n / (bestDec / 1000);
    log(`Node encode ${Math.round(encRate)} samples/s, decode ${Math.round(decRate)} samples/s (MTU 23 frames, best of 5)`);
    return {
      'protocol.bytes_per_sample.mtu23': round(mtu23, 3),
      'protocol.bytes_per_sample.mtu53': round(mtu53, 3),
      'protocol.bytes_per_sample.worst_mtu23': round(worst, 3),
      'protocol.encode_samples_per_s': Math.round(encRate),
      'protocol.decode_samples_per_s': Math.round(decRate),
    };
  },
};
