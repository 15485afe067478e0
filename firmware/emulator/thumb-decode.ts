/**
 * The ARMv6-M Thumb decoder of the emulated core (thumb-cpu.ts executes what it decodes): each
 * halfword (with the next one for the 32-bit encodings) becomes one int, `hw << 8 | op` (BL: its
 * halved offset << 8 | BL), cached per RAM address by the core; encodings ARMv6-M does not have, or
 * calls UNPREDICTABLE, decode to UNDEF, and `whyUndefined` names the reason for the fault.
 * Reference: ARMv6-M Architecture Reference Manual (DDI 0419), chapter A6.
 */
import type { ThumbFaultKind } from './thumb-fault.ts';

// ---- decoded operations (low 8 bits of a decode-cache entry; 0 = not decoded yet) ----
// 1..ALU_LAST: the ALU group, each setting N and Z from its result in 1 cycle (thumb-cpu.ts runs it
// apart from the rest).
export const LSL_IMM = 1, LSR_IMM = 2, ASR_IMM = 3, ADD_REG = 4, SUB_REG = 5, ADD_IMM3 = 6, SUB_IMM3 = 7;
export const MOV_IMM = 8, CMP_IMM = 9, ADD_IMM8 = 10, SUB_IMM8 = 11;
export const AND = 12, EOR = 13, LSL_REG = 14, LSR_REG = 15, ASR_REG = 16, ADC = 17, SBC = 18, ROR = 19;
export const TST = 20, NEG = 21, CMP_REG = 22, CMN = 23, ORR = 24, MUL = 25, BIC = 26, MVN = 27, CMP_HI = 28;
export const ALU_LAST = CMP_HI;
export const ADD_HI = 29, MOV_HI = 30, BX = 31, BLX = 32, LDR_LIT = 33;
export const STR_REG = 34, STRH_REG = 35, STRB_REG = 36, LDRSB_REG = 37, LDR_REG = 38, LDRH_REG = 39, LDRB_REG = 40, LDRSH_REG = 41;
export const STR_IMM = 42, LDR_IMM = 43, STRB_IMM = 44, LDRB_IMM = 45, STRH_IMM = 46, LDRH_IMM = 47, STR_SP = 48, LDR_SP = 49;
export const ADR = 50, ADD_RD_SP = 51, ADD_SP = 52, SUB_SP = 53, SXTH = 54, SXTB = 55, UXTH = 56, UXTB = 57;
export const PUSH = 58, POP = 59, REV = 60, REV16 = 61, REVSH = 62, NOP = 63, STM = 64, LDM = 65;
export const BCOND = 66, B = 67, BL = 68, BARRIER = 69, UNDEF = 70;

/** Why an encoding decoded to UNDEF faults: undefined on ARMv6-M, UNPREDICTABLE, or not modelled. */
export function whyUndefined(hw: number, hw2: number): { kind: ThumbFaultKind; what: string } {
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
export const is32 = (hw: number): boolean => (hw >>> 11) >= 0x1d;

// ---- loads and stores: what each of LDR_LIT..LDR_SP accesses, for the core's one load/store path ----
/** Address forms: Rn + Rm, Rn + imm5 * size, SP + imm8 * 4, Align(PC + 4, 4) + imm8 * 4. */
export const AT_REG = 0, AT_IMM = 1, AT_SP = 2, AT_LIT = 3;
/** ACCESS[op]: size in bytes (bits 0-2) | ACCESS_LOAD | ACCESS_SIGNED | form << ACCESS_FORM_SHIFT. */
export const ACCESS_LOAD = 8, ACCESS_SIGNED = 16, ACCESS_FORM_SHIFT = 5;
export const ACCESS = new Uint8Array(UNDEF + 1);
const mark = (ops: number[], bits: number): void => {
  for (const op of ops) ACCESS[op] = ACCESS[op]! | bits;
};
mark([LDR_LIT, STR_REG, LDR_REG, STR_IMM, LDR_IMM, STR_SP, LDR_SP], 4);
mark([STRH_REG, LDRH_REG, LDRSH_REG, STRH_IMM, LDRH_IMM], 2);
mark([STRB_REG, LDRB_REG, LDRSB_REG, STRB_IMM, LDRB_IMM], 1);
mark([LDR_LIT, LDR_REG, LDRH_REG, LDRB_REG, LDRSB_REG, LDRSH_REG, LDR_IMM, LDRH_IMM, LDRB_IMM, LDR_SP], ACCESS_LOAD);
mark([LDRSB_REG, LDRSH_REG], ACCESS_SIGNED);
mark([STR_IMM, LDR_IMM, STRB_IMM, LDRB_IMM, STRH_IMM, LDRH_IMM], AT_IMM << ACCESS_FORM_SHIFT);
mark([STR_SP, LDR_SP], AT_SP << ACCESS_FORM_SHIFT);
mark([LDR_LIT], AT_LIT << ACCESS_FORM_SHIFT);
