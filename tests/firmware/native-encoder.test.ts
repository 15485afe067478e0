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
import { NativeMachine } from '../../firmware/emulator/native-machine.ts';
import { NATIVE_ABI, NATIVE_CODE_B64, NATIVE_ENTRY } from '../../firmware/src/native-code.ts';
import { createNativeStreamer } from '../../firmware/src/native-stream.ts';
import { createRing, ringLost, ringPush, ringSize, type SampleRing } from '../../firmware/src/ring.ts';
import { createStreamer, streamerMethods, type StreamerMethods } from '../../firmware/src/stream.ts';
import { xorshift32 } from '../../host/sim/random.ts';
import { createFrameEncoder } from '../../protocol/frame-encoder.ts';
import vectors from '../../protocol/vectors/sample-frames.json' with { type: 'json' };
import { checkEspruinoSource } from './espruino-check.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Native {
  machine: NativeMachine;
  nat: (op: number, a: number, b: number) => number;
  addressOf: (v: Int32Array | Uint8Array) => number;
  /** Cycles of the native calls so far. */
  cycles(): number;
}

function loadNative(): Native {
  const machine = new NativeMachine();
  const base = machine.load(new Uint8Array(Buffer.from(NATIVE_CODE_B64, 'base64')));
  const entry = base + NATIVE_ENTRY + 1;
  let cycles = 0;
  const nat = (op: number, a: number, b: number): number => {
    const r = machine.call(entry, [op, a, b]);
    cycles += r.cycles;
    return r.r0;
  };
  return { machine, nat, addressOf: (v) => machine.mapBuffer(v), cycles: () => cycles };
}

/** The two streamers under test and their event logs ("F <hex>", "-", "O dropped first"). */
interface Pair {
  ref: StreamerMethods;
  nat: StreamerMethods;
  refRing: SampleRing;
  natRing: SampleRing;
  refLog: string[];
  natLog: string[];
  native: Native;
}

function makePair(capacity: number): Pair {
  const native = loadNative();
  expect(native.nat(0, 0, 0)).toBe(NATIVE_ABI);
  const refRing = createRing(capacity);
  const natRing = createRing(capacity);
  const refLog: string[] = [];
  const natLog: string[] = [];
  const ref = streamerMethods(createStreamer(refRing, (d, f) => refLog.push(`O ${d} ${f}`)));
  const natS = createNativeStreamer(natRing, native.nat, native.addressOf, (d, f) => natLog.push(`O ${d} ${f}`));
  if (natS === null) throw new Error('createNativeStreamer returned null with every buffer mapped');
  const nat = streamerMethods(natS);
  return { ref, nat, refRing, natRing, refLog, natLog, native };
}

function push(p: Pair, c: readonly number[], flags: number, t: number): void {
  ringPush(p.refRing, c[0]!, c[1]!, c[2]!, c[3]!, flags, t);
  ringPush(p.natRing, c[0]!, c[1]!, c[2]!, c[3]!, flags, t);
}

/** One nextFrame on both sides (the native frame is copied at once, as the senders do). */
function pull(p: Pair): boolean {
  const a = p.ref.nextFrame();
  const b = p.nat.nextFrame();
  p.refLog.push(a === null ? '-' : `F ${hex(a)}`);
  p.natLog.push(b === null ? '-' : `F ${hex(b)}`);
  return a !== null || b !== null;
}

function checkSame(p: Pair, where: string): void {
  expect(p.natLog, where).toEqual(p.refLog);
  expect(p.nat.nextIndex(), `${where}: nextIndex`).toBe(p.ref.nextIndex());
  expect(p.nat.active(), `${where}: active`).toBe(p.ref.active());
  expect(ringSize(p.natRing), `${where}: ring size`).toBe(ringSize(p.refRing));
  expect(ringLost(p.natRing), `${where}: ring lost`).toBe(ringLost(p.refRing));
  expect(p.nat.queueFull(), `${where}: frames lost to a full slot queue`).toBe(0);
}

/** Frames of one stream: begin, the samples (ring large enough), end, drain. */
function streamFrames(p: Pair, payload: number, spf: number, keyInt: number, first: number, samples: number[][]): string[] {
  p.ref.begin(payload, spf, keyInt, first);
  p.nat.begin(payload, spf, keyInt, first);
  for (const s of samples) {
    push(p, s.slice(0, 4), s[4]!, Math.floor(s[5]!));
    pull(p);
  }
  p.ref.end();
  p.nat.end();
  while (pull(p));
  checkSame(p, 'stream');
  return p.natLog.filter((l) => l.startsWith('F ')).map((l) => l.slice(2));
}

describe('native encoder vs the protocol golden vectors', () => {
  // 1.1 frames only: the native encoder implements createFrameEncoder (second order); the 1.2 vectors (format 2) are not the firmware's.
  const withEncoder = vectors.vectors.filter((v) => 'encoder' in v && v.encoder !== undefined && v.encoder.secondOrder && (v.encoder as { format?: number }).format !== 2);
  it('covers every second-order encoder vector', () => {
    expect(withEncoder.length).toBeGreaterThanOrEqual(7);
  });
  for (const v of withEncoder) {
    const e = (v as { encoder: { payloadBytes: number; samplesPerFrame: number; keyInterval: number; startIndex: number; samples: number[][]; skips?: number[][] } }).encoder;
    if (e.skips === undefined) {
      it(`${v.name}: the exact golden frames`, () => {
        const p = makePair(64);
        expect(streamFrames(p, e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.startIndex, e.samples)).toEqual(v.frames);
      });
    } else {
      it(`${v.name}: the device loses the skipped samples in the ring; same frames and overflow calls as the JS streamer`, () => {
        const p = makePair(3);
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

/** One random operation on both streamers. */
type Op =
  | { k: 'samples'; n: number; signal: number; flags: number; flagRate: number; dt: number }
  | { k: 'pull'; n: number }
  | { k: 'begin'; payload: number; spf: number; keyInt: number; first: number }
  | { k: 'configure'; payload: number; spf: number }
  | { k: 'end' }
  | { k: 'forceKey' };

/** Payloads the firmware uses (20..50: MTU 23..53, serial 50) and now and then any the protocol allows. */
const payloadArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 20, max: 50 }) }, { weight: 1, arbitrary: fc.integer({ min: 51, max: 244 }) });
/** Samples per frame: 1..16, now and then up to 47 (the firmware's limit at payload 50). */
const spfArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 17, max: 47 }) });

const FLAG_VALUES = [0x01, 0x02, 0x04, 0x08, 0x0f, 0x10, 0x20, 0x40, 0x80, 0x35, 0xff];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant('samples' as const), n: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 })), signal: fc.integer({ min: 0, max: 5 }), flags: fc.constantFrom(...FLAG_VALUES), flagRate: fc.constantFrom(0, 0, 0.02, 0.3, 1), dt: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant('pull' as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('begin' as const), payload: payloadArb, spf: spfArb, keyInt: fc.integer({ min: 1, max: 128 }), first: fc.integer({ min: 0, max: 0xffffff }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('configure' as const), payload: payloadArb, spf: spfArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('end' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('forceKey' as const) }) },
);

/**
 * Deterministic sample source (xorshift) so a failing case replays from fast-check's seed alone.
 * Signals: 0 noise, 1 noise with full-scale jumps, 2 a sine, 3 the int24 limits, 4 random int24,
 * 5 random int32 (the encoder takes counts mod 2^24). Device times sometimes start just under 2^31
 * ms, so the ring's Int32Array wraps them negative (the frames carry the low 24 bits either way).
 */
function sampler(seed: number): (signal: number, flagRate: number, flags: number, dt: number) => { c: number[]; f: number; t: number } {
  const rnd = xorshift32(seed);
  const base = [0, 1, 2, 3].map(() => Math.floor(rnd() * 16777216) - 8388608);
  let t = rnd() < 0.3 ? 2 ** 31 - 3000 : Math.floor(rnd() * 2 ** 30);
  let k = 0;
  return (signal, flagRate, flags, dt) => {
    k++;
    t += dt;
    const c = base.map((b, i) => {
      let v: number;
      if (signal === 0) v = b + Math.round((rnd() - 0.5) * 220);
      else if (signal === 1) v = rnd() < 0.1 ? Math.floor(rnd() * 16777216) - 8388608 : b + Math.round((rnd() - 0.5) * 1000);
      else if (signal === 2) v = b + Math.round(20000 * Math.sin(k / 30 + i)) + Math.round((rnd() - 0.5) * 10);
      else if (signal === 3) v = rnd() < 0.5 ? 8388607 : -8388608;
      else if (signal === 4) v = Math.floor(rnd() * 16777216) - 8388608;
      else return Math.floor(rnd() * 4294967296) | 0;
      return (v << 8) >> 8;
    });
    return { c, f: rnd() < flagRate ? flags : 0, t };
  };
}

function runOps(capacity: number, seed: number, ops: Op[]): Pair {
  const p = makePair(capacity);
  const next = sampler(seed);
  ops.forEach((op, i) => {
    const where = `op ${i} ${JSON.stringify(op)}`;
    if (op.k === 'samples') {
      for (let j = 0; j < op.n; j++) {
        const s = next(op.signal, op.flagRate, op.flags, op.dt);
        push(p, s.c, s.f, s.t);
        if (op.n <= 4) pull(p);
      }
    } else if (op.k === 'pull') {
      for (let j = 0; j < op.n; j++) pull(p);
    } else if (op.k === 'begin') {
      p.ref.begin(op.payload, op.spf, op.keyInt, op.first);
      p.nat.begin(op.payload, op.spf, op.keyInt, op.first);
    } else if (op.k === 'configure') {
      p.ref.configure(op.payload, op.spf);
      p.nat.configure(op.payload, op.spf);
    } else if (op.k === 'end') {
      p.ref.end();
      p.nat.end();
    } else {
      p.ref.forceKey();
      p.nat.forceKey();
    }
    checkSame(p, where);
  });
  p.ref.end();
  p.nat.end();
  while (pull(p));
  checkSame(p, 'final drain');
  return p;
}

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
    pull(p);
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

  it('the slot queue holds the most frames one step makes: the open frame plus a KEY per sample', () => {
    for (const payload of [20, 21]) {
      const p = makePair(64);
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
      expect(p.natLog.filter((l) => l.startsWith('F ')).length - before, `payload ${payload}: frames of the second step`).toBe(17);
    }
  });

  it('skip(n) equals FrameEncoder.skip(n) between whole frames of samples', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 50 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 128 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (payload, spf, keyInt, dropped, chunks, seed) => {
        const native = loadNative();
        const ring = createRing(256);
        const ns = streamerMethods(createNativeStreamer(ring, native.nat, native.addressOf, () => undefined)!);
        const enc = createFrameEncoder(payload, spf, keyInt, true);
        enc.start(7);
        ns.begin(payload, spf, keyInt, 7);
        const next = sampler(seed);
        const got: string[] = [];
        const want: string[] = [];
        for (let part = 0; part < 2; part++) {
          for (let j = 0; j < chunks * spf; j++) {
            const s = next(0, 0.05, 0x10, 12);
            ringPush(ring, s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
            enc.push(s.c[0]!, s.c[1]!, s.c[2]!, s.c[3]!, s.f, s.t);
          }
          for (let f = ns.nextFrame(); f !== null; f = ns.nextFrame()) got.push(hex(f));
          expect(ringSize(ring)).toBe(0);
          if (part === 0) {
            ns.skip(dropped);
            enc.skip(dropped);
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

/**
 * Cycles of the native calls per sample set on a realistic signal (noise 64 counts RMS + slow
 * drift per cell), one nextFrame per sample as the firmware's senders ask.
 */
function nativeCyclesPerSample(payload: number, spf: number, samples: number): { cycles: number; frames: number; calls: number } {
  const native = loadNative();
  const ring = createRing(128);
  const ns = streamerMethods(createNativeStreamer(ring, native.nat, native.addressOf, () => undefined)!);
  ns.begin(payload, spf, 80, 0);
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
  let frames = 0;
  const before = native.machine.stats.calls;
  const c0 = native.cycles();
  for (let i = 0; i < samples; i++) {
    const c = offsets.map((o, cell) => Math.round(o + 5000 * Math.sin(i / 400 + cell) + gauss()));
    ringPush(ring, c[0]!, c[1]!, c[2]!, c[3]!, 0, Math.floor(i * 12.5));
    if (ns.nextFrame() !== null) frames++;
  }
  return { cycles: (native.cycles() - c0) / samples, frames, calls: native.machine.stats.calls - before };
}

describe('native encoder cost', () => {
  for (const [mtu, payload, spf] of [[23, 20, 3], [53, 50, 8]] as const) {
    it(`MTU ${mtu}: cycles per sample set on noise of 64 counts + slow drift`, () => {
      const r = nativeCyclesPerSample(payload, spf, 4000);
      console.log(`native encoder, MTU ${mtu} (payload ${payload}, ${spf} samples/frame): ${r.cycles.toFixed(0)} cycles per sample set (${(r.cycles / 64).toFixed(1)} us at 64 MHz), ${r.frames} frames for 4000 sets, ${r.calls} native calls`);
      expect(r.frames).toBeGreaterThan(4000 / spf - 50);
      expect(r.cycles).toBeGreaterThan(0);
    });
  }
});
