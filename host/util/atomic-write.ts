/**
 * Files a command writes are never left half-written and never replace a good file with a bad one:
 * the content goes to a temporary file in the same directory (same file system, so the rename is
 * atomic), which is synced and renamed over the target only when everything was written. A failure
 * at any point (bad input found late, full disk, Ctrl-C) removes the temporary file and leaves the
 * target exactly as it was.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class OutputError extends Error {
  override readonly name = 'OutputError';
}

/** One line for a write error: the path, and what the system said in words. */
export function describeWriteError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOENT: 'no such directory',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'it is a directory',
    EIO: 'input/output error on the disk',
    EFBIG: 'the file is too large for the file system',
  };
  return `cannot write ${path}: ${(code && why[code]) ?? (e as Error).message}`;
}

/**
 * Checks, before any work starts, that `path` can be written: its directory exists and is
 * writable, it is not a directory, and it does not exist unless `overwrite`. Throws OutputError
 * with one line saying what to change.
 */
export function checkWritable(path: string, opts: { overwrite?: boolean; flag?: string } = {}): void {
  const flag = opts.flag ?? '--out';
  const dir = dirname(path);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutputError(describeWriteError(path, e));
  }
  if (st?.isDirectory()) throw new OutputError(`${flag} ${path} is a directory: name a file`);
  if (st && !opts.overwrite) throw new OutputError(`${path} already exists; add --force to overwrite it or choose another ${flag}`);
  let dst: fs.Stats;
  try {
    dst = fs.statSync(dir);
  } catch {
    throw new OutputError(`cannot write ${path}: directory ${dir} does not exist`);
  }
  if (!dst.isDirectory()) throw new OutputError(`cannot write ${path}: ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new OutputError(`cannot write ${path}: directory ${dir} is not writable`);
  }
}

/** A file being written: `write` appends, `commit` makes it the target, `abort` removes it. */
export class AtomicFile {
  private fd: number | null;
  readonly tempPath: string;
  bytes = 0;

  constructor(readonly path: string) {
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
    try {
      this.fd = fs.openSync(this.tempPath, 'wx', 0o644);
    } catch (e) {
      throw new OutputError(describeWriteError(path, e));
    }
  }

  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new OutputError(`${this.path}: already closed`);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      this.abort();
      throw new OutputError(describeWriteError(this.path, e));
    }
    this.bytes += buf.length;
  }

  /** Syncs and renames over the target. */
  commit(): void {
    if (this.fd === null) throw new OutputError(`${this.path}: already closed`);
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
      fs.renameSync(this.tempPath, this.path);
    } catch (e) {
      this.abort();
      throw new OutputError(describeWriteError(this.path, e));
    }
  }

  /** Removes the temporary file; the target stays as it was. Safe to call twice. */
  abort(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing is all that is left to do
      }
      this.fd = null;
    }
    fs.rmSync(this.tempPath, { force: true });
  }
}

/** Writes `data` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const f = new AtomicFile(path);
  f.write(data);
  f.commit();
}
