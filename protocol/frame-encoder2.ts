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
 * frame writer packs the chosen one. The hot path ("jit" push/addSlow) ORs the three magnitudes into
 * three trackers and checks the smallest against one precomputed fit limit, as in frame-encoder.ts.
 */
import {
  FLAG_OVERFLOW,
  FLAG_RESERVED,
  FLAG_STREAM_START,
  KEY_FIXED_BYTES,
  KEY_INTERVAL_MAX,
  MODE2_FLAGS_PRESENT,
  MODE2_ORDER_SHIFT,
  MSG_DELTA2,
  MSG_KEY2,
  PAYLOAD_MAX,
  PAYLOAD_MIN,
} from './constants.ts';
import { fitLimits, type FrameEncoder } from './frame-encoder.ts';

/** Dropped samples from which the next KEY2 starts a new stream instead of reporting an overflow (2^23: SPEC 4.8). */
const SKIP_RESTART = 0x800000;

/**
 * Creates a 1.2 encoder. payloadBytes: ATT payload in use (MTU - 3), 20..244; samplesPerFrameMax:
 * most samples one frame may carry, 1..255; keyIntervalSamples: a KEY2 at least this often, 1..128.
 * Throws a TypeError naming the parameter when one is out of range.
 */
export function createFrameEncoder2(payloadBytes: number, samplesPerFrameMax: number, keyIntervalSamples: number): FrameEncoder {
  if (!(payloadBytes >= PAYLOAD_MIN && payloadBytes <= PAYLOAD_MAX)) {
    throw new TypeError('createFrameEncoder2: payloadBytes must be ' + PAYLOAD_MIN + '..' + PAYLOAD_MAX + ', got ' + payloadBytes);
  }
  if (!(samplesPerFrameMax >= 1 && samplesPerFrameMax <= 255)) {
    throw new TypeError('createFrameEncoder2: samplesPerFrameMax must be 1..255, got ' + samplesPerFrameMax);
  }
  if (!(keyIntervalSamples >= 1 && keyIntervalSamples <= KEY_INTERVAL_MAX)) {
    throw new TypeError('createFrameEncoder2: keyIntervalSamples must be 1..' + KEY_INTERVAL_MAX + ', got ' + keyIntervalSamples);
  }
  let cap = payloadBytes | 0;
  let maxN = samplesPerFrameMax | 0;
  const keyInt = keyIntervalSamples | 0;
  let R = new Int32Array(12 * (maxN + 1));
  let FL = new Uint8Array(maxN + 1);
  let W = new Int32Array(maxN * 3 + 1);
  let W8 = new Uint8Array(W.buffer);
  let LD = fitLimits(cap - 3, maxN, false);
  let LDF = fitLimits(cap - 3, maxN, true);
  let LK = fitLimits(cap - KEY_FIXED_BYTES - 1, maxN - 1, false);
  let LKF = fitLimits(cap - KEY_FIXED_BYTES - 1, maxN - 1, true);
  let L = LD;
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
  let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
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

  /** Layout of a frame of the k pending samples: order fO (0..2), width fW, length fLen. */
  function prepFrame(k: number): void {
    "jit";
    let best = 0;
    let o = 0;
    let a = 0;
    let b = 0;
    fW = 25;
    fO = 0;
    for (o = 0; o < 3; o++) {
      a = (o === 0 ? a1 : o === 1 ? a2 : a3) >>> 8;
      b = 0;
      if (a >>> 16) { b = 16; a = a >>> 16; }
      if (a >>> 8) { b += 8; a = a >>> 8; }
      if (a >>> 4) { b += 4; a = a >>> 4; }
      if (a >>> 2) { b += 2; a = a >>> 2; }
      if (a >>> 1) { b += 1; a = a >>> 1; }
      best = b + a + 1;
      if (best < 2) best = 2;
      if (best < fW) { fW = best; fO = o; }
    }
    fLen = k > 0 ? (keyPending ? KEY_FIXED_BYTES + 1 : 3) + (fl !== 0 ? k : 0) + ((k * fW + 1) >> 1) : KEY_FIXED_BYTES;
  }

  /** Writes the frame prepFrame(k) laid out into f and starts the next one. */
  function fillFrame(f: Uint8Array, k: number): void {
    "jit";
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
      f[8] = k0;
      f[9] = k0 >> 8;
      f[10] = k0 >> 16;
      f[11] = k1;
      f[12] = k1 >> 8;
      f[13] = k1 >> 16;
      f[14] = k2;
      f[15] = k2 >> 8;
      f[16] = k2 >> 16;
      f[17] = k3;
      f[18] = k3 >> 8;
      f[19] = k3 >> 16;
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
      const w = fW;
      const mask = w >= 24 ? 0xffffff : (1 << w) - 1;
      const w2 = w + w;
      const base = fO << 2;
      let a = 0;
      let b = 0;
      let j = 0;
      let v = 0;
      let i = 0;
      let s = 0;
      let c = 0;
      if (w2 <= 30) {
        for (s = 0; s < k; s++) {
          i = 12 * s + base;
          for (c = 0; c < 4; c += 2) {
            v = (R[i + c] as number) >>> 8 & mask | ((R[i + c + 1] as number) >>> 8 & mask) << w;
            a |= v << b;
            b += w2;
            if (b >= 32) {
              W[j++] = a;
              b -= 32;
              a = v >>> w2 - b;
            }
          }
        }
      } else {
        for (s = 0; s < k; s++) {
          i = 12 * s + base;
          for (c = 0; c < 4; c++) {
            v = (R[i + c] as number) >>> 8 & mask;
            a |= v << b;
            b += w;
            if (b >= 32) {
              W[j++] = a;
              b -= 32;
              a = v >>> w - b;
            }
          }
        }
      }
      if (b > 0) W[j] = a;
      f.set(W8.subarray(0, (j * 32 + b + 7) >> 3), o);
    }
    n = 0;
    a1 = 0;
    a2 = 0;
    a3 = 0;
    fl = 0;
    L = LD;
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
    k0 = p0 = c0;
    k1 = p1 = c1;
    k2 = p2 = c2;
    k3 = p3 = c3;
    d0 = d1 = d2 = d3 = e0 = e1 = e2 = e3 = 0;
    if (extraFlags & FLAG_STREAM_START) parity ^= FLAG_RESERVED;
    keyFlags = ((flags | extraFlags) & 0x7f) | parity;
    extraFlags = 0;
    keyTime = Math.floor(timeMs) % 0x10000;
    keyPending = true;
    sinceKey = 1;
    keyAt = keyInt;
    L = LK;
    lim = maxN - 1;
    if (cap - KEY_FIXED_BYTES < 2 || lim < 1) {
      queue[qHead + queued] = buildFrame(0);
      queued++;
    }
  }

  /** The sample at R[12n..] (magnitudes m1..m3) joins the open frame; closes frames as needed. */
  function addSlow(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number, m1: number, m2: number, m3: number): void {
    "jit";
    if (sinceKey >= keyAt || (flags & (FLAG_OVERFLOW | FLAG_STREAM_START)) !== 0) {
      startKey(c0, c1, c2, c3, flags, timeMs);
    } else {
      let f = fl | flags;
      let t = f === fl ? L : keyPending ? LKF : LDF;
      let m = a1 | m1;
      if ((a2 | m2) < m) m = a2 | m2;
      if ((a3 | m3) < m) m = a3 | m3;
      if (m > (t[n + 1] as number)) {
        const o = 12 * n;
        queue[qHead + queued] = buildFrame(n);
        queued++;
        R.set(R.subarray(o, o + 12), 0);
        f = flags;
        t = f ? LDF : LD;
      }
      if (f !== 0 && fl === 0) FL.fill(0, 0, n);
      FL[n] = flags;
      a1 |= m1;
      a2 |= m2;
      a3 |= m3;
      fl = f;
      L = t;
      sinceKey++;
      if (++n >= lim) {
        queue[qHead + queued] = buildFrame(n);
        queued++;
      }
    }
  }

  function push(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void {
    "jit";
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
      if (m > (L[n + 1] as number)) {
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
      L = LD;
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
      if (!(payload >= PAYLOAD_MIN && payload <= PAYLOAD_MAX)) {
        throw new TypeError('FrameEncoder.configure: payloadBytes must be ' + PAYLOAD_MIN + '..' + PAYLOAD_MAX + ', got ' + payload);
      }
      if (!(perFrame >= 1 && perFrame <= 255)) {
        throw new TypeError('FrameEncoder.configure: samplesPerFrameMax must be 1..255, got ' + perFrame);
      }
      flushAll();
      cap = payload | 0;
      if ((perFrame | 0) !== maxN) {
        maxN = perFrame | 0;
        R = new Int32Array(12 * (maxN + 1));
        FL = new Uint8Array(maxN + 1);
        W = new Int32Array(maxN * 3 + 1);
        W8 = new Uint8Array(W.buffer);
      }
      LD = fitLimits(cap - 3, maxN, false);
      LDF = fitLimits(cap - 3, maxN, true);
      LK = fitLimits(cap - KEY_FIXED_BYTES - 1, maxN - 1, false);
      LKF = fitLimits(cap - KEY_FIXED_BYTES - 1, maxN - 1, true);
      L = LD;
      lim = maxN;
    },
  };
}
