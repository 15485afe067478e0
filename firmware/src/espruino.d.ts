/**
 * The Espruino globals the firmware uses, typed from the Espruino reference (espruino.com/Reference)
 * and firmware/ESPRUINO.md. Only what the firmware calls is declared, so anything else is a type
 * error; tests/firmware/espruino-check.ts enforces the same list on the built file.
 * Pins are plain numbers (D0..D31 are 0..31 on nRF52; Espruino accepts a number wherever a Pin goes).
 */

type Pin = number;

/** Reads one pin (0/1) or several: a bitmask with the LAST pin as bit 0. */
declare function digitalRead(pin: Pin | Pin[]): number;
/** Writes one pin, or several from a bitmask (last pin = bit 0). */
declare function digitalWrite(pin: Pin | Pin[], value: number | boolean): void;
/** Hardware-timed pulse: `value` for `timeMs`, then the opposite; returns at once. timeMs 0 waits for pending pulses. */
declare function digitalPulse(pin: Pin, value: number | boolean, timeMs: number | number[]): void;
declare function pinMode(pin: Pin, mode: 'input' | 'input_pullup' | 'input_pulldown' | 'output' | 'opendrain'): void;
/** Seconds since boot (float). */
declare function getTime(): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;
declare function clearTimeout(id: number): void;
declare function print(text: string): void;

interface EspruinoStorage {
  /** The file as a string, or undefined when absent. */
  read(name: string): string | undefined;
  /** Writes a whole file; returns false when flash is full. */
  write(name: string, data: string): boolean;
  erase(name: string): void;
}
declare function require(name: 'Storage'): EspruinoStorage;

interface EspruinoSerial {
  setup(baud: number, options?: { rx?: Pin; tx?: Pin }): void;
  write(data: string | Uint8Array | number[]): void;
  on(event: 'data', cb: (data: string) => void): void;
  removeAllListeners(event?: string): void;
}
declare const Serial1: EspruinoSerial;
/** Loopback serial devices: the console can be parked on LoopbackA while the UART carries frames. */
declare const LoopbackA: EspruinoSerial;
declare const LoopbackB: EspruinoSerial;

interface EspruinoE {
  /** Battery percent 0..100; present on Puck.js, absent on the MDBT42Q. */
  getBattery?: () => number;
  /** zlib CRC-32 of a string or byte array, as an unsigned or signed 32-bit number. */
  CRC32(data: string | Uint8Array): number;
  /** Moves the REPL console to a device (e.g. LoopbackA) or back. */
  setConsole(device: EspruinoSerial | 'Serial1' | 'LoopbackA' | null, options?: { force?: boolean }): void;
  /** The device the console is on, as a name ("Serial1", "Bluetooth", ...). */
  getConsole?: () => string | undefined;
  toUint8Array(data: string | number[] | Uint8Array): Uint8Array;
  reboot(): void;
  /** A 32-bit random number from the nRF52's hardware RNG (noise on Linux builds). */
  hwRand(): number;
  /**
   * A function running machine code: `addr` is the offset in `data` (bit 0 set for Thumb), `sig`
   * like "int(int,int,int)". Absent on SAVE_ON_FLASH builds (then the firmware stays in JS).
   * Undefined when `data` is not a flat string and no flat copy of it can be allocated.
   */
  nativeCall?: (addr: number, sig: string, data: string) => ((op: number, a: number, b: number) => number) | undefined;
  /** With flatAddress true: the address of a flat ArrayBuffer's / typed array's data, or 0 when it is not flat. */
  getAddressOf?: (v: Int32Array | Uint8Array, flatAddress: boolean) => number;
}
/** Decodes base64 to a binary string. */
declare function atob(b64: string): string;
declare const E: EspruinoE;
/** Calls `fn` on an edge of `pin`; returns the watch id. */
declare function setWatch(fn: () => void, pin: Pin, options: { repeat?: boolean; edge?: 'rising' | 'falling' | 'both'; debounce?: number }): number;
/** Software SPI port (`new SPI()`): Espruino's jsspi.c bit-bangs it in C; no baud rate (it runs as fast as the C loop). */
declare class SPI {
  constructor();
  setup(options: { sck?: Pin; miso?: Pin; mosi?: Pin; mode?: number; order?: 'msb' | 'lsb' }): void;
  /** Sends each byte and returns the bytes read on MISO: a new Uint8Array for a typed array. */
  send(data: Uint8Array): Uint8Array;
}

interface NrfCharacteristic {
  value?: Uint8Array | number[] | string;
  maxLen?: number;
  readable?: boolean;
  writable?: boolean;
  notify?: boolean;
  description?: string;
  onWrite?: (evt: { data: ArrayBuffer }) => void;
}
type NrfServices = { [service: string]: { [characteristic: string]: NrfCharacteristic } };
interface EspruinoNRF {
  setServices(services: NrfServices, options: { uart?: boolean; advertise?: string[] }): void;
  updateServices(services: NrfServices): void;
  setAdvertising(data: object, options: { name?: string; showName?: boolean; discoverable?: boolean; interval?: number; connectable?: boolean }): void;
  setScanResponse(data: number[]): void;
  /** "aa:bb:cc:dd:ee:ff public" */
  getAddress(): string;
  /** Battery voltage, V. */
  getBattery(): number;
  setConnectionInterval(ms: number | 'auto'): void;
  on(event: 'connect', cb: (addr: string) => void): void;
  on(event: 'disconnect', cb: (reason: number) => void): void;
  on(event: 'mtu', cb: (mtu: number) => void): void;
  on(event: 'servicesDiscover', cb: () => void): void;
}
declare const NRF: EspruinoNRF;

declare const process: {
  env: { BOARD?: string; VERSION?: string };
  /** Runs a garbage collection (unless gc is false) and reports the variable store (blocks of `blocksize` bytes). */
  memory(gc?: boolean): { free: number; usage: number; total: number; blocksize: number };
};

/** ES2015+ methods Espruino has (firmware/ESPRUINO.md, "Library"); lib is ES5 so they are added here. */
interface String {
  padStart(length: number, fill?: string): string;
}
interface Array<T> {
  fill(value: T, start?: number, end?: number): T[];
}
