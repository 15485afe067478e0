/**
 * Values as Espruino's API takes and prints them: pins, bytes, the printed form of a value, and a
 * small event emitter. Shared by every room of the runtime (runtime.ts and its *-api.ts files) and
 * by the REPL server, so both consoles print a value the same way.
 */
import { PIN_COUNT } from './pins.ts';
import { bytesOfString } from './storage-model.ts';

export type Listener = (...args: unknown[]) => unknown;

/** Minimal Espruino-style event emitter for host objects exposed to the firmware. */
export class Emitter {
  listeners = new Map<string, Listener[]>();
  on(evt: string, fn: Listener): void {
    if (typeof fn !== 'function') throw new TypeError(`${evt} listener must be a function`);
    const l = this.listeners.get(evt) ?? [];
    l.push(fn);
    this.listeners.set(evt, l);
  }
  removeListener(evt: string, fn: Listener): void {
    const l = this.listeners.get(evt);
    if (l) this.listeners.set(evt, l.filter((x) => x !== fn));
  }
  removeAllListeners(evt?: string): void {
    if (evt === undefined) this.listeners.clear();
    else this.listeners.delete(evt);
  }
  get(evt: string): Listener[] {
    return this.listeners.get(evt) ?? [];
  }
}

/** A pin object as Espruino exposes them (D0..D31, LED1...); its methods call the board's globals. */
export class EspPin {
  constructor(readonly n: number, private readonly rt?: { evaluate(code: string): unknown }) {}
  valueOf(): number {
    return this.n;
  }
  toString(): string {
    return `D${this.n}`;
  }
  read(): unknown {
    return this.call('digitalRead', this.n);
  }
  write(v: unknown): unknown {
    return this.call('digitalWrite', this.n, v);
  }
  set(): unknown {
    return this.call('digitalWrite', this.n, 1);
  }
  reset(): unknown {
    return this.call('digitalWrite', this.n, 0);
  }
  toggle(): unknown {
    const v = this.call('digitalRead', this.n) ? 0 : 1;
    this.call('digitalWrite', this.n, v);
    return !!v;
  }
  mode(m: unknown): unknown {
    return this.call('pinMode', this.n, m);
  }
  getMode(): unknown {
    return this.call('getPinMode', this.n);
  }
  private call(fn: string, ...args: unknown[]): unknown {
    if (!this.rt) throw new Error('pin is not attached to a board');
    return (this.rt.evaluate(fn) as (...a: unknown[]) => unknown)(...args);
  }
}

/** The pin number of a pin argument (a number, a Pin or "D5"); throws naming the board's range. */
export function pinOf(p: unknown): number {
  if (typeof p === 'number') {
    if (p >= 0 && p < PIN_COUNT && (p | 0) === p) return p;
  } else if (p instanceof EspPin) return p.n;
  else if (typeof p === 'string') {
    const m = /^D(\d+)$/.exec(p);
    if (m && Number(m[1]) < PIN_COUNT) return Number(m[1]);
  }
  throw new TypeError(`Invalid pin: ${String(p)} (this board has D0..D${PIN_COUNT - 1})`);
}

/**
 * Bytes of a value as Espruino takes them. `raw` (NRF values, Storage.write: JSV_GET_AS_CHAR_ARRAY)
 * takes a typed array's underlying bytes; otherwise (Serial.write, E.toUint8Array, E.CRC32:
 * iteration) each element counts as one byte, its low 8 bits.
 */
export function toBytes(v: unknown, what: string, raw = false): Uint8Array {
  if (typeof v === 'string') return bytesOfString(v);
  if (typeof v === 'number') return Uint8Array.of(v & 0xff);
  if (v instanceof EspPin) return Uint8Array.of(v.n);
  if (v && typeof v === 'object') {
    if (ArrayBuffer.isView(v)) {
      const view = v as ArrayBufferView;
      if (raw || isUint8View(view)) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
      const arr = v as unknown as ArrayLike<number>;
      const out = new Uint8Array(arr.length);
      for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]) & 0xff;
      return out;
    }
    if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') return new Uint8Array(v as ArrayBuffer).slice();
    if (Array.isArray(v)) {
      const parts = v.map((x, i) => toBytes(x, `${what}[${i}]`));
      const n = parts.reduce((a, b) => a + b.length, 0);
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    }
    const o = v as { data?: unknown; count?: unknown };
    if ('data' in o) {
      const one = toBytes(o.data, `${what}.data`);
      const count = o.count === undefined ? 1 : Number(o.count);
      const out = new Uint8Array(one.length * count);
      for (let i = 0; i < count; i++) out.set(one, i * one.length);
      return out;
    }
  }
  throw new TypeError(`${what}: expected a string, number, array, typed array or ArrayBuffer, got ${v === null ? 'null' : typeof v}`);
}

function isUint8View(v: ArrayBufferView): boolean {
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Uint8Array]' || tag === '[object DataView]' || tag === '[object Uint8ClampedArray]';
}

/**
 * A value as `print` shows it: strings as they are; functions as Espruino shows a native one;
 * pins as D<n>; typed arrays as `new Uint8Array([...])`; numbers as JavaScript writes them
 * (NaN, Infinity); other values as JSON.
 */
export function printText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'function') return 'function () { [native code] }';
  if (v instanceof EspPin) return `D${v.n}`;
  if (v && typeof v === 'object' && ArrayBuffer.isView(v)) {
    const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'Uint8Array';
    return `new ${name}([${Array.from(v as unknown as ArrayLike<number>).join(', ')}])`;
  }
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A value as the console shows a result after `=`: as printed, but a string quoted. */
export function formatValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : printText(v);
}
