/**
 * Property tests (fast-check): encode -> decode is bit-exact for any int24 sample sequence, payload,
 * latency, key interval and predictor; under random loss, duplication and reordering the decoder
 * never returns a wrong sample, accounts for every missing one at the next KEY, and loses no more
 * than SPEC.md section 4.6 allows.
 */
import { drainFrames } from '../../host/sim/frames.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COUNT_MAX,
  COUNT_MIN,
  FLAG_OVERFLOW,
  FLAG_RESERVED,
  FLAG_STREAM_START,
  INDEX_MOD,
  createFrameEncoder,
  createStreamDecoder,
} from '../../protocol/index.ts';
import type { SampleBlock } from '../../protocol/index.ts';

interface Config {
  payload: number;
  perFrame: number;
  keyInterval: number;
  second: boolean;
  startIndex: number;
}

/** Sample sequences with structure: random walks with steps of random scale, jumps, noise, constants. */
const sampleSeq = (maxLen: number): fc.Arbitrary<number[][]> =>
  fc
    .record({
      start: fc.array(fc.integer({ min: COUNT_MIN, max: COUNT_MAX }), { minLength: 4, maxLength: 4 }),
      segments: fc.array(
        fc.record({
          len: fc.integer({ min: 1, max: 120 }),
          kind: fc.constantFrom('walk', 'noise', 'const', 'jump', 'limits'),
          scale: fc.integer({ min: 0, max: 23 }),
          seed: fc.integer(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    })
    .map(({ start, segments }) => {
      const out: number[][] = [];
      let cur = start.slice();
      for (const seg of segments) {
        let s = seg.seed >>> 0;
        const rnd = (): number => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 4294967296;
        };
        for (let i = 0; i < seg.len && out.length < maxLen; i++) {
          const step = 2 ** seg.scale;
          cur = cur.map((v) => {
            if (seg.kind === 'walk') return clamp(v + Math.round((rnd() - 0.5) * 2 * step));
            if (seg.kind === 'noise') return Math.floor(rnd() * 0x1000000) + COUNT_MIN;
            if (seg.kind === 'jump') return rnd() < 0.5 ? COUNT_MIN : COUNT_MAX;
            if (seg.kind === 'limits') return [COUNT_MIN, COUNT_MAX, 0, -1][Math.floor(rnd() * 4)]!;
            return v;
          });
          out.push(cur);
        }
      }
      return out;
    });

function clamp(v: number): number {
  return Math.min(COUNT_MAX, Math.max(COUNT_MIN, v));
}

const config: fc.Arbitrary<Config> = fc.record({
  payload: fc.oneof(fc.constant(20), fc.constant(50), fc.integer({ min: 20, max: 244 })),
  perFrame: fc.integer({ min: 1, max: 16 }),
  keyInterval: fc.integer({ min: 1, max: 128 }),
  second: fc.boolean(),
  startIndex: fc.oneof(fc.constant(0), fc.integer({ min: INDEX_MOD - 300, max: INDEX_MOD - 1 }), fc.integer({ min: 0, max: INDEX_MOD - 1 })),
});

/** Per-sample flags: mostly 0, sometimes cell/saturation bits (never the encoder-owned start/overflow bits). */
const flagsFor = (n: number, seed: number): number[] => {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    out.push(s % 7 === 0 ? (s >>> 8) & 0x1f : 0);
  }
  return out;
};

interface Encoded {
  frames: Uint8Array[];
  /** First sample number (0-based in the sequence) of each frame, and its sample count. */
  spans: Array<{ first: number; count: number; key: boolean }>;
}

function encode(samples: number[][], flags: number[], c: Config, times?: number[]): Encoded {
  const enc = createFrameEncoder(c.payload, c.perFrame, c.keyInterval, c.second);
  enc.start(c.startIndex);
  const frames: Uint8Array[] = [];
  const take = (f: Uint8Array | null): void => {
    while (f) {
      expect(f.length).toBeLessThanOrEqual(c.payload);
      frames.push(f);
      f = enc.poll();
    }
  };
  samples.forEach((s, i) => take(enc.add(s[0]!, s[1]!, s[2]!, s[3]!, flags[i]!, times ? times[i]! : i * 12.5)));
  take(enc.flush());
  expect(enc.pendingSamples()).toBe(0);
  // Recover each frame's span with a reference decode of the lossless stream.
  const dec = createStreamDecoder();
  const spans = frames.map((f) => {
    const b = dec.push(f);
    expect(b, dec.lastError?.message).not.toBeNull();
    return { first: b!.firstIndex - c.startIndex, count: b!.count, key: b!.key };
  });
  return { frames, spans };
}

describe('encode -> decode round trip', () => {
  it('is bit-exact for any samples, payload, latency, key interval and predictor', () => {
    fc.assert(
      fc.property(sampleSeq(400), config, fc.integer(), (samples, c, seed) => {
        const flags = flagsFor(samples.length, seed);
        const { frames } = encode(samples, flags, c);
        const dec = createStreamDecoder();
        const counts: number[] = [];
        const gotFlags: number[] = [];
        let next = c.startIndex;
        frames.forEach((f, i) => {
          const b = dec.push(f) as SampleBlock;
          expect(b.firstIndex).toBe(next);
          expect(b.gapBefore).toBe(0);
          expect(b.streamStart).toBe(i === 0);
          next += b.count;
          counts.push(...b.counts);
          gotFlags.push(...b.flags);
        });
        expect(counts).toEqual(samples.flat());
        expect(gotFlags).toEqual(flags.map((f, i) => (i === 0 ? f | FLAG_STREAM_START : f)));
        expect(dec.stats.rejected).toBe(0);
        expect(dec.stats.samples).toBe(samples.length);
      }),
      { numRuns: 100 },
    );
  });

  it('sends a KEY at least every keyInterval samples', () => {
    fc.assert(
      fc.property(sampleSeq(300), config, (samples, c) => {
        const { spans } = encode(samples, samples.map(() => 0), c);
        let lastKey = -1;
        for (const s of spans) {
          if (s.key) lastKey = s.first;
          expect(s.first + s.count - 1 - lastKey).toBeLessThan(c.keyInterval);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('unwraps device time at KEY frames across the 2^24 ms wrap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 26 }), fc.integer({ min: 2, max: 400 }), fc.integer({ min: 1, max: 40 }), (t0, n, ki) => {
        const samples = Array.from({ length: n }, (_, i) => [i, -i, 2 * i, 7]);
        const times = samples.map((_, i) => t0 + i * 12.5);
        const c: Config = { payload: 20, perFrame: 3, keyInterval: ki, second: true, startIndex: 0 };
        const { frames } = encode(samples, samples.map(() => 0), c, times);
        const dec = createStreamDecoder();
        const rawT0 = Math.floor(t0) % 2 ** 24;
        for (const f of frames) {
          const b = dec.push(f)!;
          if (b.key) expect(b.deviceTimeMs).toBe(rawT0 + (Math.floor(times[b.firstIndex]!) - Math.floor(t0)));
          else expect(b.deviceTimeMs).toBeNull();
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('loss, duplication and reordering', () => {
  it('never returns a wrong sample, reports every gap at the next KEY, and loses at most up to the next KEY', () => {
    fc.assert(
      fc.property(sampleSeq(480), config, fc.array(fc.nat(99), { maxLength: 600 }), fc.nat(99), (samples, cfg, dice, lossPct) => {
        const c = { ...cfg, startIndex: 0 };
        const { frames, spans } = encode(samples, samples.map(() => 0), c);
        const lost = frames.map((_, i) => i > 0 && (dice[i] ?? 100) < lossPct);
        const dec = createStreamDecoder();
        const got = new Map<number, number[]>();
        let reported = 0;
        frames.forEach((f, i) => {
          if (lost[i]) return;
          const b = dec.push(f);
          if (!b) return;
          reported += b.gapBefore;
          for (let k = 0; k < b.count; k++) {
            const idx = b.firstIndex + k;
            expect(got.has(idx)).toBe(false);
            expect(Array.from(b.counts.subarray(4 * k, 4 * k + 4))).toEqual(samples[idx]);
            got.set(idx, samples[idx]!);
          }
          if (b.key) {
            // Every sample before this KEY that was not received is accounted for exactly once.
            let missing = 0;
            for (let idx = 0; idx < b.firstIndex; idx++) if (!got.has(idx)) missing++;
            expect(reported).toBe(missing);
          }
        });
        // Loss bound: a sample is missing only if its frame was lost or a frame before it since the
        // last KEY (inclusive) was lost.
        let chainBroken = false;
        spans.forEach((s, i) => {
          if (s.key) chainBroken = false;
          if (lost[i]) chainBroken = true;
          const receivedAll = !chainBroken;
          for (let k = 0; k < s.count; k++) expect(got.has(s.first + k)).toBe(receivedAll);
        });
        expect(dec.stats.frames).toBe(frames.length - lost.filter(Boolean).length);
      }),
      { numRuns: 100 },
    );
  });

  it('drops duplicated and reordered frames without emitting a wrong or repeated sample', () => {
    fc.assert(
      fc.property(sampleSeq(480), config, fc.array(fc.tuple(fc.nat(), fc.constantFrom('dup', 'swap', 'drop')), { maxLength: 12 }), (samples, cfg, ops) => {
        const c = { ...cfg, startIndex: 0 };
        const { frames } = encode(samples, samples.map(() => 0), c);
        const seq = frames.slice();
        for (const [at, op] of ops) {
          const i = at % seq.length;
          if (op === 'dup') seq.splice(i, 0, seq[i]!);
          else if (op === 'swap' && i + 1 < seq.length) [seq[i], seq[i + 1]] = [seq[i + 1]!, seq[i]!];
          else if (op === 'drop' && i > 0) seq.splice(i, 1);
        }
        const dec = createStreamDecoder();
        const seen = new Set<number>();
        for (const f of seq) {
          const b = dec.push(f);
          if (!b) {
            expect(dec.lastError).not.toBeNull();
            continue;
          }
          for (let k = 0; k < b.count; k++) {
            const idx = b.firstIndex + k;
            if (b.streamStart && idx === 0) seen.clear(); // a duplicated first KEY restarts the stream
            expect(seen.has(idx)).toBe(false);
            seen.add(idx);
            expect(Array.from(b.counts.subarray(4 * k, 4 * k + 4))).toEqual(samples[idx]);
          }
        }
        expect(dec.stats.frames).toBe(seq.length);
        expect(dec.stats.keyFrames + dec.stats.deltaFrames + dec.stats.rejected).toBe(seq.length);
      }),
      { numRuns: 100 },
    );
  });

  it('reports samples dropped on the device (skip) as an exact gap with FLAG_OVERFLOW', () => {
    fc.assert(
      fc.property(sampleSeq(300), config, fc.array(fc.tuple(fc.integer({ min: 1, max: 299 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 5 }), (samples, cfg, skips) => {
        const c = { ...cfg, startIndex: 0 };
        const enc = createFrameEncoder(c.payload, c.perFrame, c.keyInterval, c.second);
        enc.start();
        const frames: Uint8Array[] = [];
        const expectedIndex: number[] = [];
        let idx = 0;
        const take = (f: Uint8Array | null): void => {
          while (f) {
            frames.push(f);
            f = enc.poll();
          }
        };
        const skipAt = new Map<number, number>();
        for (const [at, n] of skips) skipAt.set(at, (skipAt.get(at) ?? 0) + n);
        samples.forEach((s, i) => {
          const n = skipAt.get(i);
          if (n) {
            enc.skip(n);
            take(enc.poll());
            idx += n;
          }
          expectedIndex.push(idx++);
          take(enc.add(s[0]!, s[1]!, s[2]!, s[3]!, 0, i));
        });
        take(enc.flush());
        const dec = createStreamDecoder();
        const got: number[] = [];
        let gaps = 0;
        for (const f of frames) {
          const b = dec.push(f)!;
          expect(b, dec.lastError?.message).not.toBeNull();
          if (b.gapBefore > 0) expect(b.flags[0]! & FLAG_OVERFLOW).toBe(FLAG_OVERFLOW);
          gaps += b.gapBefore;
          for (let k = 0; k < b.count; k++) got.push(b.firstIndex + k);
        }
        expect(got).toEqual(expectedIndex);
        const skippedBeforeLast = [...skipAt.entries()].filter(([at]) => at < samples.length).reduce((a, [, n]) => a + n, 0);
        expect(gaps).toBe(skippedBeforeLast);
        expect(dec.stats.lostSamples).toBe(skippedBeforeLast);
      }),
      { numRuns: 100 },
    );
  });

  it('ignores the reserved flag bit and passes every flag byte through', () => {
    const enc = createFrameEncoder(20, 3, 80, true);
    enc.start();
    const frames = drainFrames(enc, (add) => {
      for (let i = 0; i < 10; i++) add(i, i, i, i, i === 4 ? FLAG_RESERVED | 0x0f : 0, i);
    });
    const dec = createStreamDecoder();
    const flags = frames.flatMap((fr) => Array.from(dec.push(fr)!.flags));
    expect(flags[4]).toBe(FLAG_RESERVED | 0x0f);
  });
});
