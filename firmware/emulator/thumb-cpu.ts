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
 * Speed: each halfword is decoded once (thumb-decode.ts) into an int (`payload << 8 | op`) kept per
 * RAM address (code is read-only, so the cache never goes stale); the run loop is one switch over
 * that op, the ALU group (which sets N and Z from its result) apart from the rest.
 */
import * as bus from './native-memory.ts';
import type { NativeMemory } from './native-memory.ts';
import * as ops from './thumb-decode.ts';
import { ThumbFault, hex } from './thumb-fault.ts';

// Module-local copies of the imported constants the run loop tests on every instruction: a module
// runner that rewrites imports into property reads (vitest's) would otherwise pay a getter call
// per `case` label per instruction (8x slower tests); plain consts keep the switch cheap.
const { CODE, DATA, MemoryFault, RAM_BASE, RAM_SIZE } = bus;
const { ACCESS, ACCESS_FORM_SHIFT, ACCESS_LOAD, ACCESS_SIGNED, ADD_HI, ADD_IMM3, ADD_IMM8, ADD_REG, ADD_RD_SP, ADD_SP,
  ADC, ADR, ALU_LAST, AND, ASR_IMM, ASR_REG, AT_IMM, AT_REG, AT_SP, B, BARRIER, BCOND, BIC, BL, BLX, BX, CMN, CMP_HI,
  CMP_IMM, CMP_REG, EOR, LDM, LSL_IMM, LSL_REG, LSR_IMM, LSR_REG, MOV_HI, MOV_IMM, MUL, NEG, NOP, ORR, POP, PUSH,
  REV, REV16, REVSH, ROR, SBC, STM, SUB_IMM3, SUB_IMM8, SUB_REG, SUB_SP, SXTB, SXTH, TST, UXTB, UXTH, decode, is32,
  whyUndefined } = ops;

/** Where a native call returns to: LR is set to this | 1 before the call. */
export const RETURN_PC = 0xfffffffe;

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
        const op = d & 0xff;
        if (op <= ALU_LAST) {
          // ---- the ALU group: each op leaves its result in `res` (and sets C, V where it does) ----
          let res: number;
          switch (op) {
            // shifts (LSR/ASR #0 encode a shift by 32; a register amount is Rs's low byte; by 0: C kept)
            case LSL_IMM: case LSR_IMM: case ASR_IMM: case LSL_REG: case LSR_REG: case ASR_REG: case ROR: {
              const imm = op <= ASR_IMM;
              const x = r[imm ? (hw >> 3) & 7 : hw & 7]!;
              let s = imm ? (hw >> 6) & 31 : r[(hw >> 3) & 7]! & 0xff;
              if (imm && s === 0 && op !== LSL_IMM) s = 32;
              res = x;
              if (s !== 0) {
                if (op === LSL_IMM || op === LSL_REG) {
                  if (s < 32) { c = (x >>> (32 - s)) & 1; res = x << s; } else { c = s === 32 ? x & 1 : 0; res = 0; }
                } else if (op === LSR_IMM || op === LSR_REG) {
                  if (s < 32) { c = (x >>> (s - 1)) & 1; res = (x >>> s) | 0; } else { c = s === 32 ? x >>> 31 : 0; res = 0; }
                } else if (op !== ROR) {
                  if (s < 32) { c = (x >>> (s - 1)) & 1; res = x >> s; } else { c = x >>> 31; res = x >> 31; }
                } else {
                  const k = s & 31;
                  if (k !== 0) res = (x >>> k) | (x << (32 - k));
                  c = res >>> 31;
                }
              }
              r[hw & 7] = res;
              break;
            }
            // add, subtract, compare: the ARM pseudocode's AddWithCarry of x, y and a carry; a subtraction
            // adds NOT(operand) with carry 1; rd < 0: flags only
            case ADD_REG: case ADD_IMM3: case SUB_REG: case SUB_IMM3: case ADD_IMM8: case SUB_IMM8: case CMP_IMM:
            case ADC: case SBC: case NEG: case CMP_REG: case CMN: case CMP_HI: {
              let x: number, y: number, rd: number;
              let cin = 0;
              switch (op) {
                case ADD_REG: x = r[(hw >> 3) & 7]!; y = r[(hw >> 6) & 7]!; rd = hw & 7; break;
                case ADD_IMM3: x = r[(hw >> 3) & 7]!; y = (hw >> 6) & 7; rd = hw & 7; break;
                case SUB_REG: x = r[(hw >> 3) & 7]!; y = ~r[(hw >> 6) & 7]!; cin = 1; rd = hw & 7; break;
                case SUB_IMM3: x = r[(hw >> 3) & 7]!; y = ~((hw >> 6) & 7); cin = 1; rd = hw & 7; break;
                case ADD_IMM8: rd = (hw >> 8) & 7; x = r[rd]!; y = hw & 0xff; break;
                case SUB_IMM8: rd = (hw >> 8) & 7; x = r[rd]!; y = ~(hw & 0xff); cin = 1; break;
                case CMP_IMM: rd = -1; x = r[(hw >> 8) & 7]!; y = ~(hw & 0xff); cin = 1; break;
                case ADC: rd = hw & 7; x = r[rd]!; y = r[(hw >> 3) & 7]!; cin = c; break;
                case SBC: rd = hw & 7; x = r[rd]!; y = ~r[(hw >> 3) & 7]!; cin = c; break;
                case NEG: rd = hw & 7; x = 0; y = ~r[(hw >> 3) & 7]!; cin = 1; break;
                case CMP_REG: rd = -1; x = r[hw & 7]!; y = ~r[(hw >> 3) & 7]!; cin = 1; break;
                case CMN: rd = -1; x = r[hw & 7]!; y = r[(hw >> 3) & 7]!; break;
                default: rd = -1; x = r[(hw & 7) | ((hw >> 4) & 8)]!; y = ~r[(hw >> 3) & 15]!; cin = 1; break; // CMP_HI
              }
              res = (x + y + cin) | 0;
              c = (x >>> 0) + (y >>> 0) + cin > 0xffffffff ? 1 : 0;
              v = ((x ^ res) & (y ^ res)) < 0 ? 1 : 0;
              if (rd >= 0) r[rd] = res;
              break;
            }
            case MOV_IMM:
              res = hw & 0xff;
              r[(hw >> 8) & 7] = res;
              break;
            case MUL:
              res = Math.imul(r[hw & 7]!, r[(hw >> 3) & 7]!);
              r[hw & 7] = res;
              break;
            default: { // AND EOR ORR BIC MVN TST: C and V kept
              const x = r[hw & 7]!;
              const y = r[(hw >> 3) & 7]!;
              res = op === AND || op === TST ? x & y : op === EOR ? x ^ y : op === ORR ? x | y : op === BIC ? x & ~y : ~y;
              if (op !== TST) r[hw & 7] = res;
              break;
            }
          }
          n = res >>> 31;
          z = res === 0 ? 1 : 0;
          pc += 2; cyc += 1;
          count++;
          continue;
        }
        switch (op) {
          // ---- high registers (PC reads as the instruction's address + 4; writing it branches) ----
          case ADD_HI: case MOV_HI: {
            const rd = (hw & 7) | ((hw >> 4) & 8);
            const rm = (hw >> 3) & 15;
            const y = rm === 15 ? pc + 4 : r[rm]!;
            const val = op === ADD_HI ? ((rd === 15 ? pc + 4 : r[rd]!) + y) | 0 : y;
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
            if ((t & 1) === 0) throw new ThumbFault(`${op === BX ? 'BX' : 'BLX'} r${(hw >> 3) & 15} at PC ${hex(pc)} to ${hex(t)}: bit 0 clear selects ARM state, which the M0 lacks (INVSTATE HardFault)`, 'invstate', pc, t >>> 0);
            if (op === BLX) r[14] = (pc + 2) | 1;
            pc = (t & ~1) >>> 0;
            cyc += 3;
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
          case REV: case REV16: case REVSH: {
            const x = r[(hw >> 3) & 7]!;
            r[hw & 7] = op === REV ? ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)
              : op === REV16 ? ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)
                : (((x & 0xff) << 24) >> 16) | ((x >>> 8) & 0xff);
            pc += 2; cyc += 1;
            break;
          }
          // ---- multiple registers: the k-th word moves in cycle k + 1 ----
          case PUSH: {
            const list = hw & 0xff;
            const lr = (hw >> 8) & 1;
            const cnt = popcount8(list) + lr;
            const sp = r[13]! - 4 * cnt;
            if ((sp >>> 0) < stackLimit) throw new ThumbFault(`stack overflow at PC ${hex(pc)}: PUSH would move SP to ${hex(sp)}, below the ${mem.stackBytes}-byte native stack (${hex(stackLimit)})`, 'stack-overflow', pc, sp >>> 0);
            const a = storeList(mem, r, list, sp, cyc + 1);
            if (lr) store(mem, a, 4, r[14]!, cyc + 1 + ((a - sp) >> 2));
            r[13] = sp;
            pc += 2; cyc += 1 + cnt;
            break;
          }
          case POP: {
            const list = hw & 0xff;
            const sp0 = r[13]!;
            let a = loadList(mem, r, list, sp0, cyc + 1);
            const cnt = popcount8(list) + ((hw >> 8) & 1);
            if ((hw >> 8) & 1) {
              const t = load(mem, a, 4, cyc + 1 + ((a - sp0) >> 2));
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
            r[rn] = storeList(mem, r, hw & 0xff, r[rn]!, cyc + 1);
            pc += 2; cyc += 1 + popcount8(hw & 0xff);
            break;
          }
          case LDM: {
            const rn = (hw >> 8) & 7;
            const a = loadList(mem, r, hw & 0xff, r[rn]!, cyc + 1);
            if ((hw & (1 << rn)) === 0) r[rn] = a;
            pc += 2; cyc += 1 + popcount8(hw & 0xff);
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
          default: {
            const acc = ACCESS[op]!;
            if (acc === 0) throw this.undefinedFault(pc);
            // ---- loads and stores (LDR_LIT..LDR_SP): 2 cycles, the bus access in the second ----
            const size = (acc & 7) as 1 | 2 | 4;
            const form = acc >> ACCESS_FORM_SHIFT;
            const a = form === AT_REG ? (r[(hw >> 3) & 7]! + r[(hw >> 6) & 7]!) | 0
              : form === AT_IMM ? (r[(hw >> 3) & 7]! + ((hw >> 6) & 31) * size) | 0
                : form === AT_SP ? (r[13]! + ((hw & 0xff) << 2)) | 0
                  : ((pc + 4) & ~3) + ((hw & 0xff) << 2); // literal: Align(PC + 4, 4)
            const rt = form >= AT_SP ? (hw >> 8) & 7 : hw & 7;
            if (acc & ACCESS_LOAD) {
              const val = load(mem, a, size, cyc + 1);
              r[rt] = (acc & ACCESS_SIGNED) === 0 ? val : size === 2 ? (val << 16) >> 16 : (val << 24) >> 24;
            } else {
              store(mem, a, size, r[rt]!, cyc + 1);
            }
            pc += 2; cyc += 2;
            break;
          }
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

/**
 * Reads `size` bytes at `a` (zero-extended; a word as int32) at core cycle `at`: straight from RAM
 * when aligned and mapped, else through the bus (GPIO, faults).
 */
function load(mem: NativeMemory, a: number, size: 1 | 2 | 4, at: number): number {
  const o = (a - RAM_BASE) >>> 0;
  if (o < RAM_SIZE && (o & (size - 1)) === 0 && mem.map[o] !== 0 && mem.map[o + size - 1] !== 0) {
    return size === 4 ? mem.i32[o >> 2]! : size === 2 ? mem.u16[o >> 1]! : mem.u8[o]!;
  }
  return mem.read(a, size, at);
}

/** Writes the low `size` bytes of `val` at `a` at core cycle `at` (RAM data directly, else the bus). */
function store(mem: NativeMemory, a: number, size: 1 | 2 | 4, val: number, at: number): void {
  const o = (a - RAM_BASE) >>> 0;
  if (o < RAM_SIZE && (o & (size - 1)) === 0 && mem.map[o] === DATA && mem.map[o + size - 1] === DATA) {
    if (size === 4) mem.i32[o >> 2] = val;
    else if (size === 2) mem.u16[o >> 1] = val;
    else mem.u8[o] = val;
  } else {
    mem.write(a, size, size === 4 ? val : val & (size === 2 ? 0xffff : 0xff), at);
  }
}

/** Stores r[i] for each bit i of `list`, lowest first, from `a` up; returns the address after them. */
function storeList(mem: NativeMemory, r: Int32Array, list: number, a: number, at: number): number {
  for (let i = 0, k = 0; i < 8; i++) {
    if (list & (1 << i)) store(mem, a + 4 * k, 4, r[i]!, at + k++);
  }
  return a + 4 * popcount8(list);
}

/** Loads r[i] for each bit i of `list`, lowest first, from `a` up; returns the address after them. */
function loadList(mem: NativeMemory, r: Int32Array, list: number, a: number, at: number): number {
  for (let i = 0, k = 0; i < 8; i++) {
    if (list & (1 << i)) r[i] = load(mem, a + 4 * k, 4, at + k++);
  }
  return a + 4 * popcount8(list);
}

function popcount8(x: number): number {
  x = x - ((x >> 1) & 0x55);
  x = (x & 0x33) + ((x >> 2) & 0x33);
  return (x + (x >> 4)) & 0x0f;
}
