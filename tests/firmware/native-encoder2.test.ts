/**
 * The native encoder's protocol 1.2 frames (KEY2/DELTA2, protocol/SPEC.md 4.8; STREAM_FORMAT 2)
 * run as the exact Thumb machine code in the emulator's ARMv6-M interpreter, against the
 * reference: createStreamer (firmware/src/stream.ts) over the protocol's createFrameEncoder2. Every
 * frame byte-identical (sequence numbers, stream parity, per-frame predictor order, flag bytes) and
 * every onOverflow call identical, on the golden vectors, random streams that switch formats, lost
 * samples and restarts, and a realistic signal; and what only the native block does (the sequence
 * number and the parity carry on across every stream of the boot, also when the key interval
 * changes), checked with the host's decoder. Cycle counts per sample set are printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNativeStreamer } from '../../firmware/src/native-stream.ts';
import { createRing, ringPush } from '../../firmware/src/ring.ts';
import { streamerMethods } from '../../firmware/src/stream.ts';
import { FLAG_RESERVED, FLAG_STREAM_START, MSG_DELTA2, MSG_KEY2 } from '../../protocol/constants.ts';
import { createStreamDecoder } from '../../protocol/frame-decoder.ts';
import { checkSame, loadNative, makePair, opArb, payloadArb, pull, push, runOps, sampler, spfArb, type Op } from './native-pair.ts';
import { describeCost, describeGoldenVectors, itSkipEqualsEncoder, itSlotQueue, realistic } from './native-shared-tests.ts';

describeGoldenVectors(2, 5);

describe('native encoder, format 2, vs createStreamer over createFrameEncoder2 (random streams)', () => {
  it('identical frames and overflow calls for random operations, formats switched between streams (one key interval per run: see referenceStreamer)', () => {
    let frames2 = 0;
    const orders = new Set<number>();
    let frames1 = 0;
    let overflows = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer(),
        fc.integer({ min: 1, max: 128 }),
        fc.record({ k: fc.constant('begin' as const), payload: payloadArb, spf: spfArb, keyInt: fc.constant(0), first: fc.integer({ min: 0, max: 0xffffff }) }),
        fc.array(fc.tuple(opArb, fc.constantFrom(1, 2, 2)), { minLength: 1, maxLength: 100 }),
        (capacity, seed, keyInt, begin, ops) => {
          // Every begin after the first one picks its format (1 or 2) just before, as main.ts does.
          const fixed: Op[] = [{ ...begin, keyInt }];
          for (const [op, f] of ops) {
            if (op.k === 'begin') fixed.push({ k: 'format', f }, { ...op, keyInt });
            else fixed.push(op);
          }
          const p = runOps(capacity, seed, fixed, 2);
          for (const l of p.natLog) {
            if (!l.startsWith('F ')) continue;
            const kind = parseInt(l.slice(2, 4), 16);
            if (kind === MSG_KEY2 || kind === MSG_DELTA2) {
              frames2++;
              const at = kind === MSG_DELTA2 ? 2 : l.length > 2 + 40 ? 20 : -1;
              if (at >= 0) orders.add((parseInt(l.slice(2 + 2 * at, 4 + 2 * at), 16) >> 5) & 3);
            } else frames1++;
          }
          overflows += p.natLog.filter((l) => l.startsWith('O ')).length;
        },
      ),
      // A fixed seed: the coverage counts below depend on the operations drawn, and with a new seed
      // per run the 1.1 frames ranged from 86 to 550 (seeds 20261207, 7, 1, 42), under the threshold now and then.
      { numRuns: 300, seed: 42 },
    );
    console.log(`format 2 random streams: ${frames2} 1.2 frames, ${frames1} 1.1 frames, ${overflows} overflows, orders ${[...orders].sort().join(',')}`);
    expect(frames2).toBeGreaterThan(2000);
    // Every predictor order was chosen somewhere (noise: first, sine: second or third).
    expect([...orders].sort()).toEqual([0, 1, 2]);
    expect(frames1).toBeGreaterThan(100);
    expect(overflows).toBeGreaterThan(50);
  }, 120_000);

  itSlotQueue(2);

  // 2^23 and more dropped samples: the next KEY2 starts a new stream (SPEC 4.8), fewer: an overflow.
  itSkipEqualsEncoder(2, fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0x7fff00, max: 0x800100 }), fc.integer({ min: 0x800000, max: 0x7fffffff })));
});

describe('native encoder, format 2, on the realistic signal', () => {
  it('byte-identical frames through restarts, a payload change and ring overflows; the host decodes every sample with no error', () => {
    const p = makePair(64, 2);
    const sig = realistic();
    const truth: number[][] = [];
    let i = 0;
    const feed = (n: number, pullEach: boolean): void => {
      for (let k = 0; k < n; k++, i++) {
        const c = sig(i);
        truth.push(c);
        push(p, c, 0, Math.floor(i * 12.5));
        if (pullEach) pull(p);
      }
    };
    p.ref.begin(20, 3, 80, 0);
    p.nat.begin(20, 3, 80, 0);
    feed(900, true);
    p.ref.configure(50, 8);
    p.nat.configure(50, 8);
    feed(900, true);
    feed(200, false); // the link stalls: the ring (64) overflows
    while (pull(p));
    p.ref.begin(50, 8, 80, 5000);
    p.nat.begin(50, 8, 80, 5000);
    feed(900, true);
    p.ref.end();
    p.nat.end();
    while (pull(p));
    checkSame(p, 'realistic');
    const frames = p.natLog.filter((l) => l.startsWith('F ')).map((l) => new Uint8Array(Buffer.from(l.slice(2), 'hex')));
    expect(frames.length).toBeGreaterThan(500);
    const orders = new Set<number>();
    const d = createStreamDecoder();
    d.expectStreamStart();
    let samples = 0;
    let wrong = 0;
    let starts = 0;
    let base = 0;
    for (const f of frames) {
      const mode = f[0] === MSG_DELTA2 ? f[2] : f.length > 20 ? f[20] : undefined;
      if (mode !== undefined) orders.add((mode >> 5) & 3);
      if (f[0] === MSG_KEY2 && (f[7]! & FLAG_STREAM_START) !== 0) d.expectStreamStart();
      const b = d.push(f);
      if (b === null) continue;
      if (b.streamStart) {
        starts++;
        base = b.firstIndex;
      }
      samples += b.count;
      // Stream 1 took samples 0..1999 at indices 0.., stream 2 the rest from index 5000.
      const at = starts === 1 ? b.firstIndex : 2000 + b.firstIndex - base;
      for (let k = 0; k < b.count; k++) for (let c = 0; c < 4; c++) if (b.counts[4 * k + c] !== truth[at + k]![c]) wrong++;
    }
    expect(d.stats.rejected, JSON.stringify(d.stats.errors)).toBe(0);
    expect(wrong).toBe(0);
    expect(starts).toBe(2);
    expect(samples).toBeGreaterThan(2500);
    expect(d.stats.lostSamples).toBe(p.natLog.filter((l) => l.startsWith('O ')).reduce((a, l) => a + Number(l.split(' ')[1]), 0));
    // The signal is noise-dominated: first order wins (the other orders: v12-predictor-orders and the random streams).
    expect(orders.has(0)).toBe(true);
  });
});

describe('what the native block adds: one sequence and parity for the whole boot', () => {
  it('the sequence number goes on +1 per frame across streams, a key interval change and 1.1 streams between; the parity toggles per 1.2 stream', () => {
    const native = loadNative();
    const ring = createRing(64);
    const ns = streamerMethods(createNativeStreamer(ring, native.nat, native.addressOf, () => undefined)!);
    const next = sampler(3);
    const seqs: number[] = [];
    const parities: number[] = [];
    const runStream = (format: number, keyInt: number): void => {
      expect(ns.format(format)).toBe(format);
      ns.begin(20, 3, keyInt, 0);
      for (let k = 0; k < 30; k++) {
        const s = next(0, 0, 0, 12);
        ringPush(ring, s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
        for (let f = ns.nextFrame(); f !== null; f = ns.nextFrame()) {
          if (format === 1) {
            expect(f[0] === 0x10 || f[0] === 0x11).toBe(true);
            continue;
          }
          seqs.push(f[1]!);
          if (f[0] === MSG_KEY2 && (f[7]! & FLAG_STREAM_START) !== 0) parities.push(f[7]! & FLAG_RESERVED);
        }
      }
      ns.end();
      for (let f = ns.nextFrame(); f !== null; f = ns.nextFrame()) if (format === 2) seqs.push(f[1]!);
    };
    runStream(2, 80);
    runStream(2, 40);
    runStream(1, 80);
    runStream(2, 80);
    runStream(2, 7);
    expect(seqs.length).toBeGreaterThan(40);
    seqs.forEach((q, k) => expect(q, `frame ${k}`).toBe(k & 0xff));
    expect(parities).toEqual([0, FLAG_RESERVED, 0, FLAG_RESERVED]);
  });
});

describeCost(2);
