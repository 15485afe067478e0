/**
 * Sample-frame encoder for the protocol 1.2 frames KEY2 / DELTA2 (protocol/SPEC.md §4.8). Same
 * interface and call pattern as createFrameEncoder (frame-encoder.ts, the 1.1 frames), which stays
 * what a device sends until a host asks for 1.2 frames (START_STREAM argument, SPEC §5.3).
 * Espruino-safe (ES5, no Map/Set/spread, no comments in hot bodies; tests/protocol/espruino-subset).
 *
 * What 1.2 adds, per frame: a frame sequence number (u8, +1 per frame, KEYs included, never reset by
 * start(): a host sees every lost frame, also the one just before a stream start, and a DELTA2 can
 * only continue the frame right before it), and a predictor chosen per frame among first, second
 * and third order (the one with the narrowest residuals; ties go to the lower order).
 *
 * Per cell the encoder keeps x[k-1] (p), the last first difference (d) and the last second
 * difference (e), so the three residuals of a sample are r1 = x - p, r2 = r1 - d, r3 = r2 - e
 * (x - 2x[k-1] + x[k-2] and x - 3x[k-1] + 3x[k-2] - x[k-3]); all three are kept per pending sample
 * (R: 12 words per sample, each residual << 8 so the top 24 bits are the residual mod 2^24) and the
 * frame writer packs the chosen one. The hot path (push/addSlow, in the JIT's subset) ORs the three magnitudes into
 * three trackers and checks the smallest against one precomputed fit limit, as in frame-encoder.ts.
 */
import {
  FLAG_OVERFLOW,
  FLAG_RESERVED,
  FLAG_STREAM_START,
  KEY_FIXED_BYTES,
  MODE2_FLAGS_PRESENT,
  MODE2_ORDER_SHIFT,
  MSG_DELTA2,
  MSG_KEY2,
} from './constants.ts';
import { bitLength, checkFrameParams, frameLimits, packBits } from './frame-encoder.ts';
import type { FrameEncoder } from './frame-encoder-api.ts';

/** packBits' result slot: bits written. */
const BITS = new Int32Array(1);

/** Dropped samples from which the next KEY2 starts a new stream instead of reporting an overflow (2^23: SPEC 4.8). */
const SKIP_RESTART = 0x800000;

/**
 * Creates a 1.2 encoder. payloadBytes: ATT payload in use (MTU - 3), 20..244; samplesPerFrameMax:
 * most samples one frame may carry, 1..255; keyIntervalSamples: a KEY2 at least this often, 1..128.
 * Throws a TypeError naming the parameter when one is out of range.
 */
export function createFrameEncoder2(payloadBytes: number, samplesPerFrameMax: number, keyIntervalSamples: number): FrameEncoder {
  checkFrameParams('createFrameEncoder2', payloadBytes, samplesPerFrameMax, keyIntervalSamples);
  let cap = payloadBytes | 0;
  let maxN = samplesPerFrameMax | 0;
  const keyInt = keyIntervalSamples | 0;
  let R = new Int32Array(0);
  let P = new Int32Array(0);
  let FL = new Uint8Array(0);
  let W = new Int32Array(0);
  let W8 = new Uint8Array(0);
  let lims: Int32Array[] = [];
  let fit: Int32Array = R; // the fit-limit table (of lims: frameLimits) the open frame is filled against
  let n = 0;
  let a1 = 0, a2 = 0, a3 = 0;
  let fl = 0;
  let lim = maxN;
  let seq = 0;
  let parity = FLAG_RESERVED; // KEY2 flag bit 7: stream parity, toggled by every new stream (the first one sends 0)
  let keyPending = false;
  let extraFlags = FLAG_STREAM_START;
  let sinceKey = 0;
  let keyAt = 0;
  let keyIdx = 0;
  let keyFlags = 0;
  let keyTime = 0;
  const K = new Int32Array(4);
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0, e0 = 0, e1 = 0, e2 = 0, e3 = 0;
  let queue: Array<Uint8Array | null> = [];
  let queued = 0;
  let qHead = 0;
  let fW = 0;
  let fO = 0;
  let fLen = 0;

  function nextIdx(): number {
    return (keyIdx + sinceKey) & 0xffffff;
  }

  /** Buffers and fit limits for payload c and m samples per frame (at creation and configure). */
  function layout(c: number, m: number): void {
    cap = c;
    if (m !== maxN || R.length === 0) {
      maxN = m;
      R = new Int32Array(12 * (m + 1));
      P = new Int32Array(4 * m);
      FL = new Uint8Array(m + 1);
      W = new Int32Array(m * 3 + 1);
      W8 = new Uint8Array(W.buffer);
    }
    lims = frameLimits(cap, maxN);
    fit = lims[0] as Int32Array;
    lim = maxN;
  }
  layout(cap, maxN);

  /** Layout of a frame of the k pending samples: order fO (0..2), width fW, length fLen. */
  function prepFrame(k: number): void {
    let best = 0;
    let o = 0;
    fW = 25;
    fO = 0;
    for (o = 0; o < 3; o++) {
      best = bitLength((o === 0 ? a1 : o === 1 ? a2 : a3) >>> 8) + 1;
      if (best < 2) best = 2;
      if (best < fW) { fW = best; fO = o; }
    }
    fLen = k > 0 ? (keyPending ? KEY_FIXED_BYTES + 1 : 3) + (fl !== 0 ? k : 0) + ((k * fW + 1) >> 1) : KEY_FIXED_BYTES;
  }

  /** Writes the frame prepFrame(k) laid out into f and starts the next one. */
  function fillFrame(f: Uint8Array, k: number): void {
    let o = 3;
    const mode = fW | (fO << MODE2_ORDER_SHIFT) | (fl !== 0 ? MODE2_FLAGS_PRESENT : 0);
    f[1] = seq;
    seq = (seq + 1) & 0xff;
    if (keyPending) {
      o = KEY_FIXED_BYTES + 1;
      f[0] = MSG_KEY2;
      f[2] = keyIdx;
      f[3] = keyIdx >> 8;
      f[4] = keyIdx >> 16;
      f[5] = keyTime;
      f[6] = keyTime >> 8;
      f[7] = keyFlags;
      for (let i = 0; i < 12; i++) f[8 + i] = (K[(i / 3) | 0] as number) >> (8 * (i % 3));
      if (k > 0) f[KEY_FIXED_BYTES] = mode;
      keyPending = false;
    } else {
      f[0] = MSG_DELTA2;
      f[2] = mode;
    }
    if (k > 0) {
      if (fl !== 0) {
        f.set(FL.subarray(0, k), o);
        o += k;
      }
      // The chosen order's residuals side by side, then the 1.1 bit packer (the same bit stream layout).
      const base = fO << 2;
      let i = 0;
      for (i = 0; i < k; i++) P.set(R.subarray(12 * i + base, 12 * i + base + 4), i << 2);
      packBits(P, k << 2, fW, W, BITS);
      f.set(W8.subarray(0, ((BITS[0] as number) + 7) >> 3), o);
    }
    n = 0;
    a1 = 0;
    a2 = 0;
    a3 = 0;
    fl = 0;
    fit = lims[0] as Int32Array;
    lim = maxN;
  }

  function buildFrame(k: number): Uint8Array {
    prepFrame(k);
    const f = new Uint8Array(fLen);
    fillFrame(f, k);
    return f;
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
    if (keyPending || n > 0) {
      queue[qHead + queued] = buildFrame(n);
      queued++;
    }
  }

  function startKey(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    flushAll();
    keyIdx = nextIdx();
    K[0] = p0 = c0;
    K[1] = p1 = c1;
    K[2] = p2 = c2;
    K[3] = p3 = c3;
    d0 = d1 = d2 = d3 = e0 = e1 = e2 = e3 = 0;
    if (extraFlags & FLAG_STREAM_START) parity ^= FLAG_RESERVED;
    keyFlags = ((flags | extraFlags) & 0x7f) | parity;
    extraFlags = 0;
    keyTime = Math.floor(timeMs) % 0x10000;
    keyPending = true;
    sinceKey = 1;
    keyAt = keyInt;
    fit = lims[2] as Int32Array;
    lim = maxN - 1;
    if (cap - KEY_FIXED_BYTES < 2 || lim < 1) {
      queue[qHead + queued] = buildFrame(0);
      queued++;
    }
  }

  /** The sample at R[12n..] (magnitudes m1..m3) joins the open frame; closes frames as needed. */
  function addSlow(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number, m1: number, m2: number, m3: number): void {
    if (sinceKey >= keyAt || (flags & (FLAG_OVERFLOW | FLAG_STREAM_START)) !== 0) {
      startKey(c0, c1, c2, c3, flags, timeMs);
    } else {
      let f = fl | flags;
      let t = f === fl ? fit : keyPending ? lims[3] as Int32Array : lims[1] as Int32Array;
      let m = a1 | m1;
      if ((a2 | m2) < m) m = a2 | m2;
      if ((a3 | m3) < m) m = a3 | m3;
      if (m > (t[n + 1] as number)) {
        const o = 12 * n;
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R.set(R.subarray(o, o + 12), 0);
        f = flags;
        t = (f ? lims[1] : lims[0]) as Int32Array;
      }
      if (f !== 0 && fl === 0) FL.fill(0, 0, n);
      FL[n] = flags;
      a1 |= m1;
      a2 |= m2;
      a3 |= m3;
      fl = f;
      fit = t;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  function push(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    const o = 12 * n;
    let r = c0 - p0;
    let s = r - d0;
    let t = s - e0;
    R[o] = r << 8;
    R[o + 4] = s << 8;
    R[o + 8] = t << 8;
    d0 = r; e0 = s; p0 = c0;
    r = r << 8; s = s << 8; t = t << 8;
    let m1 = r ^ r >> 31;
    let m2 = s ^ s >> 31;
    let m3 = t ^ t >> 31;
    r = c1 - p1;
    s = r - d1;
    t = s - e1;
    R[o + 1] = r << 8;
    R[o + 5] = s << 8;
    R[o + 9] = t << 8;
    d1 = r; e1 = s; p1 = c1;
    r = r << 8; s = s << 8; t = t << 8;
    m1 |= r ^ r >> 31;
    m2 |= s ^ s >> 31;
    m3 |= t ^ t >> 31;
    r = c2 - p2;
    s = r - d2;
    t = s - e2;
    R[o + 2] = r << 8;
    R[o + 6] = s << 8;
    R[o + 10] = t << 8;
    d2 = r; e2 = s; p2 = c2;
    r = r << 8; s = s << 8; t = t << 8;
    m1 |= r ^ r >> 31;
    m2 |= s ^ s >> 31;
    m3 |= t ^ t >> 31;
    r = c3 - p3;
    s = r - d3;
    t = s - e3;
    R[o + 3] = r << 8;
    R[o + 7] = s << 8;
    R[o + 11] = t << 8;
    d3 = r; e3 = s; p3 = c3;
    r = r << 8; s = s << 8; t = t << 8;
    m1 |= r ^ r >> 31;
    m2 |= s ^ s >> 31;
    m3 |= t ^ t >> 31;
    if (sinceKey >= keyAt || flags | fl) {
      addSlow(c0, c1, c2, c3, flags, timeMs, m1, m2, m3);
    } else {
      let m = a1 | m1;
      if ((a2 | m2) < m) m = a2 | m2;
      if ((a3 | m3) < m) m = a3 | m3;
      if (m > (fit[n + 1] as number)) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R.set(R.subarray(o, o + 12), 0);
      }
      a1 |= m1;
      a2 |= m2;
      a3 |= m3;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  function add(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): Uint8Array | null {
    push(c0, c1, c2, c3, flags, timeMs);
    return poll();
  }

  return {
    add: add,
    push: push,
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
        extraFlags |= dropped >= SKIP_RESTART ? FLAG_STREAM_START : FLAG_OVERFLOW;
        keyAt = 0;
      }
    },
    start: function (firstIndex?: number): void {
      n = 0;
      a1 = a2 = a3 = 0;
      fl = 0;
      fit = lims[0] as Int32Array;
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
    configure: function (payload: number, perFrame: number): void {
      checkFrameParams('FrameEncoder.configure', payload, perFrame, 1);
      flushAll();
      layout(payload | 0, perFrame | 0);
    },
  };
}
