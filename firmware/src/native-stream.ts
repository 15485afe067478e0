/**
 * The Streamer of stream.ts (ring -> frame encoder -> frames) with the per-sample work in native
 * code: firmware/native/encode.c, compiled into native-code.ts and run through E.nativeCall. Same
 * frames byte for byte and the same onOverflow calls as createStreamer(ring, onOverflow) over
 * createFrameEncoder(payload, perFrame, keyInterval, true) (tests/firmware/native-encoder.test.ts
 * runs the machine code in the ARMv6-M interpreter against it). One native call per nextFrame: it
 * takes samples straight from the ring (ring.ts state block) by stream.ts' rule, encodes them and
 * leaves frames in slots of the encoder block; nextFrame returns a view of the slot (valid until the
 * slot is reused: send or copy it before asking for another frame).
 *
 * `createNativeStreamer(ring, nat, addressOf, onOverflow)`: `nat(op, a, b)` is the E.nativeCall
 * function ("int(int,int,int)", native.ts loadNative), `addressOf(x)` is E.getAddressOf(x, true).
 * Returns null when a buffer is not flat (address 0): then use createStreamer (JS).
 *
 * Encoder block `eb` (Int32Array; word layout documented in encode.c): the EB_HEADER header words,
 * then the four fit-limit tables (maxN + 2 words each, from protocol fitLimits), R (4 * (maxN + 1)
 * words), the slot lengths (slots words), FL (maxN + 1 bytes, rounded up to words) and the frame
 * slots (slots * stride bytes, stride = payload rounded up to 4). slots = maxN + 3: one NAT_FRAME step
 * closes at most perFrame + 1 frames (every frame holds a sample of the step but the one open
 * before it) and a configure() flush one more. The block is laid out for the largest maxN and
 * payload seen and reallocated (header and queued frames copied) when a larger one comes: 1,124 bytes
 * for the first layout (8 samples per frame, payload 50, i.e. anything the firmware uses by default);
 * configure()/begin() throw if a regrown block is not flat.
 *
 * Ops (entry.c): NAT_FRAME(eb, min) -> (byte offset of the frame in eb << 8) | length, 0 (none) or
 * NAT_OVERFLOW (-2: eb[EB_OVN], eb[EB_OVFIRST] hold onOverflow's arguments; call again);
 * NAT_FLUSH(eb) closes the open frame; NAT_SKIP(eb, n) skips n indices (the extra skip() method;
 * the streamer itself skips ring losses inside NAT_FRAME).
 */
import { FLAG_STREAM_START, KEY_FIXED_BYTES, KEY_INTERVAL_MAX, PAYLOAD_ESPRUINO_MAX, PAYLOAD_MAX, PAYLOAD_MIN } from '../../protocol/constants.ts';
import { fitLimits } from '../../protocol/frame-encoder.ts';
import { ringClear, ringSetAddresses, type SampleRing } from './ring.ts';
import { STREAM_ACTIVE, STREAM_BEGIN, STREAM_CONFIGURE, STREAM_END, STREAM_FORCE_KEY, STREAM_FORMAT, STREAM_NEXT_INDEX, STREAM_QUEUE_FULL, STREAM_SKIP, type Streamer } from './stream.ts';
import { EB_A1, EB_A3, EB_ACC, EB_CAP, EB_EXTRA, EB_FL, EB_FLB, EB_FMT, EB_GATE, EB_GATEWANT, EB_HEADER, EB_KEYAT, EB_KEYIDX, EB_KEYINT, EB_KEYPEND, EB_L, EB_LD, EB_LDF, EB_LIM, EB_LK, EB_LKF, EB_MAXN, EB_N, EB_OVFIRST, EB_OVN, EB_PERFRAME, EB_QFULL, EB_QHEAD, EB_QLEN, EB_QOFF, EB_QSLOTS, EB_QSTRIDE, EB_QUEUED, EB_R, EB_RESUME, EB_RING, EB_SINCEKEY, RB_COUNT } from './native-code.ts';

export const NAT_FRAME = 2;
export const NAT_FLUSH = 3;
export const NAT_SKIP = 4;
/** NAT_FRAME's result when the ring had lost samples (see the file header). */
export const NAT_OVERFLOW = -2;

/** EB_GATEWANT when idle (neither streaming nor draining): nextFrame only returns frames already queued. */
const IDLE_GATE = 0x7fffffff;

/** The native entry (native.ts NativeFn). */
export type NativeCall = (op: number, a: number, b: number) => number;

/**
 * A Streamer over the native encoder, or null when the ring's or the encoder block's buffers are not
 * flat (addressOf returned 0).
 */
export function createNativeStreamer(
  ring: SampleRing,
  nat: NativeCall,
  addressOf: (v: Int32Array | Uint8Array) => number,
  onOverflow: (dropped: number, firstIndex: number) => void,
): Streamer | null {
  'boot';
  if (!ringSetAddresses(ring, addressOf)) return null;
  const rs = ring.state;
  const rbA = addressOf(rs);
  if (rbA === 0) return null;
  let eb = new Int32Array(0);
  let eb8 = new Uint8Array(0);
  let ebA = 0;
  /** Largest maxN and stride the block is laid out for. */
  let nCap = 0;
  let sCap = 0;
  let started = false;
  let on = false;
  let draining = false;
  let keyInt = 0;
  let perFrame = 1;
  /** Frame format of the next stream (STREAM_FORMAT): 1 KEY/DELTA, 2 KEY2/DELTA2. */
  let format = 1;

  /** Lays the block out for maxN samples per frame and a payload (grows only); false when not flat. */
  function layout(maxN: number, payload: number): boolean {
    const stride = (payload + 3) & ~3;
    if (maxN <= nCap && stride <= sCap) return true;
    const n = maxN > nCap ? maxN : nCap;
    const s = stride > sCap ? stride : sCap;
    const slots = n + 3;
    const ld = EB_HEADER;
    const r = ld + 4 * (n + 2);
    const qlen = r + 4 * (n + 1);
    const flb = qlen + slots;
    const qoff = flb + ((n + 4) >> 2);
    const words = qoff + ((slots * s) >> 2);
    const nb = new Int32Array(words);
    const a = addressOf(nb);
    if (a === 0) return false;
    const nb8 = new Uint8Array(nb.buffer);
    if (ebA !== 0) {
      nb.set(eb.subarray(0, EB_HEADER), 0);
      const q = eb[EB_QUEUED] as number;
      const oldSlots = eb[EB_QSLOTS] as number;
      let h = eb[EB_QHEAD] as number;
      for (let i = 0; i < q; i++) {
        const from = (eb[EB_QOFF] as number) + h * (eb[EB_QSTRIDE] as number);
        nb[qlen + i] = eb[(eb[EB_QLEN] as number) + h] as number;
        nb8.set(eb8.subarray(from, from + (eb[(eb[EB_QLEN] as number) + h] as number)), qoff * 4 + i * s);
        h = h + 1 === oldSlots ? 0 : h + 1;
      }
      nb[EB_QHEAD] = 0;
    }
    nb[EB_RING] = rbA;
    nb[EB_LD] = ld;
    nb[EB_LDF] = ld + (n + 2);
    nb[EB_LK] = ld + 2 * (n + 2);
    nb[EB_LKF] = ld + 3 * (n + 2);
    nb[EB_R] = r;
    nb[EB_QLEN] = qlen;
    nb[EB_FLB] = flb * 4;
    nb[EB_QOFF] = qoff * 4;
    nb[EB_QSTRIDE] = s;
    nb[EB_QSLOTS] = slots;
    eb = nb;
    eb8 = nb8;
    ebA = a;
    nCap = n;
    sCap = s;
    return true;
  }

  /** FrameEncoder.configure after its flush: payload, maxN, the fit-limit tables, EB_L = EB_LD, lim = maxN. */
  function setFormat(payload: number, maxN: number): void {
    if (!layout(maxN, payload)) throw new Error('native streamer: no flat buffer for the encoder block (maxN ' + maxN + ', payload ' + payload + ')');
    eb[EB_CAP] = payload;
    eb[EB_MAXN] = maxN;
    eb.set(fitLimits(payload - 3, maxN, false), eb[EB_LD] as number);
    eb.set(fitLimits(payload - 3, maxN, true), eb[EB_LDF] as number);
    eb.set(fitLimits(payload - KEY_FIXED_BYTES - 1, maxN - 1, false), eb[EB_LK] as number);
    eb.set(fitLimits(payload - KEY_FIXED_BYTES - 1, maxN - 1, true), eb[EB_LKF] as number);
    eb[EB_L] = eb[EB_LD] as number;
    eb[EB_LIM] = maxN;
  }

  // Laid out at boot for the most the firmware makes (settings.ts FRAME_SAMPLES_MAX at payload 50),
  // while memory is still in one piece: a flat block needs contiguous free variables, which a board
  // that has run for a while may not have.
  if (!layout(8, PAYLOAD_ESPRUINO_MAX)) return null;
  eb[EB_PERFRAME] = perFrame;

  /** NAT_FRAME's min argument: stream.ts' `on || draining` and `draining ? 1 : perFrame` in one number (0: take nothing). */
  let want = 0;

  /** Sets NAT_FRAME's min (w) and the ring count below which nextFrame need not call (gate; encode.c EB_GATEWANT). */
  function setWant(w: number, gate: number): void {
    want = w;
    eb[EB_GATEWANT] = gate;
    eb[EB_GATE] = (eb[EB_QUEUED] as number) > 0 ? -1 : gate;
  }
  setWant(0, IDLE_GATE);

  /**
   * pull's rare cases: an overflow to report (r < 0), the last flush when draining (r = 0). The step
   * the overflow interrupted resumes in the next NAT_FRAME (EB_RESUME) only once onOverflow returned:
   * if it throws, that step is not taken, as in stream.ts.
   */
  function pullSlow(r: number): Uint8Array | null {
    while (r < 0) {
      eb[EB_RESUME] = 0;
      onOverflow(eb[EB_OVN] as number, eb[EB_OVFIRST] as number);
      eb[EB_RESUME] = 1;
      r = nat(NAT_FRAME, ebA, want);
    }
    if (r === 0 && draining) {
      draining = false;
      setWant(0, IDLE_GATE);
      nat(NAT_FLUSH, ebA, 0);
      r = nat(NAT_FRAME, ebA, 0);
    }
    return r === 0 ? null : eb8.subarray(r >> 8, (r >> 8) + (r & 255));
  }

  /**
   * nextFrame: one native call (NAT_FRAME = 2) and a view of the frame's slot; no call when it could
   * only answer 0 (ring count below eb[EB_GATE]: no frame queued and fewer than a frame's worth
   * of samples while streaming, or idle).
   */
  function pull(): Uint8Array | null {
    if ((rs[RB_COUNT] as number) < (eb[EB_GATE] as number)) return null;
    var r = nat(NAT_FRAME, ebA, want);
    if (r > 0) return eb8.subarray(r >> 8, (r >> 8) + (r & 255));
    return r === 0 && !draining ? null : pullSlow(r);
  }

  return {
    nextFrame: pull,
    ctl: function (op: number, a?: number, b?: number, c?: number, d?: number): number {
      if (op === STREAM_BEGIN || (op === STREAM_CONFIGURE && started)) {
        // Throws as createFrameEncoder (first stream, new key interval) or FrameEncoder.configure would
        // (one check for both operations, not a function: on the board a function object costs RAM).
        const who = op === STREAM_BEGIN && (!started || (c as number) !== keyInt) ? 'createFrameEncoder' : 'FrameEncoder.configure';
        if (!((a as number) >= PAYLOAD_MIN && (a as number) <= PAYLOAD_MAX)) throw new TypeError(who + ': payloadBytes must be ' + PAYLOAD_MIN + '..' + PAYLOAD_MAX + ', got ' + a);
        if (!((b as number) >= 1 && (b as number) <= 255)) throw new TypeError(who + ': samplesPerFrameMax must be 1..255, got ' + b);
      }
      if (op === STREAM_BEGIN) {
        if (!started || (c as number) !== keyInt) {
          if (!((c as number) >= 1 && (c as number) <= KEY_INTERVAL_MAX)) {
            throw new TypeError('createFrameEncoder: keyIntervalSamples must be 1..' + KEY_INTERVAL_MAX + ', got ' + (c as number));
          }
          keyInt = c as number;
        }
        setFormat((a as number) | 0, (b as number) | 0);
        eb[EB_FMT] = format;
        eb[EB_KEYINT] = keyInt | 0;
        eb[EB_N] = 0;
        eb[EB_ACC] = 0;
        eb[EB_A1] = 0;
        eb[EB_A3] = 0;
        eb[EB_FL] = 0;
        eb[EB_KEYPEND] = 0;
        eb[EB_QUEUED] = 0;
        eb[EB_QHEAD] = 0;
        eb[EB_KEYIDX] = (d as number) & 0xffffff;
        eb[EB_SINCEKEY] = 0;
        eb[EB_KEYAT] = 0;
        eb[EB_EXTRA] = FLAG_STREAM_START;
        eb[EB_RESUME] = 0;
        perFrame = b as number;
        eb[EB_PERFRAME] = perFrame;
        started = true;
        ringClear(ring);
        on = true;
        draining = false;
        setWant(perFrame, perFrame);
      } else if (op === STREAM_END) {
        if (on) draining = true;
        on = false;
        if (draining) setWant(1, -1);
        else setWant(0, IDLE_GATE);
      } else if (op === STREAM_ACTIVE) {
        return on ? 1 : 0;
      } else if (op === STREAM_CONFIGURE) {
        if (started) {
          nat(NAT_FLUSH, ebA, 0);
          setFormat((a as number) | 0, (b as number) | 0);
        }
        perFrame = b as number;
        eb[EB_PERFRAME] = perFrame;
        if (on) setWant(perFrame, perFrame);
      } else if (op === STREAM_NEXT_INDEX) {
        return started ? ((eb[EB_KEYIDX] as number) + (eb[EB_SINCEKEY] as number)) & 0xffffff : 0;
      } else if (op === STREAM_FORCE_KEY) {
        if (started) eb[EB_KEYAT] = 0;
      } else if (op === STREAM_SKIP) {
        if (started) nat(NAT_SKIP, ebA, (a as number) | 0);
      } else if (op === STREAM_QUEUE_FULL) {
        return eb[EB_QFULL] as number;
      } else if (op === STREAM_FORMAT) {
        // For the streams begun from now on (main.ts calls it right before STREAM_BEGIN): the block's
        // sequence number and stream parity carry on across streams and formats (they only move in format 2).
        format = a === 2 ? 2 : 1;
        return format;
      }
      return 0;
    },
  };
}
