import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Espruino's flash file store (`require("Storage")`), kept across emulated reboots. Files are
 * byte strings (Espruino strings hold bytes: chars above 255 keep their low byte). Flash rules
 * kept from the device: a file written with `write(name, data, 0, size)` is `size` bytes of 0xFF
 * that later writes at an offset fill in; writing over flash can only clear bits (new = old AND
 * data); names are at most 28 characters; the area is limited (`capacityBytes`).
 * Backed by memory, or by a JSON file `{ name: base64 }` rewritten on every change.
 */

export const STORAGE_NAME_MAX = 28;
/** Bytes of flash for Storage; the nRF52832 boards have about 40 KB. */
export const DEFAULT_STORAGE_BYTES = 40 * 1024;

export type StorageInit = Record<string, string> | { file: string };

export class StorageModel {
  private files = new Map<string, Uint8Array>();
  private readonly file: string | undefined;

  constructor(init: StorageInit | undefined, readonly capacityBytes = DEFAULT_STORAGE_BYTES) {
    if (init && typeof (init as { file?: unknown }).file === 'string') {
      this.file = (init as { file: string }).file;
      if (existsSync(this.file)) {
        const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
        for (const [k, v] of Object.entries(raw)) this.files.set(k, new Uint8Array(Buffer.from(v, 'base64')));
      }
    } else if (init) {
      for (const [k, v] of Object.entries(init as Record<string, string>)) this.files.set(k, bytesOfString(v));
    }
  }

  private persist(): void {
    if (!this.file) return;
    const out: Record<string, string> = {};
    for (const [k, v] of this.files) out[k] = Buffer.from(v).toString('base64');
    writeFileSync(this.file, JSON.stringify(out, null, 1));
  }

  private used(except?: string): number {
    let n = 0;
    for (const [k, v] of this.files) if (k !== except) n += v.length + 32;
    return n;
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
      if (this.used(name) + total + 32 > this.capacityBytes) throw new Error(`Storage.write: not enough free flash for '${name}' (${total} bytes)`);
      const f = new Uint8Array(total).fill(0xff);
      f.set(data, 0);
      this.files.set(name, f);
    } else {
      const f = this.files.get(name);
      if (!f) throw new Error(`Storage.write: '${name}' does not exist; create it first with write(name, data, 0, size)`);
      if (off + data.length > f.length) throw new Error(`Storage.write: writing ${data.length} bytes at ${off} overruns '${name}' (${f.length} bytes)`);
      for (let i = 0; i < data.length; i++) f[off + i] = f[off + i]! & data[i]!;
    }
    this.persist();
  }

  read(name: string, offset = 0, length?: number): Uint8Array | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    return f.subarray(offset, length === undefined ? undefined : offset + length);
  }

  erase(name: string): void {
    if (this.files.delete(name)) this.persist();
  }

  eraseAll(): void {
    this.files.clear();
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
