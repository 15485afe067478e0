/**
 * Sample-frame encoder (device side; also used by the host for tests, the emulator and the bench).
 * Espruino-safe: ES5-compilable, no Map/Set/spread/destructuring/default parameters, no comments in
 * hot function bodies (the interpreter re-lexes them on every call). Byte layouts: protocol/SPEC.md §4.
 *
 * Usage (firmware):
 *   var enc = createFrameEncoder(payloadBytes, samplesPerFrameMax, KEY_INTERVAL_DEFAULT, true);
 *   var f = enc.add(c0, c1, c2, c3, flags, timeMs);   // per sample, counts are int24
 *   while (f) { send(f); f = enc.poll(); }            // usually 0 or 1 frame per add
 *   enc.skip(n)  when n samples were dropped on the device (index skips, next sample gets FLAG_OVERFLOW
 *                and starts a KEY);  enc.start()  at START_STREAM (index 0, FLAG_STREAM_START, KEY);
 *   enc.flush()  at STOP_STREAM (returns the first remaining frame, poll() for more).
 *   skip() and configure() close pending samples into frames: poll() until null after them.
 *
 * Design for the interpreter (every source token executed costs about 1k instructions): the hot path
 * of add() computes four residuals, ORs their magnitudes into one width tracker and checks one
 * precomputed fit limit; frame building, width choice and bit packing run once per frame. The
 * per-sample path (push1/push2, addSlow) and the bit packer (packBits) contain only what Espruino's
 * JIT compiles (no return, new, break, continue, switch, try, typeof, in, nested functions), so add()
 * is a small wrapper and results go through the frame queue. They are not marked `"jit"` (until
 * 2026-12-08 they were): compiled to Thumb code they would run about 2x faster but keep about
 * 1,850 variables of machine code in a board's RAM (firmware/README.md "The JIT's RAM"). A JS call costs about 16k
 * instructions on the device (the cost table's HX711-module decode: 279k with 6 calls against 70k
 * without), so the hot path inlines what it can: the queue is an indexed array written in place
 * (no push/shift native calls, no enqueue/poll calls from add), fillFrame packs the bit stream
 * itself (packResiduals/packBits remain for callers and tests). Per frame: buildFrame, prepFrame,
 * fillFrame and 3 native calls (new Uint8Array, subarray, set). Estimate in SPEC.md section 9.2.
 */
import {
  FLAG_OVERFLOW,
  FLAG_STREAM_START,
  KEY_FIXED_BYTES,
  KEY_INTERVAL_MAX,
  MODE_FLAGS_PRESENT,
  MODE_INDEX_BIT8,
  MODE_SECOND_ORDER,
  MSG_DELTA,
  MSG_KEY,
  PAYLOAD_MAX,
  PAYLOAD_MIN,
} from './constants.ts';

export type { FrameEncoder } from './frame-encoder-api.ts';
import type { FrameEncoder } from './frame-encoder-api.ts';

/** Bit length of a non-negative int32 (0 for 0). */
export function bitLength(a: number): number {
  let b = 0;
  if (a >>> 16) { b = 16; a = a >>> 16; }
  if (a >>> 8) { b += 8; a = a >>> 8; }
  if (a >>> 4) { b += 4; a = a >>> 4; }
  if (a >>> 2) { b += 2; a = a >>> 2; }
  if (a >>> 1) { b += 1; a = a >>> 1; }
  return b + a;
}

/**
 * Packs residuals R[0..count) (each stored as residual << 8, i.e. the int24 residual in the top three
 * bytes; count is a multiple of 4) at `w` bits each, LSB-first, into 32-bit words W (little-endian
 * typed arrays: nRF52 and every Node platform). Returns the number of bits written. Two residuals per
 * step while 2w <= 30 (every realistic frame), one word store per 32 bits; no break/continue/switch,
 * so the firmware may mark it "jit".
 */
export function packResiduals(R: Int32Array, count: number, w: number, W: Int32Array): number {
  packBits(R, count, w, W, PACKED_BITS);
  return PACKED_BITS[0] as number;
}

/** packResiduals' result slot (a "jit" function cannot return a value). */
const PACKED_BITS = new Int32Array(1);

/** packResiduals for "jit": the number of bits written goes to out[0]. */
export function packBits(R: Int32Array, count: number, w: number, W: Int32Array, out: Int32Array): void {
  const mask = w >= 24 ? 0xffffff : (1 << w) - 1;
  const w2 = w + w;
  let a = 0;
  let b = 0;
  let j = 0;
  let v = 0;
  let i = 0;
  if (w2 <= 30) {
    for (i = 0; i < count; i += 2) {
      v = (R[i] as number) >>> 8 & mask | ((R[i + 1] as number) >>> 8 & mask) << w;
      a |= v << b;
      b += w2;
      if (b >= 32) {
        W[j++] = a;
        b -= 32;
        a = v >>> w2 - b;
      }
    }
  } else {
    for (i = 0; i < count; i++) {
      v = (R[i] as number) >>> 8 & mask;
      a |= v << b;
      b += w;
      if (b >= 32) {
        W[j++] = a;
        b -= 32;
        a = v >>> w - b;
      }
    }
  }
  if (b > 0) W[j] = a;
  out[0] = j * 32 + b;
}

/**
 * Largest residual magnitude (as tracked by the encoder: (r << 8) ^ ((r << 8) >> 31)) that lets k
 * samples fit `budget` bytes after a mode byte, for k = 0..kMax+1 (-1: k samples never fit).
 */
export function fitLimits(budget: number, kMax: number, withFlags: boolean): Int32Array {
  const t = new Int32Array(kMax + 2);
  for (let k = 0; k <= kMax + 1; k++) {
    let lim = -1;
    if (k === 0) lim = 0x7fffffff;
    else if (k <= kMax) {
      for (let w = 2; w <= 24; w++) {
        if (deltaBodyBytes(k, w, withFlags) <= budget) lim = w >= 24 ? 0x7fffffff : (1 << (w + 7)) - 1;
      }
    }
    t[k] = lim;
  }
  return t;
}

/**
 * The four fit-limit tables of an encoder at payload `cap` and `maxN` samples per frame: DELTA
 * without and with flag bytes, then KEY without and with (after the KEY's 20 fixed bytes and its
 * mode byte; the KEY's own sample is not in the body). The same for 1.1 and 1.2 frames (a KEY2 is
 * as long as a KEY, a DELTA2 header as a DELTA's).
 */
export function frameLimits(cap: number, maxN: number): Int32Array[] {
  const key = cap - KEY_FIXED_BYTES - 1;
  return [fitLimits(cap - 3, maxN, false), fitLimits(cap - 3, maxN, true), fitLimits(key, maxN - 1, false), fitLimits(key, maxN - 1, true)];
}

/** Throws a TypeError naming the parameter (`who` says which call) when one is out of range. */
export function checkFrameParams(who: string, payloadBytes: number, samplesPerFrameMax: number, keyIntervalSamples: number): void {
  if (!(payloadBytes >= PAYLOAD_MIN && payloadBytes <= PAYLOAD_MAX)) {
    throw new TypeError(who + ': payloadBytes must be ' + PAYLOAD_MIN + '..' + PAYLOAD_MAX + ', got ' + payloadBytes);
  }
  if (!(samplesPerFrameMax >= 1 && samplesPerFrameMax <= 255)) {
    throw new TypeError(who + ': samplesPerFrameMax must be 1..255, got ' + samplesPerFrameMax);
  }
  if (!(keyIntervalSamples >= 1 && keyIntervalSamples <= KEY_INTERVAL_MAX)) {
    throw new TypeError(who + ': keyIntervalSamples must be 1..' + KEY_INTERVAL_MAX + ', got ' + keyIntervalSamples);
  }
}

/**
 * One self-contained KEY frame (20 bytes) for one sample, without any encoder state: the cheapest
 * way to stream (no arithmetic, 12 byte stores; 20 bytes per sample). A device that streams this way
 * must still give consecutive samples consecutive indices and set FLAG_STREAM_START / FLAG_OVERFLOW
 * as section 4.5 of SPEC.md says; the host decodes it like any KEY.
 */
export function encodeKeyFrame(index: number, timeMs: number, flags: number, c0: number, c1: number, c2: number, c3: number): Uint8Array {
  const f = new Uint8Array(KEY_FIXED_BYTES);
  const t = Math.floor(timeMs) % 0x1000000;
  f[0] = MSG_KEY;
  f[1] = index;
  f[2] = index >> 8;
  f[3] = index >> 16;
  f[4] = t;
  f[5] = t >> 8;
  f[6] = t >> 16;
  f[7] = flags;
  f[8] = c0;
  f[9] = c0 >> 8;
  f[10] = c0 >> 16;
  f[11] = c1;
  f[12] = c1 >> 8;
  f[13] = c1 >> 16;
  f[14] = c2;
  f[15] = c2 >> 8;
  f[16] = c2 >> 16;
  f[17] = c3;
  f[18] = c3 >> 8;
  f[19] = c3 >> 16;
  return f;
}

/** Bytes taken by `n` samples at width `w` after a mode byte: optional flag bytes plus 4*n*w bits. */
export function deltaBodyBytes(n: number, w: number, withFlags: boolean): number {
  return (withFlags ? n : 0) + ((n * w + 1) >> 1);
}

/**
 * Creates an encoder. payloadBytes: ATT payload in use (MTU - 3), 20..244; samplesPerFrameMax: most
 * samples one frame may carry (latency = that many sample periods), >= 1; keyIntervalSamples: a KEY at
 * least this often, 1..128; secondOrder: predictor 2x[k-1] - x[k-2] (true) or x[k-1] (false).
 * Throws a TypeError naming the parameter when one is out of range.
 */
export function createFrameEncoder(
  payloadBytes: number,
  samplesPerFrameMax: number,
  keyIntervalSamples: number,
  secondOrder: boolean,
): FrameEncoder {
  checkFrameParams('createFrameEncoder', payloadBytes, samplesPerFrameMax, keyIntervalSamples);
  let cap = payloadBytes | 0;
  let maxN = samplesPerFrameMax | 0;
  const keyInt = keyIntervalSamples | 0;
  const second = secondOrder ? true : false;
  let R = new Int32Array(4 * (maxN + 1));
  let FL = new Uint8Array(maxN + 1);
  let W = new Int32Array(maxN * 3 + 1);
  let W8 = new Uint8Array(W.buffer);
  let lims = frameLimits(cap, maxN);
  // The fit-limit tables (frameLimits): DELTA without and with flag bytes, KEY-led without and with;
  // `fit` is the one the open frame is filled against.
  let fitDelta = lims[0] as Int32Array;
  let fitDeltaFlags = lims[1] as Int32Array;
  let fitKey = lims[2] as Int32Array;
  let fitKeyFlags = lims[3] as Int32Array;
  let fit = fitDelta;
  let n = 0;
  let acc = 0;
  let fl = 0;
  let lim = maxN;
  let firstIdx = 0;
  let keyPending = false;
  let extraFlags = FLAG_STREAM_START;
  let sinceKey = 0;
  let keyAt = 0;
  const K = new Int32Array(4);
  let keyFlags = 0;
  let keyTime = 0;
  let keyIdx = 0;
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  let queue: Array<Uint8Array | null> = [];
  let queued = 0;
  let qHead = 0;

  function nextIdx(): number {
    return (keyIdx + sinceKey) & 0xffffff;
  }

  let fW = 0;
  let fMode = 0;
  let fLen = 0;

  /** Layout of a frame of the k pending samples: width fW, mode byte fMode, length fLen (bytes). bitLength is written out ("jit": no call that returns a value). */
  function prepFrame(k: number): void {
    let a = acc >>> 8;
    let b = 0;
    if (a >>> 16) { b = 16; a = a >>> 16; }
    if (a >>> 8) { b += 8; a = a >>> 8; }
    if (a >>> 4) { b += 4; a = a >>> 4; }
    if (a >>> 2) { b += 2; a = a >>> 2; }
    if (a >>> 1) { b += 1; a = a >>> 1; }
    let w = b + a + 1;
    if (w < 2) w = 2;
    fW = w;
    fMode = w | (second ? MODE_SECOND_ORDER : 0) | (fl !== 0 ? MODE_FLAGS_PRESENT : 0);
    fLen = k > 0 ? (keyPending ? KEY_FIXED_BYTES + 1 : 3) + (fl !== 0 ? k : 0) + ((k * w + 1) >> 1) : KEY_FIXED_BYTES;
  }

  /**
   * Writes the frame prepFrame(k) laid out into f (header, flag bytes, bit stream) and starts the next one.
   * Deliberate copies, for the device: the KEY header is encodeKeyFrame's (from the KEY state rather
   * than arguments) and the bit stream is packBits' loop, both written out here so a frame costs no
   * further JS call (about 16k instructions each on Espruino; file header). The duplicate finder
   * lists these pairs; keep them in step (tests/protocol compares every frame with the decoder's).
   */
  function fillFrame(f: Uint8Array, k: number): void {
    let o = 3;
    if (keyPending) {
      o = KEY_FIXED_BYTES + 1;
      f[0] = MSG_KEY;
      f[1] = keyIdx;
      f[2] = keyIdx >> 8;
      f[3] = keyIdx >> 16;
      f[4] = keyTime;
      f[5] = keyTime >> 8;
      f[6] = keyTime >> 16;
      f[7] = keyFlags;
      f[8] = K[0] as number;
      f[9] = (K[0] as number) >> 8;
      f[10] = (K[0] as number) >> 16;
      f[11] = K[1] as number;
      f[12] = (K[1] as number) >> 8;
      f[13] = (K[1] as number) >> 16;
      f[14] = K[2] as number;
      f[15] = (K[2] as number) >> 8;
      f[16] = (K[2] as number) >> 16;
      f[17] = K[3] as number;
      f[18] = (K[3] as number) >> 8;
      f[19] = (K[3] as number) >> 16;
      if (k > 0) f[KEY_FIXED_BYTES] = fMode;
      keyPending = false;
    } else {
      f[0] = MSG_DELTA;
      f[1] = firstIdx;
      f[2] = fMode | (firstIdx & 0x100 ? MODE_INDEX_BIT8 : 0);
    }
    if (k > 0) {
      if (fl !== 0) {
        f.set(FL.subarray(0, k), o);
        o += k;
      }
      const w = fW;
      const count = k << 2;
      const mask = w >= 24 ? 0xffffff : (1 << w) - 1;
      const w2 = w + w;
      let a = 0;
      let b = 0;
      let j = 0;
      let v = 0;
      let i = 0;
      if (w2 <= 30) {
        for (i = 0; i < count; i += 2) {
          v = (R[i] as number) >>> 8 & mask | ((R[i + 1] as number) >>> 8 & mask) << w;
          a |= v << b;
          b += w2;
          if (b >= 32) {
            W[j++] = a;
            b -= 32;
            a = v >>> w2 - b;
          }
        }
      } else {
        for (i = 0; i < count; i++) {
          v = (R[i] as number) >>> 8 & mask;
          a |= v << b;
          b += w;
          if (b >= 32) {
            W[j++] = a;
            b -= 32;
            a = v >>> w - b;
          }
        }
      }
      if (b > 0) W[j] = a;
      f.set(W8.subarray(0, (j * 32 + b + 7) >> 3), o);
    }
    firstIdx = (firstIdx + k) & 0xffffff;
    n = 0;
    acc = 0;
    fl = 0;
    fit = fitDelta;
    lim = maxN;
  }

  function buildFrame(k: number): Uint8Array {
    prepFrame(k);
    const f = new Uint8Array(fLen);
    fillFrame(f, k);
    return f;
  }

  function enqueue(f: Uint8Array): void {
    queue[qHead + queued] = f;
    queued++;
  }

  function poll(): Uint8Array | null {
    if (queued === 0) return null;
    const f = queue[qHead] as Uint8Array;
    queue[qHead] = null;
    queued--;
    qHead = queued === 0 ? 0 : qHead + 1;
    return f;
  }

  function flushAll(): void {
    if (keyPending || n > 0) enqueue(buildFrame(n));
  }

  function startKey(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    flushAll();
    keyIdx = nextIdx();
    K[0] = c0;
    K[1] = c1;
    K[2] = c2;
    K[3] = c3;
    keyFlags = (flags | extraFlags) & 0xff;
    extraFlags = 0;
    keyTime = Math.floor(timeMs) % 0x1000000;
    keyPending = true;
    sinceKey = 1;
    keyAt = keyInt;
    firstIdx = (keyIdx + 1) & 0xffffff;
    p0 = q0 = c0;
    p1 = q1 = c1;
    p2 = q2 = c2;
    p3 = q3 = c3;
    fit = fitKey;
    lim = maxN - 1;
    if (cap - KEY_FIXED_BYTES < 2 || lim < 1) enqueue(buildFrame(0));
  }

  /**
   * The per-sample path past the fast case: a KEY when due or flagged, else the sample joins the open
   * frame (closing it first when the sample does not fit; enqueue written out, as in push1/push2).
   * frame-encoder2.ts keeps its own copy of this state machine (and of poll, start) for the 1.2
   * frames on purpose: sharing it would put a JS call (or a test of the frame format) on every
   * sample the device encodes.
   */
  function addSlow(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number, m: number): void {
    if (sinceKey >= keyAt || (flags & (FLAG_OVERFLOW | FLAG_STREAM_START)) !== 0) {
      startKey(c0, c1, c2, c3, flags, timeMs);
    } else {
      let a = acc | m;
      let f = fl | flags;
      let t = f === fl ? fit : keyPending ? fitKeyFlags : fitDeltaFlags;
      if (a > (t[n + 1] as number)) {
        const o = n << 2;
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R[0] = R[o] as number;
        R[1] = R[o + 1] as number;
        R[2] = R[o + 2] as number;
        R[3] = R[o + 3] as number;
        a = m;
        f = flags;
        t = f ? fitDeltaFlags : fitDelta;
      }
      if (f !== 0 && fl === 0) FL.fill(0, 0, n);
      FL[n] = flags;
      acc = a;
      fl = f;
      fit = t;
      q0 = p0; q1 = p1; q2 = p2; q3 = p3;
      p0 = c0; p1 = c1; p2 = c2; p3 = c3;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  /**
   * add()'s body (in the JIT's subset) for the second-order predictor (2x[k-1] - x[k-2]); push1 below is the same with
   * the first-order one (x[k-1]). Two copies on purpose: choosing the predictor once, at creation,
   * keeps a test and a JS call off every sample on the device. Keep them in step.
   */
  function push2(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    const o = n << 2;
    let r = c0 - p0 - p0 + q0 << 8;
    R[o] = r;
    let m = r ^ r >> 31;
    r = c1 - p1 - p1 + q1 << 8;
    R[o + 1] = r;
    m |= r ^ r >> 31;
    r = c2 - p2 - p2 + q2 << 8;
    R[o + 2] = r;
    m |= r ^ r >> 31;
    r = c3 - p3 - p3 + q3 << 8;
    R[o + 3] = r;
    m |= r ^ r >> 31;
    if (sinceKey >= keyAt || flags | fl) {
      addSlow(c0, c1, c2, c3, flags, timeMs, m);
    } else {
      if ((acc | m) > (fit[n + 1] as number)) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R[0] = R[o] as number;
        R[1] = R[o + 1] as number;
        R[2] = R[o + 2] as number;
        R[3] = R[o + 3] as number;
      }
      acc |= m;
      q0 = p0; q1 = p1; q2 = p2; q3 = p3;
      p0 = c0; p1 = c1; p2 = c2; p3 = c3;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  function push1(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    const o = n << 2;
    let r = c0 - p0 << 8;
    R[o] = r;
    let m = r ^ r >> 31;
    r = c1 - p1 << 8;
    R[o + 1] = r;
    m |= r ^ r >> 31;
    r = c2 - p2 << 8;
    R[o + 2] = r;
    m |= r ^ r >> 31;
    r = c3 - p3 << 8;
    R[o + 3] = r;
    m |= r ^ r >> 31;
    if (sinceKey >= keyAt || flags | fl) {
      addSlow(c0, c1, c2, c3, flags, timeMs, m);
    } else {
      if ((acc | m) > (fit[n + 1] as number)) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R[0] = R[o] as number;
        R[1] = R[o + 1] as number;
        R[2] = R[o + 2] as number;
        R[3] = R[o + 3] as number;
      }
      acc |= m;
      p0 = c0; p1 = c1; p2 = c2; p3 = c3;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  /** push2 and then poll(), written out (one JS call less per sample on the device; add1 likewise). */
  function add2(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): Uint8Array | null {
    push2(c0, c1, c2, c3, flags, timeMs);
    if (queued === 0) return null;
    const f = queue[qHead] as Uint8Array;
    queue[qHead] = null;
    queued--;
    qHead = queued === 0 ? 0 : qHead + 1;
    return f;
  }

  function add1(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): Uint8Array | null {
    push1(c0, c1, c2, c3, flags, timeMs);
    if (queued === 0) return null;
    const f = queue[qHead] as Uint8Array;
    queue[qHead] = null;
    queued--;
    qHead = queued === 0 ? 0 : qHead + 1;
    return f;
  }

  return {
    add: second ? add2 : add1,
    push: second ? push2 : push1,
    pendingFrames: function (): number {
      return queued;
    },
    poll: poll,
    flush: function (): Uint8Array | null {
      flushAll();
      return poll();
    },
    forceKey: function (): void {
      keyAt = 0;
    },
    skip: function (dropped: number): void {
      if (dropped > 0) {
        flushAll();
        keyIdx = (keyIdx + dropped) & 0xffffff;
        extraFlags |= FLAG_OVERFLOW;
        keyAt = 0;
      }
    },
    start: function (firstIndex?: number): void {
      n = 0;
      acc = 0;
      fl = 0;
      fit = fitDelta;
      keyPending = false;
      queue = [];
      queued = 0;
      qHead = 0;
      keyIdx = typeof firstIndex === 'number' ? firstIndex & 0xffffff : 0;
      sinceKey = 0;
      keyAt = 0;
      extraFlags = FLAG_STREAM_START;
      lim = maxN;
    },
    nextIndex: nextIdx,
    pendingSamples: function (): number {
      return n + (keyPending ? 1 : 0);
    },
    /** Sets buffers and fit-limit tables up as creation does (the same lines, on purpose: no layout function for the device to hold). */
    configure: function (payload: number, perFrame: number): void {
      checkFrameParams('FrameEncoder.configure', payload, perFrame, 1);
      flushAll();
      cap = payload | 0;
      if ((perFrame | 0) !== maxN) {
        maxN = perFrame | 0;
        R = new Int32Array(4 * (maxN + 1));
        FL = new Uint8Array(maxN + 1);
        W = new Int32Array(maxN * 3 + 1);
        W8 = new Uint8Array(W.buffer);
      }
      lims = frameLimits(cap, maxN);
      fitDelta = lims[0] as Int32Array;
      fitDeltaFlags = lims[1] as Int32Array;
      fitKey = lims[2] as Int32Array;
      fitKeyFlags = lims[3] as Int32Array;
      fit = fitDelta;
      lim = maxN;
    },
  };
}
