/**
 * Puts sample frames that arrive out of order back in order before the sample stage sees them.
 * A board sends frames in index order and BLE and serial keep it, but a recording edited, merged or
 * damaged by other tools can hold two records swapped. Without this, the later frame would open a
 * gap, the earlier one would break the delta chain, and up to a KEY interval of samples would be
 * reported lost although every sample is in the file.
 *
 * Frames wait in a window of at most `window` frames. The frame that continues the stream goes
 * first: for 1.1 frames the one whose first index is the one the sample stage expects next (KEY:
 * 24-bit index; DELTA: its 9 index bits), for 1.2 frames (KEY2/DELTA2) the one whose sequence
 * number follows the last frame delivered; when none
 * fits and the window is full, the oldest goes as it is (a real gap). A frame whose index lies
 * behind the expected one (a repeat, or one too late) goes at once: the stage counts it as a
 * duplicate. A frame that overtakes an earlier arrival is counted in `reordered`. Used for replays
 * (latency does not matter there); live sources pass frames straight through.
 */
import { INDEX_MOD, KIND_DELTA, KIND_DELTA2, KIND_KEY, KIND_KEY2 } from '../../protocol/constants.ts';
import type { FrameBatch } from '../recording/codec.ts';

// Module-local copies for the per-frame path (under tsx an imported binding is a getter call).
const K_INDEX_MOD = INDEX_MOD;
const K_KIND_DELTA = KIND_DELTA;
const K_KIND_DELTA2 = KIND_DELTA2;
const K_KIND_KEY = KIND_KEY;
const K_KIND_KEY2 = KIND_KEY2;

interface Held {
  bytes: Uint8Array;
  hostTimeMs: number;
}

/** Frames a replay holds back to put swapped records in order. */
export const REPLAY_REORDER_WINDOW = 4;

export class FrameReorder {
  private readonly held: Held[] = [];
  /** Sequence number of the last 1.2 frame delivered, or null. */
  private lastSeq: number | null = null;
  /** Frames delivered ahead of one that arrived before them. */
  reordered = 0;

  constructor(
    private readonly window: number,
    /** Device index (mod 2^24) the sample stage expects next, or null before the first frame. */
    private readonly expected: () => number | null,
    /** Receives frames in order: bytes [start, end) of buf. */
    private readonly deliver: (buf: Uint8Array, start: number, end: number, hostTimeMs: number) => void,
    /** Receives frames [from, to) of a batch in order, as deliver() would one by one. */
    private readonly deliverRun: (buf: Uint8Array, b: FrameBatch, from: number, to: number) => void = (buf, b, from, to) => {
      for (let i = from; i < to; i++) deliver(buf, b.start[i]!, b.end[i]!, b.hostTimeMs[i]!);
    },
  ) {}

  push(bytes: Uint8Array, hostTimeMs: number): void {
    this.pushRange(bytes, 0, bytes.length, hostTimeMs);
  }

  /**
   * pushRange() for frames [from, to) of a batch, in order. The usual run (1.2 frames each right
   * after the last one delivered, nothing held) goes to deliverRun at once: what pushRange would do
   * frame by frame.
   */
  pushBatch(buf: Uint8Array, b: FrameBatch, from: number, to: number): void {
    const start = b.start;
    const end = b.end;
    let i = from;
    while (i < to && !this.halted) {
      let last = this.lastSeq;
      let j = i;
      if (last !== null && this.held.length === 0) {
        for (; j < to; j++) {
          const s = start[j]!;
          if (!isV12(buf, s, end[j]!) || ((buf[s + 1]! - last) & 0xff) !== 1) break;
          last = buf[s + 1]!;
        }
      }
      if (j > i) {
        this.deliverRun(buf, b, i, j);
        this.lastSeq = last;
        i = j;
      } else {
        this.pushRange(buf, start[i]!, end[i]!, b.hostTimeMs[i]!);
        i++;
      }
    }
  }

  /** push() for the frame held in bytes [start, end) of `buf` (copied only for a frame held back). */
  pushRange(buf: Uint8Array, start: number, end: number, hostTimeMs: number): void {
    if (this.halted) return;
    const last = this.lastSeq;
    if (last !== null && this.held.length === 0 && isV12(buf, start, end)) {
      // The usual 1.2 case, decided by the sequence number alone (what the general path below
      // decides for it: behind() never holds for KEY2/DELTA2, so a repeat or late frame is one at or
      // behind the last sequence, and the next frame is the one right after it).
      const d = ((((buf[start + 1]! - last) & 0xff) << 24) >> 24);
      if (d <= 0) {
        this.deliver(buf, start, end, hostTimeMs); // a repeat or too late: the sample stage counts it
        return;
      }
      if (d === 1) {
        this.deliver(buf, start, end, hostTimeMs);
        this.lastSeq = buf[start + 1]!;
        return;
      }
    }
    const e = this.expected();
    // A 1.1 frame is judged behind only while nothing is held: with a KEY held (a new chain, e.g.
    // after a link loss the indices jump), a DELTA's 9 index bits compared with the old expected
    // index can look "behind" and would reach the stage before its KEY (measured: a whole stream
    // decoded as lost in tests/host/e2e-sim.test.ts).
    if ((e !== null && this.held.length === 0 && behind(buf, start, end, e)) || this.seqBehind(buf, start, end)) {
      // Already delivered (a repeat) or too late to put in place: the sample stage counts it.
      this.deliver(buf, start, end, hostTimeMs);
      return;
    }
    if (this.held.length === 0 && this.continues(buf, start, end, e)) {
      // The usual case: nothing held and the frame is the next one (what drain() would do at once).
      this.deliver(buf, start, end, hostTimeMs);
      if (isV12(buf, start, end)) this.lastSeq = buf[start + 1]!;
      return;
    }
    this.held.push({ bytes: buf.slice(start, end), hostTimeMs }); // a copy: a replay's chunk buffers are written again
    this.drain(false);
  }

  /** Takes no more frames (the stream ended half-way through a batch, see ForcePipeline.halt). */
  halt(): void {
    this.halted = true;
  }

  private halted = false;

  /** Delivers everything held (end of stream, or before a control message or a link event). */
  flush(): void {
    this.drain(true);
  }

  /** Whether a frame continues the stream: the expected index (1.1) or the next sequence number (1.2). */
  private continues(buf: Uint8Array, start: number, end: number, e: number | null): boolean {
    if (isV12(buf, start, end)) return this.lastSeq === null ? e === null : buf[start + 1] === ((this.lastSeq + 1) & 0xff);
    return e !== null && startsAt(buf, start, end, e);
  }

  /** A 1.2 frame at or behind the last sequence delivered (a repeat, or too late). */
  private seqBehind(buf: Uint8Array, start: number, end: number): boolean {
    if (!isV12(buf, start, end) || this.lastSeq === null) return false;
    return ((((buf[start + 1]! - this.lastSeq) & 0xff) << 24) >> 24) <= 0;
  }

  private drain(all: boolean): void {
    while (this.held.length > 0) {
      const e = this.expected();
      let i = this.held.findIndex((h) => this.continues(h.bytes, 0, h.bytes.length, e));
      if (i < 0 && e === null && this.lastSeq === null) i = 0;
      if (i < 0) {
        if (!all && this.held.length <= this.window) return;
        i = 0;
      }
      if (i > 0) this.reordered++;
      const [h] = this.held.splice(i, 1);
      const b = h!.bytes;
      this.deliver(b, 0, b.length, h!.hostTimeMs);
      if (isV12(b, 0, b.length)) this.lastSeq = b[1]!;
    }
  }
}

/** Whether buf[s, end) is a 1.2 sample frame (KEY2 / DELTA2, sequence number in byte 1). */
function isV12(buf: Uint8Array, s: number, end: number): boolean {
  const kind = end - s >= 4 ? buf[s]! & 0x0f : -1;
  return kind === K_KIND_KEY2 || kind === K_KIND_DELTA2;
}

/** Whether the sample frame buf[s, end) starts before device index `e`: up to half the index range (KEY) or 255 (DELTA's 9 bits) behind. */
function behind(buf: Uint8Array, s: number, end: number, e: number): boolean {
  if (end - s < 4) return false;
  const kind = buf[s]! & 0x0f;
  if (kind === K_KIND_KEY) {
    const d = (e - (buf[s + 1]! | (buf[s + 2]! << 8) | (buf[s + 3]! << 16)) + K_INDEX_MOD) % K_INDEX_MOD;
    return d > 0 && d < K_INDEX_MOD / 2;
  }
  if (kind === K_KIND_DELTA) {
    const d = (e - (buf[s + 1]! | ((buf[s + 2]! & 0x80) << 1)) + 512) & 0x1ff;
    return d > 0 && d < 256;
  }
  return false;
}

/** Whether the sample frame buf[s, end)'s first sample has device index `e` (mod 2^24). */
function startsAt(buf: Uint8Array, s: number, end: number, e: number): boolean {
  if (end - s < 4) return false;
  const kind = buf[s]! & 0x0f;
  if (kind === K_KIND_KEY) return (buf[s + 1]! | (buf[s + 2]! << 8) | (buf[s + 3]! << 16)) === e % K_INDEX_MOD;
  if (kind === K_KIND_DELTA) return (buf[s + 1]! | ((buf[s + 2]! & 0x80) << 1)) === (e & 0x1ff);
  return false;
}
