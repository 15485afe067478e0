/**
 * E.nativeCall and E.getAddressOf inside a whole emulated board (createBoard): machine code driving
 * GPIO P0 at the exact virtual time of each instruction, buffers shared with JavaScript, the cost
 * of a call (API cost, halved in "jit", plus cycles at 64 MHz), stats, signatures and faults.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { constantLoads, createBoard, CPU_HZ, EmulatorFault, NativeMachine, type NativeGpio } from '../../firmware/emulator/index.ts';
import { Hx711Model, type TimingViolation } from '../../firmware/emulator/hx711-model.ts';
import { compileC, type CompiledC } from './native/compile.ts';

const PIN = 22; // free on the MDBT42Q map
const OUTSET = 0x50000508;

const C_SOURCE = `
#define P0_OUT (*(volatile unsigned *)0x50000504u)
#define P0_OUTSET (*(volatile unsigned *)0x50000508u)
#define P0_OUTCLR (*(volatile unsigned *)0x5000050Cu)
#define P0_IN (*(volatile unsigned *)0x50000510u)
#define P0_DIRSET (*(volatile unsigned *)0x50000518u)
static void __attribute__((noinline)) spin(int n) { for (volatile int k = 0; k < n; k++) {} }
int toggle(int pin, int n, int delay) {
  unsigned m = 1u << pin; int seen = 0;
  for (int i = 0; i < n; i++) {
    P0_OUTSET = m;
    spin(delay);
    seen += (int)((P0_IN >> pin) & 1u);
    P0_OUTCLR = m;
    spin(delay * 2);
  }
  return seen;
}
#define P0_DIR (*(volatile unsigned *)0x50000514u)
#define P0_DIRCLR (*(volatile unsigned *)0x5000051Cu)
/* op 0: OUT = v, returns OUT; op 1: DIR = v, returns DIR; op 2: DIRCLR = v, returns DIRSET (reads as DIR); op 3: returns OUTSET (reads as OUT) */
int regs(int op, int v, int unused) {
  (void)unused;
  if (op == 0) { P0_OUT = (unsigned)v; return (int)P0_OUT; }
  if (op == 1) { P0_DIR = (unsigned)v; return (int)P0_DIR; }
  if (op == 2) { P0_DIRCLR = (unsigned)v; return (int)P0_DIRSET; }
  return (int)P0_OUTSET;
}
int read_in(int dirset, int outset, int unused) { (void)unused; if (dirset) P0_DIRSET = (unsigned)dirset; if (outset) P0_OUTSET = (unsigned)outset; return (int)P0_IN; }
int fill(int *p, int n, int k) { int s = 0; for (int i = 0; i < n; i++) { s += p[i]; p[i] = i * k; } return s; }
int entry(int op, int a, int b) { return op == 0 ? 0x54520001 : op == 1 ? a + b : -1; }
/* HX711 bit-bang, one chip: no delay at all (IN read 2 cycles after the rising edge) ... */
int hx_fast(int sck, int dout, int unused) {
  (void)unused;
  unsigned ms = 1u << sck, md = 1u << dout;
  if (P0_IN & md) return 0x7fffffff;
  unsigned v = 0;
  for (int i = 0; i < 24; i++) { P0_OUTSET = ms; v = (v << 1) | ((P0_IN & md) ? 1u : 0u); P0_OUTCLR = ms; }
  P0_OUTSET = ms; P0_OUTCLR = ms;
  return (int)(v << 8) >> 8;
}
/* ... and with spin(d) in each phase (d = 5: 74 cycles, 1.16 us). */
int hx_slow(int sck, int dout, int d) {
  unsigned ms = 1u << sck, md = 1u << dout;
  if (P0_IN & md) return 0x7fffffff;
  unsigned v = 0;
  for (int i = 0; i < 24; i++) { P0_OUTSET = ms; spin(d); v = (v << 1) | ((P0_IN & md) ? 1u : 0u); P0_OUTCLR = ms; spin(d); }
  P0_OUTSET = ms; spin(d); P0_OUTCLR = ms;
  return (int)(v << 8) >> 8;
}
`;

let cc: CompiledC;
let b64 = '';
beforeAll(() => {
  cc = compileC(C_SOURCE);
  b64 = Buffer.from(cc.code).toString('base64');
});
const off = (name: string): number => cc.symbols[name]!;
/** JS that makes `name` a native function of the compiled blob. */
const nat = (v: string, name: string, sig = 'int(int,int,int)'): string => `var ${v} = E.nativeCall(${off(name)} + 1, "${sig}", atob("${b64}"));\n`;

/** STR r0,[r2] (OUTSET); k NOPs; STR r0,[r2,#4] (OUTCLR); SUBS r1,#1; BNE back; BX LR. */
function handToggle(k: number): Uint8Array {
  const hw = [0x6010, ...new Array<number>(k).fill(0xbf00), 0x6050, 0x3901];
  const bneAt = hw.length * 2;
  hw.push(0xd100 | (((0 - (bneAt + 4)) >> 1) & 0xff), 0x4770);
  return new Uint8Array(new Uint16Array(hw).buffer);
}

/** Watches PIN and records device times of its edges in `ed`. */
const WATCH = `pinMode(D${PIN}, "output"); digitalWrite(D${PIN}, 0);
var ed = [];
setWatch(function (e) { ed.push(e.time); }, D${PIN}, { repeat: true, edge: "both" });
`;

describe('E.nativeCall drives GPIO P0 at the exact virtual time of each instruction', () => {
  it('hand-assembled OUTSET/OUTCLR loop: every high phase is 2 + k cycles and every low phase 6, at 64 MHz', () => {
    const k = 10;
    const code = Buffer.from(handToggle(k)).toString('base64');
    const b = createBoard({
      clock: 'virtual',
      source: `var f = E.nativeCall(1, "int(int,int,int)", atob("${code}"));\n${WATCH}var t0 = -1;\nsetTimeout(function () { t0 = getTime(); f(1 << ${PIN}, 8, ${OUTSET}); }, 10);`,
    });
    b.advance(0.1);
    const ed = b.evaluate('ed') as number[];
    expect(ed).toHaveLength(16);
    const cyc = (s: number): number => Math.round(s * CPU_HZ);
    for (let i = 1; i < ed.length; i++) expect(cyc(ed[i]! - ed[i - 1]!)).toBe(i % 2 === 1 ? 2 + k : 6);
    // the first OUTSET store touches the bus in cycle 1, after the call's API cost
    const s = b.stats();
    expect(cyc((ed[0]! - (b.evaluate('t0') as number)) - s.callCosts.interpreted)).toBe(1);
    expect(s.nativeCalls).toBe(1);
    // 8 x (2 + k + 2 + 1 + 3) - 2 (last BNE not taken) + BX LR 3
    expect(s.nativeCycles).toBe(8 * (2 + k + 6) - 2 + 3);
    expect(b.pinLevel(PIN)).toBe(0);
  });

  it('clang-14 toggle/IN loop: the PinBank edges fall exactly on the cycles the same code takes on a standalone machine', () => {
    // the same blob on a NativeMachine with a GPIO that records the cycle of each OUTSET/OUTCLR write
    const writes: number[] = [];
    const gpio: NativeGpio = {
      read: (_reg, _cycle) => 1 << PIN,
      write: (reg, _v, cycle) => { if (reg === 0x508 || reg === 0x50c) writes.push(cycle); },
    };
    const m = new NativeMachine({ gpio });
    const base = m.load(cc.code);
    const solo = m.call(base + off('toggle') + 1, [PIN, 6, 3]);
    expect(solo.r0).toBe(6);
    expect(writes).toHaveLength(12);

    const b = createBoard({ clock: 'virtual', source: `${nat('f', 'toggle')}${WATCH}var seen = -1, t0 = -1;\nsetTimeout(function () { t0 = getTime(); seen = f(${PIN}, 6, 3); }, 10);` });
    b.advance(0.1);
    expect(b.evaluate('seen')).toBe(0); // an output's input buffer is disconnected: IN reads 0 (read OUT instead)
    const ed = b.evaluate('ed') as number[];
    const t0 = (b.evaluate('t0') as number) + b.stats().callCosts.interpreted;
    expect(ed.map((t) => Math.round((t - t0) * CPU_HZ))).toEqual(writes);
    expect(b.stats().nativeCycles).toBe(solo.cycles);
    // phases are regular: high 26 + 12 d, low 35 + 24 d cycles for this codegen; checked as equal, not hand-counted
    const highs = new Set(writes.filter((_, i) => i % 2 === 1).map((w, i) => w - writes[2 * i]!));
    expect(highs.size).toBe(1);
  });

  it('IN reads input pins\' PinBank levels at that instant and 0 where the input buffer is off; DIRSET + OUTSET drive a pin', () => {
    const b = createBoard({ clock: 'virtual', source: `${nat('rd', 'read_in')}var v = [];\nfunction go(d, s) { v.push(rd(d, s, 0)); }` });
    b.advance(0.05); // the HX711s are still settling: DOUT (D16..D19) high
    const DOUT = [16, 17, 18, 19];
    for (const p of DOUT) expect(b.pinLevel(p)).toBe(1);
    b.evaluate('go(0, 0)');
    expect((b.evaluate('v') as number[])[0]).toBe(0); // never configured: input buffers disconnected (Espruino's default state)
    b.evaluate('pinMode(D16, "input"); digitalRead(D17); pinMode(D18, "input_pullup"); pinMode(D19, "input_pulldown"); go(0, 0)');
    const inputs = (b.evaluate('v') as number[])[1]!;
    expect(inputs).toBe(DOUT.reduce((m, p) => m | (1 << p), 0));
    b.advance(1); // ready: DOUT low
    b.evaluate('go(0, 0)');
    expect((b.evaluate('v') as number[])[2]).toBe(0);
    expect(b.evaluate(`getPinMode(D${PIN})`)).not.toBe('output');
    b.evaluate(`go(${1 << PIN}, ${1 << PIN})`);
    expect(b.pinLevel(PIN)).toBe(1);
    expect(b.evaluate(`getPinMode(D${PIN})`)).toBe('output');
    expect(((b.evaluate('v') as number[])[3]! >>> PIN) & 1).toBe(0); // an output reads 0 in IN
    b.evaluate(`pinMode(D${PIN}, "opendrain_pullup"); go(0, 0)`);
    expect(((b.evaluate('v') as number[])[4]! >>> PIN) & 1).toBe(1); // open-drain with pull-up: latch 1 releases the line, read back 1
  });
});

describe('GPIO P0 registers and reboots', () => {
  it('OUT writes every latch bit (outputs move, inputs keep their level), DIR/DIRCLR set modes, OUTSET/DIRSET read as OUT/DIR', () => {
    const b = createBoard({ clock: 'virtual', source: `${nat('g', 'regs')}pinMode(D20, "output"); pinMode(D21, "output"); pinMode(D23, "input");` });
    const OUT = (1 << 20) | (1 << 23);
    expect(b.evaluate(`g(0, ${OUT}, 0)`)).toBe(OUT);
    expect([b.pinLevel(20), b.pinLevel(21), b.pinLevel(23)]).toEqual([1, 0, 0]); // D23 is an input: its latch does not drive it
    expect(b.evaluate('g(3, 0, 0)')).toBe(OUT);
    const dir = b.evaluate('g(1, 0, 0)') as number; // DIR = 0: every pin an input
    expect(dir).toBe(0);
    expect(b.evaluate('getPinMode(D20)')).toBe('input');
    expect(b.evaluate(`g(1, ${(1 << 20) | (1 << 23)}, 0)`)).toBe((1 << 20) | (1 << 23));
    expect([b.evaluate('getPinMode(D23)'), b.pinLevel(23)]).toEqual(['output', 1]); // DIR 1 drives the latch now
    expect(b.evaluate(`g(2, ${1 << 23}, 0)`)).toBe(1 << 20);
  });

  it('a reboot gives native code a fresh RAM: the firmware loads its blob again and it runs', () => {
    const src = `${nat('f', 'entry')}var a = new Int32Array(8); var p = E.getAddressOf(a, true); var r = f(1, 20, 22);`;
    const b = createBoard({ clock: 'virtual', source: src });
    const p0 = b.evaluate('p') as number;
    expect(b.evaluate('r')).toBe(42);
    b.reboot();
    expect(b.evaluate('r')).toBe(42);
    expect(b.evaluate('p')).toBe(p0); // same allocation order on the fresh RAM
    expect(b.stats().nativeCalls).toBe(2);
  });
});

describe('E.getAddressOf and buffers shared with native code', () => {
  it('0 for buffers of 16 bytes or less (not a flat string); stable addresses; views add byteOffset', () => {
    const b = createBoard({ clock: 'virtual', source: 'var small = new Uint8Array(16), big = new ArrayBuffer(64), other = new Int32Array(5);' });
    const A = (expr: string): number => b.evaluate(`E.getAddressOf(${expr}, true)`) as number;
    expect(A('small')).toBe(0);
    expect(A('new Int32Array(4)')).toBe(0);
    const base = A('big');
    expect(base).toBeGreaterThanOrEqual(0x20000000);
    expect(base).toBeLessThan(0x20010000);
    expect(base % 4).toBe(0);
    expect(A('big')).toBe(base);
    expect(A('new Uint8Array(big)')).toBe(base);
    expect(A('new Int32Array(big, 8, 4)')).toBe(base + 8);
    expect(A('new Uint8Array(big, 61)')).toBe(base + 61);
    expect(A('new DataView(big, 3)')).toBe(base + 3);
    const o = A('other'); // 20 bytes: flat
    expect(o).not.toBe(0);
    expect(Math.abs(o - base)).toBeGreaterThanOrEqual(20);
    expect(A('{}')).toBe(0);
    expect(A('42')).toBe(0);
    expect(() => b.evaluate('E.getAddressOf(big, false)')).toThrow(/not modelled/);
    expect(() => b.evaluate('E.getAddressOf(big)')).toThrow(/not modelled/);
    expect(() => b.evaluate('E.getAddressOf("a string longer than sixteen bytes", true)')).toThrow(/string is not modelled/);
  });

  it('native code reads what JavaScript wrote and JavaScript reads what native code wrote', () => {
    const b = createBoard({
      clock: 'virtual',
      source: `${nat('fill', 'fill')}var a = new Int32Array(32); for (var i = 0; i < 32; i++) a[i] = i + 1;
var p = E.getAddressOf(a, true);
var v = new Int32Array(a.buffer, 16, 8); var pv = E.getAddressOf(v, true);
var s1 = fill(p, 32, 3); var s2 = fill(pv, 8, -2);`,
    });
    expect(b.evaluate('s1')).toBe((32 * 33) / 2);
    const a = Array.from(b.evaluate('a') as Int32Array);
    expect(b.evaluate('s2')).toBe([4, 5, 6, 7, 8, 9, 10, 11].reduce((x, y) => x + y * 3, 0));
    expect(a.slice(0, 4)).toEqual([0, 3, 6, 9]);
    expect(a.slice(4, 12)).toEqual([0, -2, -4, -6, -8, -10, -12, -14]);
    expect(a.slice(12)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 12) * 3));
  });
});

describe('E.nativeCall: cost, stats, signatures, faults', () => {
  it('a call costs an API call (half in "jit") plus its cycles at 64 MHz; stats count calls and cycles', () => {
    const b = createBoard({
      clock: 'virtual',
      source: `${nat('f', 'entry')}var dI, dJ, r;
function plain() { var t = getTime(); r = f(1, 2, 3); dI = getTime() - t; }
function fast() { "jit"; var t = getTime(); r = f(1, 40, 2); dJ = getTime() - t; }
plain(); fast();`,
    });
    const s = b.stats();
    expect(b.evaluate('r')).toBe(42);
    expect(s.nativeCalls).toBe(2);
    expect(s.apiCalls['E.nativeCall()']).toBe(2);
    expect(s.apiCalls['E.nativeCall']).toBe(1);
    const each = s.nativeCycles / 2; // same path for op 1 both times
    expect(Number.isInteger(each)).toBe(true);
    expect(b.evaluate('dI')).toBeCloseTo(2 * s.callCosts.interpreted + each / CPU_HZ, 12);
    expect(b.evaluate('dJ')).toBeCloseTo(2 * s.callCosts.jit + each / CPU_HZ, 12);
    expect(s.nativeInstructions).toBeGreaterThan(0);
  });

  it('signatures parse like Espruino: int/bool/Pin arguments, int/bool/void returns, at most 4 arguments', () => {
    const b = createBoard({ clock: 'virtual', source: `var code = atob("${b64}");` });
    const e = (sig: string, args = '1, 2, 3'): unknown => b.evaluate(`E.nativeCall(${off('entry')} + 1, ${JSON.stringify(sig)}, code)(${args})`);
    expect(e('int (int, int, int)', '1, 2, 3')).toBe(5);
    expect(e('bool(int,int,int)', '1, 0, 0')).toBe(false);
    expect(e('bool(int,int,int)', '0, 0, 0')).toBe(true);
    expect(e('void(int,int,int)')).toBeUndefined();
    expect(e('int(int,Pin,bool)', '1, D7, true')).toBe(8);
    expect(e('int(int,int)', '1, 2.9')).toBe(2); // missing args are 0; doubles truncate
    expect(() => e('int(int,int,double)')).toThrow(/'double' is not modelled/);
    expect(() => e('JsVar(int)')).toThrow(/'JsVar' is not modelled/);
    expect(() => e('int(int,int,int,int,int)')).toThrow(/Error Parsing signature at argument number 6/);
    expect(() => e('int(int,float)')).toThrow(/Error Parsing signature at argument number 2/);
    expect(() => e('int int')).toThrow(/Error Parsing signature/);
  });

  it('a fault stops advance() as a HardFault would, even if the firmware catches the Error', () => {
    const code = Buffer.from(new Uint8Array(new Uint16Array([0x6800, 0x4770]).buffer)).toString('base64'); // LDR r0,[r0]; BX LR
    const src = `var f = E.nativeCall(1, "int(int)", atob("${code}")); var caught = "";
setTimeout(function () { try { f(0x20008001); } catch (e) { caught = e.message; } }, 5);`;
    const b = createBoard({ clock: 'virtual', source: src });
    let err: unknown;
    try {
      b.advance(0.1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EmulatorFault);
    expect((err as EmulatorFault).kind).toBe('native');
    expect((err as Error).message).toMatch(/HardFault.*unaligned 32-bit read at 0x20008001 .*instruction 0x6800 at PC 0x200000/);
    expect(b.evaluate('caught')).toMatch(/unaligned/);
    const even = createBoard({ clock: 'virtual', source: `var f = E.nativeCall(0, "int()", atob("${code}"));\nsetTimeout(function () { f(); }, 5);` });
    expect(() => even.advance(0.1)).toThrow(/bit 0 is clear.*INVSTATE/);
  });
});

describe('HX711 edge timing against native code (datasheet T2, T3, T4)', () => {
  /** Cell 0 of the MDBT42Q map: PD_SCK D11, DOUT D16 (10 Hz). Polls every 20 ms; keeps what it read. */
  const hxSource = (fn: string, d: number): string => `${nat('rd', fn)}pinMode(D11, "output"); digitalWrite(D11, 0); pinMode(D16, "input");
var out = [];
setInterval(function () { var v = rd(11, 16, ${d}); if (v !== 0x7fffffff) out.push(v); }, 20);`;
  const LOADS = constantLoads([150, 0, 0, 0]);

  it('with no delay between the rising edge and the IN read every bit is the previous one, and each read is a counted violation', () => {
    const b = createBoard({ clock: 'virtual', loads: LOADS, onTimingViolation: 'log', source: hxSource('hx_fast', 0) });
    b.advance(3);
    const out = b.evaluate('out') as number[];
    const truth = b.cellTruth()[0]!.filter((r) => r.complete).map((r) => r.counts);
    expect(out.length).toBeGreaterThan(20);
    expect(out.length).toBe(truth.length);
    // bit n read before T2 shows bit n - 1, and the first shows the ready level (0)
    expect(out).toEqual(truth.map((c) => (c & 0xffffff) >>> 1));
    expect(out).not.toEqual(truth);
    const h = b.stats().hx711[0]!;
    expect(h.doutReadsBeforeT2).toBe(24 * out.length);
    expect(h.highUnderT3Min).toBe(25 * out.length); // 4 cycles high (62.5 ns)
    expect(h.lowUnderT4Min).toBe(24 * out.length); // 10 cycles low (156 ns)
    const kinds = new Set(b.timingViolations().map((v) => v.kind));
    expect([...kinds].sort()).toEqual(['t2', 't3', 't4']);
    expect(b.stats().timingViolations).toBe((24 + 25 + 24) * out.length);
    const t2 = b.timingViolations().find((v) => v.kind === 't2')!;
    expect(Math.round(t2.highS * CPU_HZ)).toBe(2);
    expect(t2.message).toMatch(/DOUT read 31\.3 ns after PD_SCK rising edge 1 .*T2 of 0\.1 us/);
  });

  it('throws by default (onTimingViolation: throw) naming T2', () => {
    const b = createBoard({ clock: 'virtual', loads: LOADS, source: hxSource('hx_fast', 0) });
    expect(() => b.advance(3)).toThrow(/T2 of 0\.1 us/);
  });

  it('with ~1 us clock phases the native read gets exactly the model\'s counts and no violation', () => {
    const b = createBoard({ clock: 'virtual', loads: LOADS, source: hxSource('hx_slow', 5) });
    b.advance(3);
    const out = b.evaluate('out') as number[];
    const truth = b.cellTruth()[0]!.filter((r) => r.complete).map((r) => r.counts);
    expect(out.length).toBeGreaterThan(20);
    expect(out).toEqual(truth);
    expect(b.timingViolations()).toEqual([]);
    const h = b.stats().hx711[0]!;
    expect([h.doutReadsBeforeT2, h.highUnderT3Min, h.lowUnderT4Min, h.midReadPowerDowns]).toEqual([0, 0, 0, 0]);
    expect(h.maxReadHighS * CPU_HZ).toBeGreaterThan(74);
    expect(h.maxReadHighS).toBeLessThan(2e-6);
    // each read is 25 pulses of two ~74-cycle phases (the not-ready polls are short)
    expect(b.stats().nativeCycles).toBeGreaterThan(out.length * 25 * 2 * 74);
  });

  it('the model alone: a 0.15 us high phase is a T3 violation, a 0.15 us low phase a T4 violation, 0.25 us is fine', () => {
    const vs: TimingViolation[] = [];
    const m = new Hx711Model({ index: 0, seed: 1, rateHz: 80, oscillatorError: 0, offsetCounts: 0x123456, noiseRmsCounts: 0, gainError: 0 }, () => 0, () => {}, (v) => vs.push(v));
    let t = m.nextReadyTime(0) + 1e-6;
    const pulse = (high: number, low: number): number => {
      m.clock(1, t);
      t += high;
      const bit = m.dout(t);
      m.clock(0, t);
      t += low;
      return bit;
    };
    let v = 0;
    for (let i = 0; i < 24; i++) v = (v << 1) | pulse(i === 3 ? 0.15e-6 : 0.25e-6, i === 7 ? 0.15e-6 : 0.25e-6);
    pulse(0.25e-6, 0.25e-6);
    expect(v).toBe(0x123456);
    expect(vs.map((x) => [x.kind, x.pulse])).toEqual([['t3', 4], ['t4', 9]]);
    expect(m.stats).toMatchObject({ highUnderT3Min: 1, lowUnderT4Min: 1, doutReadsBeforeT2: 0, readsCompleted: 1 });
    // dout() inside T2 shows the previous level to anyone; mcuRead() is what counts a violation
    t = m.nextReadyTime(t) + 1e-6;
    m.clock(1, t);
    expect(m.dout(t + 0.05e-6)).toBe(0);
    m.mcuRead(t + 0.05e-6);
    expect(m.stats.doutReadsBeforeT2).toBe(1);
    expect(m.dout(t + 0.1e-6)).toBe((0x123456 >>> 23) & 1);
  });
});
