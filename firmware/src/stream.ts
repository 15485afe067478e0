/**
 * The path from the sample ring to sample frames: pulls samples from the bounded ring into the
 * protocol's frame encoder one frame's worth at a time, when a link has room to send one (so
 * frames are built as late as possible and the ring, not the encoder, absorbs a slow link). Per
 * frame: `ring.drainTo(enc.push, samplesPerFrame)` (one "jit" loop, one encoder call per sample;
 * samplesPerFrame samples always complete a frame, so it waits until the ring holds that many,
 * except when draining at STOP_STREAM) and one `poll()`; nothing per sample but the push.
 * Overflow: when the ring overwrote samples, the encoder skips exactly that many indices (the next
 * sample becomes a KEY with FLAG_OVERFLOW) and `onOverflow(dropped, firstIndex)` fires, so
 * the host can account for every index: received, or counted in an OVERFLOW event.
 */
import { createFrameEncoder, type FrameEncoder } from '../../protocol/frame-encoder.ts';
import type { SampleRing } from './ring.ts';

export interface Streamer {
  /** Starts a new stream at index firstIndex (0..2^24-1; FLAG_STREAM_START): empties the ring. */
  begin(payloadBytes: number, samplesPerFrame: number, keyInterval: number, firstIndex: number): void;
  /** Stops taking samples; samples already in the ring and the encoder still come out of nextFrame(). */
  end(): void;
  /** True while samples should be pushed into the ring. */
  active(): boolean;
  /** Next frame to send, or null when nothing is ready (then ask again after the next sample). */
  nextFrame(): Uint8Array | null;
  /** New payload size (MTU change) or samples per frame; applies from the next frame. */
  configure(payloadBytes: number, samplesPerFrame: number): void;
  /** Index the next sample will get (for fault events). */
  nextIndex(): number;
  /** The next sample starts a KEY frame (after a rate change). */
  forceKey(): void;
}

export function createStreamer(ring: SampleRing, onOverflow: (dropped: number, firstIndex: number) => void): Streamer {
  let enc: FrameEncoder | null = null;
  let on = false;
  let draining = false;
  let keyInt = 0;
  let perFrame = 1;

  /** pull's result (a "jit" function cannot return a value). */
  let out: Uint8Array | null = null;

  /** Sets `out` to the next frame or null: drains a frame's worth from the ring into the encoder while none is ready ("jit": no return, the loop as a for). */
  function fill(): void {
    "jit";
    out = null;
    if (enc !== null) {
      var e = enc;
      var f = e.poll();
      for (; f === null && (on || draining) && ring.size() >= (draining ? 1 : perFrame); ) {
        var lost = ring.lost();
        if (lost > 0) {
          var first = e.nextIndex();
          e.skip(lost);
          ring.ackLost();
          onOverflow(lost, first);
        }
        ring.drainTo(e.push, perFrame);
        f = e.poll();
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
    begin: function (payloadBytes: number, samplesPerFrame: number, keyInterval: number, firstIndex: number): void {
      if (enc === null || keyInterval !== keyInt) {
        enc = createFrameEncoder(payloadBytes, samplesPerFrame, keyInterval, true);
        keyInt = keyInterval;
      } else {
        enc.configure(payloadBytes, samplesPerFrame);
      }
      perFrame = samplesPerFrame;
      enc.start(firstIndex);
      ring.clear();
      on = true;
      draining = false;
    },
    end: function (): void {
      if (on) draining = true;
      on = false;
    },
    active: function (): boolean {
      return on;
    },
    nextFrame: pull,
    configure: function (payloadBytes: number, samplesPerFrame: number): void {
      if (enc !== null) enc.configure(payloadBytes, samplesPerFrame);
      perFrame = samplesPerFrame;
    },
    nextIndex: function (): number {
      return enc === null ? 0 : enc.nextIndex();
    },
    forceKey: function (): void {
      if (enc !== null) enc.forceKey();
    },
  };
}
