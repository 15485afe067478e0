/**
 * Appends a recording to a file, one whole record per write(2): a SIGKILL at any instant leaves every
 * record written before it intact (the kernel keeps written pages even when the process dies).
 */
import * as fs from 'node:fs';
import { encodeJsonRecord, encodeMessageRecord } from './codec.ts';
import {
  RECORD_END,
  RECORD_HEADER,
  RECORD_LINK,
  RECORD_NOTE,
  RECORDING_MAGIC,
  type Channel,
  type LinkRecord,
  type NoteRecord,
  type RecordingHeader,
} from './format.ts';

export interface RecordingWriterOptions {
  /** Replace an existing file. Defaults to false (an existing file is an error). */
  overwrite?: boolean;
  /** fsync after this many ms of writes (power-loss safety; a process kill needs none). Defaults to 1000; 0 disables. */
  fsyncEveryMs?: number;
}

export class RecordingWriter {
  private fd: number | null;
  private lastSync = Date.now();
  /** MESSAGE records written. */
  messages = 0;
  /** Bytes written, magic included. */
  bytes = 0;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly fsyncEveryMs: number,
  ) {
    this.fd = fd;
  }

  /** Creates the file and writes the magic and the header record. */
  static create(path: string, header: RecordingHeader, opts: RecordingWriterOptions = {}): RecordingWriter {
    let fd: number;
    try {
      fd = fs.openSync(path, opts.overwrite ? 'w' : 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw Object.assign(new Error(`${path} already exists; choose another file or open it with overwrite to replace it`), { code: 'EEXIST', path });
      throw new Error(`cannot create ${path}: ${(e as Error).message}`);
    }
    const w = new RecordingWriter(path, fd, opts.fsyncEveryMs ?? 1000);
    w.append(RECORDING_MAGIC);
    w.append(encodeJsonRecord(RECORD_HEADER, header));
    return w;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Appends one message exactly as received. */
  writeMessage(channel: Channel, hostTimeMs: number, bytes: Uint8Array): void {
    this.append(encodeMessageRecord(channel, hostTimeMs, bytes));
    this.messages++;
  }

  writeLink(link: LinkRecord): void {
    this.append(encodeJsonRecord(RECORD_LINK, link));
  }

  writeNote(note: NoteRecord): void {
    this.append(encodeJsonRecord(RECORD_NOTE, note));
  }

  /** Writes the END record, syncs and closes. Safe to call twice. */
  close(reason = 'closed'): void {
    if (this.fd === null) return;
    this.append(encodeJsonRecord(RECORD_END, { hostTimeMs: Date.now(), messages: this.messages, reason }));
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  private append(record: Uint8Array): void {
    if (this.fd === null) throw new Error(`recording ${this.path} is already closed`);
    let off = 0;
    while (off < record.length) off += fs.writeSync(this.fd, record, off, record.length - off);
    this.bytes += record.length;
    if (this.fsyncEveryMs > 0) {
      const now = Date.now();
      if (now - this.lastSync >= this.fsyncEveryMs) {
        // Asynchronous: the transport callback that appended this record must not wait for the disk.
        fs.fsync(this.fd, () => {});
        this.lastSync = now;
      }
    }
  }
}
