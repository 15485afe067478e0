/**
 * Frames -> samples with exact accounting. On top of the protocol's stream decoder (which unwraps
 * the index, follows the delta chain and counts what it rejects) this stage:
 *  - drops byte-identical repeats of a recent frame as duplicates (without breaking the chain) and
 *    reports `{type:'duplicate', index, count}` with the exact samples;
 *  - reports every index jump as `{type:'gap', fromIndex, count, reason}`: never merged, never
 *    interpolated; reason says 'link lost', 'device overflow' or 'frames lost/rejected';
 *  - reconstructs each sample's device time (device-time.ts);
 *  - resets the delta chain on a link loss (the 9-bit delta index could alias after ~6 s away).
 * Pure and synchronous: no rxjs, no I/O. Output goes to callbacks so nothing is allocated per call.
 */
import { createStreamDecoder, maxSamples, type BlockInfo, type StreamDecoder } from '../../protocol/frame-decoder.ts';
import { CELLS, FLAG_OVERFLOW, INDEX_MOD, KIND_KEY, KIND_KEY2, TIME2_MOD_MS, TIME_MOD_MS } from '../../protocol/constants.ts';
import { DeviceClock } from './device-time.ts';
import type { PipelineEvent } from './types.ts';

// Module-local copies for the per-frame path (under tsx an imported binding is a getter call).
const K_KIND_KEY = KIND_KEY;
const K_KIND_KEY2 = KIND_KEY2;

/** Frames remembered for duplicate detection. */
const RECENT_FRAMES = 8;
/** Bytes kept per remembered frame (a longer frame gets a larger copy). */
const RECENT_BYTES = 64;
/** Frames per pushSome() call from pushFrames (a loop of thousands compiled while it runs bails out after it). */
const FRAMES_PER_CALL = 256;

export interface RawSample {
  index: number;
  /** Device time, s since the session's first KEY frame. */
  t: number;
  hostTimeMs: number;
  counts: Int32Array;
  /** Offset of this sample's cell 0 in `counts` (4 counts per sample). */
  at: number;
  flags: number;
}

/**
 * One frame's delivered samples, in the stage's reused arrays (valid only during the callback):
 * sample k has index firstIndex + k, counts[4k..4k+3], flags[k] and device time t[k] (s).
 */
export interface FrameSamples {
  firstIndex: number;
  count: number;
  hostTimeMs: number;
  counts: Int32Array;
  flags: Uint8Array;
  t: Float64Array;
}

export interface SampleStats {
  frames: number;
  samples: number;
  /** Samples known missing (sum of gap counts). */
  lost: number;
  /** Duplicate samples received and dropped. */
  duplicates: number;
  /** Frames that arrived out of order and were put back in place (replays; reorder.ts). */
  reordered: number;
  gaps: number;
  rejectedFrames: number;
  /** Samples the device reported dropping itself (EVT_OVERFLOW), for comparison with `lost`. */
  deviceDropped: number;
}

export interface SampleStageOptions {
  /** Nominal sample rate, Hz (from GET_INFO); used for time until two KEY frames arrive. Defaults to 80. */
  rateHz?: number;
  /**
   * Receives each frame's samples at once (the batched path: no call per sample); when given,
   * the per-sample callback is not called. Times and indices are the per-sample path's exactly.
   */
  onFrame?: (f: FrameSamples) => void;
}

export class SampleStage {
  private decoder: StreamDecoder = createStreamDecoder();
  /** Where the decoder writes a frame's samples (reused: nothing allocated per frame). */
  private counts = new Int32Array(CELLS * 64);
  private flags = new Uint8Array(64);
  private times = new Float64Array(64);
  private readonly onFrame: ((f: FrameSamples) => void) | null;
  private readonly frame: FrameSamples = { firstIndex: 0, count: 0, hostTimeMs: 0, counts: this.counts, flags: this.flags, t: this.times };
  /** The board acknowledged START_STREAM: the next KEY belongs to a new stream (see expectStreamStart). */
  private pendingStart = false;
  /** New sample rate to apply at the next KEY, Hz. */
  private pendingRateHz: number | null = null;
  private readonly clock: DeviceClock;
  /**
   * The last RECENT_FRAMES frames used: copies of their bytes (recentBytes[k][0, len)), with their
   * first four bytes as one number (compared before the bytes), first index and sample count; len
   * -1 for an empty slot.
   */
  private readonly recentBytes: Uint8Array[] = Array.from({ length: RECENT_FRAMES }, () => new Uint8Array(RECENT_BYTES));
  private readonly recentLen = new Int32Array(RECENT_FRAMES).fill(-1);
  private readonly recentHead4 = new Int32Array(RECENT_FRAMES);
  private readonly recentFirst = new Float64Array(RECENT_FRAMES);
  private readonly recentCount = new Int32Array(RECENT_FRAMES);
  private recentHead = 0;
  /** pushRange()'s frame as a batch of one (pushSome). */
  private readonly oneStart = new Int32Array(1);
  private readonly oneEnd = new Int32Array(1);
  private readonly oneHost = new Float64Array(1);
  private linkLostReason: string | null = null;
  private rejectedSinceGood = 0;
  private next: number | null = null;
  /** Host index = device index + indexOffset (changes only at a stream restart). */
  private indexOffset = 0;
  private lastRawMs: number | null = null;
  private lastKeyMs: number | null = null;
  /** Whether a sample was emitted (lastSampleMs and lastHostMs hold its times). */
  private haveLast = false;
  /** Device time of the last sample emitted, ms (for sizing a gap across a stream restart). */
  private lastSampleMs = 0;
  /** Host time of the last sample emitted, ms (for sizing a gap across a board restart). */
  private lastHostMs = 0;
  /** Boot id from the START_STREAM answer of the stream being received (null: unknown, a 1.0 board). */
  private streamBootId: number | null = null;
  /** Boot id from the latest START_STREAM answer, applied when its stream's first KEY arrives. */
  private pendingBootId: number | null = null;
  readonly stats: SampleStats = { frames: 0, samples: 0, lost: 0, duplicates: 0, reordered: 0, gaps: 0, rejectedFrames: 0, deviceDropped: 0 };
  private readonly sample: RawSample = { index: 0, t: 0, hostTimeMs: 0, counts: new Int32Array(0), at: 0, flags: 0 };

  constructor(
    private readonly onSample: (s: RawSample) => void,
    private readonly onEvent: (e: PipelineEvent) => void,
    opts: SampleStageOptions = {},
  ) {
    this.clock = new DeviceClock(1000 / (opts.rateHz ?? 80));
    this.onFrame = opts.onFrame ?? null;
  }

  /** Device index (mod 2^24) of the sample expected next, or null before the first frame. */
  get expectedDeviceIndex(): number | null {
    return this.next === null ? null : (((this.next - this.indexOffset) % INDEX_MOD) + INDEX_MOD) % INDEX_MOD;
  }

  setRate(rateHz: number): void {
    this.clock.setNominalPeriod(1000 / rateHz);
  }

  /**
   * The board acknowledged SET_SAMPLE_RATE: from its next KEY (the firmware forces one after a rate
   * change) the time fit starts over at the new nominal period, so the two rates never mix in one fit.
   * Samples still in flight at the old rate keep the old fit.
   */
  rateChanged(rateHz: number): void {
    this.pendingRateHz = rateHz;
  }

  /** The link dropped: forget the delta chain; the next gap is attributed to the link loss. */
  linkLost(reason: string): void {
    this.decoder.resetChain();
    this.linkLostReason = reason;
  }

  /** The board reported dropping samples (overflow event); counted for cross-checking. */
  deviceDropped(n: number): void {
    this.stats.deviceDropped += n;
  }

  /** One sample frame (a data message) as received. */
  push(bytes: Uint8Array, hostTimeMs: number): void {
    this.pushRange(bytes, 0, bytes.length, hostTimeMs);
  }

  /**
   * push() for the frame held in bytes [start, end) of `buf` (a recording read in large chunks: no
   * view per frame). The stage copies what it keeps (the last RECENT_FRAMES frames, for duplicate
   * detection): `buf` may be written again after the call.
   */
  pushRange(buf: Uint8Array, start: number, end: number, hostTimeMs: number): void {
    this.oneStart[0] = start;
    this.oneEnd[0] = end;
    this.oneHost[0] = hostTimeMs;
    this.pushSome(buf, this.oneStart, this.oneEnd, this.oneHost, 0, 1);
  }

  /** Takes no more frames (the stream ended half-way through a batch, see ForcePipeline.halt). */
  halt(): void {
    this.halted = true;
  }

  private halted = false;

  /**
   * pushRange() for frames [from, to) of a batch (frame i is bytes [start[i], end[i]) of `buf`,
   * received at hostTimeMs[i]): a recording read in large chunks, one call for thousands of frames.
   */
  pushFrames(buf: Uint8Array, start: Int32Array, end: Int32Array, hostTimeMs: Float64Array, from: number, to: number): void {
    for (let i = from; i < to; i += FRAMES_PER_CALL) this.pushSome(buf, start, end, hostTimeMs, i, Math.min(to, i + FRAMES_PER_CALL));
  }

  /**
   * Frames [from, to) of a batch, one after the other: the one per-frame path of pushRange and
   * pushFrames (a loop in one function, compiled once, rather than a call per frame).
   */
  private pushSome(buf: Uint8Array, starts: Int32Array, ends: Int32Array, hosts: Float64Array, from: number, to: number): void {
    const stats = this.stats;
    for (let i = from; i < to && !this.halted; i++) {
      const start = starts[i]!;
      const end = ends[i]!;
      stats.frames++;
      const dup = this.findRecent(buf, start, end);
      if (dup >= 0) {
        const count = this.recentCount[dup]!;
        stats.duplicates += count;
        this.onEvent({ type: 'duplicate', index: this.recentFirst[dup]!, count });
        continue;
      }
      const cap = maxSamples(end - start);
      if (this.flags.length < cap) {
        this.counts = new Int32Array(CELLS * cap);
        this.flags = new Uint8Array(cap);
        this.times = new Float64Array(cap);
        this.frame.counts = this.counts;
        this.frame.flags = this.flags;
        this.frame.t = this.times;
      }
      let n = this.decoder.decodeRange(buf, start, end, this.counts, this.flags, 0);
      let startLost = false;
      const kind = end > start ? buf[start]! & 0x0f : -1;
      const key = kind === K_KIND_KEY || kind === K_KIND_KEY2;
      if (this.pendingStart && key && !(n > 0 && this.decoder.block.streamStart)) {
        // The new stream's first KEY (the one flagged STREAM_START) was lost: this KEY starts over.
        this.decoder = createStreamDecoder();
        n = this.decoder.decodeRange(buf, start, end, this.counts, this.flags, 0);
        startLost = n > 0;
      }
      this.lastKind = kind < 0 ? 0 : kind;
      if (n <= 0) {
        this.rejected(buf, start, end);
        continue;
      }
      const block = this.decoder.block;
      if (key) this.pendingStart = false;
      this.remember(buf, start, end, block);
      if (block.framesLost > 0 && block.streamStart) {
        this.onEvent({ type: 'frame-error', code: 'frames-lost', message: `${block.framesLost} frame(s) lost right before the new stream started (protocol 1.2 sequence numbers); their samples are inside the gap reported for the restart` });
      }
      this.emitBlock(block, this.counts, this.flags, hosts, i, startLost);
    }
  }

  /** A frame the decoder did not use: a duplicate (by index or sequence number) or an error. */
  private rejected(buf: Uint8Array, start: number, end: number): void {
    const err = this.decoder.lastError;
    this.stats.rejectedFrames++;
    if (err?.code === 'duplicate') {
      const bytes = buf.subarray(start, end);
      const n = this.countOf(bytes);
      const idx = this.indexBehind(bytes);
      this.stats.duplicates += n;
      this.onEvent({ type: 'duplicate', index: idx, count: n });
      return;
    }
    this.rejectedSinceGood++;
    this.onEvent({ type: 'frame-error', code: err?.code ?? 'unknown', message: err?.message ?? 'frame rejected' });
  }

  /**
   * The board acknowledged START_STREAM (seen on the control channel, live or in a replay). Its
   * first KEY is flagged STREAM_START; if that frame is lost, the next KEY that arrives is taken
   * as the start of the new stream instead of being mistaken for an old (duplicate) index.
   */
  expectStreamStart(bootId?: number): void {
    this.pendingStart = true;
    this.decoder.expectStreamStart();
    this.pendingBootId = bootId ?? null;
  }

  /** Kind of the frame being decoded (KEY2 time at a stream start is u16: unwrapped with host time). */
  private lastKind = 0;
  /** Host time at the last KEY, ms (sizes the u16 wraps of a KEY2 stream start). */
  private lastKeyHostMs: number | null = null;

  /** Host time of the frame being emitted, ms (read by restartStream). */
  private lastHostMsAtKey = 0;

  /** The frame's host time is hosts[hi] (read here: a double passed as an argument is a heap number per call). */
  private emitBlock(block: BlockInfo, counts: Int32Array, flags: Uint8Array, hosts: Float64Array, hi: number, startLost: boolean): void {
    const hostTimeMs = hosts[hi]!;
    this.lastHostMsAtKey = hostTimeMs;
    let keyMs = block.deviceTimeMs !== null ? this.unwrapDeviceMs(block.deviceTimeMs, block.streamStart && this.lastKind === KIND_KEY2, hostTimeMs) : null;
    if (block.streamStart || startLost) keyMs = this.restartStream(block, keyMs, startLost);
    const first = block.firstIndex + this.indexOffset;
    if (block.gapBefore > 0) {
      const reason = this.linkLostReason !== null
        ? `link lost (${this.linkLostReason})`
        : (flags[0]! & FLAG_OVERFLOW) !== 0
          ? 'device buffer overflow'
          : this.rejectedSinceGood > 0
            ? `frames lost or rejected (${this.rejectedSinceGood} rejected)`
            : 'frames lost';
      this.stats.gaps++;
      this.stats.lost += block.gapBefore;
      this.onEvent({ type: 'gap', fromIndex: first - block.gapBefore, count: block.gapBefore, reason });
    }
    this.linkLostReason = null;
    this.rejectedSinceGood = 0;
    if (keyMs !== null && this.pendingRateHz !== null) {
      this.clock.setNominalPeriod(1000 / this.pendingRateHz);
      this.clock.restartAtNominal();
      this.pendingRateHz = null;
    }
    if (keyMs !== null) this.clock.addKey(first, keyMs);
    const count = block.count;
    const times = this.times;
    for (let k = 0; k < count; k++) times[k] = this.clock.timeOf(first + k);
    if (count > 0) {
      this.haveLast = true;
      this.lastSampleMs = this.clock.msOf(first + count - 1);
      this.lastHostMs = hostTimeMs;
    }
    if (this.onFrame !== null) {
      const f = this.frame;
      f.firstIndex = first;
      f.count = count;
      f.hostTimeMs = hostTimeMs;
      this.onFrame(f); // its arrays are this.counts, this.flags and this.times (set where they grow)
    } else {
      const s = this.sample;
      s.hostTimeMs = hostTimeMs;
      s.counts = counts;
      for (let k = 0; k < count; k++) {
        s.index = first + k;
        s.t = times[k]!;
        s.at = k * CELLS;
        s.flags = flags[k]!;
        this.onSample(s);
      }
    }
    this.stats.samples += count;
    this.next = first + count;
  }

  /**
   * The board started a new stream: after a link loss the firmware ends the stream and the session
   * starts a new one. Host indices continue across streams (index = device index + offset). How
   * many samples were missed in between:
   * - exact, when both streams' START_STREAM answers carry the same boot id (protocol 1.1): the
   *   board did not restart, its index counts every sample it took, so the jump from the last index
   *   received to this KEY's index (mod 2^24) is the number missed;
   * - estimated from the host clock when the boot id changed (the board restarted: its index and
   *   its clock both started over, so neither can size the pause);
   * - estimated from the device clock when the board sends no boot id (a 1.0 board restarts its
   *   index at 0 on every stream): round(elapsed / period) - 1, with the period fitted from the KEY
   *   stamps, exact while the board's clock and sample timer agree to half a period over the pause.
   * Each gap's reason says which.
   */
  private restartStream(block: BlockInfo, keyMs: number | null, startLost: boolean): number | null {
    const prevBoot = this.streamBootId;
    // Each answer's boot id belongs to one stream: if the next answer is lost, the id is unknown.
    this.streamBootId = this.pendingBootId;
    this.pendingBootId = null;
    if (this.next === null) {
      this.indexOffset = 0;
      this.lastKeyMs = keyMs;
      this.onEvent({ type: 'stream-start', index: 0 });
      if (startLost && block.firstIndex > 0) {
        this.stats.gaps++;
        this.stats.lost += block.firstIndex;
        this.onEvent({ type: 'gap', fromIndex: 0, count: block.firstIndex, reason: 'frames lost at the start of the stream' });
      }
      return keyMs;
    }
    let missed = 0;
    let how: string;
    const lastDevice = (((this.next - this.indexOffset) % INDEX_MOD) + INDEX_MOD) % INDEX_MOD;
    const jump = (((block.firstIndex - lastDevice) % INDEX_MOD) + INDEX_MOD) % INDEX_MOD;
    const sameBoot = prevBoot !== null && prevBoot === this.streamBootId;
    if (sameBoot && jump < INDEX_MOD / 2) {
      missed = jump;
      how = 'exact: the board kept counting samples (same boot id)';
    } else if (prevBoot !== null && this.streamBootId !== null && prevBoot !== this.streamBootId) {
      if (this.haveLast) {
        missed = Math.max(0, Math.round((this.lastHostMsAtKey - this.lastHostMs) / this.clock.periodMs) - 1);
      }
      how = 'the board restarted (new boot id), gap estimated from host time';
      // Its clock restarted too: continue the device time line as if the pause had been sampled.
      if (keyMs !== null && this.haveLast && this.lastKeyMs !== null) {
        keyMs = this.lastSampleMs + (missed + 1) * this.clock.periodMs;
        this.lastKeyMs = keyMs;
      }
      this.clock.restartAtNominal();
    } else {
      if (keyMs !== null && this.haveLast) {
        missed = Math.max(0, Math.round((keyMs - this.lastSampleMs) / this.clock.periodMs) - 1);
      }
      how = 'the board restarted its stream, gap sized from device time';
    }
    this.indexOffset = this.next + missed - block.firstIndex;
    if (missed > 0) {
      const why = this.linkLostReason !== null ? `link lost (${this.linkLostReason})` : 'stream restarted';
      this.stats.gaps++;
      this.stats.lost += missed;
      this.onEvent({ type: 'gap', fromIndex: this.next, count: missed, reason: `${why}; ${how}` });
    }
    this.linkLostReason = null;
    this.onEvent({ type: 'stream-start', index: this.next + missed });
    return keyMs;
  }

  /** Device ms unwrapped across stream restarts (the decoder unwraps only within one stream). */
  private unwrapDeviceMs(ms: number, u16Start: boolean, hostTimeMs: number): number {
    const lastHost = this.lastKeyHostMs;
    this.lastKeyHostMs = hostTimeMs;
    if (this.lastRawMs === null || this.lastKeyMs === null) {
      this.lastRawMs = ms;
      this.lastKeyMs = ms;
      return ms;
    }
    let d: number;
    if (u16Start) {
      // A 1.2 stream start carries its time mod 2^16 (65.5 s): whole wraps from the host's clock.
      const base = (((ms - this.lastRawMs) % TIME2_MOD_MS) + TIME2_MOD_MS) % TIME2_MOD_MS;
      const wraps = lastHost === null ? 0 : Math.max(0, Math.round((hostTimeMs - lastHost - base) / TIME2_MOD_MS));
      d = base + wraps * TIME2_MOD_MS;
    } else {
      d = (((ms - this.lastRawMs) % TIME_MOD_MS) + TIME_MOD_MS) % TIME_MOD_MS;
    }
    this.lastRawMs = ms;
    this.lastKeyMs += d;
    return this.lastKeyMs;
  }

  /** Slot of a recent frame with the same bytes as buf[start, end), or -1. */
  private findRecent(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const h = head4(buf, start, len);
    const lens = this.recentLen;
    const heads = this.recentHead4;
    for (let i = 0; i < RECENT_FRAMES; i++) {
      if (lens[i] === len && heads[i] === h && equalBytes(this.recentBytes[i]!, 0, buf, start, len)) return i;
    }
    return -1;
  }

  private remember(buf: Uint8Array, start: number, end: number, block: BlockInfo): void {
    const k = this.recentHead;
    const len = end - start;
    let copy = this.recentBytes[k]!;
    if (copy.length < len) copy = this.recentBytes[k] = new Uint8Array(len);
    for (let i = 0; i < len; i++) copy[i] = buf[start + i]!;
    this.recentLen[k] = len;
    this.recentHead4[k] = head4(buf, start, len);
    this.recentFirst[k] = block.firstIndex;
    this.recentCount[k] = block.count;
    this.recentHead = (k + 1) % RECENT_FRAMES;
  }

  /** Samples carried by a frame the stream decoder refused (decoded alone by a scratch decoder). */
  private countOf(bytes: Uint8Array): number {
    const b = createStreamDecoder().push(bytes);
    return b ? b.count : 0;
  }

  /** Unwrapped index of a KEY frame that lies behind the stream. */
  private indexBehind(bytes: Uint8Array): number {
    const o = (bytes[0]! & 0x0f) === KIND_KEY2 ? 2 : 1;
    const raw = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16);
    const nextDevice = (this.next ?? 0) - this.indexOffset;
    const d = ((raw - (nextDevice % INDEX_MOD)) << 8) >> 8;
    return nextDevice + d + this.indexOffset;
  }
}

/** Up to the first four bytes of buf[start, start + len) as one number (frames compared by it first). */
function head4(buf: Uint8Array, start: number, len: number): number {
  if (len >= 4) return buf[start]! | (buf[start + 1]! << 8) | (buf[start + 2]! << 16) | (buf[start + 3]! << 24);
  let h = 0;
  for (let i = 0; i < len; i++) h |= buf[start + i]! << (8 * i);
  return h;
}

/** Whether a[as, as + len) and b[bs, bs + len) hold the same bytes. */
function equalBytes(a: Uint8Array, as: number, b: Uint8Array, bs: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
