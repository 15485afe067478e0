/**
 * Host-side sample stream decoder: a stateful, pure decoder for KEY / DELTA (1.0, 1.1) and KEY2 /
 * DELTA2 (1.2) frames (SPEC.md §4). Follows the delta chain, unwraps the 24-bit sample index and
 * the device time, and accounts for every frame it cannot use. Never throws on input: errors are
 * counted in `stats` and described in `lastError`.
 * Two ways in: `decodeInto(frame, counts, flags, at)` writes samples into caller-owned typed arrays
 * and describes them in `block` (nothing allocated per frame or sample: the fast path), and
 * `push(frame)` returns a freshly allocated SampleBlock (convenient, slower).
 * No Node, DOM or rxjs APIs: runs in Node, a browser page and the emulator's inspector alike.
 */
import {
  CELLS,
  FLAG_OVERFLOW,
  FLAG_STREAM_START,
  INDEX_MOD,
  KEY_FIXED_BYTES,
  KEY_INTERVAL_MAX,
  KIND_DELTA,
  KIND_DELTA2,
  KIND_KEY,
  KIND_KEY2,
  MODE_INDEX_BIT8,
  PROTOCOL_MAJOR,
  TIME2_MOD_MS,
  TIME_MOD_MS,
} from './constants.ts';
import { hex2, parseBlock, reconstruct, unpackResiduals, type BlockLayout } from './residuals.ts';

// Module-local copies: hot paths read these as plain locals (under tsx, imported bindings compile to
// getter calls: reading constants and calling imported functions through them halved the decoder's speed).
const f_parseBlock = parseBlock;
const f_unpack = unpackResiduals;
const f_reconstruct = reconstruct;
const f_hex2 = hex2;
const K_CELLS = CELLS;
const K_FLAG_OVERFLOW = FLAG_OVERFLOW;
const K_FLAG_STREAM_START = FLAG_STREAM_START;
const K_INDEX_MOD = INDEX_MOD;
const K_KEY_FIXED_BYTES = KEY_FIXED_BYTES;
const K_KEY_INTERVAL_MAX = KEY_INTERVAL_MAX;
const K_KIND_DELTA2 = KIND_DELTA2;
const K_KIND_DELTA = KIND_DELTA;
const K_KIND_KEY2 = KIND_KEY2;
const K_KIND_KEY = KIND_KEY;
const K_MODE_INDEX_BIT8 = MODE_INDEX_BIT8;
const K_PROTOCOL_MAJOR = PROTOCOL_MAJOR;
const K_TIME2_MOD_MS = TIME2_MOD_MS;
const K_TIME_MOD_MS = TIME_MOD_MS;

/** What a decoded frame carried, apart from the samples themselves. */
export interface BlockInfo {
  /** Unwrapped index of the first sample (continues past 2^24). */
  firstIndex: number;
  /** Number of samples (>= 1). */
  count: number;
  /** Unwrapped device time of the first sample, ms; only KEY / KEY2 frames carry it (null for DELTA). */
  deviceTimeMs: number | null;
  /** True when the block came from a KEY or KEY2 frame. */
  key: boolean;
  /** True when the first sample carries K_FLAG_STREAM_START: a new stream starts here. */
  streamStart: boolean;
  /** Samples known missing right before this block (index jump at a KEY; 0 at a stream start). */
  gapBefore: number;
  /**
   * Frames known lost right before this frame (1.2 frames: from the sequence number; 0 for 1.1
   * frames, which cannot tell). At a stream start this is the only report of frames lost at the end
   * of the previous stream.
   */
  framesLost: number;
}

/** Consecutive samples decoded from one frame (push()). */
export interface SampleBlock extends BlockInfo {
  /** Raw int24 HX711 counts, sample-major: [s0c0, s0c1, s0c2, s0c3, s1c0, ...], length 4 * count. */
  counts: Int32Array;
  /** Status flags per sample (FLAG_* in constants.ts), length count. */
  flags: Uint8Array;
}

/** Why a frame was not used (SPEC.md 4.6 lists them in the order they are checked). */
export type FrameErrorCode =
  | 'empty'
  | 'unsupported-major'
  | 'unknown-kind'
  | 'truncated'
  | 'malformed'
  | 'duplicate'
  | 'chain-broken'
  | 'index-mismatch'
  | 'frames-lost'
  | 'key-overdue';

export interface FrameError {
  code: FrameErrorCode;
  /** One line naming what was wrong and what it means for the stream. */
  message: string;
}

/** Counters since the decoder was created (all monotonic). */
export interface StreamDecoderStats {
  /** Frames given, good or bad. */
  frames: number;
  keyFrames: number;
  deltaFrames: number;
  /** Samples returned. */
  samples: number;
  /** Frames not used, total and by reason. */
  rejected: number;
  errors: Record<FrameErrorCode, number>;
  /** Samples known lost (index jumps seen at KEY frames, excluding stream restarts). */
  lostSamples: number;
  /** Frames known lost (1.2 sequence numbers). */
  lostFrames: number;
  /** Stream restarts seen (K_FLAG_STREAM_START). */
  streamStarts: number;
}

export interface StreamDecoder {
  /**
   * Decodes one notification / message into counts[4 * at ..] and flags[at ..]. Returns the number
   * of samples written (then `block` describes them), or 0 when the frame was not used (see
   * lastError). Throws a RangeError only when the arrays cannot hold the frame's samples (a caller
   * bug: give room for `maxSamples(frame.length)`).
   */
  decodeInto(frame: Uint8Array, counts: Int32Array, flags: Uint8Array, at: number): number;
  /**
   * decodeInto for the frame held in bytes [start, end) of `buf` (e.g. a recording read in large
   * chunks: no view made per frame). The same results, errors and counters as decodeInto.
   */
  decodeRange(buf: Uint8Array, start: number, end: number, counts: Int32Array, flags: Uint8Array, at: number): number;
  /** The last decoded frame's description (one object, overwritten by every good frame). */
  readonly block: BlockInfo;
  /** Decodes one frame into new arrays. Returns the samples it carried, or null (see lastError). */
  push(frame: Uint8Array): SampleBlock | null;
  /** The reason the last frame was not used, or null after a good frame. */
  readonly lastError: FrameError | null;
  readonly stats: StreamDecoderStats;
  /** Forgets the chain and the frame sequence (e.g. after a reconnect); the next KEY starts over. Counters are kept. */
  resetChain(): void;
  /**
   * The host asked for a new stream (START_STREAM answered OK): the next KEY2 with FLAG_STREAM_START
   * is taken as new even if its sequence number is behind (a board that rebooted restarts its
   * count); otherwise a stream-start KEY2 whose sequence is behind is a late copy and dropped.
   */
  expectStreamStart(): void;
}

export interface StreamDecoderOptions {
  /** Sample period assumed until two KEY2 frames measured it, ms (unwraps KEY2's u16 time across long gaps). Default 12.5. */
  nominalPeriodMs?: number;
}

/** Most samples a frame of `bytes` bytes can carry (room to give decodeInto). */
export function maxSamples(bytes: number): number {
  return Math.max(1, bytes);
}

function get24(f: Uint8Array, o: number): number {
  return (f[o] as number) | ((f[o + 1] as number) << 8) | ((f[o + 2] as number) << 16);
}

const ERROR_CODES: FrameErrorCode[] = ['empty', 'unsupported-major', 'unknown-kind', 'truncated', 'malformed', 'duplicate', 'chain-broken', 'index-mismatch', 'frames-lost', 'key-overdue'];
const CONTROL_KINDS = ['COMMAND', 'RESPONSE', 'EVENT'];

/** Creates a decoder for one stream (one connection's data characteristic, or one serial link). */
export function createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
  const errors = {} as Record<FrameErrorCode, number>;
  for (const c of ERROR_CODES) errors[c] = 0;
  const stats: StreamDecoderStats = { frames: 0, keyFrames: 0, deltaFrames: 0, samples: 0, rejected: 0, errors, lostSamples: 0, lostFrames: 0, streamStarts: 0 };
  const block: BlockInfo = { firstIndex: 0, count: 0, deviceTimeMs: null, key: false, streamStart: false, gapBefore: 0, framesLost: 0 };
  let lastError: FrameError | null = null;
  let haveIndex = false;
  let expected = 0; // unwrapped index of the next sample
  let chain = false;
  let lastKey = 0; // unwrapped index of the last KEY sample
  let haveSeq = false;
  let lastSeq = 0; // 1.2 sequence number of the last frame used
  let haveTime = false;
  let timeRaw = 0;
  let timeUnwrapped = 0;
  let timeKeyIndex = 0; // unwrapped index of the KEY that set the time
  let periodMs = options.nominalPeriodMs ?? 12.5;
  let streamParity = 0;
  let startExpected = false; // expectStreamStart(): the next stream-start KEY2 is new whatever its sequence number
  const h = new Int32Array(3 * K_CELLS); // x[k-1], x[k-2], x[k-3] per cell
  const lay: BlockLayout = { n: 0, w: 0, order: 1, flagsAt: -1, bitsAt: 0, end: 0 };
  let res = new Int32Array(4 * 64);

  function reject(code: FrameErrorCode, message: string, breakChain = false): number {
    if (breakChain) chain = false;
    stats.rejected++;
    errors[code]++;
    lastError = { code, message };
    return 0;
  }

  /** Checks the block's structure and padding; unpacks its residuals into res. Null when good. */
  function checkBlock(f: Uint8Array, at: number, end: number, format: number, indexBit: boolean): string | null {
    const bad = f_parseBlock(f, at, end, format, indexBit, lay);
    if (bad !== null) return bad;
    if (lay.flagsAt >= 0) {
      for (let i = 0; i < lay.n; i++) {
        const fl = f[lay.flagsAt + i] as number;
        if (fl & (format === 2 ? 0xe0 : K_FLAG_OVERFLOW | K_FLAG_STREAM_START)) return `flag byte 0x${f_hex2(fl)} of sample ${i} claims an overflow or stream start, which only a KEY's first sample may`;
      }
    }
    if (res.length < 4 * lay.n) res = new Int32Array(4 * lay.n);
    if (!f_unpack(f, lay, res)) return 'padding bits after the last residual are not zero';
    return null;
  }

  function room(counts: Int32Array, flags: Uint8Array, at: number, n: number): void {
    if (at < 0 || counts.length < K_CELLS * (at + n) || flags.length < at + n) {
      throw new RangeError(`decodeInto: arrays hold ${flags.length} samples, the frame needs ${n} from ${at}`);
    }
  }

  function writeBlockFlags(f: Uint8Array, flags: Uint8Array, at: number): void {
    const n = lay.n;
    const fa = lay.flagsAt;
    if (fa >= 0) for (let i = 0; i < n; i++) flags[at + i] = f[fa + i] as number;
    else for (let i = 0; i < n; i++) flags[at + i] = 0;
  }

  /** Sequence check of a 1.2 frame: -1 duplicate or stale, else frames lost before it. */
  function seqDistance(seq: number): number {
    if (!haveSeq) return 0;
    const d = ((seq - lastSeq) << 24) >> 24; // signed 8-bit distance
    return d <= 0 ? -1 : d - 1;
  }

  /** A KEY / KEY2 frame at f[s, e). */
  function decodeKey(f: Uint8Array, s: number, e: number, counts: Int32Array, flags: Uint8Array, at: number, v2: boolean): number {
    const len = e - s;
    if (len < K_KEY_FIXED_BYTES) {
      return reject('truncated', `${v2 ? 'KEY2' : 'KEY'} frame has ${len} bytes, needs at least ${K_KEY_FIXED_BYTES}; chain unchanged`);
    }
    let n = 1;
    if (len > K_KEY_FIXED_BYTES) {
      const bad = checkBlock(f, s + K_KEY_FIXED_BYTES, e, v2 ? 2 : 1, false);
      if (bad !== null) return reject('malformed', `${v2 ? 'KEY2' : 'KEY'} frame residual block: ${bad}; frame dropped, chain unchanged`);
      n += lay.n;
    }
    const rawIndex = v2 ? get24(f, s + 2) : get24(f, s + 1);
    const rawTime = v2 ? (f[s + 5] as number) | ((f[s + 6] as number) << 8) : get24(f, s + 4);
    let flag0 = f[s + 7] as number;
    let parity = 0;
    let streamStart = (flag0 & K_FLAG_STREAM_START) !== 0;
    if (v2) {
      // KEY2 flag bit 7 is the stream parity (toggled by every new stream), not a sample flag. A KEY2 of
      // the other parity without FLAG_STREAM_START means the new stream's first KEY2 was lost.
      parity = flag0 & 0x80;
      flag0 &= 0x7f;
      if (haveIndex && parity !== streamParity) streamStart = true;
    }
    const seq = v2 ? (f[s + 1] as number) : 0;
    let lostFrames = v2 ? seqDistance(seq) : 0;
    let first: number;
    let gap = 0;
    if (lostFrames < 0 && streamStart && startExpected) lostFrames = 0; // the board restarted its frame count (rebooted)
    if (lostFrames < 0) {
      return reject('duplicate', `KEY2 frame sequence ${seq} is not after the last frame used (${lastSeq}): a repeated or late frame; dropped, chain unchanged`);
    }
    if (!haveIndex || streamStart) {
      first = rawIndex;
    } else {
      // Signed 24-bit distance; for KEY2 the sequence number already told a repeat from a new frame,
      // so the distance is taken forward (0 .. 2^24 - 1).
      const d = v2 ? (rawIndex - (expected % K_INDEX_MOD)) & 0xffffff : ((rawIndex - (expected % K_INDEX_MOD)) << 8) >> 8;
      if (d < 0) {
        return reject('duplicate', `${v2 ? 'KEY2' : 'KEY'} frame index ${rawIndex} is ${-d} samples behind the stream (duplicate or reordered); dropped, chain unchanged`);
      }
      first = expected + d;
      gap = d;
    }
    room(counts, flags, at, n);
    let time: number;
    if (!haveTime || streamStart) time = rawTime;
    else if (!v2) time = timeUnwrapped + ((rawTime - timeRaw + K_TIME_MOD_MS) % K_TIME_MOD_MS);
    else {
      const base = (rawTime - timeRaw + K_TIME2_MOD_MS) % K_TIME2_MOD_MS;
      const wraps = Math.max(0, Math.round(((first - timeKeyIndex) * periodMs - base) / K_TIME2_MOD_MS));
      time = timeUnwrapped + base + wraps * K_TIME2_MOD_MS;
      const di = first - timeKeyIndex;
      if (wraps === 0 && di > 0 && di <= K_KEY_INTERVAL_MAX && time > timeUnwrapped) periodMs = (time - timeUnwrapped) / di;
    }
    const o = K_CELLS * at;
    for (let c = 0; c < K_CELLS; c++) {
      const x = (get24(f, s + 8 + 3 * c) << 8) >> 8;
      counts[o + c] = x;
      h[c] = x;
      h[c + 4] = x;
      h[c + 8] = x;
    }
    flags[at] = flag0;
    if (n > 1) {
      writeBlockFlags(f, flags, at + 1);
      f_reconstruct(res, lay.n, lay.order, h, counts, at + 1);
    }
    haveTime = true;
    timeRaw = rawTime;
    timeUnwrapped = time;
    timeKeyIndex = first;
    if (streamStart) {
      stats.streamStarts++;
      startExpected = false;
    }
    stats.lostSamples += gap;
    stats.lostFrames += lostFrames;
    if (v2) {
      haveSeq = true;
      lastSeq = seq;
      streamParity = parity;
    }
    haveIndex = true;
    chain = true;
    lastKey = first;
    expected = first + n;
    stats.keyFrames++;
    stats.samples += n;
    lastError = null;
    block.firstIndex = first;
    block.count = n;
    block.deviceTimeMs = time;
    block.key = true;
    block.streamStart = streamStart;
    block.gapBefore = gap;
    block.framesLost = lostFrames;
    return n;
  }

  /** A DELTA / DELTA2 frame at f[s, e). */
  function decodeDelta(f: Uint8Array, s: number, e: number, counts: Int32Array, flags: Uint8Array, at: number, v2: boolean): number {
    const name = v2 ? 'DELTA2' : 'DELTA';
    if (e - s < 4) return reject('truncated', `${name} frame has ${e - s} bytes, needs at least 4; chain broken until the next KEY`, true);
    const bad = checkBlock(f, s + 2, e, v2 ? 2 : 1, true);
    if (bad !== null) return reject('malformed', `${name} frame: ${bad}; chain broken until the next KEY`, true);
    const n = lay.n;
    if (v2) {
      const seq = f[s + 1] as number;
      const lost = seqDistance(seq);
      if (lost < 0) return reject('duplicate', `DELTA2 frame sequence ${seq} is not after the last frame used (${lastSeq}): a repeated or late frame; dropped, chain unchanged`);
      if (!chain) return reject('chain-broken', 'DELTA2 frame after a lost or bad frame: discarded until the next KEY2');
      if (lost > 0) {
        stats.lostFrames += lost;
        return reject('frames-lost', `DELTA2 frame sequence ${seq} follows ${lastSeq}: ${lost} frame(s) lost; chain broken until the next KEY2`, true);
      }
    } else {
      if (!chain) return reject('chain-broken', 'DELTA frame after a lost or bad frame: discarded until the next KEY');
      const low9 = (f[s + 1] as number) | ((f[s + 2] as number) & K_MODE_INDEX_BIT8 ? 0x100 : 0);
      if (low9 !== expected % 512) {
        return reject('index-mismatch', `DELTA frame starts at index ...${low9} (mod 512), expected ${expected % 512}: frames were lost; chain broken until the next KEY`, true);
      }
    }
    if (expected + n - lastKey > K_KEY_INTERVAL_MAX) {
      return reject('key-overdue', `${name} frame extends the chain past ${K_KEY_INTERVAL_MAX} samples without a KEY: a KEY was lost; chain broken`, true);
    }
    if (at < 0 || counts.length < 4 * (at + n) || flags.length < at + n) room(counts, flags, at, n);
    const fa = lay.flagsAt;
    if (fa >= 0) for (let i = 0; i < n; i++) flags[at + i] = f[fa + i] as number;
    else for (let i = 0; i < n; i++) flags[at + i] = 0;
    f_reconstruct(res, n, lay.order, h, counts, at);
    if (v2) lastSeq = f[s + 1] as number;
    block.firstIndex = expected;
    block.count = n;
    block.deviceTimeMs = null;
    block.key = false;
    block.streamStart = false;
    block.gapBefore = 0;
    block.framesLost = 0;
    expected += n;
    stats.deltaFrames++;
    stats.samples += n;
    lastError = null;
    return n;
  }

  function decodeInto(frame: Uint8Array, counts: Int32Array, flags: Uint8Array, at: number): number {
    return decodeRange(frame, 0, frame.length, counts, flags, at);
  }

  function decodeRange(frame: Uint8Array, start: number, end: number, counts: Int32Array, flags: Uint8Array, at: number): number {
    stats.frames++;
    if (end <= start) return reject('empty', 'empty notification; ignored');
    const b0 = frame[start] as number;
    const major = b0 >> 4;
    const kind = b0 & 0x0f;
    if (major !== K_PROTOCOL_MAJOR) {
      return reject(
        'unsupported-major',
        `frame speaks protocol major ${major} (first byte 0x${f_hex2(b0)}), this host speaks ${K_PROTOCOL_MAJOR}: update the host or the firmware; chain unchanged`,
      );
    }
    if (kind === K_KIND_DELTA2) return decodeDelta(frame, start, end, counts, flags, at, true);
    if (kind === K_KIND_DELTA) return decodeDelta(frame, start, end, counts, flags, at, false);
    if (kind === K_KIND_KEY2) return decodeKey(frame, start, end, counts, flags, at, true);
    if (kind === K_KIND_KEY) return decodeKey(frame, start, end, counts, flags, at, false);
    const what = kind >= 2 && kind <= 4 ? `a ${CONTROL_KINDS[kind - 2]} message, which does not belong on the data path` : 'not a sample frame this host knows (a newer minor version?)';
    return reject('unknown-kind', `message kind ${kind} (first byte 0x${f_hex2(b0)}) is ${what}; skipped, chain unchanged`);
  }

  return {
    decodeInto,
    decodeRange,
    block,
    push(frame: Uint8Array): SampleBlock | null {
      const cap = maxSamples(frame.length);
      const counts = new Int32Array(K_CELLS * cap);
      const flags = new Uint8Array(cap);
      const n = decodeInto(frame, counts, flags, 0);
      if (n === 0) return null;
      return { ...block, counts: counts.subarray(0, K_CELLS * n), flags: flags.subarray(0, n) };
    },
    get lastError() {
      return lastError;
    },
    stats,
    resetChain(): void {
      chain = false;
      haveSeq = false;
    },
    expectStreamStart(): void {
      startExpected = true;
    },
  };
}
