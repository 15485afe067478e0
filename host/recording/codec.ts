/**
 * Pure encoding and incremental parsing of recording records (see format.ts for the layout).
 * The parser never throws on bad data: it returns what is intact and lists the damaged ranges.
 */
import { crc32, crc32Range, crc32Short, TABLE_MAX_BYTES } from './crc32.ts';
import {
  CHANNEL_CONTROL,
  CHANNEL_DATA,
  MAX_RECORD_PAYLOAD,
  RECORD_CRC_BYTES,
  RECORD_END,
  RECORD_HEAD_BYTES,
  RECORD_HEADER,
  RECORD_LINK,
  RECORD_MESSAGE,
  RECORD_NOTE,
  RECORD_SYNC_0,
  RECORD_SYNC_1,
  RECORDING_MAGIC,
  type Channel,
  type DamagedRange,
  type RecordingRecord,
} from './format.ts';

/** Records per scanSome() call. */
const SCAN_SLICE = 256;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes of one record of `type` around `payload` (SYNC, type, length, payload, CRC). */
export function encodeRecord(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEAD_BYTES + payload.length + RECORD_CRC_BYTES);
  out.set(payload, RECORD_HEAD_BYTES);
  finishRecord(out, type, payload.length);
  return out;
}

function finishRecord(out: Uint8Array, type: number, length: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = RECORD_SYNC_0;
  out[1] = RECORD_SYNC_1;
  out[2] = type;
  view.setUint32(3, length, true);
  view.setUint32(RECORD_HEAD_BYTES + length, crc32(out.subarray(2, RECORD_HEAD_BYTES + length)), true);
}

/** A MESSAGE record: channel (u8), host receive time (f64 ms since the epoch), the bytes as received. */
export function encodeMessageRecord(channel: Channel, hostTimeMs: number, bytes: Uint8Array): Uint8Array {
  const length = 9 + bytes.length;
  const out = new Uint8Array(RECORD_HEAD_BYTES + length + RECORD_CRC_BYTES);
  out[RECORD_HEAD_BYTES] = channel === 'data' ? CHANNEL_DATA : CHANNEL_CONTROL;
  new DataView(out.buffer).setFloat64(RECORD_HEAD_BYTES + 1, hostTimeMs, true);
  out.set(bytes, RECORD_HEAD_BYTES + 9);
  finishRecord(out, RECORD_MESSAGE, length);
  return out;
}

/** A JSON record (HEADER, LINK, NOTE, END). */
export function encodeJsonRecord(type: number, value: unknown): Uint8Array {
  return encodeRecord(type, utf8.encode(JSON.stringify(value)));
}

export class RecordingFormatError extends Error {
  override readonly name = 'RecordingFormatError';
}

/**
 * Consecutive MESSAGE records of the data channel (sample frames) of one chunk, without a record
 * object each: frame i is bytes [start[i], end[i]) of the chunk's buffer, received at
 * hostTimeMs[i] (ms since the epoch). The arrays are the parser's, reused for the next batch: read
 * them during the call (the buffer too: the reader writes it again, see RecordSink.frames).
 */
export interface FrameBatch {
  count: number;
  start: Int32Array;
  end: Int32Array;
  hostTimeMs: Float64Array;
}

/** Where pushOwnedTo() / finishTo() send the records, in file order, as the parser finds them. */
export interface RecordSink {
  /**
   * Sample frames, as many as follow each other in the chunk (thousands: one call, no object per
   * frame). `buf` is the reader's and written again after the call: copy the bytes you keep.
   */
  frames(buf: Uint8Array, batch: FrameBatch): void;
  /** Every other record (the frames before it have gone to frames()); a message's bytes are its own. */
  record(r: RecordingRecord): void;
}

/**
 * Incremental record parser: push file bytes in any chunking, get whole records back.
 * `finish()` at end of file reports a cut final record as `truncatedAt`.
 */
export class RecordingParser {
  private buf: Uint8Array = new Uint8Array(0);
  /** File offset of buf[0]. */
  private base = 0;
  private magicChecked = false;
  /** Start of a damaged stretch being skipped, or -1. */
  private damageStart = -1;
  private damageReason = '';
  readonly damaged: DamagedRange[] = [];
  /** File offset of a final record cut short by the end of the file, or null. */
  truncatedAt: number | null = null;
  /** Bytes consumed as whole, valid records (plus the magic). */
  intactBytes = 0;
  /** Sample frames found and not yet handed to a sink (pushOwnedTo / finishTo). */
  private readonly batch: FrameBatch = { count: 0, start: new Int32Array(1024), end: new Int32Array(1024), hostTimeMs: new Float64Array(1024) };

  /**
   * Feeds bytes; returns the records completed by them. Throws only when the file is not a recording
   * at all. The bytes are copied once into the parser's own buffer, and each MESSAGE record's
   * `bytes` is a view into that buffer (never written again), so the caller may reuse `chunk` and
   * no buffer is allocated per message.
   */
  push(chunk: Uint8Array): RecordingRecord[] {
    const out: RecordingRecord[] = [];
    this.buf = concat(this.buf, chunk);
    this.scan(out, null, false);
    return out;
  }

  /** The bytes not parsed yet (the start of a record the last chunk cut); pushOwnedTo's chunk starts with them. */
  get pending(): Uint8Array {
    return this.buf;
  }

  /**
   * push() for readers of long recordings (a replay at full speed): records go to `sink` as they
   * are found, sample frames as byte ranges (no object per frame), the rest as records. The chunk
   * starts with `pending` and is parsed in place, not copied; the caller may write it again once
   * the next chunk holds the pending bytes (the sink copies what it keeps).
   */
  pushOwnedTo(chunk: Uint8Array, sink: RecordSink): void {
    this.buf = chunk;
    this.scan(null, sink, false);
  }

  /** Ends the input; returns any records found by resynchronising past a bad length at the tail. */
  finish(): RecordingRecord[] {
    const out: RecordingRecord[] = [];
    this.end(out, null);
    return out;
  }

  /** finish() for pushOwnedTo()'s readers. */
  finishTo(sink: RecordSink): void {
    this.end(null, sink);
  }

  private end(out: RecordingRecord[] | null, sink: RecordSink | null): void {
    if (!this.magicChecked) {
      if (this.buf.length === 0 && this.base === 0) throw new RecordingFormatError('empty file: not a Tripod recording');
      throw new RecordingFormatError(`file is ${this.buf.length} bytes, shorter than the 8-byte Tripod recording magic`);
    }
    this.scan(out, sink, true);
    if (this.buf.length > 0) {
      // What is left cannot form a record even with resync: a cut tail (or damage running to the end).
      if (this.damageStart >= 0) this.closeDamage(this.base + this.buf.length);
      else this.truncatedAt = this.base;
    } else if (this.damageStart >= 0) {
      this.closeDamage(this.base);
    }
    this.buf = new Uint8Array(0);
  }

  /** Records go to `out`, or (sample frames as ranges) to `sink`. */
  private scan(out: RecordingRecord[] | null, sink: RecordSink | null, atEnd: boolean): void {
    let pos = 0;
    const buf = this.buf;
    if (!this.magicChecked) {
      if (buf.length < RECORDING_MAGIC.length) return;
      // One flipped bit in the magic is damage, not another kind of file: read on, and say so.
      let bits = 0;
      for (let i = 0; i < RECORDING_MAGIC.length; i++) bits += popcount8(buf[i]! ^ RECORDING_MAGIC[i]!);
      if (bits > 1) {
        throw new RecordingFormatError(
          `not a Tripod recording: the file starts with ${hex(buf.subarray(0, 8))}, expected ${hex(RECORDING_MAGIC)} ("TRIPODR\\x01")`,
        );
      }
      if (bits === 1) this.damaged.push({ offset: 0, length: RECORDING_MAGIC.length, reason: 'one bit of the magic flipped' });
      this.magicChecked = true;
      pos = RECORDING_MAGIC.length;
      this.intactBytes = pos;
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.waiting = false;
    while (pos < buf.length && !this.waiting) pos = this.scanSome(buf, view, pos, out, sink, atEnd);
    if (sink !== null && this.batch.count > 0) this.sendBatch(buf, sink);
    this.buf = buf.subarray(pos);
    this.base += pos;
  }

  /** scanSome() stopped at a record the buffer does not hold whole yet (more bytes needed, or the end). */
  private waiting = false;

  /**
   * Up to SCAN_SLICE records of buf from `pos`; returns where it stopped (sets `waiting` when the
   * next record is not whole). In slices so that the loop is compiled as a whole function after a
   * few calls, with type feedback for its exit (a loop compiled while it runs, from a chunk's
   * thousands of records, bailed out at the end of every chunk: --trace-deopt).
   */
  private scanSome(buf: Uint8Array, view: DataView, pos: number, out: RecordingRecord[] | null, sink: RecordSink | null, atEnd: boolean): number {
    // Stopping sets a local and breaks: the field is written after the loop on every call (code first
    // run after the loop was compiled would throw the compiled code away for want of type feedback).
    let waiting = false;
    for (let left = SCAN_SLICE; pos < buf.length && left > 0; left--) {
      if (buf.length - pos < RECORD_HEAD_BYTES) {
        if (atEnd && buf[pos] !== RECORD_SYNC_0) { pos = this.skip(pos, 'no record sync'); continue; }
        waiting = true;
        break;
      }
      if (buf[pos] !== RECORD_SYNC_0 || buf[pos + 1] !== RECORD_SYNC_1) {
        pos = this.skip(pos, 'no record sync');
        continue;
      }
      const type = buf[pos + 2]!;
      const length = view.getUint32(pos + 3, true);
      if (length > MAX_RECORD_PAYLOAD || type < RECORD_HEADER || type > RECORD_END) {
        pos = this.skip(pos, length > MAX_RECORD_PAYLOAD ? `record length ${length} is implausible` : `unknown record type ${type}`);
        continue;
      }
      const total = RECORD_HEAD_BYTES + length + RECORD_CRC_BYTES;
      if (buf.length - pos < total) {
        // The record runs past the end of the file: either the tail was cut, or its length is corrupt.
        // Only a valid record further on proves the latter.
        if (!atEnd || this.findNextValid(pos + 1) < 0) {
          waiting = true;
          break;
        }
        pos = this.skip(pos, 'record length runs past the end of the file');
        continue;
      }
      // As signed 32-bit integers (crc32Short): no heap number per record for CRCs above 2^31 - 1.
      const crcEnd = pos + RECORD_HEAD_BYTES + length;
      const crc = view.getInt32(crcEnd, true);
      if (crc !== (length < TABLE_MAX_BYTES ? crc32Short(buf, pos + 2, crcEnd) : crc32Range(buf, pos + 2, crcEnd) | 0)) {
        pos = this.skip(pos, 'record CRC mismatch');
        continue;
      }
      const at = pos + RECORD_HEAD_BYTES;
      if (sink !== null && type === RECORD_MESSAGE && length >= 9 && buf[at] === CHANNEL_DATA) {
        // A sample frame: its bytes go out as a range of buf (no record object, no view), with the
        // frames next to it in one batch.
        if (this.damageStart >= 0) this.closeDamage(this.base + pos);
        pos += total;
        this.intactBytes += total;
        let b = this.batch;
        if (b.count === b.start.length) b = this.growBatch();
        const k = b.count++;
        b.start[k] = at + 9;
        b.end[k] = at + length;
        b.hostTimeMs[k] = view.getFloat64(at + 1, true);
        continue;
      }
      const record =
        type === RECORD_MESSAGE
          ? decodeMessage(buf, view, at, length, this.base + pos, sink !== null)
          : decodePayload(type, buf.subarray(at, at + length), this.base + pos);
      if (record === null) {
        pos = this.skip(pos, 'record payload malformed');
        continue;
      }
      if (this.damageStart >= 0) this.closeDamage(this.base + pos);
      pos += total;
      this.intactBytes += total;
      if (sink !== null) {
        if (this.batch.count > 0) this.sendBatch(buf, sink);
        sink.record(record);
      } else out!.push(record);
    }
    this.waiting = waiting;
    return pos;
  }

  private sendBatch(buf: Uint8Array, sink: RecordSink): void {
    sink.frames(buf, this.batch);
    this.batch.count = 0;
  }

  private growBatch(): FrameBatch {
    const b = this.batch;
    const n = 2 * b.start.length;
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    const hostTimeMs = new Float64Array(n);
    start.set(b.start);
    end.set(b.end);
    hostTimeMs.set(b.hostTimeMs);
    b.start = start;
    b.end = end;
    b.hostTimeMs = hostTimeMs;
    return b;
  }

  /** Marks bytes from `pos` as damaged and moves to the next candidate sync. */
  private skip(pos: number, reason: string): number {
    if (this.damageStart < 0) {
      this.damageStart = this.base + pos;
      this.damageReason = reason;
    }
    const buf = this.buf;
    for (let i = pos + 1; i < buf.length; i++) {
      if (buf[i] === RECORD_SYNC_0 && (i + 1 >= buf.length || buf[i + 1] === RECORD_SYNC_1)) return i;
    }
    return buf.length;
  }

  private closeDamage(end: number): void {
    this.damaged.push({ offset: this.damageStart, length: end - this.damageStart, reason: this.damageReason });
    this.damageStart = -1;
    this.damageReason = '';
  }

  /** Position of the next whole, CRC-valid record at or after `from`, or -1. */
  private findNextValid(from: number): number {
    const buf = this.buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = from; i + RECORD_HEAD_BYTES + RECORD_CRC_BYTES <= buf.length; i++) {
      if (buf[i] !== RECORD_SYNC_0 || buf[i + 1] !== RECORD_SYNC_1) continue;
      const length = view.getUint32(i + 3, true);
      if (length > MAX_RECORD_PAYLOAD || i + RECORD_HEAD_BYTES + length + RECORD_CRC_BYTES > buf.length) continue;
      const crc = view.getUint32(i + RECORD_HEAD_BYTES + length, true);
      if (crc === crc32Range(buf, i + 2, i + RECORD_HEAD_BYTES + length)) return i;
    }
    return -1;
  }
}

/**
 * A MESSAGE record's payload at buf[at, at + length): its bytes are a view into `buf` (a buffer the
 * parser owns and never writes again, push()), so no buffer is allocated per message, or a copy
 * (`copy`: pushOwnedTo's chunks are written again).
 */
function decodeMessage(buf: Uint8Array, view: DataView, at: number, length: number, offset: number, copy: boolean): RecordingRecord | null {
  if (length < 9) return null;
  const ch = buf[at];
  if (ch !== CHANNEL_DATA && ch !== CHANNEL_CONTROL) return null;
  const hostTimeMs = view.getFloat64(at + 1, true);
  const bytes = copy ? buf.slice(at + 9, at + length) : buf.subarray(at + 9, at + length);
  return { type: 'message', offset, channel: ch === CHANNEL_DATA ? 'data' : 'control', hostTimeMs, bytes };
}

function decodePayload(type: number, payload: Uint8Array, offset: number): RecordingRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decoder.decode(payload));
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object') return null;
  switch (type) {
    case RECORD_HEADER:
      return { type: 'header', offset, header: json as never };
    case RECORD_LINK:
      return { type: 'link', offset, link: json as never };
    case RECORD_NOTE:
      return { type: 'note', offset, note: json as never };
    case RECORD_END:
      return { type: 'end', offset, end: json as never };
    default:
      return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function popcount8(b: number): number {
  let n = 0;
  for (let v = b; v; v &= v - 1) n++;
  return n;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
