/**
 * The ARMv6-M interpreter (firmware/emulator/thumb-cpu.ts) against C compiled by clang-14 with the
 * firmware's flags, each function checked against the same function written in TypeScript over
 * thousands of seeded random inputs. Hand-assembled instructions (NZCV of every ALU op, cycles,
 * faults) are in thumb-instructions.test.ts.
 */
import { crc32 } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { NativeMachine } from '../../firmware/emulator/native-machine.ts';
import { compileC, type CompiledC } from './native/compile.ts';
import { rng } from './native/edge-rng.ts';

const C_SOURCE = `
typedef unsigned int u32; typedef int i32; typedef unsigned short u16; typedef short i16;
typedef unsigned char u8; typedef signed char i8; typedef long long i64; typedef unsigned long long u64;

u32 arith(u32 a, u32 b, u32 c) { return (a + b) * c - (a ^ b) + (a | c) - (b & ~c) + (a * 0x9e3779b9u); }
i32 add_wrap(i32 a, i32 b) { return (i32)((u32)a + (u32)b); }
i32 sub_wrap(i32 a, i32 b) { return (i32)((u32)a - (u32)b); }
i32 neg_mvn(i32 a, i32 b) { return (i32)(0u - (u32)a) ^ ~b; }
i32 cmp_signed(i32 a, i32 b) { return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 | (a != b) << 5; }
i32 cmp_unsigned(u32 a, u32 b) { return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 | (a != b) << 5; }
i32 minmax(i32 a, i32 b, u32 c, u32 d) { i32 m = a < b ? a : b; u32 n = c > d ? c : d; return m ^ (i32)n; }
u32 shifts(u32 a, u32 s) { return s >= 32 ? 0 : (a << s) ^ (a >> s); }
i32 sar(i32 a, u32 s) { return s >= 32 ? (a < 0 ? -1 : 0) : a >> s; }
u32 rot(u32 a, u32 s) { s &= 31; return s ? (a >> s) | (a << (32 - s)) : a; }
u32 bswap(u32 a) { return __builtin_bswap32(a) ^ (u32)__builtin_bswap16((u16)a); }
i32 loads(const i8 *p, const i16 *q, const u8 *r, i32 i) { const u16 *s = (const u16 *)(q + 64); return p[i] + q[i] * 3 + r[i] * 5 + s[i] * 7; }
i32 load_words(const i32 *p, i32 i) { return p[i] - p[i + 1]; }
void stores(u8 *b, u16 *h, u32 *w, u32 v) { b[0] = (u8)v; b[1] = (u8)(v >> 8); h[1] = (u16)(v >> 3); w[2] = v * 3; }
u32 sum_loop(const u32 *p, i32 n) { u32 s = 0; for (i32 i = 0; i < n; i++) s += p[i] ^ (u32)i; return s; }
u32 crc(const u8 *p, i32 n) {
  u32 c = 0xffffffffu;
  for (i32 i = 0; i < n; i++) { c ^= p[i]; for (i32 k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1))); }
  return ~c;
}
static i32 __attribute__((noinline)) sq(i32 x) { return (i32)((u32)x * (u32)x); }
static i32 __attribute__((noinline)) tri(i32 x, i32 y, i32 z) { return sq(x) - sq(y) + sq(z) + x; }
i32 calls(i32 a, i32 b) { return tri(a, b, a - b) ^ sq(b); }
struct S { i32 a; i16 b; i8 c; i32 d[5]; };
void scopy(struct S *dst, const struct S *src, i32 k) { struct S t = *src; t.a += k; t.d[4] -= k; *dst = t; }
i64 add64(i64 a, i64 b) { return a + b; }
i64 sub64(i64 a, i64 b) { return a - b; }
void add64p(i64 *out, const i64 *a, const i64 *b) { *out = *a + *b - (i64)(*a < *b); }
`;

const N = 3000;
let cc: CompiledC;
let m: NativeMachine;
let base = 0;
const fn = (name: string): number => {
  const off = cc.symbols[name];
  if (off === undefined) throw new Error(`no symbol ${name}`);
  return base + off + 1;
};
const call = (name: string, ...args: number[]): number => m.call(fn(name), args).r0;

beforeAll(() => {
  cc = compileC(C_SOURCE);
  m = new NativeMachine();
  base = m.load(cc.code);
});

describe('thumb-cpu: clang-14 output against the same functions in TypeScript', () => {
  it('integer arithmetic with overflow (add, sub, mul, neg, mvn, logic)', () => {
    const r = rng(1);
    for (let i = 0; i < N; i++) {
      const a = r(), b = r(), c = r();
      const ua = a >>> 0, ub = b >>> 0, uc = c >>> 0;
      const want = (Math.imul((ua + ub) | 0, uc) - ((ua ^ ub) >>> 0) + ((ua | uc) >>> 0) - ((ub & ~uc) >>> 0) + Math.imul(ua, 0x9e3779b9)) | 0;
      expect(call('arith', a, b, c)).toBe(want);
      expect(call('add_wrap', a, b)).toBe((a + b) | 0);
      expect(call('sub_wrap', a, b)).toBe((a - b) | 0);
      expect(call('neg_mvn', a, b)).toBe((-a | 0) ^ ~b);
    }
  });

  it('signed and unsigned compares, min/max', () => {
    const r = rng(2);
    const flags = (lt: boolean, le: boolean, gt: boolean, ge: boolean, eq: boolean, ne: boolean): number =>
      +lt | (+le << 1) | (+gt << 2) | (+ge << 3) | (+eq << 4) | (+ne << 5);
    for (let i = 0; i < N; i++) {
      const a = r();
      const b = i % 5 === 0 ? a : r();
      expect(call('cmp_signed', a, b)).toBe(flags(a < b, a <= b, a > b, a >= b, a === b, a !== b));
      const ua = a >>> 0, ub = b >>> 0;
      expect(call('cmp_unsigned', a, b)).toBe(flags(ua < ub, ua <= ub, ua > ub, ua >= ub, ua === ub, ua !== ub));
      const c = r(), d = r();
      expect(call('minmax', a, b, c, d)).toBe(Math.min(a, b) ^ Math.max(c >>> 0, d >>> 0));
    }
  });

  it('shifts by 0..33, arithmetic shifts, rotates, byte reversal', () => {
    const r = rng(3);
    for (let i = 0; i < N; i++) {
      const a = r();
      const s = i % 34;
      expect(call('shifts', a, s)).toBe(s >= 32 ? 0 : ((a << s) ^ (a >>> s)) | 0);
      expect(call('sar', a, s)).toBe(s >= 32 ? (a < 0 ? -1 : 0) : a >> s);
      const k = s & 31;
      expect(call('rot', a, s)).toBe(k ? ((a >>> k) | (a << (32 - k))) | 0 : a);
      const bs = (((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24)) | 0;
      expect(call('bswap', a)).toBe(bs ^ (((a & 0xff) << 8) | ((a >>> 8) & 0xff)));
    }
  });

  it('byte and halfword loads with sign extension, word loads, narrow stores', () => {
    const r = rng(4);
    const i8 = new Int8Array(64), halves = new ArrayBuffer(256), u8 = new Uint8Array(64), i32 = new Int32Array(65);
    const i16 = new Int16Array(halves, 0, 64), u16 = new Uint16Array(halves, 128, 64); // u16 is a view at byteOffset 128
    const [p8, p16, pu8, p32] = [i8, i16, u8, i32].map((v) => m.mapBuffer(v)) as [number, number, number, number];
    expect(m.mapBuffer(u16)).toBe(p16 + 128);
    const ob = new Uint8Array(32), oh = new Uint16Array(16), ow = new Uint32Array(8);
    const [qb, qh, qw] = [ob, oh, ow].map((v) => m.mapBuffer(v)) as [number, number, number];
    for (let i = 0; i < N; i++) {
      const k = i % 64;
      i8[k] = r(); i16[k] = r(); u8[k] = r(); u16[k] = r(); i32[k] = r(); i32[k + 1] = r();
      expect(call('loads', p8, p16, pu8, k)).toBe((i8[k]! + i16[k]! * 3 + u8[k]! * 5 + u16[k]! * 7) | 0);
      expect(call('load_words', p32, k)).toBe((i32[k]! - i32[k + 1]!) | 0);
      const v = r();
      call('stores', qb, qh, qw, v);
      expect([ob[0], ob[1], oh[1], ow[2]]).toEqual([v & 0xff, (v >>> 8) & 0xff, (v >>> 3) & 0xffff, Math.imul(v, 3) >>> 0]);
    }
  });

  it('loops: a sum and a bitwise CRC-32 equal to zlib', () => {
    const r = rng(5);
    const words = new Uint32Array(200);
    const bytes = new Uint8Array(300);
    const pw = m.mapBuffer(words), pb = m.mapBuffer(bytes);
    for (let t = 0; t < 60; t++) {
      const n = t * 3;
      let s = 0;
      for (let i = 0; i < words.length; i++) words[i] = r();
      for (let i = 0; i < n; i++) s = (s + ((words[i]! ^ i) >>> 0)) >>> 0;
      expect(call('sum_loop', pw, n) >>> 0).toBe(s);
      for (let i = 0; i < bytes.length; i++) bytes[i] = r();
      const len = t * 5;
      expect(call('crc', pb, len) >>> 0).toBe(crc32(bytes.subarray(0, len)) >>> 0);
    }
  });

  it('calls between static functions (BL, PUSH/POP {pc})', () => {
    const r = rng(6);
    const sq = (x: number): number => Math.imul(x, x);
    for (let i = 0; i < N; i++) {
      const a = r(), b = r();
      const z = (a - b) | 0;
      expect(call('calls', a, b)).toBe(((sq(a) - sq(b) + sq(z) + a) | 0) ^ sq(b));
    }
  });

  it('a struct copy (LDM/STM through the stack)', () => {
    const r = rng(7);
    const src = new Int32Array(7), dst = new Int32Array(7);
    const ps = m.mapBuffer(src), pd = m.mapBuffer(dst);
    for (let i = 0; i < 500; i++) {
      for (let k = 0; k < 7; k++) src[k] = r();
      const kk = r();
      call('scopy', pd, ps, kk);
      const want = Array.from(src);
      want[0] = (want[0]! + kk) | 0;
      want[6] = (want[6]! - kk) | 0;
      expect(Array.from(dst)).toEqual(want);
    }
  });

  it('64-bit add and subtract (ADDS/ADCS, SUBS/SBCS) against BigInt', () => {
    const r = rng(8);
    const io = new BigInt64Array(3);
    const pio = m.mapBuffer(io);
    const lo = (x: bigint): number => Number(BigInt.asIntN(32, x));
    const hi = (x: bigint): number => Number(BigInt.asIntN(32, x >> 32n));
    for (let i = 0; i < N; i++) {
      const a = BigInt.asIntN(64, (BigInt(r() >>> 0) << 32n) | BigInt(r() >>> 0));
      const b = BigInt.asIntN(64, (BigInt(r() >>> 0) << 32n) | BigInt(r() >>> 0));
      const res = m.call(fn('add64'), [lo(a), hi(a), lo(b), hi(b)]);
      expect(res.r0).toBe(lo(a + b));
      expect(m.cpu.r[1]).toBe(hi(a + b));
      m.call(fn('sub64'), [lo(a), hi(a), lo(b), hi(b)]);
      expect(m.cpu.r[0]).toBe(lo(a - b));
      expect(m.cpu.r[1]).toBe(hi(a - b));
      io[1] = a; io[2] = b;
      m.call(fn('add64p'), [pio, pio + 8, pio + 16]);
      expect(io[0]).toBe(BigInt.asIntN(64, a + b - (a < b ? 1n : 0n)));
    }
  });

  it('64-bit multiply and shift need __aeabi_* helpers: a build error, not a blob', () => {
    expect(() => compileC('unsigned long long mul64(unsigned long long a, unsigned long long b) { return a * b; }')).toThrow(/relocations.*__aeabi_lmul/);
    expect(() => compileC('unsigned long long shl64(unsigned long long a, int s) { return a << s; }')).toThrow(/relocations.*__aeabi_llsl/);
    expect(() => compileC('int div(int a, int b) { return a / b; }')).toThrow(/relocations.*__aeabi_idiv/);
    expect(() => compileC('static const int T[8] = {1,2,3,4,5,6,7,9}; int t(int i) { return T[i & 7]; }')).toThrow(/\.rodata|relocations/);
  });
});
