/**
 * Tests the native encoder passes in both frame formats (1: KEY/DELTA against createFrameEncoder,
 * 2: KEY2/DELTA2 against createFrameEncoder2), declared by native-encoder.test.ts and
 * native-encoder2.test.ts with their format: the golden vectors, the slot queue's worst step,
 * skip(n) against the encoder's skip, and the cycles per sample set on the realistic signal (whose
 * frames must also be the encoder's, byte for byte).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNativeStreamer } from '../../firmware/src/native-stream.ts';
import { createRing, ringPush, ringSize } from '../../firmware/src/ring.ts';
import { streamerMethods } from '../../firmware/src/stream.ts';
import type { FrameEncoder } from '../../protocol/frame-encoder-api.ts';
import { createStreamDecoder } from '../../protocol/frame-decoder.ts';
import { createFrameEncoder } from '../../protocol/frame-encoder.ts';
import { createFrameEncoder2 } from '../../protocol/frame-encoder2.ts';
import vectors from '../../protocol/vectors/sample-frames.json' with { type: 'json' };
import { checkSame, hex, loadNative, makePair, pull, push, sampler, streamFrames } from './native-pair.ts';

interface EncoderVector {
  payloadBytes: number;
  samplesPerFrame: number;
  keyInterval: number;
  secondOrder: boolean;
  startIndex: number;
  format?: number;
  samples: number[][];
  skips?: number[][];
}

/** The JS encoder the native one must equal in `format`. */
export function referenceEncoder(format: number, payload: number, spf: number, keyInt: number): FrameEncoder {
  return format === 2 ? createFrameEncoder2(payload, spf, keyInt) : createFrameEncoder(payload, spf, keyInt, true);
}

/** The golden vectors of `format` (format 1: the second-order ones, what the firmware sends). */
/** Every sample the frames (hex) decode to, with its index and flags, in order. */
function decodeAll(frames: readonly string[]): string[] {
  const d = createStreamDecoder();
  const out: string[] = [];
  for (const f of frames) {
    const b = d.push(new Uint8Array(Buffer.from(f, 'hex')));
    if (b === null) throw new Error(`frame ${f} did not decode: ${d.lastError?.code}`);
    for (let i = 0; i < b.count; i++) out.push(`${b.firstIndex + i} ${Array.from(b.counts.subarray(4 * i, 4 * i + 4)).join(',')} ${b.flags[i]}`);
  }
  return out;
}

export function describeGoldenVectors(format: number, atLeast: number): void {
  describe(`native encoder, format ${format}, vs the protocol golden vectors`, () => {
    const mine = vectors.vectors.filter((v) => {
      const e = (v as { encoder?: EncoderVector }).encoder;
      return e !== undefined && (format === 2 ? e.format === 2 : e.secondOrder && e.format !== 2);
    });
    it(`covers every format-${format} encoder vector`, () => {
      expect(mine.length).toBeGreaterThanOrEqual(atLeast);
    });
    for (const v of mine) {
      const e = (v as unknown as { encoder: EncoderVector }).encoder;
      if (e.skips === undefined) {
        it(`${v.name}: the golden frames' samples, in the streamer's steps (each step flushed)`, () => {
          const p = makePair(64, format);
          const frames = streamFrames(p, e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.startIndex, e.samples);
          // The streamer flushes every step (stream.ts fill, encode.c enc_take), so its frames are the
          // golden ones cut at step ends: the same samples in the same order, and the golden frames
          // exactly where no frame of the vector spans two steps.
          expect(decodeAll(frames)).toEqual(decodeAll(v.frames));
          const golden = new Set(v.frames);
          expect(frames.filter((f) => golden.has(f)).length).toBeGreaterThan(0);
        });
      } else {
        it(`${v.name}: the device loses the skipped samples in the ring; same frames and overflow calls as the JS streamer`, () => {
          const p = makePair(3, format);
          p.ref.begin(e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.startIndex);
          p.nat.begin(e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.startIndex);
          e.samples.forEach((s, i) => {
            for (const [at, n] of e.skips!) {
              if (at === i) for (let k = 0; k < n!; k++) push(p, [k, -k, 2 * k, 0], 0, 1);
            }
            push(p, s.slice(0, 4), s[4]!, Math.floor(s[5]!));
            pull(p);
          });
          p.ref.end();
          p.nat.end();
          while (pull(p));
          checkSame(p, v.name);
          expect(p.natLog.some((l) => l.startsWith('O '))).toBe(true);
        });
      }
    }
  });
}

/** The slot queue holds the most frames one NAT_FRAME step makes: a KEY per sample (every step ends flushed, so none starts with an open frame). */
export function itSlotQueue(format: number): void {
  it(`the slot queue holds the most frames one step makes: a KEY per sample, no open frame before it (format ${format})`, () => {
    for (const payload of [20, 21]) {
      const p = makePair(64, format);
      p.ref.begin(payload, 16, 128, 0);
      p.nat.begin(payload, 16, 128, 0);
      const next = sampler(payload);
      for (let i = 0; i < 16; i++) {
        const s = next(i === 15 ? 4 : 0, 0, 0, 12);
        push(p, s.c, s.f, s.t);
      }
      while (pull(p));
      const before = p.natLog.filter((l) => l.startsWith('F ')).length;
      for (let i = 0; i < 16; i++) {
        const s = next(0, 1, 0x20, 12);
        push(p, s.c, s.f, s.t);
      }
      while (pull(p));
      checkSame(p, `payload ${payload}`);
      expect(p.natLog.filter((l) => l.startsWith('F ')).length - before, `payload ${payload}: frames of the second step`).toBe(16);
    }
  });
}

/** skip(n) (STREAM_SKIP) equals the encoder's skip(n) between whole frames; `dropped` the skip lengths tried. */
export function itSkipEqualsEncoder(format: number, dropped: fc.Arbitrary<number>): void {
  it(`skip(n) equals the encoder's skip(n) between whole frames of samples, the encoder flushed after every step as stream.ts does (format ${format})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 50 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 128 }), dropped, fc.integer({ min: 1, max: 6 }), fc.integer(), (payload, spf, keyInt, n, chunks, seed) => {
        const native = loadNative();
        const ring = createRing(256);
        const ns = streamerMethods(createNativeStreamer(ring, native.nat, native.addressOf, () => undefined)!);
        const enc = referenceEncoder(format, payload, spf, keyInt);
        enc.start(7);
        expect(ns.format(format)).toBe(format);
        ns.begin(payload, spf, keyInt, 7);
        const next = sampler(seed);
        const got: string[] = [];
        const want: string[] = [];
        for (let part = 0; part < 2; part++) {
          for (let j = 0; j < chunks * spf; j++) {
            const s = next(0, 0.05, 0x10, 12);
            ringPush(ring, s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
            enc.push(s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
            if ((j + 1) % spf === 0) for (let f = enc.flush(); f !== null; f = enc.poll()) want.push(hex(f));
          }
          for (let f = ns.nextFrame(); f !== null; f = ns.nextFrame()) got.push(hex(f));
          expect(ringSize(ring)).toBe(0);
          if (part === 0) {
            ns.skip(n);
            enc.skip(n);
          }
        }
        ns.end();
        for (let f = ns.nextFrame(); f !== null; f = ns.nextFrame()) got.push(hex(f));
        for (let f = enc.flush(); f !== null; f = enc.poll()) want.push(hex(f));
        expect(got).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
}

/** The realistic signal of the cost figures: noise of 64 counts RMS plus a slow drift per cell. */
export function realistic(): (i: number) => number[] {
  let s = 12345;
  const gauss = (): number => {
    let a = 0;
    for (let i = 0; i < 12; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      a += s / 4294967296;
    }
    return (a - 6) * 64;
  };
  const offsets = [41000, -23000, 87000, 12000];
  return (i) => offsets.map((o, cell) => Math.round(o + 5000 * Math.sin(i / 400 + cell) + gauss()));
}

/**
 * Cycles of the native calls per sample set on the realistic signal, one nextFrame per sample as the
 * firmware's senders ask (printed for firmware/README.md "Cost"); the frames must be the encoder's.
 */
export function describeCost(format: number): void {
  describe(`native encoder cost, format ${format}`, () => {
    for (const [mtu, payload, spf] of [[23, 20, 3], [53, 50, 8]] as const) {
      it(`MTU ${mtu}: cycles per sample set on noise of 64 counts + slow drift; the frames are the encoder's`, () => {
        const native = loadNative();
        const ring = createRing(128);
        const ns = streamerMethods(createNativeStreamer(ring, native.nat, native.addressOf, () => undefined)!);
        const enc = referenceEncoder(format, payload, spf, 80);
        enc.start(0);
        ns.format(format);
        ns.begin(payload, spf, 80, 0);
        const sig = realistic();
        const got: string[] = [];
        const want: string[] = [];
        const n = 4000;
        const sets = Array.from({ length: n }, (_, i) => sig(i));
        const calls0 = native.machine.stats.calls;
        const c0 = native.cycles();
        for (let i = 0; i < n; i++) {
          const c = sets[i]!;
          ringPush(ring, c[0]!, c[1]!, c[2]!, c[3]!, 0, Math.floor(i * 12.5));
          const f = ns.nextFrame();
          if (f !== null) got.push(hex(f));
        }
        const cycles = (native.cycles() - c0) / n;
        const calls = native.machine.stats.calls - calls0;
        // The reference in the streamer's steps: spf samples, then flush (stream.ts fill).
        for (let i = 0; i < n; i++) {
          const c = sets[i]!;
          enc.push(c[0]!, c[1]!, c[2]!, c[3]!, 0, Math.floor(i * 12.5));
          if ((i + 1) % spf === 0) for (let g = enc.flush(); g !== null; g = enc.poll()) want.push(hex(g));
        }
        const bytes = got.reduce((a, h) => a + h.length / 2, 0);
        console.log(`native encoder format ${format}, MTU ${mtu} (payload ${payload}, ${spf} samples/frame): ${cycles.toFixed(0)} cycles per sample set (${(cycles / 64).toFixed(1)} us at 64 MHz), ${got.length} frames for ${n} sets, ${calls} native calls, ${(bytes / n).toFixed(2)} bytes per set`);
        expect(got.length).toBeGreaterThan(n / spf - 50);
        expect(got).toEqual(want.slice(0, got.length));
        expect(want.length - got.length).toBeLessThanOrEqual(1);
        expect(cycles).toBeGreaterThan(0);
      });
    }
  });
}
