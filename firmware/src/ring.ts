/**
 * The bounded sample ring between sampling (sampler.ts, or the native read in firmware/native/hx711.c)
 * and the link (stream.ts, or the native encoder in firmware/native/encode.c). When full, the oldest
 * sample is overwritten and counted: `ringLost` is the exact number of samples overwritten since the
 * last `ringAckLost`, so the sender can skip exactly that many indices and report them.
 *
 * The ring's state lives in an Int32Array (`state`) so native code and JS share it. Its word offsets
 * are firmware/native/ring.h's #defines, generated into native-code.ts (one table for C and TS; the
 * build writes the values in, so the names cost the board nothing):
 *   RB_HEAD next slot to write         RB_CONSUMED samples taken since clear
 *   RB_COUNT samples held              RB_COUNTS address of counts (0 until ringSetAddresses)
 *   RB_CAP capacity                    RB_FLAGS address of flags
 *   RB_PRODUCED sets stored since clear (int32, wraps)   RB_TIMES address of times
 * Slot s holds counts[4s..4s+3] (int24 counts of cells 0..3), flags[s] (FLAG_*), times[s] (device
 * ms since boot, integer). Oldest slot = head - count (mod capacity); lost = produced - count - consumed.
 */
import { RB_CAP, RB_CONSUMED, RB_COUNT, RB_COUNTS, RB_FLAGS, RB_HEAD, RB_PRODUCED, RB_TIMES } from './native-code.ts';

/**
 * The ring's data: plain typed arrays, and the operations below are top-level functions over it
 * rather than methods. On the board an object of methods costs its functions for as long as it
 * lives; free functions cost only where they are used: the build drops the ones nothing calls and
 * moves those only the JS streamer calls into its loader (firmware/README.md "Memory").
 */
export interface SampleRing {
  /** state[RB_*] (file header). */
  state: Int32Array;
  counts: Int32Array;
  flags: Uint8Array;
  times: Int32Array;
}

/** A ring of `capacity` sample sets (RING_CAPACITY in sampler.ts: 64 sets, 21 bytes each). */
export function createRing(capacity: number): SampleRing {
  'boot';
  const st = new Int32Array(8); // RB_HEAD..RB_TIMES
  st[RB_CAP] = capacity;
  return { state: st, counts: new Int32Array(4 * capacity), flags: new Uint8Array(capacity), times: new Int32Array(capacity) };
}

/** Samples held. */
export function ringSize(r: SampleRing): number {
  return r.state[RB_COUNT] as number;
}

/** Samples overwritten before the oldest held one and not yet acknowledged. */
export function ringLost(r: SampleRing): number {
  const st = r.state;
  return ((st[RB_PRODUCED] as number) - (st[RB_COUNT] as number) - (st[RB_CONSUMED] as number)) | 0;
}

export function ringAckLost(r: SampleRing): void {
  const st = r.state;
  st[RB_CONSUMED] = (st[RB_PRODUCED] as number) - (st[RB_COUNT] as number);
}

/**
 * Stores one sample set (device time t, ms), overwriting the oldest when full (counted in ringLost).
 * Written out again on purpose where the usual set is stored on the device's hot path: sampler.ts
 * pollSpi (no JS call per set) and hx711.c ring_store (native); keep the three in step.
 */
export function ringPush(r: SampleRing, c0: number, c1: number, c2: number, c3: number, f: number, t: number): void {
  var st = r.state;
  var counts = r.counts;
  var capacity = st[RB_CAP] as number;
  var h = st[RB_HEAD] as number;
  var o = h << 2;
  counts[o] = c0;
  counts[o + 1] = c1;
  counts[o + 2] = c2;
  counts[o + 3] = c3;
  r.flags[h] = f;
  r.times[h] = t;
  st[RB_HEAD] = h + 1 === capacity ? 0 : h + 1;
  if ((st[RB_COUNT] as number) < capacity) st[RB_COUNT] = (st[RB_COUNT] as number) + 1;
  st[RB_PRODUCED] = (st[RB_PRODUCED] as number) + 1;
}

/**
 * Hands the oldest min(size, max) samples, oldest first, to `to` (e.g. FrameEncoder.push) and drops
 * them: one loop, no call per sample but `to` itself.
 */
export function ringDrainTo(r: SampleRing, to: (c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number) => void, max: number): void {
  var st = r.state;
  var counts = r.counts;
  var flags = r.flags;
  var times = r.times;
  var capacity = st[RB_CAP] as number;
  var n = st[RB_COUNT] as number;
  var k = n < max ? n : max;
  var s = (st[RB_HEAD] as number) - n;
  if (s < 0) s += capacity;
  var o = 0;
  for (var i = 0; i < k; i++) {
    o = s << 2;
    to(counts[o] as number, counts[o + 1] as number, counts[o + 2] as number, counts[o + 3] as number, flags[s] as number, times[s] as number);
    s = s + 1 === capacity ? 0 : s + 1;
  }
  st[RB_COUNT] = n - k;
  st[RB_CONSUMED] = (st[RB_CONSUMED] as number) + k;
}

/** Empties the ring and forgets losses (new stream). */
export function ringClear(r: SampleRing): void {
  const st = r.state;
  st[RB_HEAD] = 0;
  st[RB_COUNT] = 0;
  st[RB_PRODUCED] = 0;
  st[RB_CONSUMED] = 0;
}

/** Writes the buffers' native addresses into state[RB_COUNTS], [RB_FLAGS], [RB_TIMES] (E.getAddressOf(x, true)); false when any is 0 (not a flat buffer). */
export function ringSetAddresses(r: SampleRing, addressOf: (buf: Int32Array | Uint8Array) => number): boolean {
  'boot';
  const st = r.state;
  st[RB_COUNTS] = addressOf(r.counts);
  st[RB_FLAGS] = addressOf(r.flags);
  st[RB_TIMES] = addressOf(r.times);
  return st[RB_COUNTS] !== 0 && st[RB_FLAGS] !== 0 && st[RB_TIMES] !== 0;
}
