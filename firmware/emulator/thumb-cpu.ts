/**
 * An ARMv6-M (Cortex-M0) Thumb interpreter for the machine code the firmware runs through
 * `E.nativeCall` (C compiled by clang-14 for thumbv6m with the flags in firmware/native/build.ts). It executes the exact
 * bytes the device would, against the memory bus in native-memory.ts.
 *
 * Modelled (ARMv6-M Architecture Reference Manual, DDI 0419, chapter A6):
 * - every 16-bit Thumb instruction of ARMv6-M: LSL/LSR/ASR (immediate and register), ADD/SUB
 *   (register, imm3, imm8), MOV/CMP imm8, the data-processing group (AND EOR ADC SBC ROR TST NEG
 *   CMP CMN ORR MULS BIC MVN), ADD/CMP/MOV with high registers (PC reads as the instruction's
 *   address + 4; writing PC branches), BX/BLX register, LDR literal (Align(PC + 4, 4)), LDR/STR
 *   LDRB/STRB LDRH/STRH LDRSB/LDRSH with register or immediate offsets, SP-relative LDR/STR, ADR,
 *   ADD Rd = SP + imm, ADD/SUB SP, SXTH/SXTB/UXTH/UXTB, REV/REV16/REVSH, PUSH/POP (POP {pc} and
 *   BX lr return), LDM/STM (writeback rules of the ARM), B<cond>, B, NOP/YIELD/SEV hints;
 * - the 32-bit BL, and DMB/DSB/ISB (no effect here: one core, no caches, no write buffer);
 * - NZCV exactly as the ARM pseudocode sets them (MULS leaves C and V alone on ARMv6-M; the logical
 *   ops leave C and V alone; shifts by 0 leave C alone; register shifts use the low byte of Rs);
 * - faults: every encoding that ARMv6-M does not have or calls UNPREDICTABLE (CBZ, IT, 32-bit
 *   Thumb-2 data processing, CMP of two low registers in the high-register form, ...), SVC, BKPT,
 *   UDF, CPS, MRS/MSR, WFI/WFE (the core would sleep: no interrupts are modelled), unaligned word
 *   or halfword accesses (the M0 has no unaligned support: HardFault), interworking to ARM state
 *   (BX/POP to an even address: INVSTATE), and fetches outside loaded code throw a `ThumbFault`
 *   naming the instruction halfword(s), the PC and the address involved.
 * - Cycles, from the Cortex-M0 Technical Reference Manual (DDI 0432C) table 3-1, zero-wait-state
 *   memory, the single-cycle multiplier (the nRF52's Cortex-M4 is at least as fast for all of these):
 *     ALU ops, MOV, CMP, shifts, extends, REV, ADR, ADD/SUB SP, NOP and hints ... 1
 *     MULS ...................................................................... 1
 *     LDR/STR (all sizes, all addressing modes, literal) ........................ 2
 *     LDM/STM/PUSH/POP of N registers ........................................... 1 + N
 *     POP with PC in the list (N counts PC) ..................................... 4 + N
 *     B<cond> taken / not taken ................................................. 3 / 1
 *     B, BX, BLX, ADD PC / MOV PC ............................................... 3
 *     BL ........................................................................ 4
 *     DMB, DSB, ISB ............................................................. 4
 *   A load or store touches the bus in its second cycle: a GPIO access by the instruction starting
 *   at cycle k happens at cycle k + 1 (the exact time the PinBank sees, at 64 MHz).
 *
 * Not modelled: exceptions and interrupts (a fault is an Error for the caller, not a HardFault
 * handler), the SysTick/NVIC/SCB system space, privileged/unprivileged modes and PSP, the
 * Cortex-M4's own timing (its pipeline makes some loads 1 cycle, branches 1-3), flash wait states,
 * bus contention with the radio's DMA, self-modifying code (code blobs are read-only here; on the
 * device they are RAM), and execution from anywhere but a loaded code blob.
 *
 * Speed: each halfword is decoded once into an int (`payload << 8 | op`) kept per RAM address
 * (code is read-only, so the cache never goes stale); the run loop is one switch over that op.
 */
import { CODE, DATA, MemoryFault, RAM_BASE, RAM_SIZE, type NativeMemory } from './native-memory.ts';

/** Where a native call returns to: LR is set to this | 1 before the call. */
export const RETURN_PC = 0xfffffffe;

export type ThumbFaultKind =
  | 'undefined' // no such instruction on ARMv6-M, or UNPREDICTABLE
  | 'not-modelled' // exists, but the emulator does not model it (SVC, BKPT, WFI, CPS, MRS, ...)
  | 'unaligned'
  | 'unmapped'
  | 'read-only'
  | 'invstate' // a branch to an even address (ARM state does not exist on the M0)
  | 'stack-overflow'
  | 'runaway'
  | 'abi'; // a callee-saved register or SP not restored on return

/** A fault of the emulated core: the instruction, its PC and the address involved. */
export class ThumbFault extends Error {
  override readonly name = 'ThumbFault';
  constructor(message: string, readonly kind: ThumbFaultKind, readonly pc: number, readonly address?: number) {
    super(message);
  }
}

export const hex = (v: number, digits = 8): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

// ---- decoded operations (low 8 bits of a decode-cache entry; 0 = not decoded yet) ----
const LSL_IMM = 1, LSR_IMM = 2, ASR_IMM = 3, ADD_REG = 4, SUB_REG = 5, ADD_IMM3 = 6, SUB_IMM3 = 7;
const MOV_IMM = 8, CMP_IMM = 9, ADD_IMM8 = 10, SUB_IMM8 = 11;
const AND = 12, EOR = 13, LSL_REG = 14, LSR_REG = 15, ASR_REG = 16, ADC = 17, SBC = 18, ROR = 19;
const TST = 20, NEG = 21, CMP_REG = 22, CMN = 23, ORR = 24, MUL = 25, BIC = 26, MVN = 27;
const ADD_HI = 28, CMP_HI = 29, MOV_HI = 30, BX = 31, BLX = 32, LDR_LIT = 33;
const STR_REG = 34, STRH_REG = 35, STRB_REG = 36, LDRSB_REG = 37, LDR_REG = 38, LDRH_REG = 39, LDRB_REG = 40, LDRSH_REG = 41;
const STR_IMM = 42, LDR_IMM = 43, STRB_IMM = 44, LDRB_IMM = 45, STRH_IMM = 46, LDRH_IMM = 47, STR_SP = 48, LDR_SP = 49;
const ADR = 50, ADD_RD_SP = 51, ADD_SP = 52, SUB_SP = 53, SXTH = 54, SXTB = 55, UXTH = 56, UXTB = 57;
const PUSH = 58, POP = 59, REV = 60, REV16 = 61, REVSH = 62, NOP = 63, STM = 64, LDM = 65;
const BCOND = 66, B = 67, BL = 68, BARRIER = 69, UNDEF = 70;

/** Why an encoding decoded to UNDEF faults: undefined on ARMv6-M, UNPREDICTABLE, or not modelled. */
function whyUndefined(hw: number, hw2: number): { kind: ThumbFaultKind; what: string } {
  const top5 = hw >>> 11;
  if (top5 >= 0x1d) {
    if (hw === 0xf3ef && (hw2 & 0xf000) === 0x8000) return { kind: 'not-modelled', what: 'MRS' };
    if ((hw & 0xffe0) === 0xf380 && (hw2 & 0xff00) === 0x8800) return { kind: 'not-modelled', what: 'MSR' };
    if ((hw & 0xfff0) === 0xf7f0 && (hw2 & 0xf000) === 0xa000) return { kind: 'undefined', what: 'UDF.W (permanently undefined)' };
    return { kind: 'undefined', what: '32-bit Thumb-2 instruction (ARMv6-M has only BL, DMB, DSB, ISB, MRS, MSR, UDF.W)' };
  }
  if ((hw & 0xff00) === 0xde00) return { kind: 'undefined', what: `UDF #${hw & 0xff} (permanently undefined)` };
  if ((hw & 0xff00) === 0xdf00) return { kind: 'not-modelled', what: `SVC #${hw & 0xff} (supervisor call: no exception model)` };
  if ((hw & 0xff00) === 0xbe00) return { kind: 'not-modelled', what: `BKPT #${hw & 0xff} (breakpoint: no debugger)` };
  if ((hw & 0xffef) === 0xb662) return { kind: 'not-modelled', what: (hw & 0x10) ? 'CPSID i (interrupts are not modelled)' : 'CPSIE i (interrupts are not modelled)' };
  if ((hw & 0xf500) === 0xb100) return { kind: 'undefined', what: 'CBZ/CBNZ (ARMv7-M only)' };
  if ((hw & 0xff00) === 0xbf00) {
    if (hw & 0xf) return { kind: 'undefined', what: 'IT (ARMv7-M only)' };
    const h = (hw >> 4) & 0xf;
    if (h === 2) return { kind: 'not-modelled', what: 'WFE (the core would sleep: no events or interrupts are modelled)' };
    if (h === 3) return { kind: 'not-modelled', what: 'WFI (the core would sleep: no interrupts are modelled)' };
  }
  if ((hw & 0xff00) === 0x4500 && (hw & 0x87) < 8 && ((hw >> 3) & 0xf) < 8) return { kind: 'undefined', what: 'CMP (high registers) with two low registers (UNPREDICTABLE)' };
  if ((hw & 0xff00) === 0x4500 && ((hw & 0x87) === 0x87 || ((hw >> 3) & 0xf) === 15)) return { kind: 'undefined', what: 'CMP with PC (UNPREDICTABLE)' };
  if ((hw & 0xff00) === 0x4400 && (hw & 0x87) === 0x87 && ((hw >> 3) & 0xf) === 15) return { kind: 'undefined', what: 'ADD PC, PC (UNPREDICTABLE)' };
  if ((hw & 0xff00) === 0x4700 && (hw & 7) !== 0) return { kind: 'undefined', what: 'BX/BLX with non-zero bits 2:0 (UNPREDICTABLE)' };
  if ((hw & 0xff80) === 0x4780 && ((hw >> 3) & 0xf) === 15) return { kind: 'undefined', what: 'BLX PC (UNPREDICTABLE)' };
  if ((hw & 0xff80) === 0x4700 && ((hw >> 3) & 0xf) === 15) return { kind: 'undefined', what: 'BX PC (to ARM state: INVSTATE)' };
  if ((hw & 0xfe00) === 0xb400 && (hw & 0x1ff) === 0) return { kind: 'undefined', what: 'PUSH {} (empty list, UNPREDICTABLE)' };
  if ((hw & 0xfe00) === 0xbc00 && (hw & 0x1ff) === 0) return { kind: 'undefined', what: 'POP {} (empty list, UNPREDICTABLE)' };
  if ((hw & 0xf000) === 0xc000 && (hw & 0xff) === 0) return { kind: 'undefined', what: 'LDM/STM with an empty list (UNPREDICTABLE)' };
  if ((hw & 0xf800) === 0xc000) return { kind: 'undefined', what: 'STM with the base register in the list but not lowest (stores an UNKNOWN value)' };
  return { kind: 'undefined', what: 'undefined encoding on ARMv6-M' };
}

/** Decodes one instruction (hw2: the following halfword, for 32-bit encodings). */
export function decode(hw: number, hw2: number): number {
  const top = hw >>> 11;
  switch (top) {
    case 0x00: return (hw << 8) | LSL_IMM;
    case 0x01: return (hw << 8) | LSR_IMM;
    case 0x02: return (hw << 8) | ASR_IMM;
    case 0x03: return (hw << 8) | [ADD_REG, SUB_REG, ADD_IMM3, SUB_IMM3][(hw >> 9) & 3]!;
    case 0x04: return (hw << 8) | MOV_IMM;
    case 0x05: return (hw << 8) | CMP_IMM;
    case 0x06: return (hw << 8) | ADD_IMM8;
    case 0x07: return (hw << 8) | SUB_IMM8;
    case 0x08: {
      if ((hw & 0x400) === 0) return (hw << 8) | [AND, EOR, LSL_REG, LSR_REG, ASR_REG, ADC, SBC, ROR, TST, NEG, CMP_REG, CMN, ORR, MUL, BIC, MVN][(hw >> 6) & 15]!;
      const op = (hw >> 8) & 3;
      const d = (hw & 7) | ((hw >> 4) & 8);
      const m = (hw >> 3) & 15;
      if (op === 0) return d === 15 && m === 15 ? (hw << 8) | UNDEF : (hw << 8) | ADD_HI;
      if (op === 1) return (d < 8 && m < 8) || d === 15 || m === 15 ? (hw << 8) | UNDEF : (hw << 8) | CMP_HI;
      if (op === 2) return (hw << 8) | MOV_HI;
      if ((hw & 7) !== 0 || m === 15) return (hw << 8) | UNDEF;
      return (hw << 8) | ((hw & 0x80) ? BLX : BX);
    }
    case 0x09: return (hw << 8) | LDR_LIT;
    case 0x0a: case 0x0b:
      return (hw << 8) | [STR_REG, STRH_REG, STRB_REG, LDRSB_REG, LDR_REG, LDRH_REG, LDRB_REG, LDRSH_REG][(hw >> 9) & 7]!;
    case 0x0c: return (hw << 8) | STR_IMM;
    case 0x0d: return (hw << 8) | LDR_IMM;
    case 0x0e: return (hw << 8) | STRB_IMM;
    case 0x0f: return (hw << 8) | LDRB_IMM;
    case 0x10: return (hw << 8) | STRH_IMM;
    case 0x11: return (hw << 8) | LDRH_IMM;
    case 0x12: return (hw << 8) | STR_SP;
    case 0x13: return (hw << 8) | LDR_SP;
    case 0x14: return (hw << 8) | ADR;
    case 0x15: return (hw << 8) | ADD_RD_SP;
    case 0x16: case 0x17: {
      const sub = (hw >> 8) & 0xf;
      if (sub === 0) return (hw << 8) | ((hw & 0x80) ? SUB_SP : ADD_SP);
      if (sub === 2) return (hw << 8) | [SXTH, SXTB, UXTH, UXTB][(hw >> 6) & 3]!;
      if (sub === 4 || sub === 5) return (hw & 0x1ff) === 0 ? (hw << 8) | UNDEF : (hw << 8) | PUSH;
      if (sub === 0xa) {
        const o = (hw >> 6) & 3;
        return o === 2 ? (hw << 8) | UNDEF : (hw << 8) | [REV, REV16, UNDEF, REVSH][o]!;
      }
      if (sub === 0xc || sub === 0xd) return (hw & 0x1ff) === 0 ? (hw << 8) | UNDEF : (hw << 8) | POP;
      if (sub === 0xf) {
        if (hw & 0xf) return (hw << 8) | UNDEF; // IT
        const h = (hw >> 4) & 0xf;
        return h === 2 || h === 3 ? (hw << 8) | UNDEF : (hw << 8) | NOP; // WFE/WFI; other hints execute as NOP
      }
      return (hw << 8) | UNDEF; // CBZ/CBNZ, CPS, SETEND, BKPT, HLT
    }
    case 0x18: {
      const n = (hw >> 8) & 7;
      const list = hw & 0xff;
      if (list === 0) return (hw << 8) | UNDEF;
      // Rn in the list and not the lowest register: the stored value is UNKNOWN.
      if ((list & (1 << n)) && (list & ((1 << n) - 1))) return (hw << 8) | UNDEF;
      return (hw << 8) | STM;
    }
    case 0x19: return (hw & 0xff) === 0 ? (hw << 8) | UNDEF : (hw << 8) | LDM;
    case 0x1a: case 0x1b: {
      const cond = (hw >> 8) & 0xf;
      return cond >= 14 ? (hw << 8) | UNDEF : (hw << 8) | BCOND; // 14: UDF, 15: SVC
    }
    case 0x1c: return (hw << 8) | B;
    case 0x1e: {
      if ((hw2 & 0xd000) === 0xd000) {
        const s = (hw >> 10) & 1;
        const i1 = ~(((hw2 >> 13) & 1) ^ s) & 1;
        const i2 = ~(((hw2 >> 11) & 1) ^ s) & 1;
        // imm32 = SignExtend(S:I1:I2:imm10:imm11:'0', 25); stored halved so it fits 24 bits.
        let half = (s << 23) | (i1 << 22) | (i2 << 21) | ((hw & 0x3ff) << 11) | (hw2 & 0x7ff);
        half = (half << 8) >> 8;
        return (half << 8) | BL;
      }
      if (hw === 0xf3bf && (hw2 & 0xffc0) === 0x8f40) {
        const o = (hw2 >> 4) & 0xf;
        if (o === 4 || o === 5 || o === 6) return (hw << 8) | BARRIER;
      }
      return (hw << 8) | UNDEF;
    }
    default: return (hw << 8) | UNDEF; // 0x1d (0xE800..) and 0x1f (0xF800..): 32-bit, not on ARMv6-M
  }
}

/** True for the first halfword of a 32-bit encoding (0xE800..0xFFFF). */
const is32 = (hw: number): boolean => (hw >>> 11) >= 0x1d;

/** Result of running the core until it returns to RETURN_PC. */
export interface RunResult {
  cycles: number;
  instructions: number;
}

/**
 * The core: 16 registers (r13 SP, r14 LR; PC is kept apart) and NZCV, bound to one memory bus.
 * `run(entry)` executes from `entry` (Thumb address, bit 0 already cleared) until a branch to
 * RETURN_PC, with the registers as the caller left them.
 */
export class ThumbCpu {
  /** r0..r15 as int32 (r15 is not used: the PC lives in `pc`). */
  readonly r = new Int32Array(16);
  pc = 0;
  n = 0;
  z = 0;
  c = 0;
  v = 0;
  /** Lowest address SP may reach (the stack region's base); below it is a stack overflow. */
  stackLimit = 0;
  /** Cycles and instructions of the last run (also valid after a fault). */
  cycles = 0;
  instructions = 0;

  constructor(readonly mem: NativeMemory) {}

  /** Decodes (and caches) the instruction at RAM offset `o`; throws if it is not inside loaded code. */
  private decodeAt(o: number, pc: number): number {
    const m = this.mem;
    if ((o & 1) !== 0 || o + 2 > RAM_SIZE || m.map[o] !== CODE || m.map[o + 1] !== CODE) {
      throw new ThumbFault(`instruction fetch at ${hex(pc)}: not inside a loaded code blob (${m.describe(pc)})`, 'unmapped', pc, pc);
    }
    const hw = m.u16[o >> 1]!;
    let hw2 = 0;
    if (is32(hw)) {
      if (o + 4 > RAM_SIZE || m.map[o + 2] !== CODE || m.map[o + 3] !== CODE) {
        throw new ThumbFault(`32-bit instruction ${hex(hw, 4)} at ${hex(pc)} runs off the end of its code blob`, 'unmapped', pc, pc + 2);
      }
      hw2 = m.u16[(o >> 1) + 1]!;
    }
    const d = decode(hw, hw2);
    m.dec[o >> 1] = d;
    return d;
  }

  private undefinedFault(pc: number): ThumbFault {
    const m = this.mem;
    const o = pc - RAM_BASE;
    const hw = m.u16[o >> 1]!;
    const hw2 = is32(hw) ? m.u16[(o >> 1) + 1]! : 0;
    const why = whyUndefined(hw, hw2);
    const enc = is32(hw) ? `${hex(hw, 4)} ${hex(hw2, 4)}` : hex(hw, 4);
    return new ThumbFault(`${why.kind === 'undefined' ? 'undefined instruction' : 'instruction not modelled'} ${enc} at PC ${hex(pc)}: ${why.what}`, why.kind, pc);
  }

  /**
   * Runs from `entry` until the code branches to RETURN_PC. Throws a ThumbFault on any fault
   * (with `cycles`/`instructions` so far left in the fields).
   */
  run(entry: number, maxInstructions: number): RunResult {
    const mem = this.mem;
    const r = this.r;
    const dec = mem.dec;
    const map = mem.map;
    const u8 = mem.u8, i8 = mem.i8, u16 = mem.u16, i16 = mem.i16, i32 = mem.i32;
    let pc = entry >>> 0;
    let n = this.n, z = this.z, c = this.c, v = this.v;
    let cyc = 0;
    let count = 0;
    const stackLimit = this.stackLimit;
    try {
      for (;;) {
        const po = (pc - RAM_BASE) >>> 0;
        let d: number;
        if (po < RAM_SIZE) {
          d = dec[po >> 1]!;
          if (d === 0) d = this.decodeAt(po, pc);
        } else if (pc === RETURN_PC) {
          break;
        } else {
          throw new ThumbFault(`instruction fetch at ${hex(pc)}: not inside a loaded code blob (${mem.describe(pc)})`, 'unmapped', pc, pc);
        }
        if (count >= maxInstructions) {
          throw new ThumbFault(`runaway native code: more than ${maxInstructions} instructions in one call (PC ${hex(pc)})`, 'runaway', pc);
        }
        const hw = d >>> 8;
        switch (d & 0xff) {
          // ---- shift by immediate ----
          case LSL_IMM: {
            const x = r[(hw >> 3) & 7]!;
            const s = (hw >> 6) & 31;
            let res = x;
            if (s !== 0) {
              c = (x >>> (32 - s)) & 1;
              res = x << s;
            }
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case LSR_IMM: {
            const x = r[(hw >> 3) & 7]!;
            const s = (hw >> 6) & 31;
            let res: number;
            if (s === 0) { c = x >>> 31; res = 0; } else { c = (x >>> (s - 1)) & 1; res = (x >>> s) | 0; }
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case ASR_IMM: {
            const x = r[(hw >> 3) & 7]!;
            const s = (hw >> 6) & 31;
            let res: number;
            if (s === 0) { c = x >>> 31; res = x >> 31; } else { c = (x >>> (s - 1)) & 1; res = x >> s; }
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          // ---- add/subtract register or imm3 ----
          case ADD_REG: case ADD_IMM3: {
            const x = r[(hw >> 3) & 7]!;
            const y = (d & 0xff) === ADD_REG ? r[(hw >> 6) & 7]! : (hw >> 6) & 7;
            const res = (x + y) | 0;
            c = (x >>> 0) + (y >>> 0) > 0xffffffff ? 1 : 0;
            v = ((x ^ res) & (y ^ res)) < 0 ? 1 : 0;
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case SUB_REG: case SUB_IMM3: {
            const x = r[(hw >> 3) & 7]!;
            const y = (d & 0xff) === SUB_REG ? r[(hw >> 6) & 7]! : (hw >> 6) & 7;
            const res = (x - y) | 0;
            c = (x >>> 0) >= (y >>> 0) ? 1 : 0;
            v = ((x ^ y) & (x ^ res)) < 0 ? 1 : 0;
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          // ---- imm8 ----
          case MOV_IMM: {
            const res = hw & 0xff;
            r[(hw >> 8) & 7] = res;
            n = 0;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case CMP_IMM: {
            const x = r[(hw >> 8) & 7]!;
            const y = hw & 0xff;
            const res = (x - y) | 0;
            c = (x >>> 0) >= y ? 1 : 0;
            v = ((x ^ y) & (x ^ res)) < 0 ? 1 : 0;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case ADD_IMM8: {
            const rd = (hw >> 8) & 7;
            const x = r[rd]!;
            const y = hw & 0xff;
            const res = (x + y) | 0;
            c = (x >>> 0) + y > 0xffffffff ? 1 : 0;
            v = ((x ^ res) & (y ^ res)) < 0 ? 1 : 0;
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case SUB_IMM8: {
            const rd = (hw >> 8) & 7;
            const x = r[rd]!;
            const y = hw & 0xff;
            const res = (x - y) | 0;
            c = (x >>> 0) >= y ? 1 : 0;
            v = ((x ^ y) & (x ^ res)) < 0 ? 1 : 0;
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          // ---- data processing (Rdn, Rm) ----
          case AND: case EOR: case ORR: case BIC: case MVN: case TST: {
            const rd = hw & 7;
            const x = r[rd]!;
            const y = r[(hw >> 3) & 7]!;
            const op = d & 0xff;
            const res = op === AND || op === TST ? x & y : op === EOR ? x ^ y : op === ORR ? x | y : op === BIC ? x & ~y : ~y;
            if (op !== TST) r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case LSL_REG: {
            const rd = hw & 7;
            const x = r[rd]!;
            const s = r[(hw >> 3) & 7]! & 0xff;
            let res = x;
            if (s !== 0) {
              if (s < 32) { c = (x >>> (32 - s)) & 1; res = x << s; } else if (s === 32) { c = x & 1; res = 0; } else { c = 0; res = 0; }
            }
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case LSR_REG: {
            const rd = hw & 7;
            const x = r[rd]!;
            const s = r[(hw >> 3) & 7]! & 0xff;
            let res = x;
            if (s !== 0) {
              if (s < 32) { c = (x >>> (s - 1)) & 1; res = (x >>> s) | 0; } else if (s === 32) { c = x >>> 31; res = 0; } else { c = 0; res = 0; }
            }
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case ASR_REG: {
            const rd = hw & 7;
            const x = r[rd]!;
            const s = r[(hw >> 3) & 7]! & 0xff;
            let res = x;
            if (s !== 0) {
              if (s < 32) { c = (x >>> (s - 1)) & 1; res = x >> s; } else { c = x >>> 31; res = x >> 31; }
            }
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case ROR: {
            const rd = hw & 7;
            const x = r[rd]!;
            const s8 = r[(hw >> 3) & 7]! & 0xff;
            let res = x;
            if (s8 !== 0) {
              const s = s8 & 31;
              if (s !== 0) res = (x >>> s) | (x << (32 - s));
              c = res >>> 31;
            }
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case ADC: {
            const rd = hw & 7;
            const x = r[rd]!;
            const y = r[(hw >> 3) & 7]!;
            const res = (x + y + c) | 0;
            c = (x >>> 0) + (y >>> 0) + c > 0xffffffff ? 1 : 0;
            v = ((x ^ res) & (y ^ res)) < 0 ? 1 : 0;
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case SBC: {
            const rd = hw & 7;
            const x = r[rd]!;
            const ny = ~r[(hw >> 3) & 7]!;
            const res = (x + ny + c) | 0;
            c = (x >>> 0) + (ny >>> 0) + c > 0xffffffff ? 1 : 0;
            v = ((x ^ res) & (ny ^ res)) < 0 ? 1 : 0;
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case NEG: {
            const x = r[(hw >> 3) & 7]!;
            const res = (0 - x) | 0;
            c = x === 0 ? 1 : 0;
            v = (x & res) < 0 ? 1 : 0;
            r[hw & 7] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case CMP_REG: {
            const x = r[hw & 7]!;
            const y = r[(hw >> 3) & 7]!;
            const res = (x - y) | 0;
            c = (x >>> 0) >= (y >>> 0) ? 1 : 0;
            v = ((x ^ y) & (x ^ res)) < 0 ? 1 : 0;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case CMN: {
            const x = r[hw & 7]!;
            const y = r[(hw >> 3) & 7]!;
            const res = (x + y) | 0;
            c = (x >>> 0) + (y >>> 0) > 0xffffffff ? 1 : 0;
            v = ((x ^ res) & (y ^ res)) < 0 ? 1 : 0;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case MUL: {
            const rd = hw & 7;
            const res = Math.imul(r[rd]!, r[(hw >> 3) & 7]!);
            r[rd] = res;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          // ---- high registers, branch exchange ----
          case ADD_HI: {
            const rd = (hw & 7) | ((hw >> 4) & 8);
            const rm = (hw >> 3) & 15;
            const x = rd === 15 ? pc + 4 : r[rd]!;
            const y = rm === 15 ? pc + 4 : r[rm]!;
            const res = (x + y) | 0;
            if (rd === 15) {
              pc = (res & ~1) >>> 0;
              cyc += 3;
            } else {
              if (rd === 13) setSp(this, res, pc);
              else r[rd] = res;
              pc += 2; cyc += 1;
            }
            break;
          }
          case CMP_HI: {
            const x = r[(hw & 7) | ((hw >> 4) & 8)]!;
            const y = r[(hw >> 3) & 15]!;
            const res = (x - y) | 0;
            c = (x >>> 0) >= (y >>> 0) ? 1 : 0;
            v = ((x ^ y) & (x ^ res)) < 0 ? 1 : 0;
            n = res >>> 31;
            z = res === 0 ? 1 : 0;
            pc += 2; cyc += 1;
            break;
          }
          case MOV_HI: {
            const rd = (hw & 7) | ((hw >> 4) & 8);
            const rm = (hw >> 3) & 15;
            const val = rm === 15 ? pc + 4 : r[rm]!;
            if (rd === 15) {
              pc = (val & ~1) >>> 0;
              cyc += 3;
            } else {
              if (rd === 13) setSp(this, val, pc);
              else r[rd] = val;
              pc += 2; cyc += 1;
            }
            break;
          }
          case BX: case BLX: {
            const t = r[(hw >> 3) & 15]!;
            if ((t & 1) === 0) throw new ThumbFault(`${(d & 0xff) === BX ? 'BX' : 'BLX'} r${(hw >> 3) & 15} at PC ${hex(pc)} to ${hex(t)}: bit 0 clear selects ARM state, which the M0 lacks (INVSTATE HardFault)`, 'invstate', pc, t >>> 0);
            if ((d & 0xff) === BLX) r[14] = (pc + 2) | 1;
            pc = (t & ~1) >>> 0;
            cyc += 3;
            break;
          }
          // ---- loads and stores ----
          case LDR_LIT: {
            const a = ((pc + 4) & ~3) + ((hw & 0xff) << 2);
            const o = (a - RAM_BASE) >>> 0;
            r[(hw >> 8) & 7] = o < RAM_SIZE && map[o] !== 0 && map[o + 3] !== 0 ? i32[o >> 2]! : mem.read(a, 4, cyc + 1);
            pc += 2; cyc += 2;
            break;
          }
          case LDR_REG: case LDR_IMM: case LDR_SP: {
            const op = d & 0xff;
            const a = op === LDR_REG ? (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0
              : op === LDR_IMM ? (r[(hw >> 3) & 7]! + (((hw >> 6) & 31) << 2)) | 0
                : (r[13]! + ((hw & 0xff) << 2)) | 0;
            const o = (a - RAM_BASE) >>> 0;
            const val = o < RAM_SIZE && (o & 3) === 0 && map[o] !== 0 && map[o + 3] !== 0 ? i32[o >> 2]! : mem.read(a, 4, cyc + 1);
            r[op === LDR_SP ? (hw >> 8) & 7 : hw & 7] = val;
            pc += 2; cyc += 2;
            break;
          }
          case STR_REG: case STR_IMM: case STR_SP: {
            const op = d & 0xff;
            const a = op === STR_REG ? (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0
              : op === STR_IMM ? (r[(hw >> 3) & 7]! + (((hw >> 6) & 31) << 2)) | 0
                : (r[13]! + ((hw & 0xff) << 2)) | 0;
            const val = r[op === STR_SP ? (hw >> 8) & 7 : hw & 7]!;
            const o = (a - RAM_BASE) >>> 0;
            if (o < RAM_SIZE && (o & 3) === 0 && map[o] === DATA && map[o + 3] === DATA) i32[o >> 2] = val;
            else mem.write(a, 4, val, cyc + 1);
            pc += 2; cyc += 2;
            break;
          }
          case LDRH_REG: case LDRH_IMM: case LDRSH_REG: {
            const op = d & 0xff;
            const a = op === LDRH_IMM ? (r[(hw >> 3) & 7]! + (((hw >> 6) & 31) << 1)) | 0 : (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0;
            const o = (a - RAM_BASE) >>> 0;
            let val: number;
            if (o < RAM_SIZE && (o & 1) === 0 && map[o] !== 0 && map[o + 1] !== 0) val = op === LDRSH_REG ? i16[o >> 1]! : u16[o >> 1]!;
            else {
              val = mem.read(a, 2, cyc + 1);
              if (op === LDRSH_REG) val = (val << 16) >> 16;
            }
            r[hw & 7] = val;
            pc += 2; cyc += 2;
            break;
          }
          case STRH_REG: case STRH_IMM: {
            const a = (d & 0xff) === STRH_IMM ? (r[(hw >> 3) & 7]! + (((hw >> 6) & 31) << 1)) | 0 : (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0;
            const val = r[hw & 7]!;
            const o = (a - RAM_BASE) >>> 0;
            if (o < RAM_SIZE && (o & 1) === 0 && map[o] === DATA && map[o + 1] === DATA) u16[o >> 1] = val;
            else mem.write(a, 2, val & 0xffff, cyc + 1);
            pc += 2; cyc += 2;
            break;
          }
          case LDRB_REG: case LDRB_IMM: case LDRSB_REG: {
            const op = d & 0xff;
            const a = op === LDRB_IMM ? (r[(hw >> 3) & 7]! + ((hw >> 6) & 31)) | 0 : (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0;
            const o = (a - RAM_BASE) >>> 0;
            let val: number;
            if (o < RAM_SIZE && map[o] !== 0) val = op === LDRSB_REG ? i8[o]! : u8[o]!;
            else {
              val = mem.read(a, 1, cyc + 1);
              if (op === LDRSB_REG) val = (val << 24) >> 24;
            }
            r[hw & 7] = val;
            pc += 2; cyc += 2;
            break;
          }
          case STRB_REG: case STRB_IMM: {
            const a = (d & 0xff) === STRB_IMM ? (r[(hw >> 3) & 7]! + ((hw >> 6) & 31)) | 0 : (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0;
            const val = r[hw & 7]!;
            const o = (a - RAM_BASE) >>> 0;
            if (o < RAM_SIZE && map[o] === DATA) u8[o] = val;
            else mem.write(a, 1, val & 0xff, cyc + 1);
            pc += 2; cyc += 2;
            break;
          }
          // ---- address generation, SP ----
          case ADR:
            r[(hw >> 8) & 7] = ((pc + 4) & ~3) + ((hw & 0xff) << 2);
            pc += 2; cyc += 1;
            break;
          case ADD_RD_SP:
            r[(hw >> 8) & 7] = r[13]! + ((hw & 0xff) << 2);
            pc += 2; cyc += 1;
            break;
          case ADD_SP:
            r[13] = r[13]! + ((hw & 0x7f) << 2);
            pc += 2; cyc += 1;
            break;
          case SUB_SP:
            setSp(this, r[13]! - ((hw & 0x7f) << 2), pc);
            pc += 2; cyc += 1;
            break;
          // ---- extend, reverse ----
          case SXTH: r[hw & 7] = (r[(hw >> 3) & 7]! << 16) >> 16; pc += 2; cyc += 1; break;
          case SXTB: r[hw & 7] = (r[(hw >> 3) & 7]! << 24) >> 24; pc += 2; cyc += 1; break;
          case UXTH: r[hw & 7] = r[(hw >> 3) & 7]! & 0xffff; pc += 2; cyc += 1; break;
          case UXTB: r[hw & 7] = r[(hw >> 3) & 7]! & 0xff; pc += 2; cyc += 1; break;
          case REV: {
            const x = r[(hw >> 3) & 7]!;
            r[hw & 7] = ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
            pc += 2; cyc += 1;
            break;
          }
          case REV16: {
            const x = r[(hw >> 3) & 7]!;
            r[hw & 7] = ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff);
            pc += 2; cyc += 1;
            break;
          }
          case REVSH: {
            const x = r[(hw >> 3) & 7]!;
            r[hw & 7] = (((x & 0xff) << 24) >> 16) | ((x >>> 8) & 0xff);
            pc += 2; cyc += 1;
            break;
          }
          // ---- multiple registers ----
          case PUSH: {
            const list = hw & 0xff;
            const lr = (hw >> 8) & 1;
            const cnt = popcount8(list) + lr;
            const sp = r[13]! - 4 * cnt;
            if ((sp >>> 0) < stackLimit) throw new ThumbFault(`stack overflow at PC ${hex(pc)}: PUSH would move SP to ${hex(sp)}, below the ${mem.stackBytes}-byte native stack (${hex(stackLimit)})`, 'stack-overflow', pc, sp >>> 0);
            let a = sp;
            for (let i = 0; i < 8; i++) {
              if (list & (1 << i)) {
                store32(mem, a, r[i]!, cyc + 1 + ((a - sp) >> 2));
                a += 4;
              }
            }
            if (lr) store32(mem, a, r[14]!, cyc + 1 + ((a - sp) >> 2));
            r[13] = sp;
            pc += 2; cyc += 1 + cnt;
            break;
          }
          case POP: {
            const list = hw & 0xff;
            const p = (hw >> 8) & 1;
            let a = r[13]!;
            const sp0 = a;
            for (let i = 0; i < 8; i++) {
              if (list & (1 << i)) {
                r[i] = load32(mem, a, cyc + 1 + ((a - sp0) >> 2));
                a += 4;
              }
            }
            const cnt = popcount8(list) + p;
            if (p) {
              const t = load32(mem, a, cyc + 1 + ((a - sp0) >> 2));
              a += 4;
              r[13] = a;
              if ((t & 1) === 0) throw new ThumbFault(`POP {pc} at PC ${hex(pc)} loaded ${hex(t)}: bit 0 clear selects ARM state, which the M0 lacks (INVSTATE HardFault)`, 'invstate', pc, t >>> 0);
              pc = (t & ~1) >>> 0;
              cyc += 4 + cnt;
            } else {
              r[13] = a;
              pc += 2; cyc += 1 + cnt;
            }
            break;
          }
          case STM: {
            const rn = (hw >> 8) & 7;
            const list = hw & 0xff;
            const base = r[rn]!;
            let a = base;
            for (let i = 0; i < 8; i++) {
              if (list & (1 << i)) {
                store32(mem, a, r[i]!, cyc + 1 + ((a - base) >> 2));
                a += 4;
              }
            }
            r[rn] = a;
            pc += 2; cyc += 1 + popcount8(list);
            break;
          }
          case LDM: {
            const rn = (hw >> 8) & 7;
            const list = hw & 0xff;
            const base = r[rn]!;
            let a = base;
            for (let i = 0; i < 8; i++) {
              if (list & (1 << i)) {
                r[i] = load32(mem, a, cyc + 1 + ((a - base) >> 2));
                a += 4;
              }
            }
            if ((list & (1 << rn)) === 0) r[rn] = a;
            pc += 2; cyc += 1 + popcount8(list);
            break;
          }
          // ---- branches ----
          case BCOND: {
            let take: boolean;
            switch ((hw >> 8) & 0xf) {
              case 0: take = z === 1; break;
              case 1: take = z === 0; break;
              case 2: take = c === 1; break;
              case 3: take = c === 0; break;
              case 4: take = n === 1; break;
              case 5: take = n === 0; break;
              case 6: take = v === 1; break;
              case 7: take = v === 0; break;
              case 8: take = c === 1 && z === 0; break;
              case 9: take = c === 0 || z === 1; break;
              case 10: take = n === v; break;
              case 11: take = n !== v; break;
              case 12: take = z === 0 && n === v; break;
              default: take = z === 1 || n !== v; break;
            }
            if (take) {
              pc = (pc + 4 + (((hw & 0xff) << 24) >> 23)) >>> 0;
              cyc += 3;
            } else {
              pc += 2; cyc += 1;
            }
            break;
          }
          case B:
            pc = (pc + 4 + (((hw & 0x7ff) << 21) >> 20)) >>> 0;
            cyc += 3;
            break;
          case BL:
            r[14] = (pc + 4) | 1;
            pc = (pc + 4 + ((d >> 8) << 1)) >>> 0;
            cyc += 4;
            break;
          case NOP: pc += 2; cyc += 1; break;
          case BARRIER: pc += 4; cyc += 4; break;
          default:
            throw this.undefinedFault(pc);
        }
        count++; // completed instructions (a faulting one is not counted)
      }
    } catch (e) {
      if (e instanceof MemoryFault) {
        const hwNow = mem.u16[((pc - RAM_BASE) >>> 0) >> 1] ?? 0;
        throw new ThumbFault(`${e.message} (instruction ${hex(hwNow, 4)} at PC ${hex(pc)})`, e.kind, pc, e.address);
      }
      throw e;
    } finally {
      this.pc = pc;
      this.n = n; this.z = z; this.c = c; this.v = v;
      this.cycles = cyc;
      this.instructions = count;
    }
    return { cycles: cyc, instructions: count };
  }
}

/** Writes SP (bits 1:0 forced to 0, as on ARMv6-M), checking the stack limit. */
function setSp(cpu: ThumbCpu, val: number, pc: number): void {
  const sp = val & ~3;
  if ((sp >>> 0) < cpu.stackLimit) throw new ThumbFault(`stack overflow at PC ${hex(pc)}: SP set to ${hex(sp)}, below the ${cpu.mem.stackBytes}-byte native stack (${hex(cpu.stackLimit)})`, 'stack-overflow', pc, sp >>> 0);
  cpu.r[13] = sp;
}

function store32(mem: NativeMemory, a: number, val: number, at: number): void {
  const o = (a - RAM_BASE) >>> 0;
  if (o < RAM_SIZE && (o & 3) === 0 && mem.map[o] === DATA && mem.map[o + 3] === DATA) mem.i32[o >> 2] = val;
  else mem.write(a, 4, val, at);
}

function load32(mem: NativeMemory, a: number, at: number): number {
  const o = (a - RAM_BASE) >>> 0;
  return o < RAM_SIZE && (o & 3) === 0 && mem.map[o] !== 0 && mem.map[o + 3] !== 0 ? mem.i32[o >> 2]! : mem.read(a, 4, at);
}

function popcount8(x: number): number {
  x = x - ((x >> 1) & 0x55);
  x = (x & 0x33) + ((x >> 2) & 0x33);
  return (x + (x >> 4)) & 0x0f;
}
