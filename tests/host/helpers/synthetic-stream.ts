/**
 * Test helper: a realistic stream of sample frames made with the protocol's own encoder (the same
 * code the firmware runs), with the truth kept for exact comparisons.
 */
import { createFrameEncoder } from '../../../protocol/frame-encoder.ts';
import { createFrameEncoder2 } from '../../../protocol/frame-encoder2.ts';
import { createStreamDecoder } from '../../../protocol/frame-decoder.ts';
import { mulberry32 } from '../../../host/sim/random.ts';

export interface SyntheticFrame {
  bytes: Uint8Array;
  /** Index of the first sample in this frame and how many it carries. */
  firstIndex: number;
  count: number;
}

export interface SyntheticStream {
  frames: SyntheticFrame[];
  /** counts[i*4 + c]: the raw count of cell c of sample i. */
  counts: Int32Array;
  flags: Uint8Array;
  /** True device time of sample i, s since sample 0 (before ms rounding / jitter). */
  trueTimeS: Float64Array;
}

/** A small seeded PRNG (mulberry32, host/sim/random.ts). */
export const rng = mulberry32;

export interface SyntheticOptions {
  samples: number;
  /** Actual sample rate, Hz (HX711 oscillator, e.g. 80 * 1.03). */
  rateHz?: number;
  /** Uniform jitter on the device time stamp, +- ms. */
  jitterMs?: number;
  /** Slow drift of the rate: fractional change per hour. */
  driftPerHour?: number;
  payload?: number;
  samplesPerFrame?: number;
  seed?: number;
  /** Device time of sample 0, ms (to exercise wrap-around, e.g. 2^24 - 5000). */
  startTimeMs?: number;
  /** Protocol 1.2 frames (KEY2/DELTA2, createFrameEncoder2) instead of 1.1. */
  v12?: boolean;
}

/** Person-like load (~700 N shared over 4 cells, with sway) in counts, plus HX711 noise. */
export function makeStream(o: SyntheticOptions): SyntheticStream {
  const rate = o.rateHz ?? 80;
  const r = rng(o.seed ?? 7);
  const enc = o.v12 ? createFrameEncoder2(o.payload ?? 20, o.samplesPerFrame ?? 8, 80) : createFrameEncoder(o.payload ?? 20, o.samplesPerFrame ?? 8, 80, true);
  const counts = new Int32Array(o.samples * 4);
  const flags = new Uint8Array(o.samples);
  const trueTimeS = new Float64Array(o.samples);
  const frames: SyntheticFrame[] = [];
  const take = (f: Uint8Array | null): void => {
    while (f) {
      frames.push({ bytes: f, firstIndex: -1, count: 0 });
      f = enc.poll();
    }
  };
  let t = 0;
  const offsets = [41230, -23001, 15000, 70321];
  for (let i = 0; i < o.samples; i++) {
    trueTimeS[i] = t;
    const sway = Math.sin(t * 0.9) * 0.1;
    for (let c = 0; c < 4; c++) {
      const share = 0.25 + (c < 2 ? sway : -sway) * 0.5;
      const v = Math.round(offsets[c]! + 700 * share * 4379.6 + (r() - 0.5) * 220);
      counts[i * 4 + c] = v;
    }
    const jitter = ((r() * 2 - 1) * (o.jitterMs ?? 0));
    const timeMs = Math.max(0, (o.startTimeMs ?? 0) + t * 1000 + jitter);
    flags[i] = i === 0 ? 0x40 : 0;
    take(enc.add(counts[i * 4]!, counts[i * 4 + 1]!, counts[i * 4 + 2]!, counts[i * 4 + 3]!, 0, timeMs));
    const ratenow = rate * (1 + (o.driftPerHour ?? 0) * (t / 3600));
    t += 1 / ratenow;
  }
  take(enc.flush());
  // Sample ranges of each frame, from a reference decode of the intact stream.
  const dec = createStreamDecoder();
  for (const f of frames) {
    const b = dec.push(f.bytes);
    if (!b) throw new Error(`reference decode failed: ${dec.lastError?.message}`);
    f.firstIndex = b.firstIndex;
    f.count = b.count;
  }
  return { frames, counts, flags, trueTimeS };
}
