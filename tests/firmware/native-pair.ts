/**
 * What the native-encoder tests share: the native code loaded into the emulator's ARMv6-M
 * interpreter (NativeMachine), a pair of streamers fed the same samples (the reference in JS:
 * createStreamer over createFrameEncoder, or over createFrameEncoder2 for format 2; and the native
 * streamer, firmware/src/native-stream.ts over firmware/native/encode.c), the comparison of their
 * logs, and a deterministic sample source.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { NativeMachine } from '../../firmware/emulator/native-machine.ts';
import { NATIVE_ABI, NATIVE_CODE_B64, NATIVE_ENTRY } from '../../firmware/src/native-code.ts';
import { createNativeStreamer } from '../../firmware/src/native-stream.ts';
import { createRing, ringLost, ringPush, ringSize, type SampleRing } from '../../firmware/src/ring.ts';
import { createStreamer, streamerMethods, type StreamerMethods } from '../../firmware/src/stream.ts';
import { xorshift32 } from '../../host/sim/random.ts';
import { createFrameEncoder2 } from '../../protocol/frame-encoder2.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface Native {
  machine: NativeMachine;
  nat: (op: number, a: number, b: number) => number;
  addressOf: (v: Int32Array | Uint8Array) => number;
  /** Cycles of the native calls so far. */
  cycles(): number;
}

export function loadNative(): Native {
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

/**
 * The JS reference for both formats: createStreamer over createFrameEncoder for format 1 and one
 * over createFrameEncoder2 for format 2, on the same ring; `format(f)` picks the one the next begin
 * uses, as STREAM_FORMAT does on the native streamer. The format-2 encoder lives as long as the key
 * interval stays the same (stream.ts makes a new encoder when it changes), so its sequence number
 * and stream parity carry on across streams like the native block's: tests that compare format-2
 * frames keep one key interval.
 */
export function referenceStreamer(ring: SampleRing, onOverflow: (dropped: number, firstIndex: number) => void): StreamerMethods {
  const s1 = streamerMethods(createStreamer(ring, onOverflow));
  const s2 = streamerMethods(createStreamer(ring, onOverflow, (a, b, c) => createFrameEncoder2(a, b, c)));
  let next = 1;
  let cur = s1;
  return {
    begin: (a, b, c, d) => {
      cur = next === 2 ? s2 : s1;
      cur.begin(a, b, c, d);
    },
    end: () => cur.end(),
    active: () => cur.active(),
    nextFrame: () => cur.nextFrame(),
    configure: (a, b) => cur.configure(a, b),
    nextIndex: () => cur.nextIndex(),
    forceKey: () => cur.forceKey(),
    skip: () => {
      throw new Error('the JS streamer has no skip');
    },
    queueFull: () => 0,
    format: (f) => (next = f === 2 ? 2 : 1),
  };
}

/** The two streamers under test and their event logs ("F <hex>", "-", "O dropped first"). */
export interface Pair {
  ref: StreamerMethods;
  nat: StreamerMethods;
  refRing: SampleRing;
  natRing: SampleRing;
  refLog: string[];
  natLog: string[];
  native: Native;
}

/** A pair on rings of `capacity`; `format` 2: both make KEY2/DELTA2 frames from the first begin. */
export function makePair(capacity: number, format = 1): Pair {
  const native = loadNative();
  expect(native.nat(0, 0, 0)).toBe(NATIVE_ABI);
  const refRing = createRing(capacity);
  const natRing = createRing(capacity);
  const refLog: string[] = [];
  const natLog: string[] = [];
  const ref = referenceStreamer(refRing, (d, f) => refLog.push(`O ${d} ${f}`));
  const natS = createNativeStreamer(natRing, native.nat, native.addressOf, (d, f) => natLog.push(`O ${d} ${f}`));
  if (natS === null) throw new Error('createNativeStreamer returned null with every buffer mapped');
  const nat = streamerMethods(natS);
  expect(nat.format(format)).toBe(format);
  ref.format(format);
  return { ref, nat, refRing, natRing, refLog, natLog, native };
}

export function push(p: Pair, c: readonly number[], flags: number, t: number): void {
  ringPush(p.refRing, c[0]!, c[1]!, c[2]!, c[3]!, flags, t);
  ringPush(p.natRing, c[0]!, c[1]!, c[2]!, c[3]!, flags, t);
}

/** One nextFrame on both sides (the native frame is copied at once, as the senders do). */
export function pull(p: Pair): boolean {
  const a = p.ref.nextFrame();
  const b = p.nat.nextFrame();
  p.refLog.push(a === null ? '-' : `F ${hex(a)}`);
  p.natLog.push(b === null ? '-' : `F ${hex(b)}`);
  return a !== null || b !== null;
}

export function checkSame(p: Pair, where: string): void {
  expect(p.natLog, where).toEqual(p.refLog);
  expect(p.nat.nextIndex(), `${where}: nextIndex`).toBe(p.ref.nextIndex());
  expect(p.nat.active(), `${where}: active`).toBe(p.ref.active());
  expect(ringSize(p.natRing), `${where}: ring size`).toBe(ringSize(p.refRing));
  expect(ringLost(p.natRing), `${where}: ring lost`).toBe(ringLost(p.refRing));
  expect(p.nat.queueFull(), `${where}: frames lost to a full slot queue`).toBe(0);
}

/** Frames of one stream: begin, the samples (ring large enough), end, drain. */
export function streamFrames(p: Pair, payload: number, spf: number, keyInt: number, first: number, samples: number[][]): string[] {
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

/**
 * Deterministic sample source (xorshift) so a failing case replays from fast-check's seed alone.
 * Signals: 0 noise, 1 noise with full-scale jumps, 2 a sine, 3 the int24 limits, 4 random int24,
 * 5 random int32 (the encoder takes counts mod 2^24). Device times sometimes start just under 2^31
 * ms, so the ring's Int32Array wraps them negative (the frames carry the low 24 bits either way).
 */
export function sampler(seed: number): (signal: number, flagRate: number, flags: number, dt: number) => { c: number[]; f: number; t: number } {
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


/** One random operation on both streamers. */
export type Op =
  | { k: 'samples'; n: number; signal: number; flags: number; flagRate: number; dt: number }
  | { k: 'pull'; n: number }
  | { k: 'begin'; payload: number; spf: number; keyInt: number; first: number }
  | { k: 'configure'; payload: number; spf: number }
  | { k: 'end' }
  | { k: 'forceKey' }
  | { k: 'format'; f: number };

/** Payloads the firmware uses (20..50: MTU 23..53, serial 50) and now and then any the protocol allows. */
export const payloadArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 20, max: 50 }) }, { weight: 1, arbitrary: fc.integer({ min: 51, max: 244 }) });
/** Samples per frame: 1..16, now and then up to 47 (the firmware's limit at payload 50). */
export const spfArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 17, max: 47 }) });

const FLAG_VALUES = [0x01, 0x02, 0x04, 0x08, 0x0f, 0x10, 0x20, 0x40, 0x80, 0x35, 0xff];

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant('samples' as const), n: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 })), signal: fc.integer({ min: 0, max: 5 }), flags: fc.constantFrom(...FLAG_VALUES), flagRate: fc.constantFrom(0, 0, 0.02, 0.3, 1), dt: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant('pull' as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('begin' as const), payload: payloadArb, spf: spfArb, keyInt: fc.integer({ min: 1, max: 128 }), first: fc.integer({ min: 0, max: 0xffffff }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('configure' as const), payload: payloadArb, spf: spfArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('end' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('forceKey' as const) }) },
);

/**
 * Runs ops on a pair (rings of `capacity`, samples from sampler(seed)) and compares after each one.
 * format 2: both sides make 1.2 frames; a 'format' op switches the format of the next begin.
 */
export function runOps(capacity: number, seed: number, ops: Op[], format = 1): Pair {
  const p = makePair(capacity, format);
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
    } else if (op.k === 'format') {
      p.ref.format(op.f);
      expect(p.nat.format(op.f)).toBe(op.f);
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

