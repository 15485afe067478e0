/**
 * The bounded sample ring between sampling (sampler.ts, or the native read in firmware/native/hx711.c)
 * and the link (stream.ts, or the native encoder in firmware/native/encode.c). When full, the oldest
 * sample is overwritten and counted: `lost()` is the exact number of samples overwritten since the
 * last `ackLost()`, so the sender can skip exactly that many indices and report them.
 *
 * The ring's state lives in an Int32Array (`state`, layout below) so native code and JS share it:
 *   state[0] head: next slot to write        state[4] consumed: samples taken since clear
 *   state[1] count: samples held             state[5] address of counts (0 until setAddresses)
 *   state[2] capacity                        state[6] address of flags
 *   state[3] produced: sets stored since clear (int32, wraps)   state[7] address of times
 * Slot s holds counts[4s..4s+3] (int24 counts of cells 0..3), flags[s] (FLAG_*), times[s] (device
 * ms since boot, integer). Oldest slot = head - count (mod capacity); lost = produced - count - consumed.
 */
export const RB_HEAD = 0;
export const RB_COUNT = 1;
export const RB_CAPACITY = 2;
export const RB_PRODUCED = 3;
export const RB_CONSUMED = 4;
export const RB_COUNTS_ADDR = 5;
export const RB_FLAGS_ADDR = 6;
export const RB_TIMES_ADDR = 7;

export interface SampleRing {
  /** Samples held. */
  size(): number;
  /** Samples overwritten before the oldest held one and not yet acknowledged. */
  lost(): number;
  ackLost(): void;
  /** Slot of the oldest held sample (read counts[4*slot..], flags[slot], times[slot]), or -1. */
  oldest(): number;
  /** Drops the oldest held sample (after reading it). */
  shift(): void;
  /** Stores one sample set (device time t, ms), overwriting the oldest when full (counted in lost()). */
  push(c0: number, c1: number, c2: number, c3: number, flags: number, t: number): void;
  /**
   * Hands the oldest min(size, max) samples, oldest first, to `to` (e.g. FrameEncoder.push) and
   * drops them: one "jit" loop, no method call per sample but `to` itself.
   */
  drainTo(to: (c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number) => void, max: number): void;
  /** Empties the ring and forgets losses (new stream). */
  clear(): void;
  /** Writes the buffers' native addresses into state[5..7] (E.getAddressOf(x, true)); false when any is 0 (not a flat buffer). */
  setAddresses(addressOf: (buf: Int32Array | Uint8Array) => number): boolean;
  state: Int32Array;
  counts: Int32Array;
  flags: Uint8Array;
  times: Int32Array;
}

/** A ring of `capacity` sample sets (RING_CAPACITY in sampler.ts: 64 sets, 21 bytes each). */
export function createRing(capacity: number): SampleRing {
  const st = new Int32Array(8);
  const counts = new Int32Array(4 * capacity);
  const flags = new Uint8Array(capacity);
  const times = new Int32Array(capacity);
  st[RB_CAPACITY] = capacity;

  return {
    state: st,
    counts: counts,
    flags: flags,
    times: times,
    size: function (): number {
      return st[1] as number;
    },
    lost: function (): number {
      return ((st[3] as number) - (st[1] as number) - (st[4] as number)) | 0;
    },
    ackLost: function (): void {
      st[4] = (st[3] as number) - (st[1] as number);
    },
    oldest: function (): number {
      if (st[1] === 0) return -1;
      const s = (st[0] as number) - (st[1] as number);
      return s < 0 ? s + capacity : s;
    },
    shift: function (): void {
      if ((st[1] as number) > 0) {
        st[1] = (st[1] as number) - 1;
        st[4] = (st[4] as number) + 1;
      }
    },
    push: function (c0: number, c1: number, c2: number, c3: number, f: number, t: number): void {
      "jit";
      var h = st[0] as number;
      var o = h << 2;
      counts[o] = c0;
      counts[o + 1] = c1;
      counts[o + 2] = c2;
      counts[o + 3] = c3;
      flags[h] = f;
      times[h] = t;
      st[0] = h + 1 === capacity ? 0 : h + 1;
      if ((st[1] as number) < capacity) st[1] = (st[1] as number) + 1;
      st[3] = (st[3] as number) + 1;
    },
    drainTo: function (to: (c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number) => void, max: number): void {
      "jit";
      var n = st[1] as number;
      var k = n < max ? n : max;
      var s = (st[0] as number) - n;
      if (s < 0) s += capacity;
      var o = 0;
      for (var i = 0; i < k; i++) {
        o = s << 2;
        to(counts[o] as number, counts[o + 1] as number, counts[o + 2] as number, counts[o + 3] as number, flags[s] as number, times[s] as number);
        s = s + 1 === capacity ? 0 : s + 1;
      }
      st[1] = n - k;
      st[4] = (st[4] as number) + k;
    },
    clear: function (): void {
      st[0] = 0;
      st[1] = 0;
      st[3] = 0;
      st[4] = 0;
    },
    setAddresses: function (addressOf: (buf: Int32Array | Uint8Array) => number): boolean {
      st[5] = addressOf(counts);
      st[6] = addressOf(flags);
      st[7] = addressOf(times);
      return st[5] !== 0 && st[6] !== 0 && st[7] !== 0;
    },
  };
}
