/**
 * Appends a recording to a file, one whole record per write(2): a SIGKILL at any instant leaves every
 * record written before it intact (the kernel keeps written pages even when the process dies).
 *
 * A write that fails (full disk, quota, I/O error) never throws into the caller, which is the
 * transport's receive callback: the writer cuts the file back to the end of the last whole record
 * (a record half-written before the error is removed), closes it, sets `error` to one line, calls
 * the `onError` listeners once, and ignores later writes. Everything written before stays intact.
 *
 * Overwriting (`--force`) an existing file: the new recording is written aside (a temporary file in
 * the same directory) and renamed over the old one when its first sample frame is on disk. A board
 * that fails to start streaming, or a disk full before any sample, leaves the old file as it was.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeWriteError } from '../util/atomic-write.ts';
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
  /** The write call (fs.writeSync); tests inject a failing one (ENOSPC) here. */
  writeSync?: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
}

export class RecordingWriter {
  private fd: number | null;
  private lastSync = Date.now();
  /** MESSAGE records written. */
  messages = 0;
  /** Bytes written, magic included. */
  bytes = 0;
  /** Why the recording stopped early (one line), or null while it is fine. */
  error: string | null = null;
  private readonly errorListeners: Array<(message: string) => void> = [];

  private constructor(
    readonly path: string,
    fd: number,
    private readonly fsyncEveryMs: number,
    private readonly writeSync: NonNullable<RecordingWriterOptions['writeSync']>,
  ) {
    this.fd = fd;
  }

  /** Temporary file holding the recording until its first sample frame replaces the old file, or null. */
  private aside: string | null = null;

  /** Creates the file and writes the magic and the header record. */
  static create(path: string, header: RecordingHeader, opts: RecordingWriterOptions = {}): RecordingWriter {
    let fd: number;
    const replacing = opts.overwrite === true && fs.statSync(path, { throwIfNoEntry: false })?.isFile() === true;
    const aside = replacing ? join(dirname(path), `.${basename(path)}.${process.pid}.recording.tmp`) : null;
    try {
      fd = fs.openSync(aside ?? path, aside ? 'w' : opts.overwrite ? 'w' : 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw Object.assign(new Error(`${path} already exists; choose another file or open it with overwrite to replace it`), { code: 'EEXIST', path });
      throw new Error(`cannot create ${path}: ${(e as Error).message}`);
    }
    const w = new RecordingWriter(path, fd, opts.fsyncEveryMs ?? 1000, opts.writeSync ?? ((f, b, o, l) => fs.writeSync(f, b, o, l)));
    w.aside = aside;
    w.append(RECORDING_MAGIC);
    w.append(encodeJsonRecord(RECORD_HEADER, header));
    // A copy right after it: a damaged header is read from here instead (reader.ts, FORMAT.md).
    w.append(encodeJsonRecord(RECORD_NOTE, { kind: 'header-copy', hostTimeMs: Date.now(), header }));
    if (w.error) {
      // Not even the header fits: no recording was made, so no file is left behind (a regular
      // file only: never a device such as /dev/full).
      if (aside) fs.rmSync(aside, { force: true });
      else if (fs.statSync(path, { throwIfNoEntry: false })?.isFile()) fs.rmSync(path, { force: true });
      throw new Error(w.error);
    }
    return w;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Called once, with a one-line message, when a write fails and the recording stops. */
  onError(listener: (message: string) => void): void {
    if (this.error) listener(this.error);
    else this.errorListeners.push(listener);
  }

  /** Appends one message exactly as received. */
  writeMessage(channel: Channel, hostTimeMs: number, bytes: Uint8Array): void {
    this.append(encodeMessageRecord(channel, hostTimeMs, bytes));
    this.messages++;
    if (this.aside && channel === 'data' && this.fd !== null) {
      // The first sample is on disk: the new recording replaces the old file (the fd stays valid).
      try {
        fs.renameSync(this.aside, this.path);
        this.aside = null;
      } catch (e) {
        this.failed(e);
      }
    }
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
    if (this.fd === null) return; // the END record did not fit: failed() closed the file
    try {
      fs.fsyncSync(this.fd);
    } catch (e) {
      this.failed(e);
      return;
    }
    fs.closeSync(this.fd);
    this.fd = null;
    this.dropAside();
  }

  /** A recording that never got a sample frame does not replace the old file. */
  private dropAside(): void {
    if (this.aside) fs.rmSync(this.aside, { force: true });
    this.aside = null;
  }

  private append(record: Uint8Array): void {
    if (this.fd === null) {
      if (this.error) return; // stopped by a write error: later records are dropped, not thrown
      throw new Error(`recording ${this.path} is already closed`);
    }
    let off = 0;
    try {
      while (off < record.length) off += this.writeSync(this.fd, record, off, record.length - off);
    } catch (e) {
      this.failed(e);
      return;
    }
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

  /** A write failed: cut the half-written record off, close, report once. */
  private failed(e: unknown): void {
    const fd = this.fd!;
    this.fd = null;
    try {
      fs.ftruncateSync(fd, this.bytes);
    } catch {
      // the reader stops at a cut record anyway
    }
    try {
      fs.closeSync(fd);
    } catch {
      // nothing more to do with this file
    }
    const noSample = this.aside !== null;
    this.dropAside();
    this.error = noSample
      ? `${describeWriteError(this.path, e)}; recording stopped before its first sample (${this.path} is unchanged)`
      : `${describeWriteError(this.path, e)}; recording stopped after ${this.messages} messages (${this.bytes} bytes, all intact)`;
    for (const l of this.errorListeners.splice(0)) l(this.error);
  }
}
