import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Espruino's flash file store (`require("Storage")`), kept across emulated reboots. Files are
 * byte strings (Espruino strings hold bytes: chars above 255 keep their low byte). Flash rules
 * kept from the device: a file written with `write(name, data, 0, size)` is `size` bytes of 0xFF
 * that later writes at an offset fill in; writing over flash can only clear bits (new = old AND
 * data); names are at most 28 characters; the area is limited (`capacityBytes`, each file also
 * taking a 32-byte header here), and a new file that does not fit is refused with Espruino's own
 * "Unable to find or create file". It also counts the bytes written into each file, so an upload
 * cut midway (a sized file not yet filled) can be told from a complete one.
 * Backed by memory, or by a JSON file `{ name: base64 }` rewritten on every change.
 * The one Storage model: the board's `require("Storage")` (storage-api.ts) and the REPL server's.
 */

export const STORAGE_NAME_MAX = 28;
/** Bytes of flash for Storage; the nRF52832 boards have about 40 KB. */
export const DEFAULT_STORAGE_BYTES = 40 * 1024;

export type StorageInit = Record<string, string> | { file: string };

/** Bytes a Storage file takes besides its data (Espruino's file header, rounded; an estimate). */
export const FILE_HEADER_BYTES = 32;

/** One file as stored: its bytes (0xFF where nothing was written yet), and bytes written into it. */
export interface StoredFile {
  data: Uint8Array;
  size: number;
  written: number;
}

export class StorageModel {
  private files = new Map<string, Uint8Array>();
  /** Bytes written into each file (equal to its size once complete). */
  private written = new Map<string, number>();
  private readonly backingFile: string | undefined;

  constructor(init: StorageInit | undefined, readonly capacityBytes = DEFAULT_STORAGE_BYTES) {
    if (init && typeof (init as { file?: unknown }).file === 'string') {
      this.backingFile = (init as { file: string }).file;
      if (existsSync(this.backingFile)) {
        const raw = JSON.parse(readFileSync(this.backingFile, 'utf8')) as Record<string, string>;
        for (const [k, v] of Object.entries(raw)) this.files.set(k, new Uint8Array(Buffer.from(v, 'base64')));
      }
    } else if (init) {
      for (const [k, v] of Object.entries(init as Record<string, string>)) this.files.set(k, bytesOfString(v));
    }
  }

  private persist(): void {
    if (!this.backingFile) return;
    const out: Record<string, string> = {};
    for (const [k, v] of this.files) out[k] = Buffer.from(v).toString('base64');
    writeFileSync(this.backingFile, JSON.stringify(out, null, 1));
  }

  private used(except?: string): number {
    let n = 0;
    for (const [k, v] of this.files) if (k !== except) n += v.length + FILE_HEADER_BYTES;
    return n;
  }

  /** A file with its size and how many bytes were written into it, or undefined. */
  file(name: string): StoredFile | undefined {
    const f = this.files.get(name);
    return f ? { data: f, size: f.length, written: this.written.get(name) ?? f.length } : undefined;
  }

  /** Complete files only (every byte of a sized file written), as latin1 strings: what a board boots with. */
  completeSnapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.files) if ((this.written.get(k) ?? v.length) >= v.length) out[k] = stringOfBytes(v);
    return out;
  }

  names(): string[] {
    return [...this.files.keys()];
  }

  bytes(name: string): Uint8Array | undefined {
    return this.files.get(name);
  }

  /** Snapshot as latin1 strings (for tests and for handing to another board). */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.files) out[k] = stringOfBytes(v);
    return out;
  }

  write(name: string, data: Uint8Array, offset: number | undefined, size: number | undefined): void {
    checkName(name);
    const off = offset ?? 0;
    if (off === 0) {
      const total = size ?? data.length;
      if (data.length > total) throw new Error(`Storage.write: ${data.length} bytes do not fit in a ${total}-byte file '${name}'`);
      if (this.used(name) + total + FILE_HEADER_BYTES > this.capacityBytes) throw new Error('Unable to find or create file');
      const f = new Uint8Array(total).fill(0xff);
      f.set(data, 0);
      this.files.set(name, f);
      this.written.set(name, data.length);
    } else {
      const f = this.files.get(name);
      if (!f) throw new Error(`Storage.write: '${name}' does not exist; create it first with write(name, data, 0, size)`);
      if (off + data.length > f.length) throw new Error(`Storage.write: writing ${data.length} bytes at ${off} overruns '${name}' (${f.length} bytes)`);
      for (let i = 0; i < data.length; i++) f[off + i] = f[off + i]! & data[i]!;
      this.written.set(name, (this.written.get(name) ?? f.length) + data.length);
    }
    this.persist();
  }

  read(name: string, offset = 0, length?: number): Uint8Array | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    return f.subarray(offset, length === undefined ? undefined : offset + length);
  }

  erase(name: string): void {
    this.written.delete(name);
    if (this.files.delete(name)) this.persist();
  }

  eraseAll(): void {
    this.files.clear();
    this.written.clear();
    this.persist();
  }

  free(): number {
    return Math.max(0, this.capacityBytes - this.used());
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('Storage: file name must be a non-empty string');
  if (name.length > STORAGE_NAME_MAX) throw new Error(`Storage: file name '${name}' is ${name.length} characters; the limit is ${STORAGE_NAME_MAX}`);
}

export function bytesOfString(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export function stringOfBytes(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
  return s;
}
