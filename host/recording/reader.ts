/**
 * Reads a recording file in chunks (memory stays flat for long recordings) and yields its records.
 * What the file holds beyond its intact records is reported in `RecordingReadReport`, never thrown.
 */
import * as fs from 'node:fs';
import { RecordingFormatError, RecordingParser, type FrameBatch, type RecordSink } from './codec.ts';
import { RECORDING_MAGIC, type DamagedRange, type EndRecord, type RecordingHeader, type RecordingRecord } from './format.ts';

export { RecordingFormatError, type FrameBatch, type RecordSink };

/** How much of the file was readable; filled in as reading proceeds, complete after the last record. */
export interface RecordingReadReport {
  path: string;
  fileBytes: number;
  /** Bytes belonging to whole, valid records (plus the 8-byte magic). */
  intactBytes: number;
  header: RecordingHeader | null;
  /** The END record when the recording was closed cleanly; null after a crash or a cut. */
  end: EndRecord | null;
  /** Offset where a record cut short by the end of the file starts (the recording stopped here). */
  truncatedAt: number | null;
  damaged: DamagedRange[];
  /**
   * How the header was obtained when the HEADER record itself was damaged: 'copy' (from the
   * header-copy NOTE that follows it, exact) or 'missing' (no copy either: a stand-in header with no
   * board info and no calibration, so forces use the default calibration unless --calibration).
   * null when the HEADER record was intact.
   */
  headerRecovery: 'copy' | 'missing' | null;
}

/** NOTE kind holding a copy of the header, written right after it (FORMAT.md, "Damage"). */
export const HEADER_COPY_NOTE = 'header-copy';

function isHeaderCopy(r: RecordingRecord): r is Extract<RecordingRecord, { type: 'note' }> {
  return r.type === 'note' && r.note.kind === HEADER_COPY_NOTE && typeof r.note.header === 'object' && r.note.header !== null;
}

/** The header a recording whose HEADER record and its copy are both unreadable is replayed with. */
function standInHeader(): RecordingHeader {
  const unknown = { software: { name: 'unknown', version: '' }, source: { kind: 'unknown', description: 'header damaged' } };
  return { format: 'tripod-recording', formatVersion: 1, createdAt: '', ...unknown, board: null, calibration: null, subjectId: null, notes: null };
}

/** Bytes read per call: small enough that the records of one chunk (about 550 MESSAGE records) stay few while they wait to be played. */
const CHUNK_BYTES = 32 * 1024;
/** Bytes read per call by feed(), which makes no object per sample frame (about 7,000 frames of 2 samples). */
const FEED_CHUNK_BYTES = 256 * 1024;

/** Opens a recording for reading; throws RecordingFormatError when it is not one (bad magic, empty, no header). */
export function openRecording(path: string): {
  report: RecordingReadReport;
  /** The records one by one; `chunkBytes` read per call (default 32 KB; small to read only the header). */
  records: (chunkBytes?: number) => Generator<RecordingRecord>;
  /** The same records a chunk of the file at a time (an array each, valid until the next is asked for): for loops where a generator step per record counts. */
  batches: (chunkBytes?: number) => Generator<RecordingRecord[]>;
  /**
   * The same records handed to `sink` as each chunk of the file is parsed, sample frames as batches
   * of byte ranges (no object, no view, no call per frame): one generator step per chunk (thousands
   * of frames), so a caller can let the event loop run between chunks. For loops where an object
   * per frame counts.
   */
  feed: (sink: RecordSink) => Generator<void>;
} {
  let fileBytes: number;
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RecordingFormatError(code === 'ENOENT' ? `${path}: no such file` : `cannot read ${path}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new RecordingFormatError(`${path} is a directory, not a recording: name a .tripod file in it`);
  fileBytes = st.size;
  const report: RecordingReadReport = { path, fileBytes, intactBytes: 0, header: null, end: null, truncatedAt: null, damaged: [], headerRecovery: null };
  /**
   * Reads the file in chunks of `chunkBytes` through a parser, calling `parse(parser, chunk)` for
   * each (chunk null at the end of the file) and yielding after each; fills in the report at the end.
   * `owned`: each chunk starts with the parser's pending bytes (for RecordingParser.pushOwnedTo: no
   * copy of the chunk), in two buffers used in turn (the sink copies what it keeps past its call: a
   * new buffer per chunk cost more than the parsing, the kernel mapping and zeroing fresh pages for
   * each: 17 ms of system time for an hour's 5 MB); else one buffer reused for every read.
   */
  function* read(chunkBytes: number, owned: boolean, parse: (parser: RecordingParser, chunk: Uint8Array | null) => void, isFirst: () => boolean): Generator<void> {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      throw new RecordingFormatError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const parser = new RecordingParser();
    try {
      const reused = owned ? null : Buffer.allocUnsafe(chunkBytes);
      const pool: Uint8Array[] = [];
      for (let turn = 0; ; turn ^= 1) {
        let chunk: Uint8Array;
        let n: number;
        if (reused !== null) {
          n = fs.readSync(fd, reused, 0, chunkBytes, null);
          chunk = reused.subarray(0, n);
        } else {
          const tail = parser.pending; // in the other buffer of the pool
          // A plain Uint8Array, as the one push() parses (one kind of array in the parser's compiled loop).
          let b = pool[turn];
          if (b === undefined || b.length < tail.length + chunkBytes) b = pool[turn] = new Uint8Array(tail.length + chunkBytes);
          b.set(tail, 0);
          n = fs.readSync(fd, b, tail.length, chunkBytes, null);
          chunk = b.subarray(0, tail.length + n);
        }
        parse(parser, n === 0 ? null : chunk);
        yield;
        if (n === 0) break;
      }
      if (isFirst()) throw new RecordingFormatError(`${path}: no readable record after the magic (file cut or corrupt right at the start)`);
    } catch (e) {
      // The parser does not know the file's name: every message names it.
      if (e instanceof RecordingFormatError && !e.message.startsWith(`${path}:`)) throw new RecordingFormatError(`${path}: ${e.message}`);
      throw e;
    } finally {
      fs.closeSync(fd);
      report.intactBytes = parser.intactBytes;
      report.truncatedAt = parser.truncatedAt;
      report.damaged = parser.damaged;
    }
  }
  /**
   * Passes records to `put`: the header first (recovered if need be), then every record but the
   * header's copy. emit(null) says a sample frame comes (the header goes out first if not yet).
   */
  function emitter(put: (r: RecordingRecord) => void): { emit: (r: RecordingRecord | null) => void; first: () => boolean } {
    let first = true;
    return {
      first: () => first,
      emit(r) {
        if (first) {
          first = false;
          if (r !== null && r.type === 'header') {
            put(track(r));
            return;
          }
          if (r !== null && isHeaderCopy(r)) {
            report.headerRecovery = 'copy';
            put(track({ type: 'header', offset: r.offset, header: r.note.header as RecordingHeader }));
            return;
          }
          report.headerRecovery = 'missing';
          put(track({ type: 'header', offset: RECORDING_MAGIC.length, header: standInHeader() }));
        }
        if (r !== null && !isHeaderCopy(r)) put(track(r));
      },
    };
  }
  function* batches(chunkBytes = CHUNK_BYTES): Generator<RecordingRecord[]> {
    // Records of one chunk go out from a plain array (a generator per record costs more than the record).
    const ready: RecordingRecord[] = [];
    const e = emitter((r) => ready.push(r));
    const parse = (parser: RecordingParser, chunk: Uint8Array | null): void => {
      for (const r of chunk === null ? parser.finish() : parser.push(chunk)) e.emit(r);
    };
    for (const _ of read(chunkBytes, false, parse, e.first)) {
      if (ready.length > 0) yield ready;
      ready.length = 0;
    }
  }
  function* feed(sink: RecordSink): Generator<void> {
    const e = emitter((r) => sink.record(r));
    let started = false;
    const wrapped: RecordSink = {
      frames(buf, batch) {
        if (!started) {
          started = true;
          if (e.first()) e.emit(null); // a stand-in header before the first frame
        }
        sink.frames(buf, batch);
      },
      record(r) {
        started = true;
        e.emit(r);
      },
    };
    const parse = (parser: RecordingParser, chunk: Uint8Array | null): void => {
      if (chunk === null) parser.finishTo(wrapped);
      else parser.pushOwnedTo(chunk, wrapped);
    };
    yield* read(FEED_CHUNK_BYTES, true, parse, e.first);
  }
  function* records(chunkBytes = CHUNK_BYTES): Generator<RecordingRecord> {
    for (const batch of batches(chunkBytes)) for (let i = 0; i < batch.length; i++) yield batch[i]!;
  }
  function track(r: RecordingRecord): RecordingRecord {
    if (r.type === 'header') report.header = r.header;
    else if (r.type === 'end') report.end = r.end;
    return r;
  }
  return { report, records, batches, feed };
}

/** One line saying where a damaged or cut recording stopped, or null when the file is whole. */
export function describeDamage(report: RecordingReadReport): string | null {
  const parts: string[] = [];
  if (report.headerRecovery === 'copy') parts.push('the header record is damaged: read from its copy (nothing lost)');
  if (report.headerRecovery === 'missing') {
    parts.push('the header record is damaged and has no copy: board info, subject and calibration are unknown, forces use the default calibration (give --calibration FILE for the board\'s)');
  }
  for (const d of report.damaged) parts.push(`skipped ${d.length} damaged bytes at offset ${d.offset} (${d.reason})`);
  if (report.truncatedAt !== null) {
    parts.push(`stopped at byte offset ${report.truncatedAt} of ${report.fileBytes}: the last record is cut short (recording was interrupted)`);
  } else if (report.end === null && report.header !== null) {
    parts.push('no end record: the recording was not closed cleanly (crash or kill), all complete records were read');
  }
  return parts.length ? `${report.path}: ${parts.join('; ')}` : null;
}
