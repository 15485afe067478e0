/**
 * Reads a recording file in chunks (memory stays flat for long recordings) and yields its records.
 * What the file holds beyond its intact records is reported in `RecordingReadReport`, never thrown.
 */
import * as fs from 'node:fs';
import { RecordingFormatError, RecordingParser } from './codec.ts';
import type { DamagedRange, EndRecord, RecordingHeader, RecordingRecord } from './format.ts';

export { RecordingFormatError };

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
}

const CHUNK_BYTES = 256 * 1024;

/** Opens a recording for reading; throws RecordingFormatError when it is not one (bad magic, empty, no header). */
export function openRecording(path: string): { report: RecordingReadReport; records: () => Generator<RecordingRecord> } {
  let fileBytes: number;
  try {
    fileBytes = fs.statSync(path).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RecordingFormatError(code === 'ENOENT' ? `${path}: no such file` : `cannot read ${path}: ${(e as Error).message}`);
  }
  const report: RecordingReadReport = { path, fileBytes, intactBytes: 0, header: null, end: null, truncatedAt: null, damaged: [] };
  function* records(): Generator<RecordingRecord> {
    const fd = fs.openSync(path, 'r');
    const parser = new RecordingParser();
    let first = true;
    try {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
        if (n === 0) break;
        for (const r of parser.push(new Uint8Array(chunk.subarray(0, n)))) {
          if (first) {
            first = false;
            if (r.type !== 'header') throw new RecordingFormatError(`${path}: the first record (offset ${r.offset}) is a ${r.type}, not the header`);
          }
          track(r);
          yield r;
        }
      }
      for (const r of parser.finish()) {
        if (first) {
          first = false;
          if (r.type !== 'header') throw new RecordingFormatError(`${path}: the first record (offset ${r.offset}) is a ${r.type}, not the header`);
        }
        track(r);
        yield r;
      }
      if (first) throw new RecordingFormatError(`${path}: no readable header record (file cut or corrupt right after the magic)`);
    } finally {
      fs.closeSync(fd);
      report.intactBytes = parser.intactBytes;
      report.truncatedAt = parser.truncatedAt;
      report.damaged = parser.damaged;
    }
  }
  function track(r: RecordingRecord): void {
    if (r.type === 'header') report.header = r.header;
    else if (r.type === 'end') report.end = r.end;
  }
  return { report, records };
}

/** One line saying where a damaged or cut recording stopped, or null when the file is whole. */
export function describeDamage(report: RecordingReadReport): string | null {
  const parts: string[] = [];
  for (const d of report.damaged) parts.push(`skipped ${d.length} damaged bytes at offset ${d.offset} (${d.reason})`);
  if (report.truncatedAt !== null) {
    parts.push(`stopped at byte offset ${report.truncatedAt} of ${report.fileBytes}: the last record is cut short (recording was interrupted)`);
  } else if (report.end === null && report.header !== null) {
    parts.push('no end record: the recording was not closed cleanly (crash or kill), all complete records were read');
  }
  return parts.length ? `${report.path}: ${parts.join('; ')}` : null;
}
