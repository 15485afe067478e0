/**
 * Whole streams through the protocol's frame encoder, for the bench and the tests: every frame an
 * encoder gives for a run of samples, the samples per frame a device uses, bytes per sample.
 */
import { FRAME_SAMPLES_REFERENCE, KEY_INTERVAL_DEFAULT, createFrameEncoder, createFrameEncoder2, type FrameEncoder } from '../../protocol/index.ts';

/**
 * Every frame `enc` gives while `feed` adds samples (each add() and then poll() until null), then
 * for flush() and poll() at the end. `feed` calls `add` once a sample with add()'s arguments.
 */
export function drainFrames(
  enc: FrameEncoder,
  feed: (add: (c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number) => void) => void,
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  feed((c0, c1, c2, c3, flags, timeMs) => {
    let f = enc.add(c0, c1, c2, c3, flags, timeMs);
    while (f) {
      frames.push(f);
      f = enc.poll();
    }
  });
  let f = enc.flush();
  while (f) {
    frames.push(f);
    f = enc.poll();
  }
  return frames;
}

/** Encodes `counts` (sample-major, flags 0, 12.5 ms apart) and returns every frame; format 2: the 1.2 frames (secondOrder unused). */
export function encodeAll(counts: Int32Array, payloadBytes: number, samplesPerFrame: number, secondOrder = true, format = 1): Uint8Array[] {
  const enc = format === 2 ? createFrameEncoder2(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT) : createFrameEncoder(payloadBytes, samplesPerFrame, KEY_INTERVAL_DEFAULT, secondOrder);
  const n = counts.length / 4;
  return drainFrames(enc, (add) => {
    for (let i = 0; i < n; i++) add(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, 0, i * 12.5);
  });
}

/** Samples per frame a device uses by default (protocol/SPEC.md 4.5 reference: 2 at every payload, 25 ms at 80 Hz; the argument no longer matters). */
export function defaultSamplesPerFrame(_payloadBytes: number): number {
  return FRAME_SAMPLES_REFERENCE;
}

export function bytesPerSample(frames: Uint8Array[], samples: number): number {
  let total = 0;
  for (const f of frames) total += f.length;
  return total / samples;
}
