/**
 * Host-side sample stream decoder: a stateful, pure decoder for KEY / DELTA frames (SPEC.md §4).
 * Follows the delta chain, unwraps the 24-bit sample index and device time, and accounts for every
 * frame it cannot use. Never throws on input: errors are counted in `stats` and described in `lastError`.
 * No Node, DOM or rxjs APIs: runs in Node, a browser page and the emulator's inspector alike.
 */
import {
  CELLS,
  FLAG_STREAM_START,
  INDEX_MOD,
  KEY_FIXED_BYTES,
  KEY_INTERVAL_MAX,
  KIND_DELTA,
  KIND_KEY,
  MODE_FLAGS_PRESENT,
  MODE_INDEX_BIT8,
  MODE_SECOND_ORDER,
  MODE_WIDTH_MASK,
  PROTOCOL_MAJOR,
  TIME_MOD_MS,
  WIDTH_MAX,
  WIDTH_MIN,
} from './constants.ts';

/** Consecutive samples decoded from one frame. */
export interface SampleBlock {
  /** Unwrapped index of the first sample (0, 1, 2, ... since the stream started; continues past 2^24). */
  firstIndex: number;
  /** Number of samples in this block (>= 1). */
  count: number;
  /** Raw int24 HX711 counts, sample-major: [s0c0, s0c1, s0c2, s0c3, s1c0, ...], length 4 * count. */
  counts: Int32Array;
  /** Status flags per sample (FLAG_* in constants.ts), length count. */
  flags: Uint8Array;
  /** Unwrapped device time of the first sample, ms; only KEY frames carry it (null for DELTA). */
  deviceTimeMs: number | null;
  /** True when the block came from a KEY frame. */
  key: boolean;
  /** True when the first sample starts a new stream (FLAG_STREAM_START): indices restart here. */
  streamStart: boolean;
  /**
   * Samples known to be missing right before this block (from the index jump at a KEY frame), or 0.
   * Samples lost inside a broken delta chain are counted here when the next KEY arrives.
   */
  gapBefore: number;
}

/** Why a frame was not used. */
export type FrameErrorCode =
  | 'empty'
  | 'truncated'
  | 'unsupported-major'
  | 'unknown-kind'
  | 'malformed'
  | 'chain-broken'
  | 'index-mismatch'
  | 'key-overdue'
  | 'duplicate';

export interface FrameError {
  code: FrameErrorCode;
  /** One line naming what was wrong and what it means for the stream. */
  message: string;
}

/** Counters since the decoder was created (all monotonic). */
export interface StreamDecoderStats {
  /** Frames pushed, good or bad. */
  frames: number;
  keyFrames: number;
  deltaFrames: number;
  /** Samples returned in blocks. */
  samples: number;
  /** Frames not used, total and by reason. */
  rejected: number;
  errors: Record<FrameErrorCode, number>;
  /** Samples known lost (index jumps seen at KEY frames, excluding stream restarts). */
  lostSamples: number;
  /** Stream restarts seen (FLAG_STREAM_START). */
  streamStarts: number;
}

export interface StreamDecoder {
  /** Decodes one notification / message. Returns the samples it carried, or null (see lastError). */
  push(payload: Uint8Array): SampleBlock | null;
  /** The reason the last push returned null, or null after a good frame. */
  readonly lastError: FrameError | null;
  readonly stats: StreamDecoderStats;
  /** Forgets the chain (e.g. after a reconnect); the next KEY starts over. Counters are kept. */
  resetChain(): void;
}

/** Parsed residual block (after a mode byte): sample count and where its parts start. */
interface BlockLayout {
  n: number;
  w: number;
  second: boolean;
  flagsAt: number;
  bitsAt: number;
}

/** Validates a mode byte + body occupying bytes [at, end) of `f`. Returns a layout or an error line. */
function parseBlock(f: Uint8Array, at: number, end: number, allowIndexBit: boolean): BlockLayout | string {
  const mode = f[at] as number;
  const w = mode & MODE_WIDTH_MASK;
  if (w < WIDTH_MIN || w > WIDTH_MAX) return `residual width ${w} in mode byte 0x${hex2(mode)} is outside ${WIDTH_MIN}..${WIDTH_MAX}`;
  if (!allowIndexBit && mode & MODE_INDEX_BIT8) return `mode byte 0x${hex2(mode)} of a KEY block has reserved bit 7 set`;
  const withFlags = (mode & MODE_FLAGS_PRESENT) !== 0;
  const body = end - at - 1;
  const per = withFlags ? w + 2 : w;
  // Body bytes = ceil(n * per / 2): strictly increasing in n because per >= 2, so n is unique.
  const n = Math.floor((2 * body) / per);
  if (n < 1 || Math.ceil((n * per) / 2) !== body) {
    return `body of ${body} bytes does not hold a whole number of samples at width ${w}${withFlags ? ' with flag bytes' : ''}`;
  }
  const bitsAt = at + 1 + (withFlags ? n : 0);
  const totalBits = 4 * n * w;
  if (totalBits % 8 !== 0) {
    const last = f[end - 1] as number;
    if (last >> (totalBits % 8) !== 0) return 'padding bits after the last residual are not zero';
  }
  return { n, w, second: (mode & MODE_SECOND_ORDER) !== 0, flagsAt: at + 1, bitsAt };
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

function get24(f: Uint8Array, o: number): number {
  return (f[o] as number) | ((f[o + 1] as number) << 8) | ((f[o + 2] as number) << 16);
}

/** Creates a decoder for one stream (one connection's data characteristic, or one serial link). */
export function createStreamDecoder(): StreamDecoder {
  const errors: Record<FrameErrorCode, number> = {
    empty: 0,
    truncated: 0,
    'unsupported-major': 0,
    'unknown-kind': 0,
    malformed: 0,
    'chain-broken': 0,
    'index-mismatch': 0,
    'key-overdue': 0,
    duplicate: 0,
  };
  const stats: StreamDecoderStats = {
    frames: 0,
    keyFrames: 0,
    deltaFrames: 0,
    samples: 0,
    rejected: 0,
    errors,
    lostSamples: 0,
    streamStarts: 0,
  };
  let lastError: FrameError | null = null;
  let haveIndex = false;
  let expected = 0; // unwrapped index of the next sample
  let chain = false;
  let lastKey = 0; // unwrapped index of the last KEY sample
  let haveTime = false;
  let timeRaw = 0;
  let timeUnwrapped = 0;
  const p = new Int32Array(CELLS);
  const q = new Int32Array(CELLS);

  function reject(code: FrameErrorCode, message: string, breakChain = false): null {
    if (breakChain) chain = false;
    stats.rejected++;
    errors[code]++;
    lastError = { code, message };
    return null;
  }

  /** Decodes a residual block into counts/flags starting at sample `s0`; updates the predictor. */
  function decodeResiduals(f: Uint8Array, lay: BlockLayout, counts: Int32Array, flags: Uint8Array, s0: number): void {
    const { n, w, second } = lay;
    const shift = 32 - w;
    let o = lay.bitsAt;
    let a = 0;
    let b = 0;
    for (let s = 0; s < n; s++) {
      flags[s0 + s] = lay.flagsAt < lay.bitsAt ? (f[lay.flagsAt + s] as number) : 0;
      for (let c = 0; c < CELLS; c++) {
        while (b < w) {
          a |= (f[o++] as number) << b;
          b += 8;
        }
        const r = ((a & ((1 << w) - 1)) << shift) >> shift; // sign-extend w bits (w <= 24)
        a >>>= w;
        b -= w;
        const pc = p[c] as number;
        const pred = second ? 2 * pc - (q[c] as number) : pc;
        const x = ((pred + r) << 8) >> 8; // mod 2^24, back to int24
        counts[(s0 + s) * CELLS + c] = x;
        q[c] = pc;
        p[c] = x;
      }
    }
  }

  function pushKey(f: Uint8Array): SampleBlock | null {
    if (f.length < KEY_FIXED_BYTES) {
      return reject('truncated', `KEY frame has ${f.length} bytes, needs at least ${KEY_FIXED_BYTES}; chain unchanged`);
    }
    let lay: BlockLayout | null = null;
    if (f.length > KEY_FIXED_BYTES) {
      const parsed = parseBlock(f, KEY_FIXED_BYTES, f.length, false);
      if (typeof parsed === 'string') return reject('malformed', `KEY frame delta block: ${parsed}; frame dropped`);
      lay = parsed;
    }
    const rawIndex = get24(f, 1);
    const rawTime = get24(f, 4);
    const flag0 = f[7] as number;
    const streamStart = (flag0 & FLAG_STREAM_START) !== 0;
    let first: number;
    let gap = 0;
    if (!haveIndex || streamStart) {
      first = rawIndex;
    } else {
      const d = (((rawIndex - (expected % INDEX_MOD)) << 8) >> 8); // signed 24-bit distance
      if (d < 0) {
        return reject('duplicate', `KEY frame index ${rawIndex} is ${-d} samples behind the stream (duplicate or reordered); dropped`);
      }
      first = expected + d;
      gap = d;
    }
    let time: number;
    if (!haveTime || streamStart) time = rawTime;
    else time = timeUnwrapped + ((rawTime - timeRaw + TIME_MOD_MS) % TIME_MOD_MS);
    haveTime = true;
    timeRaw = rawTime;
    timeUnwrapped = time;

    const n = 1 + (lay ? lay.n : 0);
    const counts = new Int32Array(n * CELLS);
    const flags = new Uint8Array(n);
    for (let c = 0; c < CELLS; c++) {
      const x = (get24(f, 8 + 3 * c) << 8) >> 8;
      counts[c] = x;
      p[c] = x;
      q[c] = x;
    }
    flags[0] = flag0;
    if (lay) decodeResiduals(f, lay, counts, flags, 1);

    if (streamStart) stats.streamStarts++;
    stats.lostSamples += gap;
    haveIndex = true;
    chain = true;
    lastKey = first;
    expected = first + n;
    stats.keyFrames++;
    stats.samples += n;
    lastError = null;
    return { firstIndex: first, count: n, counts, flags, deviceTimeMs: time, key: true, streamStart, gapBefore: gap };
  }

  function pushDelta(f: Uint8Array): SampleBlock | null {
    if (f.length < 4) return reject('truncated', `DELTA frame has ${f.length} bytes, needs at least 4; chain broken until the next KEY`, true);
    const lay = parseBlock(f, 2, f.length, true);
    if (typeof lay === 'string') return reject('malformed', `DELTA frame: ${lay}; chain broken until the next KEY`, true);
    if (!chain) return reject('chain-broken', 'DELTA frame after a lost or bad frame: discarded until the next KEY');
    const low9 = (f[1] as number) | ((f[2] as number) & MODE_INDEX_BIT8 ? 0x100 : 0);
    if (low9 !== expected % 512) {
      return reject(
        'index-mismatch',
        `DELTA frame starts at index ...${low9} (mod 512), expected ${expected % 512}: frames were lost; chain broken until the next KEY`,
        true,
      );
    }
    if (expected + lay.n - lastKey > KEY_INTERVAL_MAX) {
      return reject('key-overdue', `DELTA frame extends the chain past ${KEY_INTERVAL_MAX} samples without a KEY: a KEY was lost; chain broken`, true);
    }
    const counts = new Int32Array(lay.n * CELLS);
    const flags = new Uint8Array(lay.n);
    decodeResiduals(f, lay, counts, flags, 0);
    const first = expected;
    expected += lay.n;
    stats.deltaFrames++;
    stats.samples += lay.n;
    lastError = null;
    return { firstIndex: first, count: lay.n, counts, flags, deviceTimeMs: null, key: false, streamStart: false, gapBefore: 0 };
  }

  return {
    push(payload: Uint8Array): SampleBlock | null {
      stats.frames++;
      if (payload.length === 0) return reject('empty', 'empty notification; ignored');
      const b0 = payload[0] as number;
      const major = b0 >> 4;
      const kind = b0 & 0x0f;
      if (major !== PROTOCOL_MAJOR) {
        chain = false;
        return reject(
          'unsupported-major',
          `frame speaks protocol major ${major} (first byte 0x${hex2(b0)}), this host speaks ${PROTOCOL_MAJOR}: update the host or the firmware`,
        );
      }
      if (kind === KIND_KEY) return pushKey(payload);
      if (kind === KIND_DELTA) return pushDelta(payload);
      return reject('unknown-kind', `message kind ${kind} (first byte 0x${hex2(b0)}) is not a sample frame this host knows; skipped`);
    },
    get lastError() {
      return lastError;
    },
    stats,
    resetChain(): void {
      chain = false;
    },
  };

}
