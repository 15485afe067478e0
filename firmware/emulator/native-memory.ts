/**
 * The memory bus the Thumb core (thumb-cpu.ts) sees when the firmware calls machine code through
 * `E.nativeCall`: the nRF52832's 64 KB of RAM and GPIO port P0. Everything else faults.
 *
 * Address map (nRF52832 Product Specification v1.4, section 9 "Memory" and 23 "GPIO"):
 *   0x20000000..0x2000FFFF  RAM, byte-granular ownership:
 *     - code blobs (E.nativeCall data), 8-byte aligned, read-only and executable here;
 *     - mapped ArrayBuffers (E.getAddressOf), 8-byte aligned, read/write, at a stable address for
 *       the life of the buffer; the bytes between and after them are unallocated (at least
 *       GUARD_BYTES after each block);
 *     - the native stack: the top `stackBytes` (default 2 KB) of RAM, SP = 0x20010000 at each call.
 *     Touching unallocated RAM faults (on the device it would silently hit Espruino's variables).
 *   0x50000000 + 0x504..0x51C  GPIO P0: OUT, OUTSET, OUTCLR, IN, DIR, DIRSET, DIRCLR (32-bit
 *     accesses only); pin n is bit n. Other GPIO registers (LATCH, DETECTMODE, PIN_CNF[n]) and
 *     every other address (flash, peripherals at 0x40000000, the Cortex-M system space) throw a
 *     MemoryFault naming the address and what lives there.
 * Mapped buffers share their bytes with JavaScript by copying: before each call the live buffers
 * are copied into RAM, after it (even after a fault) back into the buffers. No JavaScript runs
 * during a native call (no interrupts are modelled), so this is indistinguishable from sharing.
 * Buffers are held weakly: one the firmware drops is freed (its range reused) once collected.
 *
 * Not modelled: Espruino's own variables in RAM (only what the firmware maps exists), flash
 * (0x00000000), the other peripherals, GPIO byte/halfword accesses, the RAM's 8 KB block
 * power-down, and the JsVar header layout (a real flat string's data may be only 4-byte aligned;
 * ours are 8-byte aligned).
 */

/**
 * Unallocated bytes left after every code blob and mapped buffer, so that native code running off
 * the end of one block (or before the start of the next) faults instead of silently writing into a
 * neighbour. On the device the neighbour would be whatever Espruino keeps there. Added in December
 * 2026 while looking for a crash the real interpreter shows under a tight variable budget
 * (firmware/README.md "Memory on the board"): no firmware or emulator test faults with it.
 */
export const GUARD_BYTES = 64;
export const RAM_BASE = 0x20000000;
export const RAM_SIZE = 0x10000;
export const RAM_END = RAM_BASE + RAM_SIZE;
/** Ownership codes in `map`. */
export const UNMAPPED = 0;
export const DATA = 1;
export const CODE = 2;

export const GPIO_P0_BASE = 0x50000000;
/** GPIO P0 registers the bus models (offsets from GPIO_P0_BASE). */
export const GPIO_REGS = { OUT: 0x504, OUTSET: 0x508, OUTCLR: 0x50c, IN: 0x510, DIR: 0x514, DIRSET: 0x518, DIRCLR: 0x51c } as const;
const GPIO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GPIO_REGS).map(([k, v]) => [v, k]));
const GPIO_OTHER: Record<number, string> = { 0x520: 'LATCH', 0x524: 'DETECTMODE' };

export type MemoryFaultKind = 'unaligned' | 'unmapped' | 'read-only';

/** A bus error; the core rethrows it as a ThumbFault with the PC and instruction. */
export class MemoryFault extends Error {
  override readonly name = 'MemoryFault';
  constructor(message: string, readonly kind: MemoryFaultKind, readonly address: number) {
    super(message);
  }
}

/**
 * The GPIO port as the bus drives it. `cycle` is the CPU cycle (since the call started) at which
 * the access happens; the board's implementation turns it into virtual time.
 */
export interface NativeGpio {
  /** A 32-bit read of register `reg` (an offset in GPIO_REGS). */
  read(reg: number, cycle: number): number;
  /** A 32-bit write of `value` to register `reg`. */
  write(reg: number, value: number, cycle: number): void;
}

const hex = (v: number, digits = 8): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

interface Region {
  base: number;
  size: number;
  kind: 'code' | 'buffer';
  /** For buffers: the ArrayBuffer, held weakly. */
  ref: WeakRef<ArrayBuffer> | null;
}

export class NativeMemory {
  readonly buf = new ArrayBuffer(RAM_SIZE);
  readonly u8 = new Uint8Array(this.buf);
  readonly i8 = new Int8Array(this.buf);
  readonly u16 = new Uint16Array(this.buf);
  readonly i16 = new Int16Array(this.buf);
  readonly i32 = new Int32Array(this.buf);
  /** Per byte of RAM: UNMAPPED, DATA or CODE. */
  readonly map = new Uint8Array(RAM_SIZE);
  /** Decode cache per halfword of RAM (thumb-cpu.ts); 0 = not decoded. */
  readonly dec = new Int32Array(RAM_SIZE >> 1);
  /** First byte of the native stack; SP starts at RAM_END. */
  readonly stackBase: number;
  gpio: NativeGpio | null;
  /** Regions sorted by base (code and buffers; the stack is not listed). */
  private regions: Region[] = [];
  private readonly byBuffer = new WeakMap<ArrayBuffer, Region>();
  private readonly codeByContent = new Map<string, Region>();

  constructor(readonly stackBytes = 2048, gpio: NativeGpio | null = null) {
    if (!(stackBytes >= 64 && stackBytes <= RAM_SIZE / 2 && stackBytes % 8 === 0)) {
      throw new RangeError(`native stack of ${stackBytes} bytes: expected a multiple of 8 from 64 to ${RAM_SIZE / 2}`);
    }
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the native-code emulator needs a little-endian host');
    this.stackBase = RAM_END - stackBytes;
    this.map.fill(DATA, this.stackBase - RAM_BASE);
    this.gpio = gpio;
  }

  // ---------------- allocation ----------------

  /** Finds a free 8-byte-aligned range of `size` bytes below the stack; sweeps dead buffers once if full. */
  private allocate(size: number, kind: Region['kind'], ref: WeakRef<ArrayBuffer> | null): Region {
    const span = Math.max(1, size);
    for (let attempt = 0; attempt < 2; attempt++) {
      let at = RAM_BASE;
      for (let i = 0; i <= this.regions.length; i++) {
        const limit = i < this.regions.length ? this.regions[i]!.base : this.stackBase;
        if (at + span <= limit) {
          const rg: Region = { base: at, size, kind, ref };
          this.regions.splice(i, 0, rg);
          this.map.fill(kind === 'code' ? CODE : DATA, at - RAM_BASE, at - RAM_BASE + size);
          this.dec.fill(0, (at - RAM_BASE) >> 1, (at - RAM_BASE + size + 1) >> 1);
          return rg;
        }
        if (i < this.regions.length) {
          const rg = this.regions[i]!;
          at = (rg.base + Math.max(1, rg.size) + GUARD_BYTES + 7) & ~7;
        }
      }
      if (attempt === 0 && !this.sweep()) break;
    }
    const used = this.regions.reduce((s, r) => s + r.size, 0);
    throw new RangeError(`emulated RAM full: no room for ${size} bytes (${this.regions.length} regions hold ${used} of the ${this.stackBase - RAM_BASE} bytes below the native stack)`);
  }

  /** Frees buffers that were garbage-collected; true if any was. */
  private sweep(): boolean {
    const before = this.regions.length;
    this.regions = this.regions.filter((rg) => {
      if (rg.kind !== 'buffer' || rg.ref!.deref() !== undefined) return true;
      this.map.fill(UNMAPPED, rg.base - RAM_BASE, rg.base - RAM_BASE + rg.size);
      return false;
    });
    return this.regions.length !== before;
  }

  /** Copies a code blob into RAM (read-only, 8-byte aligned); the same bytes load once. Returns its base. */
  loadCode(bytes: Uint8Array): number {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const known = this.codeByContent.get(key);
    if (known) return known.base;
    if (bytes.length === 0) throw new RangeError('native code blob is empty');
    const rg = this.allocate(bytes.length, 'code', null);
    this.u8.set(bytes, rg.base - RAM_BASE);
    this.codeByContent.set(key, rg);
    return rg.base;
  }

  /**
   * The RAM address of an ArrayBuffer's first byte, mapping it on first use (stable while the
   * buffer lives). Its contents are copied in before each call and back after it.
   */
  mapArrayBuffer(ab: ArrayBuffer): number {
    const known = this.byBuffer.get(ab);
    if (known) return known.base;
    const rg = this.allocate(ab.byteLength, 'buffer', new WeakRef(ab));
    this.byBuffer.set(ab, rg);
    return rg.base;
  }

  /** Copies every live mapped buffer into RAM (before a call); frees dead ones. */
  syncIn(): void {
    let dead = false;
    for (const rg of this.regions) {
      if (rg.kind !== 'buffer') continue;
      const ab = rg.ref!.deref();
      if (!ab) {
        dead = true;
        continue;
      }
      if (ab.byteLength !== rg.size) throw new Error(`a mapped ArrayBuffer at ${hex(rg.base)} changed size (${rg.size} -> ${ab.byteLength} bytes)`);
      this.u8.set(new Uint8Array(ab), rg.base - RAM_BASE);
    }
    if (dead) this.sweep();
  }

  /** Copies RAM back into every live mapped buffer (after a call). */
  syncOut(): void {
    for (const rg of this.regions) {
      if (rg.kind !== 'buffer') continue;
      const ab = rg.ref!.deref();
      if (!ab) continue;
      const o = rg.base - RAM_BASE;
      new Uint8Array(ab).set(this.u8.subarray(o, o + rg.size));
    }
  }

  /** What lives at an address, for fault messages. */
  describe(addr: number): string {
    const a = addr >>> 0;
    if (a >= RAM_BASE && a < RAM_END) {
      if (a >= this.stackBase) return `native stack ${hex(this.stackBase)}..${hex(RAM_END - 1)}`;
      for (const rg of this.regions) {
        if (a >= rg.base && a < rg.base + rg.size) return `${rg.kind === 'code' ? 'code blob' : 'mapped buffer'} ${hex(rg.base)}..${hex(rg.base + rg.size - 1)}, offset 0x${(a - rg.base).toString(16)}`;
      }
      const after = [...this.regions].reverse().find((rg) => rg.base + rg.size <= a);
      return after ? `unallocated RAM, ${a - (after.base + after.size)} bytes after the ${after.kind === 'code' ? 'code blob' : 'mapped buffer'} at ${hex(after.base)} (${after.size} bytes)` : 'unallocated RAM';
    }
    if (a < 0x10000000) return 'flash (code is only run from blobs E.nativeCall loaded into RAM; flash is not modelled)';
    if (a >= 0x10000000 && a < 0x10001000) return 'FICR (not modelled)';
    if (a >= 0x10001000 && a < 0x10002000) return 'UICR (not modelled)';
    if (a >= 0x20010000 && a < 0x40000000) return 'beyond the 64 KB of nRF52832 RAM';
    if (a >= 0x40000000 && a < 0x50000000) return `APB peripheral ID ${(a >>> 12) & 0xff} at ${hex(a & 0xfffff000)} (not modelled)`;
    if (a >= GPIO_P0_BASE && a < GPIO_P0_BASE + 0x1000) {
      const off = a - GPIO_P0_BASE;
      const name = GPIO_NAMES[off] ?? GPIO_OTHER[off] ?? (off >= 0x700 && off < 0x780 ? `PIN_CNF[${(off - 0x700) >> 2}]` : undefined);
      return `GPIO P0 ${name ?? 'register'} (offset ${hex(off, 3)})`;
    }
    if (a >= 0xe0000000) return 'Cortex-M system space (NVIC, SysTick, SCB: not modelled)';
    return 'no memory or peripheral';
  }

  // ---------------- slow path of the bus (the core inlines plain RAM accesses) ----------------

  /** A read the core's fast path did not take: a fault, or GPIO. Returns the zero-extended value (size 4: int32). */
  read(addr: number, size: 1 | 2 | 4, cycle: number): number {
    const a = addr >>> 0;
    if ((a & (size - 1)) !== 0) throw new MemoryFault(`unaligned ${size * 8}-bit read at ${hex(a)} (the M0 faults: HardFault)`, 'unaligned', a);
    if (a >= RAM_BASE && a < RAM_END) {
      const o = a - RAM_BASE;
      if (o + size > RAM_SIZE || this.map[o] === UNMAPPED || this.map[o + size - 1] === UNMAPPED) {
        throw new MemoryFault(`${size * 8}-bit read of ${hex(a)}: ${this.describe(a + (this.map[o] === UNMAPPED ? 0 : size - 1))}`, 'unmapped', a);
      }
      return size === 1 ? this.u8[o]! : size === 2 ? this.u16[o >> 1]! : this.i32[o >> 2]!;
    }
    const reg = this.gpioRegister(a, size, 'read');
    if (reg === GPIO_REGS.OUTSET || reg === GPIO_REGS.OUTCLR) return this.gpio!.read(GPIO_REGS.OUT, cycle) | 0;
    if (reg === GPIO_REGS.DIRSET || reg === GPIO_REGS.DIRCLR) return this.gpio!.read(GPIO_REGS.DIR, cycle) | 0;
    return this.gpio!.read(reg, cycle) | 0;
  }

  /** A write the core's fast path did not take: a fault, or GPIO. */
  write(addr: number, size: 1 | 2 | 4, value: number, cycle: number): void {
    const a = addr >>> 0;
    if ((a & (size - 1)) !== 0) throw new MemoryFault(`unaligned ${size * 8}-bit write at ${hex(a)} (the M0 faults: HardFault)`, 'unaligned', a);
    if (a >= RAM_BASE && a < RAM_END) {
      const o = a - RAM_BASE;
      const first = this.map[o];
      const last = o + size - 1 < RAM_SIZE ? this.map[o + size - 1] : UNMAPPED;
      if (first === CODE || last === CODE) throw new MemoryFault(`${size * 8}-bit write to ${hex(a)}: ${this.describe(a)} is read-only in the emulator (self-modifying code is not modelled)`, 'read-only', a);
      if (first !== DATA || last !== DATA) throw new MemoryFault(`${size * 8}-bit write to ${hex(a)}: ${this.describe(a + (first === DATA ? size - 1 : 0))}`, 'unmapped', a);
      if (size === 1) this.u8[o] = value;
      else if (size === 2) this.u16[o >> 1] = value;
      else this.i32[o >> 2] = value;
      return;
    }
    const reg = this.gpioRegister(a, size, 'write');
    if (reg === GPIO_REGS.IN) throw new MemoryFault(`write to GPIO P0 IN (${hex(a)}): the register is read-only`, 'read-only', a);
    this.gpio!.write(reg, value | 0, cycle);
  }

  /** The GPIO register offset an access hits, or a fault naming what was hit. */
  private gpioRegister(a: number, size: number, what: 'read' | 'write'): number {
    if (a >= GPIO_P0_BASE && a < GPIO_P0_BASE + 0x1000) {
      const off = a - GPIO_P0_BASE;
      if (GPIO_NAMES[off] === undefined) {
        throw new MemoryFault(`${what} of ${this.describe(a)} at ${hex(a)}: not modelled (modelled: ${Object.entries(GPIO_REGS).map(([k, v]) => `${k} ${hex(v, 3)}`).join(', ')})`, 'unmapped', a);
      }
      if (size !== 4) throw new MemoryFault(`${size * 8}-bit ${what} of GPIO P0 ${GPIO_NAMES[off]} at ${hex(a)}: only 32-bit GPIO accesses are modelled`, 'unmapped', a);
      if (!this.gpio) throw new MemoryFault(`${what} of GPIO P0 ${GPIO_NAMES[off]} at ${hex(a)}: no GPIO is attached to this machine (pass { gpio })`, 'unmapped', a);
      return off;
    }
    throw new MemoryFault(`${size * 8}-bit ${what} of ${hex(a)}: ${this.describe(a)}`, 'unmapped', a);
  }
}
