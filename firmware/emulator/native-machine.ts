/**
 * NativeMachine: Thumb machine code (thumb-cpu.ts) on the nRF52 memory bus (native-memory.ts),
 * usable without a whole board (tests of C code, the encoder's tests) and by the board's
 * E.nativeCall (runtime.ts, which attaches the PinBank as GPIO).
 *
 * Library API:
 *   const m = new NativeMachine({ gpio?, stackBytes?: 2048, maxInstructions?: 2_000_000 });
 *   const base = m.load(bytes);              // code blob -> RAM, 8-byte aligned base address
 *   const addr = m.mapBuffer(typedArray);    // address of its first byte (ArrayBuffer or any view;
 *                                            // views add byteOffset); stable while it lives
 *   const { r0, cycles, instructions } = m.call(base + entryOffset + 1, [a, b, c]);
 *       // Thumb address (bit 0 set, else an INVSTATE ThumbFault), up to 4 int32 args in r0..r3;
 *       // r0 comes back as int32; cycles per the Cortex-M0 TRM (see thumb-cpu.ts), at 64 MHz on
 *       // the nRF52 (CPU_HZ). Mapped buffers are copied in before and out after the call.
 *   m.read(addr, 1 | 2 | 4)                  // peek at RAM (zero-extended; 4: int32)
 *   m.stats                                  // { calls, cycles, instructions } since creation
 * Faults (ThumbFault, with kind, pc and address): undefined/unmodelled instruction, unaligned or
 * unmapped access, write to code, INVSTATE, stack overflow, runaway (> maxInstructions), and an
 * ABI breach on return (r4-r11 or SP not restored: AAPCS callee-saved registers).
 * Registers r4-r12 start each call holding poison values, as the device's would hold whatever the
 * interpreter left there.
 */
import { NativeMemory, RAM_END, type NativeGpio } from './native-memory.ts';
import { RETURN_PC, ThumbCpu } from './thumb-cpu.ts';
import { ThumbFault, hex } from './thumb-fault.ts';

export { ThumbFault, type ThumbFaultKind } from './thumb-fault.ts';
export { GPIO_P0_BASE, GPIO_REGS, GUARD_BYTES, MemoryFault, RAM_BASE, RAM_END, RAM_SIZE, type NativeGpio } from './native-memory.ts';

/** The nRF52's core clock, Hz. */
export const CPU_HZ = 64e6;
/** Default limit of instructions per call ("runaway" above it). */
export const DEFAULT_MAX_INSTRUCTIONS = 2_000_000;

export interface NativeMachineOptions {
  /** GPIO P0 behind 0x50000000 (the board passes its PinBank). Without it GPIO accesses fault. */
  gpio?: NativeGpio;
  /** Native stack at the top of RAM, bytes. Defaults to 2048. */
  stackBytes?: number;
  /** Instructions per call before a runaway fault. Defaults to 2,000,000. */
  maxInstructions?: number;
}

export interface NativeCallResult {
  /** r0 on return, int32. */
  r0: number;
  /** Core cycles the call took (Cortex-M0 TRM counts). */
  cycles: number;
  instructions: number;
}

const POISON_BASE = 0x0bad0000;

/** True for an ArrayBuffer from any realm (the firmware's vm context has its own). */
function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return Object.prototype.toString.call(v) === '[object ArrayBuffer]';
}

export class NativeMachine {
  readonly memory: NativeMemory;
  readonly cpu: ThumbCpu;
  readonly maxInstructions: number;
  readonly stats = { calls: 0, cycles: 0, instructions: 0 };

  constructor(opts: NativeMachineOptions = {}) {
    this.memory = new NativeMemory(opts.stackBytes ?? 2048, opts.gpio ?? null);
    this.cpu = new ThumbCpu(this.memory);
    this.cpu.stackLimit = this.memory.stackBase;
    this.maxInstructions = opts.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS;
  }

  /** Copies a code blob into RAM; returns its base address (even; add the entry offset and 1). */
  load(bytes: Uint8Array): number {
    return this.memory.loadCode(bytes);
  }

  /** The address of a buffer's (or view's) first byte in RAM, mapping its ArrayBuffer on first use. */
  mapBuffer(v: ArrayBuffer | ArrayBufferView): number {
    if (ArrayBuffer.isView(v)) return this.memory.mapArrayBuffer(v.buffer as ArrayBuffer) + v.byteOffset;
    if (isArrayBuffer(v)) return this.memory.mapArrayBuffer(v);
    throw new TypeError(`mapBuffer: expected an ArrayBuffer or a typed array, got ${v === null ? 'null' : typeof v}`);
  }

  /** Reads RAM (zero-extended for 1 and 2 bytes, int32 for 4); faults like the core would. */
  read(addr: number, size: 1 | 2 | 4): number {
    return this.memory.read(addr, size, 0);
  }

  /** Runs the Thumb function at `addr` (bit 0 set) with up to four int32 arguments. */
  call(addr: number, args: readonly number[] = []): NativeCallResult {
    this.cpu.cycles = 0;
    this.cpu.instructions = 0;
    if (typeof addr !== 'number' || !Number.isInteger(addr)) throw new TypeError(`native call address must be an integer, got ${String(addr)}`);
    if ((addr & 1) === 0) {
      throw new ThumbFault(`native call to ${hex(addr)}: bit 0 is clear, which selects ARM state; the M0 has only Thumb (INVSTATE HardFault). Add 1 to the address`, 'invstate', addr >>> 0, addr >>> 0);
    }
    if (args.length > 4) throw new RangeError(`native call with ${args.length} arguments: only r0..r3 (4 arguments) are modelled`);
    const cpu = this.cpu;
    const r = cpu.r;
    for (let i = 0; i < 4; i++) r[i] = (args[i] ?? 0) | 0;
    for (let i = 4; i <= 12; i++) r[i] = POISON_BASE | i;
    r[13] = RAM_END;
    r[14] = RETURN_PC | 1;
    cpu.n = cpu.z = cpu.c = cpu.v = 0;
    this.memory.syncIn();
    try {
      cpu.run(addr & ~1, this.maxInstructions);
    } catch (e) {
      // name the PC as an offset in its blob too: that is what llvm-objdump of the .o shows
      if (e instanceof ThumbFault && !e.message.includes('[PC ')) e.message += ` [PC ${hex(cpu.pc)}: ${this.memory.describe(cpu.pc)}]`;
      throw e;
    } finally {
      this.memory.syncOut();
      this.stats.calls++;
      this.stats.cycles += cpu.cycles;
      this.stats.instructions += cpu.instructions;
    }
    for (let i = 4; i <= 11; i++) {
      if (r[i] !== (POISON_BASE | i)) throw new ThumbFault(`native function at ${hex(addr)} returned without restoring r${i} (AAPCS callee-saved; was ${hex(POISON_BASE | i)}, now ${hex(r[i]!)})`, 'abi', cpu.pc);
    }
    if (r[13] !== RAM_END) throw new ThumbFault(`native function at ${hex(addr)} returned with SP ${hex(r[13]!)}, not ${hex(RAM_END)} (stack not balanced)`, 'abi', cpu.pc);
    return { r0: r[0]!, cycles: cpu.cycles, instructions: cpu.instructions };
  }
}
