/**
 * Serial framing (SPEC.md §7): each message travels as
 *   0x00, COBS(message || CRC-32(message) little-endian), 0x00
 * COBS removes every 0x00 from the body, so 0x00 always means "frame boundary": a receiver that
 * starts mid-stream, sees garbage or loses bytes resynchronises at the next 0x00. Empty frames (two
 * 0x00 in a row) are idle filler and ignored. A frame whose COBS structure or CRC is wrong is dropped
 * and counted; the host never acts on it (a lost sample frame shows up as an index gap, a lost
 * response as a command timeout).
 * Espruino-safe (the firmware frames its output and deframes commands with this file). The body is
 * scanned with the native indexOf/set, not byte by byte, so the device cost is a few native calls
 * per frame. On the device pass E.CRC32 results / E.CRC32 itself instead of the JS table, and
 * convert received serial data (a string on Espruino) with E.toUint8Array before push().
 */
import { SERIAL_CRC_BYTES, SERIAL_MAX_MESSAGE } from './constants.ts';
import { crc32 } from './crc.ts';

/** Most encoded bytes one frame can take between its delimiters for a message of `n` bytes. */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/** COBS-encodes `src` into `out` at `o`; returns the index after the last written byte. */
export function cobsEncodeInto(src: Uint8Array, out: Uint8Array, o: number): number {
  const len = src.length;
  let i = 0;
  for (;;) {
    const z = src.indexOf(0, i);
    const end = z < 0 ? len : z;
    let full = false;
    while (end - i >= 254) {
      out[o] = 0xff;
      out.set(src.subarray(i, i + 254), o + 1);
      o += 255;
      i += 254;
      full = true;
    }
    if (z < 0 && full && i === end) return o;
    out[o] = end - i + 1;
    if (end > i) out.set(src.subarray(i, end), o + 1);
    o += end - i + 1;
    if (z < 0) return o;
    i = z + 1;
  }
}

/**
 * COBS-decodes `src[start, end)` into `out` at 0; returns the decoded length, or -1 when the block
 * structure is broken (a zero code byte, or a block running past the end).
 */
export function cobsDecodeInto(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let i = start;
  let o = 0;
  while (i < end) {
    const c = src[i] as number;
    if (c === 0 || i + c > end) return -1;
    if (c > 1) out.set(src.subarray(i + 1, i + c), o);
    o += c - 1;
    i += c;
    if (c < 0xff && i < end) out[o++] = 0;
  }
  return o;
}

/**
 * Frames one message for the serial link: 0x00, COBS(message || CRC-32 LE), 0x00.
 * `crc` is CRC-32 of `message` when the caller has it (device: E.CRC32(message)); otherwise computed here.
 */
export function encodeSerialFrame(message: Uint8Array, crc?: number): Uint8Array {
  const c = (typeof crc === 'number' ? crc : crc32(message)) >>> 0;
  const body = new Uint8Array(message.length + SERIAL_CRC_BYTES);
  body.set(message, 0);
  const n = message.length;
  body[n] = c & 0xff;
  body[n + 1] = (c >>> 8) & 0xff;
  body[n + 2] = (c >>> 16) & 0xff;
  body[n + 3] = c >>> 24;
  const tmp = new Uint8Array(cobsMaxEncodedLength(body.length) + 2);
  const end = cobsEncodeInto(body, tmp, 1);
  tmp[end] = 0;
  return tmp.subarray(0, end + 1);
}

/** Counters of a deframer since creation (monotonic). */
export interface SerialDeframerStats {
  /** Good messages returned. */
  messages: number;
  /** Frames dropped because the CRC did not match. */
  crcErrors: number;
  /** Frames dropped because the COBS structure was broken. */
  cobsErrors: number;
  /** Frames dropped because they were too short to hold a message and its CRC. */
  shortFrames: number;
  /** Frames dropped because they grew past the longest allowed message (skipped to the next 0x00). */
  oversizeFrames: number;
  /** Bytes that belonged to dropped frames. */
  garbageBytes: number;
}

export interface SerialDeframer {
  /** Feeds any chunk of received bytes; returns the complete, CRC-checked messages it finished (maybe none). */
  push(chunk: Uint8Array): Uint8Array[];
  readonly stats: SerialDeframerStats;
  /** One line about the most recent dropped frame, or null if none was dropped yet. */
  lastError(): string | null;
}

/**
 * Creates an incremental deframer. maxMessage: longest message accepted, bytes (default
 * SERIAL_MAX_MESSAGE); crcFn: CRC-32 function (default the JS table; on the device `E.CRC32`).
 */
export function createSerialDeframer(maxMessage?: number, crcFn?: (data: Uint8Array) => number): SerialDeframer {
  const maxMsg = typeof maxMessage === 'number' && maxMessage > 0 ? maxMessage : SERIAL_MAX_MESSAGE;
  const crcOf = crcFn ? crcFn : function (d: Uint8Array): number { return crc32(d); };
  const maxEnc = cobsMaxEncodedLength(maxMsg + SERIAL_CRC_BYTES);
  const buf = new Uint8Array(maxEnc);
  const dec = new Uint8Array(maxEnc);
  let fill = 0;
  let discarding = false;
  let discarded = 0;
  let last: string | null = null;
  const stats: SerialDeframerStats = {
    messages: 0,
    crcErrors: 0,
    cobsErrors: 0,
    shortFrames: 0,
    oversizeFrames: 0,
    garbageBytes: 0,
  };

  function finish(out: Uint8Array[]): void {
    if (discarding) {
      stats.oversizeFrames++;
      stats.garbageBytes += discarded;
      last = 'frame longer than ' + maxEnc + ' encoded bytes dropped (' + discarded + ' bytes): garbage or a lost delimiter';
      discarding = false;
      discarded = 0;
      fill = 0;
      return;
    }
    if (fill === 0) return;
    const n = cobsDecodeInto(buf, 0, fill, dec);
    if (n < 0) {
      stats.cobsErrors++;
      stats.garbageBytes += fill;
      last = 'frame of ' + fill + ' bytes has a broken COBS structure: dropped';
    } else if (n < 1 + SERIAL_CRC_BYTES) {
      stats.shortFrames++;
      stats.garbageBytes += fill;
      last = 'frame decodes to ' + n + ' bytes, less than a 1-byte message and its 4-byte CRC: dropped';
    } else {
      const m = n - SERIAL_CRC_BYTES;
      if (m > maxMsg) {
        stats.oversizeFrames++;
        stats.garbageBytes += fill;
        last = 'message of ' + m + ' bytes is longer than ' + maxMsg + ': dropped';
        fill = 0;
        return;
      }
      const got = ((dec[m] as number) | ((dec[m + 1] as number) << 8) | ((dec[m + 2] as number) << 16) | ((dec[m + 3] as number) << 24)) >>> 0;
      const msg = new Uint8Array(m);
      msg.set(dec.subarray(0, m));
      const want = crcOf(msg) >>> 0;
      if (got !== want) {
        stats.crcErrors++;
        stats.garbageBytes += fill;
        last = 'frame CRC-32 0x' + got.toString(16) + ' does not match its ' + m + '-byte message (0x' + want.toString(16) + '): dropped';
      } else {
        stats.messages++;
        out.push(msg);
      }
    }
    fill = 0;
  }

  function take(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (discarding) {
      discarded += n;
      return;
    }
    if (fill + n > maxEnc) {
      discarding = true;
      discarded = fill + n;
      fill = 0;
      return;
    }
    buf.set(chunk.subarray(from, to), fill);
    fill += n;
  }

  return {
    push: function (chunk: Uint8Array): Uint8Array[] {
      const out: Uint8Array[] = [];
      let i = 0;
      const len = chunk.length;
      while (i < len) {
        const z = chunk.indexOf(0, i);
        if (z < 0) {
          take(chunk, i, len);
          break;
        }
        take(chunk, i, z);
        finish(out);
        i = z + 1;
      }
      return out;
    },
    stats: stats,
    lastError: function (): string | null {
      return last;
    },
  };
}
