/**
 * Software SPI (`new SPI()`) and `E.mapInPlace`, as Espruino implements them.
 *
 * Read from Espruino's source (src/jsspi.c, src/jswrap_spi_i2c.c, src/jswrap_espruino.c):
 * - `new SPI()` is a software port: "limited functionality (no baud rate)". `setup(opts)` keeps the
 *   options and configures sck/mosi as outputs and miso as input; `baud` is accepted and ignored
 *   (the bits go out as fast as the C loop runs), `mode` 0..3 (CPOL bit 1, CPHA bit 0), `order`
 *   'msb' (default) or 'lsb'. Pins left out are not driven or read.
 * - Per bit (jsspiSoftwareFunc), CPHA = 0: MOSI = bit, SCK = !CPOL, read MISO, SCK = CPOL;
 *   CPHA = 1: SCK = !CPOL, MOSI = bit, SCK = CPOL, read MISO. Each byte returns the MISO bits
 *   shifted in MSB first (the `order` only changes which MOSI bit goes first).
 * - `send(data)`: a number returns a number; an array returns an array; a string a string; a typed
 *   array (any iterable) a new Uint8Array of the same length.
 * - `E.mapInPlace(from, to, map, bits)`: reads `from` `bits` at a time, MSB first within each
 *   element (bits <= 0 or more than an element: one element at a time), looks each value up in
 *   `map` (array or typed array: map[v], missing = 0; function: map(v, index)) and writes it to
 *   the next element of `to`, until either runs out.
 *
 * Timing (not in the source: the C loop's speed on the nRF52): each GPIO operation
 * (jshPinSetValue / jshPinGetValue, about 16 cycles at 64 MHz) takes `gpioOpSeconds`, and each
 * byte `byteOverheadSeconds` more (iterators, the send function's dispatch). Options the model does
 * not know throw, so a firmware cannot rely on something the device would ignore or reject.
 */
import type { PinBank } from './pins.ts';
import type { VirtualClock } from './clock.ts';

/** One GPIO write or read inside Espruino's software SPI loop, s (about 16 cycles at 64 MHz). */
export const SPI_GPIO_OP_S = 0.25e-6;
/** Per-byte overhead of SPI.send (iterator, dispatch), s. */
export const SPI_BYTE_OVERHEAD_S = 1e-6;

const SETUP_KEYS = new Set(['sck', 'miso', 'mosi', 'baud', 'mode', 'order', 'bits']);

export interface SoftSpiHost {
  pins: PinBank;
  clock: VirtualClock;
  pinOf(p: unknown): number;
  /** Marks a pin as driven by software (output) or read (input) unless pinMode fixed it. */
  autoOut(p: number): void;
  autoIn(p: number): void;
  /** Counts and charges an Espruino API call, re-throwing errors in the firmware's realm. */
  api<A extends unknown[], T>(name: string, impl: (...a: A) => T): (...a: A) => T;
  /** A Uint8Array of the firmware's realm. */
  vmBytes(b: Uint8Array): Uint8Array;
  /** An array of the firmware's realm. */
  vmArray(values: number[]): unknown[];
  gpioOpSeconds: number;
  byteOverheadSeconds: number;
}

interface SpiConfig {
  sck: number;
  miso: number;
  mosi: number;
  cpol: number;
  cpha: number;
  msb: boolean;
}

/** Returns the `SPI` constructor for the firmware's global scope (software SPI only: nRF52 builds name no hardware SPIx in our firmware). */
export function makeSoftSpiClass(host: SoftSpiHost): unknown {
  const { pins, clock } = host;

  function config(self: { _opts?: SpiConfig }): SpiConfig {
    if (!self._opts) throw new Error('SPI.send: call setup() first (the emulator does not guess default pins)');
    return self._opts;
  }

  /** One byte out and in, jsspiSoftwareFunc. */
  function xfer(c: SpiConfig, data: number): number {
    const op = (): void => clock.spend(host.gpioOpSeconds);
    let result = 0;
    for (let k = 0; k < 8; k++) {
      const bit = c.msb ? 7 - k : k;
      const out = (data >> bit) & 1;
      if (!c.cpha) {
        if (c.mosi >= 0) { pins.drive(c.mosi, out, clock.now); op(); }
        if (c.sck >= 0) { pins.drive(c.sck, c.cpol ? 0 : 1, clock.now); op(); }
        if (c.miso >= 0) { result = (result << 1) | pins.level(c.miso, clock.now); op(); }
        if (c.sck >= 0) { pins.drive(c.sck, c.cpol, clock.now); op(); }
      } else {
        if (c.sck >= 0) { pins.drive(c.sck, c.cpol ? 0 : 1, clock.now); op(); }
        if (c.mosi >= 0) { pins.drive(c.mosi, out, clock.now); op(); }
        if (c.sck >= 0) { pins.drive(c.sck, c.cpol, clock.now); op(); }
        if (c.miso >= 0) { result = (result << 1) | pins.level(c.miso, clock.now); op(); }
      }
    }
    clock.spend(host.byteOverheadSeconds);
    return result & 0xff;
  }

  function SPI(this: { _opts?: SpiConfig }): void {
    if (!(this instanceof SPI)) throw new TypeError('SPI: use new SPI() (software SPI)');
  }
  SPI.prototype.setup = host.api('SPI.setup', function (this: { _opts?: SpiConfig }, options?: unknown): void {
    const o = (options ?? {}) as Record<string, unknown>;
    if (typeof o !== 'object') throw new TypeError('SPI.setup: options must be an object {sck, miso, mosi, baud, mode, order}');
    for (const k of Object.keys(o)) {
      if (!SETUP_KEYS.has(k)) throw new TypeError(`SPI.setup: option '${k}' is not one Espruino's software SPI reads (sck, miso, mosi, baud, mode, order)`);
    }
    if (o.bits !== undefined && Number(o.bits) !== 8) throw new TypeError(`SPI.setup: software SPI sends 8-bit words only, got bits ${String(o.bits)}`);
    const pin = (v: unknown): number => (v === undefined ? -1 : host.pinOf(v));
    const mode = o.mode === undefined ? 0 : Number(o.mode) & 3;
    if (o.order !== undefined && o.order !== 'msb' && o.order !== 'lsb') throw new TypeError(`SPI.setup: order must be 'msb' or 'lsb', got ${String(o.order)}`);
    if (o.baud !== undefined && !(Number(o.baud) > 0)) throw new TypeError(`SPI.setup: baud must be a positive number, got ${String(o.baud)}`);
    const c: SpiConfig = { sck: pin(o.sck), miso: pin(o.miso), mosi: pin(o.mosi), cpol: (mode >> 1) & 1, cpha: mode & 1, msb: o.order !== 'lsb' };
    if (c.sck < 0 && c.mosi < 0 && c.miso < 0) throw new TypeError('SPI.setup: give at least one of sck, mosi, miso (the emulator does not pick default pins)');
    if (c.sck >= 0) { host.autoOut(c.sck); pins.drive(c.sck, c.cpol, clock.now); }
    if (c.mosi >= 0) host.autoOut(c.mosi);
    if (c.miso >= 0) host.autoIn(c.miso);
    this._opts = c;
  });
  SPI.prototype.send = host.api('SPI.send', function (this: { _opts?: SpiConfig }, data: unknown, nss?: unknown): unknown {
    if (nss !== undefined) throw new TypeError('SPI.send: the nss_pin argument is not modelled by the Tripod emulator');
    const c = config(this);
    if (typeof data === 'number') return xfer(c, data & 0xff);
    if (typeof data === 'string') {
      let s = '';
      for (let i = 0; i < data.length; i++) s += String.fromCharCode(xfer(c, data.charCodeAt(i) & 0xff));
      return s;
    }
    if (Array.isArray(data)) return host.vmArray(data.map((x) => xfer(c, Number(x) & 0xff)));
    if (ArrayBuffer.isView(data)) {
      const src = data as unknown as ArrayLike<number>;
      const out = new Uint8Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = xfer(c, Number(src[i]) & 0xff);
      return host.vmBytes(out);
    }
    throw new TypeError(`SPI.send: Variable type ${data === null ? 'null' : typeof data} not suited to transmit operation`);
  });
  SPI.prototype.write = function (): never {
    throw new Error('SPI.write is an Espruino API the Tripod emulator does not implement; use send()');
  };
  return SPI;
}

/** E.mapInPlace(from, to, map, bits), jswrap_espruino_mapInPlace. */
export function mapInPlace(from: unknown, to: unknown, map: unknown, bits?: unknown): void {
  const isDv = (x: unknown): boolean => Object.prototype.toString.call(x) === '[object DataView]';
  if (!ArrayBuffer.isView(from) || !ArrayBuffer.isView(to) || isDv(from) || isDv(to)) {
    throw new Error('E.mapInPlace: First 2 arguments should be array buffers');
  }
  const isFn = typeof map === 'function';
  if (!isFn && !Array.isArray(map) && !ArrayBuffer.isView(map)) throw new Error('E.mapInPlace: Third argument should be a function or array');
  const src = from as unknown as ArrayLike<number> & ArrayBufferView;
  const dst = to as unknown as { length: number; [i: number]: number };
  const bitsFrom = 8 * (src.byteLength / Math.max(1, src.length));
  let b = bits === undefined ? 0 : Number(bits) | 0;
  if (b < 0) throw new TypeError(`E.mapInPlace: negative bits (${b}) are not modelled by the Tripod emulator (newer Espruino versions may read LSB first)`);
  if (b <= 0 || b > bitsFrom) b = bitsFrom;
  const mask = b >= 32 ? 0xffffffff : (1 << b) - 1;
  let i = 0;
  let el = src.length > 0 ? Math.trunc(Number(src[0])) | 0 : 0;
  let used = 0;
  for (let j = 0; i < src.length && j < dst.length; j++) {
    const v = (bitsFrom === b ? el : el >> (bitsFrom - b)) & mask;
    el = b >= 32 ? 0 : el << b;
    used += b;
    if (used >= bitsFrom) {
      used = 0;
      i++;
      el = i < src.length ? Math.trunc(Number(src[i])) | 0 : 0;
    }
    let out: unknown;
    if (isFn) out = (map as (v: number, index: number) => unknown)(v >>> 0 === v ? v : v >>> 0, i);
    else out = (map as ArrayLike<unknown>)[v];
    dst[j] = out === undefined ? 0 : Number(out);
  }
}
