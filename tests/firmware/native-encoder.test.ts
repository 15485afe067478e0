/**
 * The native encoder (firmware/native/encode.c, built into firmware/src/native-code.ts) run as the
 * exact Thumb machine code in the emulator's ARMv6-M interpreter (NativeMachine), driven by
 * firmware/src/native-stream.ts, against the reference: createStreamer (firmware/src/stream.ts) over
 * the protocol's createFrameEncoder. Both sides get the same operations on two rings of the same
 * capacity; every frame must be byte-identical and every onOverflow call identical (same order
 * relative to the frames). Cycle counts per sample set are printed for the lead's cost table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../firmware/build.ts';
import { createNativeStreamer } from '../../firmware/src/native-stream.ts';
import { createRing, ringPush, ringSize } from '../../firmware/src/ring.ts';
import { createStreamer, streamerMethods, type StreamerMethods } from '../../firmware/src/stream.ts';
import { createFrameEncoder } from '../../protocol/frame-encoder.ts';
import vectors from '../../protocol/vectors/sample-frames.json' with { type: 'json' };
import { checkEspruinoSource } from './espruino-check.ts';
import { checkSame, hex, loadNative, makePair, opArb, payloadArb, pull, push, runOps, sampler, spfArb } from './native-pair.ts';
import { describeCost, describeGoldenVectors, itSkipEqualsEncoder, itSlotQueue } from './native-shared-tests.ts';

describeGoldenVectors(1, 7);

describe('native encoder vs createStreamer over createFrameEncoder (random streams)', () => {
  it('identical frames and overflow calls for random operations (payload 20..50 and up to 244, 1..16 samples per frame and up to 47, every flag, overflows of every size)', () => {
    let frames = 0;
    let overflows = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer(),
        fc.record({ k: fc.constant('begin' as const), payload: payloadArb, spf: spfArb, keyInt: fc.integer({ min: 1, max: 128 }), first: fc.integer({ min: 0, max: 0xffffff }) }),
        fc.array(opArb, { minLength: 1, maxLength: 100 }),
        (capacity, seed, begin, ops) => {
          const p = runOps(capacity, seed, [begin, ...ops]);
          frames += p.natLog.filter((l) => l.startsWith('F ')).length;
          overflows += p.natLog.filter((l) => l.startsWith('O ')).length;
        },
      ),
      { numRuns: 400 },
    );
    // The property must have exercised what it claims.
    expect(frames).toBeGreaterThan(5000);
    expect(overflows).toBeGreaterThan(50);
  }, 120_000);

  it('onOverflow that reconfigures, forces a KEY, ends the stream or throws: same frames and state on both sides', () => {
    const native = loadNative();
    const rings = [createRing(8), createRing(8)];
    const logs: string[][] = [[], []];
    const streamers: Array<StreamerMethods | null> = [null, null];
    const onOverflow = (side: number) => (d: number, f: number): void => {
      const s = streamers[side]!;
      logs[side]!.push(`O ${d} ${f} next ${s.nextIndex()}`);
      if (d === 5) s.configure(26, 2);
      else if (d === 6) s.forceKey();
      else if (d === 7) s.end();
      else if (d === 2) throw new Error('sink failed');
    };
    streamers[0] = streamerMethods(createStreamer(rings[0]!, onOverflow(0)));
    streamers[1] = streamerMethods(createNativeStreamer(rings[1]!, native.nat, native.addressOf, onOverflow(1))!);
    const next = sampler(99);
    for (let side = 0; side < 2; side++) streamers[side]!.begin(30, 4, 40, 100);
    for (const lose of [5, 2, 6, 1, 7, 3]) {
      const burst = 8 + lose - ringSize(rings[0]!);
      for (let j = 0; j < burst; j++) {
        const s = next(0, 0.1, 0x02, 12);
        for (let side = 0; side < 2; side++) ringPush(rings[side]!, s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
      }
      for (let j = 0; j < 6; j++) {
        for (let side = 0; side < 2; side++) {
          try {
            const f = streamers[side]!.nextFrame();
            logs[side]!.push(f === null ? '-' : hex(f));
          } catch (e) {
            logs[side]!.push(`threw ${(e as Error).message}`);
          }
        }
      }
    }
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[0]!.filter((l) => l.startsWith('O ')).map((l) => l.split(' ')[1])).toEqual(['5', '2', '6', '1', '7']);
    expect(logs[0]).toContain('threw sink failed');
  });

  it('a throwing onOverflow leaves the interrupted step untaken, as in stream.ts', () => {
    const p = makePair(8);
    let fail = true;
    const throwing = (side: string[]) => (d: number, f: number): void => {
      side.push(`O ${d} ${f}`);
      if (fail) throw new Error('sink failed');
    };
    p.ref = streamerMethods(createStreamer(p.refRing, throwing(p.refLog)));
    p.nat = streamerMethods(createNativeStreamer(p.natRing, p.native.nat, p.native.addressOf, throwing(p.natLog))!);
    p.ref.begin(20, 3, 80, 0);
    p.nat.begin(20, 3, 80, 0);
    const next = sampler(5);
    const feed = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const s = next(0, 0, 0, 12);
        push(p, s.c, s.f, s.t);
      }
    };
    feed(3);
    while (pull(p)); // the step's frames (a 1-sample KEY at payload 20, then the flushed rest)
    feed(10);
    expect(() => p.ref.nextFrame()).toThrow('sink failed');
    expect(() => p.nat.nextFrame()).toThrow('sink failed');
    fail = false;
    pull(p);
    p.ref.configure(50, 8);
    p.nat.configure(50, 8);
    for (let i = 0; i < 40; i++) {
      feed(1);
      pull(p);
    }
    checkSame(p, 'after the throw');
    expect(p.natLog.filter((l) => l.startsWith('F ')).length).toBeGreaterThanOrEqual(5);
  });

  itSlotQueue(1);

  itSkipEqualsEncoder(1, fc.integer({ min: 1, max: 5000 }));
});

describe('createNativeStreamer', () => {
  it('builds alone with the firmware build and passes the Espruino check', () => {
    const text = buildFirmware(join(import.meta.dirname, '..', '..', 'firmware', 'src', 'native-stream.ts'), join(tmpdir(), `tripod-native-stream-${process.pid}.js`));
    expect(text).toContain('function createNativeStreamer(');
    expect(checkEspruinoSource(text)).toEqual([]);
  });

  it('returns null when any buffer is not flat (address 0)', () => {
    const native = loadNative();
    for (const bad of ['state', 'counts', 'flags', 'times', 'block']) {
      const ring = createRing(16);
      const addressOf = (v: Int32Array | Uint8Array): number => {
        if (bad === 'state' && v === ring.state) return 0;
        if (bad === 'counts' && v === ring.counts) return 0;
        if (bad === 'flags' && v === ring.flags) return 0;
        if (bad === 'times' && v === ring.times) return 0;
        if (bad === 'block' && v !== ring.state && v !== ring.counts && v !== ring.flags && v !== ring.times) return 0;
        return native.addressOf(v);
      };
      expect(createNativeStreamer(ring, native.nat, addressOf, () => undefined), bad).toBeNull();
    }
  });

  it('throws the encoder\'s errors for out-of-range parameters, like the JS streamer', () => {
    const native = loadNative();
    const ref = streamerMethods(createStreamer(createRing(8), () => undefined));
    const nat = streamerMethods(createNativeStreamer(createRing(8), native.nat, native.addressOf, () => undefined)!);
    const begins: Array<[number, number, number, number]> = [[19, 3, 80, 0], [245, 3, 80, 0], [20, 0, 80, 0], [20, 256, 80, 0], [20, 3, 0, 0], [20, 3, 129, 0]];
    for (const [p, s, k, f] of begins) {
      expect(() => nat.begin(p, s, k, f)).toThrow(errorOf(() => ref.begin(p, s, k, f)));
    }
    ref.begin(20, 3, 80, 0);
    nat.begin(20, 3, 80, 0);
    const configures: Array<[number, number]> = [[19, 3], [20, 0], [20, 300]];
    for (const [p, s] of configures) {
      expect(() => nat.configure(p, s)).toThrow(errorOf(() => ref.configure(p, s)));
    }
  });
});

function errorOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

describeCost(1);
