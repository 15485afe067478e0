/**
 * The ARMv6-M interpreter (firmware/emulator/thumb-cpu.ts) on hand-assembled instructions: NZCV of
 * each ALU op against the ARM pseudocode and a BigInt reference, high registers, load/store and
 * LDM/STM/POP forms, the cycle counts of the Cortex-M0 TRM, one test per fault, and robustness.
 */
import { describe, expect, it } from 'vitest';
import { GUARD_BYTES, NativeMachine, RAM_BASE, ThumbFault } from '../../firmware/emulator/native-machine.ts';
import { rng } from './native/edge-rng.ts';

const BX_LR = 0x4770;
/** ADDS r3, r3, r2: with (r3, r2) chosen, sets all four flags before the instruction under test. */
const SET_FLAGS = 0x189b;
/** r3, r2 for each NZCV state we need before the instruction. */
const PRE = {
  none: [0x00000001, 0x00000001], // 2: N0 Z0 C0 V0
  c: [0xffffffff, 0x00000002], // 1: C1
  cv: [0x80000000, 0x80000001], // 1: C1 V1
  nv: [0x7fffffff, 0x00000001], // N1 V1, C0
  z: [0x00000000, 0x00000000], // Z1
} as const;

interface Flags { r0: number; n: number; z: number; c: number; v: number }

function runBlob(halfwords: number[], args: number[], mc = new NativeMachine()): Flags & { cycles: number } {
  const code = new Uint8Array(new Uint16Array(halfwords).buffer);
  const base = mc.load(code);
  const res = mc.call(base + 1, args);
  return { r0: res.r0, n: mc.cpu.n, z: mc.cpu.z, c: mc.cpu.c, v: mc.cpu.v, cycles: res.cycles };
}

/** Runs `SET_FLAGS; op; BX LR` with r0, r1 = x, y and returns r0 and NZCV. */
function op1(op: number, x: number, y: number, pre: keyof typeof PRE = 'none'): Flags {
  const [r3, r2] = PRE[pre];
  const f = runBlob([SET_FLAGS, op, BX_LR], [x, y, r2, r3]);
  return { r0: f.r0, n: f.n, z: f.z, c: f.c, v: f.v };
}
const F = (r0: number, nzcv: string): Flags => ({ r0: r0 | 0, n: +nzcv[0]!, z: +nzcv[1]!, c: +nzcv[2]!, v: +nzcv[3]! });

describe('thumb-cpu: NZCV of each ALU op, hand-checked against the ARM pseudocode', () => {
  it('the flag presets do what the table says', () => {
    expect(op1(0x46c0 /* MOV r8, r8 */, 0, 0, 'none')).toMatchObject({ n: 0, z: 0, c: 0, v: 0 });
    expect(op1(0x46c0, 0, 0, 'c')).toMatchObject({ n: 0, z: 0, c: 1, v: 0 });
    expect(op1(0x46c0, 0, 0, 'cv')).toMatchObject({ n: 0, z: 0, c: 1, v: 1 });
    expect(op1(0x46c0, 0, 0, 'nv')).toMatchObject({ n: 1, z: 0, c: 0, v: 1 });
    expect(op1(0x46c0, 0, 0, 'z')).toMatchObject({ n: 0, z: 1, c: 0, v: 0 });
  });

  it('ADDS / ADDS imm / CMN', () => {
    expect(op1(0x1840, 0x7fffffff, 1)).toEqual(F(0x80000000, '1001'));
    expect(op1(0x1840, 0xffffffff, 1)).toEqual(F(0, '0110'));
    expect(op1(0x1840, 0x80000000, 0x80000000)).toEqual(F(0, '0111'));
    expect(op1(0x1840, 5, 7)).toEqual(F(12, '0000'));
    expect(op1(0x3001 /* ADDS r0, #1 */, 0xffffffff, 0)).toEqual(F(0, '0110'));
    expect(op1(0x1c40 /* ADDS r0, r0, #1 */, 0x7fffffff, 0)).toEqual(F(0x80000000, '1001'));
    expect(op1(0x42c8 /* CMN r0, r1 */, 1, -1)).toEqual(F(1, '0110'));
    expect(op1(0x42c8, 0x7fffffff, 1)).toEqual(F(0x7fffffff, '1001'));
  });

  it('SUBS / SUBS imm / CMP reg, imm and high registers / NEGS', () => {
    expect(op1(0x1a40, 0, 1)).toEqual(F(-1, '1000'));
    expect(op1(0x1a40, 0x80000000, 1)).toEqual(F(0x7fffffff, '0011'));
    expect(op1(0x1a40, 5, 5)).toEqual(F(0, '0110'));
    expect(op1(0x1a40, 0x7fffffff, -1)).toEqual(F(0x80000000, '1001'));
    expect(op1(0x3801 /* SUBS r0, #1 */, 0, 0)).toEqual(F(-1, '1000'));
    expect(op1(0x1e40 /* SUBS r0, r0, #1 */, 1, 0)).toEqual(F(0, '0110'));
    expect(op1(0x4288 /* CMP r0, r1 */, 3, 5)).toEqual(F(3, '1000'));
    expect(op1(0x4288, -1, 1)).toEqual(F(-1, '1010'));
    expect(op1(0x2805 /* CMP r0, #5 */, 5, 0)).toEqual(F(5, '0110'));
    expect(op1(0x4548 /* CMP r0, r9 (r9 = poison 0x0bad0009) */, 0x0bad0009, 0)).toEqual(F(0x0bad0009, '0110'));
    expect(op1(0x4248 /* NEGS r0, r1 */, 0, 0)).toEqual(F(0, '0110'));
    expect(op1(0x4248, 0, 1)).toEqual(F(-1, '1000'));
    expect(op1(0x4248, 0, 0x80000000)).toEqual(F(0x80000000, '1001'));
  });

  it('ADCS / SBCS use and set the carry', () => {
    expect(op1(0x4148 /* ADCS r0, r1 */, 0xffffffff, 0, 'c')).toEqual(F(0, '0110'));
    expect(op1(0x4148, 0xffffffff, 0, 'none')).toEqual(F(-1, '1000'));
    expect(op1(0x4148, 0x7fffffff, 0, 'c')).toEqual(F(0x80000000, '1001'));
    expect(op1(0x4148, 0x80000000, 0x80000000, 'none')).toEqual(F(0, '0111'));
    expect(op1(0x4188 /* SBCS r0, r1 */, 5, 5, 'none')).toEqual(F(-1, '1000'));
    expect(op1(0x4188, 5, 5, 'c')).toEqual(F(0, '0110'));
    expect(op1(0x4188, 0x80000000, 0, 'none')).toEqual(F(0x7fffffff, '0011'));
    expect(op1(0x4188, 0, 0xffffffff, 'c')).toEqual(F(1, '0000'));
  });

  it('logical ops set N and Z and keep C and V', () => {
    expect(op1(0x4008 /* ANDS */, 0xf0f0f0f0, 0x80000000, 'cv')).toEqual(F(0x80000000, '1011'));
    expect(op1(0x4008, 0x0f, 0xf0, 'cv')).toEqual(F(0, '0111'));
    expect(op1(0x4048 /* EORS */, 0xff, 0xff, 'none')).toEqual(F(0, '0100'));
    expect(op1(0x4308 /* ORRS */, 0x80000000, 1, 'c')).toEqual(F(0x80000001, '1010'));
    expect(op1(0x4388 /* BICS */, 0xff, 0x0f, 'nv')).toEqual(F(0xf0, '0001'));
    expect(op1(0x43c8 /* MVNS r0, r1 */, 0, 0, 'cv')).toEqual(F(-1, '1011'));
    expect(op1(0x4208 /* TST r0, r1 */, 0xf0, 0x0f, 'c')).toEqual(F(0xf0, '0110'));
    expect(op1(0x4348 /* MULS r0, r1, r0 */, 0x10000, 0x10000, 'cv')).toEqual(F(0, '0111'));
    expect(op1(0x4348, -3, 5, 'none')).toEqual(F(-15, '1000'));
    expect(op1(0x2000 /* MOVS r0, #0 */, 7, 0, 'nv')).toEqual(F(0, '0101'));
    expect(op1(0x20ff /* MOVS r0, #255 */, 7, 0, 'c')).toEqual(F(255, '0010'));
  });

  it('shifts by register: amounts 0, 1, 31, 32, 33 and the low byte only', () => {
    const LSL = 0x4088, LSR = 0x40c8, ASR = 0x4108, ROR = 0x41c8;
    expect(op1(LSL, 0x80000001, 0, 'c')).toEqual(F(0x80000001, '1010')); // by 0: C kept
    expect(op1(LSL, 0x80000001, 1, 'none')).toEqual(F(2, '0010'));
    expect(op1(LSL, 3, 31, 'none')).toEqual(F(0x80000000, '1010'));
    expect(op1(LSL, 3, 32, 'none')).toEqual(F(0, '0110')); // C = bit 0
    expect(op1(LSL, 3, 33, 'c')).toEqual(F(0, '0100')); // C = 0
    expect(op1(LSL, 3, 0x101, 'none')).toEqual(F(6, '0000')); // low byte: 1
    expect(op1(LSR, 0x80000001, 1, 'none')).toEqual(F(0x40000000, '0010'));
    expect(op1(LSR, 0x80000000, 32, 'none')).toEqual(F(0, '0110'));
    expect(op1(LSR, 0x80000000, 33, 'c')).toEqual(F(0, '0100'));
    expect(op1(LSR, 5, 0, 'c')).toEqual(F(5, '0010'));
    expect(op1(ASR, 0x80000000, 31, 'none')).toEqual(F(-1, '1000'));
    expect(op1(ASR, 0x80000000, 40, 'none')).toEqual(F(-1, '1010'));
    expect(op1(ASR, 0x40000000, 40, 'c')).toEqual(F(0, '0100'));
    expect(op1(ROR, 0x00000003, 1, 'none')).toEqual(F(0x80000001, '1010'));
    expect(op1(ROR, 0x80000001, 32, 'none')).toEqual(F(0x80000001, '1010')); // by 32: value kept, C = bit 31
    expect(op1(ROR, 0x00000001, 0, 'c')).toEqual(F(1, '0010')); // by 0: C kept
    expect(op1(ROR, 0x00000002, 33, 'none')).toEqual(F(1, '0000'));
  });

  it('shifts by immediate: LSL #0 is MOVS, LSR/ASR #0 mean 32', () => {
    expect(op1(0x0008 /* LSLS r0, r1, #0 */, 0, 0x80000000, 'c')).toEqual(F(0x80000000, '1010'));
    expect(op1(0x07c8 /* LSLS r0, r1, #31 */, 0, 3, 'none')).toEqual(F(0x80000000, '1010'));
    expect(op1(0x0808 /* LSRS r0, r1, #32 */, 0, 0x80000000, 'none')).toEqual(F(0, '0110'));
    expect(op1(0x0848 /* LSRS r0, r1, #1 */, 0, 3, 'none')).toEqual(F(1, '0010'));
    expect(op1(0x1008 /* ASRS r0, r1, #32 */, 0, 0x80000000, 'none')).toEqual(F(-1, '1010'));
    expect(op1(0x1048 /* ASRS r0, r1, #1 */, 0, -3, 'none')).toEqual(F(-2, '1010'));
  });

  it('extends and byte reversal leave the flags alone', () => {
    expect(op1(0xb208 /* SXTH r0, r1 */, 0, 0x12348765, 'z')).toEqual(F(0xffff8765, '0100'));
    expect(op1(0xb248 /* SXTB r0, r1 */, 0, 0x12345680, 'c')).toEqual(F(0xffffff80, '0010'));
    expect(op1(0xb288 /* UXTH */, 0, 0x12348765, 'none')).toEqual(F(0x8765, '0000'));
    expect(op1(0xb2c8 /* UXTB */, 0, 0x123456f0, 'none')).toEqual(F(0xf0, '0000'));
    expect(op1(0xba08 /* REV */, 0, 0x11223344, 'none')).toEqual(F(0x44332211, '0000'));
    expect(op1(0xba48 /* REV16 */, 0, 0x11223344, 'none')).toEqual(F(0x22114433, '0000'));
    expect(op1(0xbac8 /* REVSH */, 0, 0x11223380, 'none')).toEqual(F(0xffff8033, '0000'));
  });
});

/** ARM pseudocode AddWithCarry in BigInt, independent of the interpreter's int32 tricks. */
function addWithCarry(x: number, y: number, carry: number): { r: number; c: number; v: number } {
  const ux = BigInt(x >>> 0), uy = BigInt(y >>> 0);
  const sx = BigInt(x | 0), sy = BigInt(y | 0);
  const usum = ux + uy + BigInt(carry);
  const ssum = sx + sy + BigInt(carry);
  const r = Number(BigInt.asIntN(32, usum));
  return { r, c: BigInt(r >>> 0) === usum ? 0 : 1, v: BigInt(r) === ssum ? 0 : 1 };
}

/** Reference semantics of the Rdn, Rm data-processing ops (ARMv6-M ARM A6.7), NZCV in and out. */
function refAlu(op: string, x: number, y: number, f: Flags): Flags {
  let { n, z, c, v } = f;
  let r = x | 0;
  const nz = (val: number): void => { r = val | 0; n = r < 0 ? 1 : 0; z = r === 0 ? 1 : 0; };
  const amt = y & 0xff;
  const ux = BigInt(x >>> 0);
  switch (op) {
    case 'ADDS': { const a = addWithCarry(x, y, 0); c = a.c; v = a.v; nz(a.r); break; }
    case 'SUBS': case 'CMP': { const a = addWithCarry(x, ~y, 1); c = a.c; v = a.v; nz(a.r); if (op === 'CMP') r = x | 0; break; }
    case 'CMN': { const a = addWithCarry(x, y, 0); c = a.c; v = a.v; nz(a.r); r = x | 0; break; }
    case 'ADCS': { const a = addWithCarry(x, y, c); c = a.c; v = a.v; nz(a.r); break; }
    case 'SBCS': { const a = addWithCarry(x, ~y, c); c = a.c; v = a.v; nz(a.r); break; }
    case 'NEGS': { const a = addWithCarry(~y, 0, 1); c = a.c; v = a.v; nz(a.r); break; }
    case 'ANDS': nz(x & y); break;
    case 'TST': nz(x & y); r = x | 0; break;
    case 'EORS': nz(x ^ y); break;
    case 'ORRS': nz(x | y); break;
    case 'BICS': nz(x & ~y); break;
    case 'MVNS': nz(~y); break;
    case 'MULS': nz(Number(BigInt.asIntN(32, BigInt(x) * BigInt(y)))); break;
    case 'LSLS': {
      if (amt === 0) { nz(x); break; }
      const wide = ux << BigInt(amt);
      c = Number((wide >> 32n) & 1n);
      nz(Number(BigInt.asIntN(32, wide)));
      break;
    }
    case 'LSRS': {
      if (amt === 0) { nz(x); break; }
      c = Number((ux >> BigInt(amt - 1)) & 1n);
      nz(Number(BigInt.asIntN(32, ux >> BigInt(amt))));
      break;
    }
    case 'ASRS': {
      if (amt === 0) { nz(x); break; }
      const sx = BigInt(x | 0);
      c = Number((sx >> BigInt(amt - 1)) & 1n);
      nz(Number(BigInt.asIntN(32, sx >> BigInt(amt))));
      break;
    }
    case 'RORS': {
      if (amt === 0) { nz(x); break; }
      const k = BigInt(amt % 32);
      const val = Number(BigInt.asIntN(32, ((ux >> k) | (ux << (32n - k))) & 0xffffffffn));
      c = val < 0 ? 1 : 0;
      nz(val);
      break;
    }
    default: throw new Error(op);
  }
  return { r0: r, n, z, c, v };
}

describe('thumb-cpu: every data-processing op and condition code against a BigInt reference', () => {
  const OPS: Record<string, number> = {
    ANDS: 0x4008, EORS: 0x4048, LSLS: 0x4088, LSRS: 0x40c8, ASRS: 0x4108, ADCS: 0x4148, SBCS: 0x4188, RORS: 0x41c8,
    TST: 0x4208, NEGS: 0x4248, CMP: 0x4288, CMN: 0x42c8, ORRS: 0x4308, MULS: 0x4348, BICS: 0x4388, MVNS: 0x43c8,
    ADDS: 0x1840, SUBS: 0x1a40,
  };
  it('Rdn, Rm ops with random operands and random incoming flags', () => {
    const r = rng(11);
    const mc = new NativeMachine();
    const blobs = Object.fromEntries(Object.entries(OPS).map(([k, op]) => [k, mc.load(new Uint8Array(new Uint16Array([SET_FLAGS, op, BX_LR]).buffer)) + 1]));
    for (let i = 0; i < 1500; i++) {
      for (const name of Object.keys(OPS)) {
        const x = r();
        const y = name.endsWith('S') && /^(LSL|LSR|ASR|ROR)/.test(name) ? (i % 3 === 0 ? r() : (r() & 0x3f) | (i % 7 === 0 ? 0x100 : 0)) : r();
        const r3 = r(), r2 = r();
        const pre = addWithCarry(r3, r2, 0);
        const fin: Flags = { r0: 0, n: pre.r < 0 ? 1 : 0, z: pre.r === 0 ? 1 : 0, c: pre.c, v: pre.v };
        mc.call(blobs[name]!, [x, y, r2, r3]);
        const got: Flags = { r0: mc.cpu.r[0]!, n: mc.cpu.n, z: mc.cpu.z, c: mc.cpu.c, v: mc.cpu.v };
        const want = refAlu(name, x, y, fin);
        if (got.r0 !== want.r0 || got.n !== want.n || got.z !== want.z || got.c !== want.c || got.v !== want.v) {
          expect({ name, x, y, flagsIn: fin, got }).toEqual({ name, x, y, flagsIn: fin, got: want });
        }
      }
    }
  });

  it('B<cond> for all 14 conditions', () => {
    const r = rng(12);
    const mc = new NativeMachine();
    const holds = [
      (f: Flags) => f.z === 1, (f: Flags) => f.z === 0, (f: Flags) => f.c === 1, (f: Flags) => f.c === 0,
      (f: Flags) => f.n === 1, (f: Flags) => f.n === 0, (f: Flags) => f.v === 1, (f: Flags) => f.v === 0,
      (f: Flags) => f.c === 1 && f.z === 0, (f: Flags) => f.c === 0 || f.z === 1, (f: Flags) => f.n === f.v,
      (f: Flags) => f.n !== f.v, (f: Flags) => f.z === 0 && f.n === f.v, (f: Flags) => f.z === 1 || f.n !== f.v,
    ];
    // 0: ADDS r3,r3,r2 ; 2: B<c> 8 ; 4: MOVS r0,#0 ; 6: BX LR ; 8: MOVS r0,#1 ; 10: BX LR
    const blobs = holds.map((_, c) => mc.load(new Uint8Array(new Uint16Array([SET_FLAGS, 0xd001 | (c << 8), 0x2000, BX_LR, 0x2001, BX_LR]).buffer)) + 1);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const [r3, r2] = i % 4 === 0 ? [PRE.z[0], PRE.z[1]] : i % 4 === 1 ? [0x80000000, r() | 0x80000000] : [r(), r()];
      const a = addWithCarry(r3, r2, 0);
      const f: Flags = { r0: 0, n: a.r < 0 ? 1 : 0, z: a.r === 0 ? 1 : 0, c: a.c, v: a.v };
      seen.add(`${f.n}${f.z}${f.c}${f.v}`);
      holds.forEach((h, c) => expect([c, mc.call(blobs[c]!, [0, 0, r2, r3]).r0]).toEqual([c, h(f) ? 1 : 0]));
    }
    expect(seen.size).toBeGreaterThanOrEqual(7);
  });
});

describe('thumb-cpu: high registers, register-offset loads/stores, LDM/STM/POP forms, computed branches', () => {
  it('MOV/ADD with high registers, ADD SP, Rm, MOV PC, ADD PC (a computed jump), BLX', () => {
    // MOV r12, r0 ; ADD r12, r1 ; MOV r0, r12 ; ADD r0, r12 ; BX LR (r12: the one scratch high register)
    expect(runBlob([0x4684, 0x448c, 0x4660, 0x4460, BX_LR], [5, 7]).r0).toBe(24);
    // MOV r8, r0 ; BX LR breaks the AAPCS (r8 is callee-saved)
    expect(() => runBlob([0x4680, BX_LR], [5])).toThrow(/without restoring r8/);
    // MOV r0, SP ; BX LR (SP = 0x20010000 at entry)
    expect(runBlob([0x4668, BX_LR], []).r0).toBe(0x20010000);
    // MOV r1, SP ; MOVS r0, #8 ; NEGS r0, r0 ; ADD SP, r0 ; MOV r0, SP ; ADD SP, #8 ; SUBS r0, r1, r0 ; BX LR
    expect(runBlob([0x4669, 0x2008, 0x4240, 0x4485, 0x4668, 0xb002, 0x1a08, BX_LR], []).r0).toBe(8);
    // ADD PC, r0: 0: ADD PC, r0 -> 4 + r0 ; 2: MOVS r0,#1 ; 4: MOVS r0,#2 ; 6: BX LR ; 8: MOVS r0,#3 ; 10: BX LR
    const jump = [0x4487, 0x2001, 0x2002, BX_LR, 0x2003, BX_LR];
    expect(runBlob(jump, [0]).r0).toBe(2);
    expect(runBlob(jump, [4]).r0).toBe(3);
    expect(runBlob(jump, [5]).r0).toBe(3); // bit 0 ignored by ALUWritePC
    // MOV PC, r1 (to offset 6: MOVS r0,#9 ; BX LR)
    const mc = new NativeMachine();
    const b = mc.load(new Uint8Array(new Uint16Array([0x468f, 0x2001, BX_LR, 0x2009, BX_LR]).buffer));
    expect(mc.call(b + 1, [0, b + 6]).r0).toBe(9);
    // BLX r1: PUSH {lr} ; BLX r1 ; ADDS r0,#1 ; POP {pc} ; (8:) MOVS r0,#40 ; BX LR
    const mc2 = new NativeMachine();
    const b2 = mc2.load(new Uint8Array(new Uint16Array([0xb500, 0x4788, 0x3001, 0xbd00, 0x2028, BX_LR]).buffer));
    const res = mc2.call(b2 + 1, [0, b2 + 8 + 1]);
    expect(res.r0).toBe(41);
    expect(res.cycles).toBe(2 + 3 + 1 + 3 + 1 + 5); // PUSH, BLX, MOVS, BX, ADDS, POP {pc}
  });

  it('register-offset STRB/STRH/LDRB/LDRH/LDRSB/LDRSH with negative offsets; immediate STRB/LDRH', () => {
    // one blob per instruction, each followed by BX LR
    const mc = new NativeMachine();
    const buf = new Uint8Array(32);
    const p = mc.mapBuffer(buf);
    runBlob([0x5442 /* STRB r2,[r0,r1] */, BX_LR], [p + 8, -3, 0x1f2], mc);
    expect(buf[5]).toBe(0xf2);
    runBlob([0x5242 /* STRH r2,[r0,r1] */, BX_LR], [p + 8, 2, 0x18765], mc);
    expect([buf[10], buf[11]]).toEqual([0x65, 0x87]);
    expect(runBlob([0x5c40 /* LDRB r0,[r0,r1] */, BX_LR], [p + 8, -3], mc).r0).toBe(0xf2);
    expect(runBlob([0x5640 /* LDRSB r0,[r0,r1] */, BX_LR], [p + 8, -3], mc).r0).toBe(-14);
    expect(runBlob([0x5a40 /* LDRH r0,[r0,r1] */, BX_LR], [p + 8, 2], mc).r0).toBe(0x8765);
    expect(runBlob([0x5e40 /* LDRSH r0,[r0,r1] */, BX_LR], [p + 8, 2], mc).r0).toBe(0x8765 - 0x10000);
    runBlob([0x77c1 /* STRB r1,[r0,#31] */, BX_LR], [p, 0xab], mc);
    expect(buf[31]).toBe(0xab);
    expect(runBlob([0x8bc0 /* LDRH r0,[r0,#30] */, BX_LR], [p], mc).r0).toBe(0xab00);
  });

  it('LDM with the base in the list does not write back; STM and POP of several registers', () => {
    const mc = new NativeMachine();
    const w = new Int32Array([11, 22, 33, 44]);
    const p = mc.mapBuffer(w);
    // LDM r0!, {r0, r1} -> r0 = 11 (no writeback) ; ADDS r0, r0, r1 ; BX LR
    expect(runBlob([0xc803, 0x1840, BX_LR], [p], mc).r0).toBe(33);
    // LDM r1!, {r2, r3} ; MOVS r0, r1 (= p + 8) ; BX LR
    expect(runBlob([0xc90c, 0x0008, BX_LR], [0, p], mc).r0).toBe(p + 8);
    // STM r0!, {r1, r2, r3} ; BX LR
    expect(runBlob([0xc00e, BX_LR], [p + 4, 7, 8, 9], mc).r0).toBe(p + 16);
    expect(Array.from(w)).toEqual([11, 7, 8, 9]);
    // PUSH {r1, r2, r3} ; POP {r0, r3} (takes r1's and r2's words) ; ADD SP, #4 ; ADDS r0, r0, r3 ; BX LR
    expect(runBlob([0xb40e, 0xbc09, 0xb001, 0x18c0, BX_LR], [0, 100, 20, 3]).r0).toBe(120);
  });
});

describe('thumb-cpu: cycles per the Cortex-M0 TRM', () => {
  it('ALU 1, load/store 2, taken branch 3, BX 3, PUSH/POP 1+N, POP {pc} 4+N, BL 4', () => {
    // MOVS r0,#1 ; ADDS r0,#2 ; BX LR
    expect(runBlob([0x2001, 0x3002, BX_LR], []).cycles).toBe(1 + 1 + 3);
    // LDR r0,[r1] ; STR r0,[r1,#4] ; BX LR
    const buf = new Int32Array(8);
    const mc = new NativeMachine();
    const p = mc.mapBuffer(buf);
    expect(runBlob([0x6808, 0x6048, BX_LR], [0, p], mc).cycles).toBe(2 + 2 + 3);
    // PUSH {r4,lr} ; POP {r4,pc}
    expect(runBlob([0xb510, 0xbd10], []).cycles).toBe(1 + 2 + 4 + 2);
    // MOVS r0,#3 ; loop: SUBS r0,#1 ; BNE loop ; BX LR -> 1 + 3*(1) + 2*3 (taken) + 1 (not taken) + 3
    expect(runBlob([0x2003, 0x3801, 0xd1fd, BX_LR], []).cycles).toBe(1 + 3 + 2 * 3 + 1 + 3);
    // PUSH {lr} ; BL +2 (to BX LR below) ; POP {pc} ; BX LR
    // BL at 2: target = 2 + 4 + 2 = 8 -> hw F000 F801
    expect(runBlob([0xb500, 0xf000, 0xf801, 0xbd00, BX_LR], []).cycles).toBe(2 + 4 + 3 + 5);
    // LDMIA r1!, {r0, r2, r3} ; STMIA r1!, {r0} ; BX LR -> 4 + 2 + 3
    expect(runBlob([0xc90d, 0xc101, BX_LR], [0, p], mc).cycles).toBe(4 + 2 + 3);
    // DMB ; NOP ; BX LR
    expect(runBlob([0xf3bf, 0x8f5f, 0xbf00, BX_LR], []).cycles).toBe(4 + 1 + 3);
  });

  it('LDR literal reads from Align(PC + 4, 4); ADR likewise', () => {
    // 0: LDR r0, [pc, #4] -> Align(4,4)+4 = 8 ; 2: ADR r1, #4 -> 8 ; 4: BX LR ; 6: pad ; 8: literal
    const f = runBlob([0x4801, 0xa101, BX_LR, 0xbf00, 0x5678, 0x1234], []);
    expect(f.r0).toBe(0x12345678);
    // at offset 2: LDR r0, [pc, #0] -> Align(6, 4) = 4 -> the word at 4
    const g = runBlob([0xbf00, 0x4800, BX_LR, 0xbf00], []);
    expect(g.r0).toBe((0xbf00 << 16) | BX_LR);
  });
});

describe('thumb-cpu: faults name the instruction, PC and address', () => {
  const fault = (halfwords: number[], args: number[] = [], mc = new NativeMachine()): ThumbFault => {
    try {
      runBlob(halfwords, args, mc);
    } catch (e) {
      expect(e).toBeInstanceOf(ThumbFault);
      return e as ThumbFault;
    }
    throw new Error('expected a fault');
  };
  const code0 = RAM_BASE; // first blob of a fresh machine

  it('UDF, SVC, BKPT, CBZ, IT, WFI, CPSID, a Thumb-2 32-bit instruction, MRS', () => {
    expect(fault([0x2000, 0xde01]).message).toMatch(/undefined instruction 0xde01 at PC 0x20000002: UDF/);
    expect(fault([0xdf05]).message).toMatch(/not modelled 0xdf05 at PC 0x20000000: SVC #5/);
    expect(fault([0xbe00]).kind).toBe('not-modelled');
    expect(fault([0xb108]).message).toMatch(/0xb108.*CBZ/);
    expect(fault([0xbf08]).message).toMatch(/IT \(ARMv7-M only\)/);
    expect(fault([0xbf30]).message).toMatch(/WFI/);
    expect(fault([0xb672]).message).toMatch(/CPSID/);
    expect(fault([0xe92d, 0x4ff0]).message).toMatch(/0xe92d 0x4ff0 at PC 0x20000000: 32-bit Thumb-2/);
    expect(fault([0xf3ef, 0x8010]).message).toMatch(/MRS/);
    expect(fault([0x4501 /* CMP r1, r0 in the high-register form */]).message).toMatch(/UNPREDICTABLE/);
    expect(fault([0xb400 /* PUSH {} */]).kind).toBe('undefined');
    expect(fault([0x0000, 0x0000]).kind).toBe('unmapped'); // runs off the blob's end
  });

  it('unaligned word and halfword accesses (the M0 has no unaligned support)', () => {
    const mc = new NativeMachine();
    const p = mc.mapBuffer(new Uint8Array(32));
    const f1 = fault([0x6800 /* LDR r0,[r0] */, BX_LR], [p + 2], mc);
    expect(f1.kind).toBe('unaligned');
    expect(f1.message).toMatch(new RegExp(`unaligned 32-bit read at 0x${(p + 2).toString(16).padStart(8, '0')}.*instruction 0x6800`));
    expect(fault([0x8800 /* LDRH r0,[r0] */, BX_LR], [p + 1], mc).message).toMatch(/unaligned 16-bit read/);
    expect(fault([0x6001 /* STR r1,[r0] */, BX_LR], [p + 1], mc).message).toMatch(/unaligned 32-bit write/);
    expect(fault([0xc802 /* LDM r0!,{r1} */, BX_LR], [p + 2], mc).kind).toBe('unaligned');
    // byte accesses are fine anywhere
    expect(runBlob([0x7840 /* LDRB r0,[r0,#1] */, BX_LR], [p + 3], mc).r0).toBe(0);
  });

  it('unmapped addresses: flash, unallocated RAM, peripherals, the system space, past the end of a buffer', () => {
    const mc = new NativeMachine();
    const p = mc.mapBuffer(new Uint8Array(20));
    expect(fault([0x6800, BX_LR], [0], mc).message).toMatch(/read of 0x00000000: flash/);
    expect(fault([0x6800, BX_LR], [0x40002000], mc).message).toMatch(/APB peripheral ID 2 at 0x40002000/);
    expect(fault([0x6800, BX_LR], [0xe000e010 | 0], mc).message).toMatch(/system space/);
    expect(fault([0x6800, BX_LR], [0x20008000], mc).message).toMatch(/unallocated RAM/);
    expect(fault([0x6800, BX_LR], [p + 20], mc).message).toMatch(/0 bytes after the mapped buffer/);
    expect(fault([0x6800, BX_LR], [0x50000700], mc).message).toMatch(/GPIO P0 PIN_CNF\[0\].*not modelled/);
    expect(fault([0x6800, BX_LR], [0x50000510], mc).message).toMatch(/no GPIO is attached/);
  });

  it('a block mapped after another starts GUARD_BYTES later: a write past the first faults, not into the second', () => {
    const mc = new NativeMachine();
    const p = mc.mapBuffer(new Uint8Array(24));
    const q = mc.mapBuffer(new Uint8Array(24));
    expect(q - p).toBeGreaterThanOrEqual(24 + GUARD_BYTES);
    // STR r1,[r0] one word past the first block, and one word before the second.
    expect(fault([0x6001, BX_LR], [p + 24, 7], mc).message).toMatch(/0 bytes after the mapped buffer/);
    expect(fault([0x6001, BX_LR], [q - 4, 7], mc).message).toMatch(/unallocated RAM/);
  });

  it('writes into a code blob, branches to ARM state, execution outside code', () => {
    const f = fault([0x6000 /* STR r0,[r0] */, BX_LR], [code0]);
    expect(f.kind).toBe('read-only');
    expect(f.message).toMatch(/code blob/);
    const inv = fault([0x4700 /* BX r0 */], [code0 + 4]);
    expect(inv.kind).toBe('invstate');
    expect(inv.message).toMatch(/BX r0 at PC 0x20000000 to 0x20000004: bit 0 clear/);
    const mc = new NativeMachine();
    const p = mc.mapBuffer(new Uint8Array(64));
    expect(fault([0x4700], [p + 1], mc).message).toMatch(/instruction fetch at .*not inside a loaded code blob \(mapped buffer/);
    const mc2 = new NativeMachine();
    const base2 = mc2.load(new Uint8Array([0x70, 0x47]));
    expect(() => mc2.call(base2, [])).toThrow(/bit 0 is clear.*INVSTATE/);
  });

  it('stack overflow, runaway loops and callee-saved registers not restored', () => {
    // loop: PUSH {r4-r7} ; B loop
    const so = fault([0xb4f0, 0xe7fd]);
    expect(so.kind).toBe('stack-overflow');
    expect(so.message).toMatch(/below the 2048-byte native stack \(0x2000f800\)/);
    // SUB SP, #508 repeatedly
    expect(fault([0xb0ff, 0xe7fd]).kind).toBe('stack-overflow');
    const run = fault([0xe7fe /* B . */]);
    expect(run.kind).toBe('runaway');
    expect(run.message).toMatch(/more than 2000000 instructions/);
    const abi = fault([0x2401 /* MOVS r4,#1 */, BX_LR]);
    expect(abi.kind).toBe('abi');
    expect(abi.message).toMatch(/without restoring r4/);
  });
});

describe('thumb-cpu: robustness', () => {
  it('random halfwords either run to completion or raise a ThumbFault (never another kind of error); buffers survive', () => {
    const r = rng(99);
    const kinds = new Map<string, number>();
    let completed = 0;
    for (let i = 0; i < 3000; i++) {
      const mc = new NativeMachine({ maxInstructions: 2000 });
      const data = new Int32Array(64);
      const p = mc.mapBuffer(data);
      const hw = Array.from({ length: 48 }, () => r() & 0xffff);
      hw.push(BX_LR);
      const base = mc.load(new Uint8Array(new Uint16Array(hw).buffer));
      try {
        mc.call(base + 1, [p, p + 64, r() & 0xff, p + 128]);
        completed++;
      } catch (e) {
        if (!(e instanceof ThumbFault)) throw e;
        expect(e.message).toMatch(/PC 0x[0-9a-f]{8}/);
        kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
      }
      expect(mc.cpu.cycles).toBeGreaterThanOrEqual(mc.cpu.instructions);
    }
    expect(kinds.get('undefined')).toBeGreaterThan(0);
    expect(kinds.get('unmapped')).toBeGreaterThan(0);
    expect(completed + [...kinds.values()].reduce((a, b) => a + b, 0)).toBe(3000);
  });
});
