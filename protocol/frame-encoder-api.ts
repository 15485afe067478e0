/**
 * What every sample-frame encoder offers (createFrameEncoder for 1.1 frames, createFrameEncoder2
 * for 1.2): the interface only, so both encoders and their callers share it without importing each
 * other's code. Espruino-safe (types vanish when compiled).
 */

/** A running sample-frame encoder. Every method is safe to call at any time; nothing throws after creation. */
export interface FrameEncoder {
  /**
   * Adds one sample: four int24 HX711 counts (-8388608..8388607; other values are taken mod 2^24),
   * its status flags (FLAG_*), and the device time it was read, ms (>= 0, any resolution; sent mod 2^24).
   * Returns a completed frame (exactly one message) or null; call poll() until null for more.
   */
  add(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): Uint8Array | null;
  /**
   * add() without the return: the sample goes in, completed frames wait for poll(). Written in the
   * subset Espruino's JIT compiles (add() is a plain wrapper around it: one JS call less per sample when a
   * caller uses push + poll, e.g. push every sample and poll once when a frame is wanted).
   */
  push(c0: number, c1: number, c2: number, c3: number, flags: number, timeMs: number): void;
  /** Frames completed and not yet returned by add() or poll(). */
  pendingFrames(): number;
  /** Next completed frame not yet returned, or null. */
  poll(): Uint8Array | null;
  /** Closes every pending sample into frames; returns the first (poll() for the rest) or null. */
  flush(): Uint8Array | null;
  /** The next sample starts a KEY frame. */
  forceKey(): void;
  /** `dropped` samples were lost on the device: the index skips them; the next sample is a KEY with FLAG_OVERFLOW. */
  skip(dropped: number): void;
  /**
   * New stream: drops pending samples, the index restarts at `firstIndex` (default 0; only tests and
   * vectors use another value), next sample is a KEY with FLAG_STREAM_START.
   */
  start(firstIndex?: number): void;
  /** Index the next added sample will get (mod 2^24 on the wire). */
  nextIndex(): number;
  /** Samples currently held (not yet in a returned frame). */
  pendingSamples(): number;
  /** Changes the payload size (new MTU) or samples per frame; pending samples are flushed first (poll()). */
  configure(payloadBytes: number, samplesPerFrameMax: number): void;
}
