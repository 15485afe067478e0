/**
 * The path from the sample ring to sample frames: pulls samples from the bounded ring into the
 * protocol's frame encoder one frame's worth at a time, when a link has room to send one (so
 * frames are built as late as possible and the ring, not the encoder, absorbs a slow link). Per
 * step: `ringDrainTo(ring, enc.push, samplesPerFrame)` (one loop, one encoder call per sample;
 * it waits until the ring holds that many, except when draining at STOP_STREAM) and one `flush()`:
 * a step's samples always leave in frames of that step. So when a KEY or a full payload closed a
 * frame early (a 1-sample KEY at payload 20, every second), the rest of the step is a frame of its
 * own instead of waiting for the next step's samples, which would hold every later frame back by a
 * sample period (firmware/README.md "Pacing"). Nothing per sample but the push.
 * Overflow: when the ring overwrote samples, the encoder skips exactly that many indices (the next
 * sample becomes a KEY with FLAG_OVERFLOW) and `onOverflow(dropped, firstIndex)` fires, so
 * the host can account for every index: received, or counted in an OVERFLOW event.
 */
import { createFrameEncoder, type FrameEncoder } from '../../protocol/frame-encoder.ts';
import { ringAckLost, ringClear, ringDrainTo, ringLost, ringSize, type SampleRing } from './ring.ts';

/** Streamer.ctl operations (its first argument; the build writes the numbers in). */
/** Starts a new stream at index d (0..2^24-1; FLAG_STREAM_START) with payload a, b samples per frame, key interval c: empties the ring. */
export const STREAM_BEGIN = 0;
/** Stops taking samples; samples already in the ring and the encoder still come out of nextFrame(). */
export const STREAM_END = 1;
/** Returns 1 while samples should be pushed into the ring, else 0. */
export const STREAM_ACTIVE = 2;
/** New payload size a (MTU change) or samples per frame b; applies from the next frame. */
export const STREAM_CONFIGURE = 3;
/** Returns the index the next sample will get (for fault events). */
export const STREAM_NEXT_INDEX = 4;
/** The next sample starts a KEY frame (after a rate change). */
export const STREAM_FORCE_KEY = 5;
/** Native streamer only: FrameEncoder.skip(a) (dropped indices, the next sample a KEY with FLAG_OVERFLOW). */
export const STREAM_SKIP = 6;
/** Native streamer only: returns the frames lost because its slot queue was full (0 unless the block layout is wrong). */
export const STREAM_QUEUE_FULL = 7;
/**
 * Frame format a (1: KEY/DELTA, 2: KEY2/DELTA2, protocol/SPEC.md 4.8) for the streams STREAM_BEGIN
 * starts from now on; returns the format they will use. The native streamer makes both; this JS
 * streamer makes 1.1 frames only and answers 0 like any operation it does not know (the caller
 * takes 0 as format 1).
 */
export const STREAM_FORMAT = 8;

/**
 * A stream from the ring to sample frames: nextFrame (called by the link's pump) and every other
 * operation (STREAM_*) through one function `ctl`: on the board an object of one method per
 * operation cost about 7 variables each (firmware/README.md "Memory").
 */
export interface Streamer {
  /** Next frame to send, or null when nothing is ready (then ask again after the next sample). */
  nextFrame(): Uint8Array | null;
  ctl(op: number, a?: number, b?: number, c?: number, d?: number): number;
}

/** The Streamer's operations as methods, for Node callers (tests, the real-interpreter harness); the board build drops it. */
export function streamerMethods(s: Streamer) {
  return {
    begin: (payloadBytes: number, samplesPerFrame: number, keyInterval: number, firstIndex: number): void => void s.ctl(STREAM_BEGIN, payloadBytes, samplesPerFrame, keyInterval, firstIndex),
    end: (): void => void s.ctl(STREAM_END),
    active: (): boolean => s.ctl(STREAM_ACTIVE) === 1,
    nextFrame: (): Uint8Array | null => s.nextFrame(),
    configure: (payloadBytes: number, samplesPerFrame: number): void => void s.ctl(STREAM_CONFIGURE, payloadBytes, samplesPerFrame),
    nextIndex: (): number => s.ctl(STREAM_NEXT_INDEX),
    forceKey: (): void => void s.ctl(STREAM_FORCE_KEY),
    skip: (dropped: number): void => void s.ctl(STREAM_SKIP, dropped),
    format: (frameFormat: number): number => s.ctl(STREAM_FORMAT, frameFormat) || 1,
    queueFull: (): number => s.ctl(STREAM_QUEUE_FULL),
  };
}

/** What streamerMethods returns. */
export type StreamerMethods = ReturnType<typeof streamerMethods>;

/**
 * A Streamer in JavaScript over createFrameEncoder (1.1 frames, second order). `newEncoder` (Node
 * only: tests give createFrameEncoder2 to make a 1.2 reference for the native streamer) replaces it;
 * the board never passes one.
 */
export function createStreamer(ring: SampleRing, onOverflow: (dropped: number, firstIndex: number) => void, newEncoder?: (payloadBytes: number, samplesPerFrame: number, keyInterval: number) => FrameEncoder): Streamer {
  let enc: FrameEncoder | null = null;
  let on = false;
  let draining = false;
  let keyInt = 0;
  let perFrame = 1;

  /** pull's result (written in the JIT's subset: no value returned). */
  let out: Uint8Array | null = null;

  /** Sets `out` to the next frame or null: drains a frame's worth from the ring into the encoder while none is ready (the JIT's subset: no return, the loop as a for). */
  function fill(): void {
    out = null;
    if (enc !== null) {
      var e = enc;
      var f = e.poll();
      for (; f === null && (on || draining) && ringSize(ring) >= (draining ? 1 : perFrame); ) {
        var lost = ringLost(ring);
        if (lost > 0) {
          var first = e.nextIndex();
          e.skip(lost);
          ringAckLost(ring);
          onOverflow(lost, first);
        }
        ringDrainTo(ring, e.push, perFrame);
        f = e.flush();
      }
      if (f === null && draining) {
        draining = false;
        f = e.flush();
      }
      out = f;
    }
  }

  function pull(): Uint8Array | null {
    fill();
    return out;
  }

  return {
    nextFrame: pull,
    ctl: function (op: number, a?: number, b?: number, c?: number, d?: number): number {
      if (op === STREAM_BEGIN) {
        if (enc === null || c !== keyInt) {
          enc = newEncoder ? newEncoder(a as number, b as number, c as number) : createFrameEncoder(a as number, b as number, c as number, true);
          keyInt = c as number;
          enc.start(d as number);
        } else {
          // start() first: it drops the samples still pending, so configure() has nothing to close into a
          // frame (a 1.2 encoder would count that unsent frame in its sequence; the native streamer does not).
          enc.start(d as number);
          enc.configure(a as number, b as number);
        }
        perFrame = b as number;
        ringClear(ring);
        on = true;
        draining = false;
      } else if (op === STREAM_END) {
        if (on) draining = true;
        on = false;
      } else if (op === STREAM_ACTIVE) {
        return on ? 1 : 0;
      } else if (op === STREAM_CONFIGURE) {
        if (enc !== null) enc.configure(a as number, b as number);
        perFrame = b as number;
      } else if (op === STREAM_NEXT_INDEX) {
        return enc === null ? 0 : enc.nextIndex();
      } else if (op === STREAM_FORCE_KEY) {
        if (enc !== null) enc.forceKey();
      }
      return 0;
    },
  };
}
