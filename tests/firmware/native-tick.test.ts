/**
 * firmware/native/hx711.c NAT_TICK as machine code (NativeMachine, the ARMv6-M interpreter) against
 * four scripted chips on a fake GPIO port: the read (MSB first, 25 pulses, only ready chips clocked
 * with per-chip clocks), the ring store and its time stamp, the DOUT spin and the not-ready return,
 * the JS-attention return, and the 1/16 ms time argument across the int32 wrap (37 h of uptime),
 * which a board test cannot reach. The HX block layout is the one in hx711.c and sampler.ts.
 */
import { describe, expect, it } from 'vitest';
import { GPIO_REGS, NativeMachine, type NativeGpio } from '../../firmware/emulator/native-machine.ts';
import { GPIO_P0_BASE } from '../../firmware/emulator/native-memory.ts';
import { NATIVE_CODE_B64, NATIVE_ENTRY } from '../../firmware/src/native-code.ts';
import { createRing, ringSetAddresses, ringSize } from '../../firmware/src/ring.ts';

const NAT_TICK = 5;
const CLK = [11, 12, 13, 14];
const DOUT = [16, 17, 18, 19];
/** Ticks of 1/16 ms. */
const U_PER_MS = 16;

/** Four HX711s as the code sees them: a word each, shifted out MSB first on clock rising edges. */
class FakeChips implements NativeGpio {
  words = [0x123456, -0x654321 & 0xffffff, 0x000001, 0x7ffffe];
  ready = [true, true, true, true];
  pulses = [0, 0, 0, 0];
  private out = 0;
  /** Chips ready again (DOUT low) after this many reads of IN while not ready, per chip; -1 never. */
  readyAfterReads = [-1, -1, -1, -1];
  private inReads = 0;

  read(reg: number): number {
    if (reg === GPIO_REGS.OUT) return this.out;
    if (reg !== GPIO_REGS.IN) throw new Error(`unexpected GPIO read ${reg.toString(16)}`);
    this.inReads++;
    let v = 0;
    for (let c = 0; c < 4; c++) {
      if (!this.ready[c] && this.readyAfterReads[c]! >= 0 && this.inReads >= this.readyAfterReads[c]!) this.ready[c] = true;
      const n = this.pulses[c]!;
      const bit = !this.ready[c] ? 1 : n >= 1 && n <= 24 ? (this.words[c]! >>> (24 - n)) & 1 : 0;
      if (bit) v |= 1 << DOUT[c]!;
    }
    return v;
  }

  write(reg: number, value: number): void {
    if (reg === GPIO_REGS.OUTSET) {
      for (let c = 0; c < 4; c++) if (value & (1 << CLK[c]!)) this.pulses[c]!++;
      this.out |= value;
    } else if (reg === GPIO_REGS.OUTCLR) {
      this.out &= ~value;
    } else throw new Error(`unexpected GPIO write ${reg.toString(16)}`);
  }

  /** After a read: each read chip latches a new word and is not ready until told. */
  nextConversion(): void {
    for (let c = 0; c < 4; c++) {
      if (this.pulses[c] === 25) this.words[c] = (this.words[c]! + 0x111 * (c + 1)) & 0xffffff;
      this.pulses[c] = 0;
    }
  }
}

function setup(chips: FakeChips) {
  const m = new NativeMachine({ gpio: chips });
  const base = m.load(new Uint8Array(Buffer.from(NATIVE_CODE_B64, 'base64')));
  const ring = createRing(16);
  const hb = new Int32Array(41);
  hb[40] = GPIO_P0_BASE; // the GPIO base word (native.ts gpioBase: NRF52_GPIO_P0 on a board)
  for (let c = 0; c < 4; c++) {
    hb[1 + c] = 1 << CLK[c]!;
    hb[5 + c] = 1 << DOUT[c]!;
  }
  hb[0] = 0;
  hb[17] = 0;
  hb[18] = 1;
  hb[19] = m.mapBuffer(ring.state);
  ringSetAddresses(ring, (b) => m.mapBuffer(b));
  hb[21] = 12;
  hb[25] = 13;
  hb[26] = 15;
  hb[27] = 2 * 4096;
  hb[28] = 12.5 * 4096;
  hb[31] = 0.5 * U_PER_MS;
  hb[32] = 0.25 * 4096;
  hb[33] = 10 * U_PER_MS;
  hb[34] = 15 * U_PER_MS;
  hb[37] = 300;
  hb[38] = 4300;
  const hbAddr = m.mapBuffer(hb);
  const tick = (now: number): number => m.call(base + NATIVE_ENTRY + 1, [NAT_TICK, hbAddr, now | 0]).r0;
  return { m, ring, hb, tick };
}

const int24 = (w: number): number => (w << 8) >> 8;

describe('NAT_TICK machine code', () => {
  it('reads the four words MSB first with 25 pulses each, stores the usual set in the ring stamped now - period/2', () => {
    const chips = new FakeChips();
    const { ring, hb, tick } = setup(chips);
    const words = chips.words.slice();
    const now = 1000 * U_PER_MS;
    const r = tick(now);
    expect(r).toBeGreaterThan(0);
    expect(chips.pulses).toEqual([25, 25, 25, 25]);
    expect(ringSize(ring)).toBe(1);
    expect(Array.from(ring.counts.subarray(0, 4))).toEqual(words.map(int24));
    expect(ring.flags[0]).toBe(0);
    expect(ring.times[0]).toBe(Math.floor(1000 - 6.25));
    expect(Array.from(hb.subarray(13, 17))).toEqual(words.map(int24));
    expect(hb[22]).toBe(1);
    // Next wake-up: period - lead, in 1/16 ms (lead grew by half a poll: the set was ready at once).
    expect(r).toBe(((12.5 * 4096 - (2 * 4096 + 0.125 * 4096)) >> 8));
  });

  it('spins on a wanted chip that is about to be ready, then reads; a chip that stays busy costs one poll and no clock edge', () => {
    const chips = new FakeChips();
    const { ring, hb, tick } = setup(chips);
    chips.ready[2] = false;
    chips.readyAfterReads[2] = 50;
    expect(tick(100 * U_PER_MS)).toBeGreaterThan(0);
    expect(hb[39]).toBeGreaterThan(40);
    expect(hb[39]).toBeLessThan(60);
    expect(ringSize(ring)).toBe(1);
    chips.nextConversion();
    chips.ready = [true, true, false, true];
    chips.readyAfterReads = [-1, -1, -1, -1];
    const r = tick(112 * U_PER_MS);
    expect(r).toBe(0.5 * U_PER_MS);
    expect(hb[24]).toBe(1);
    expect(hb[39]).toBe(4300);
    expect(chips.pulses).toEqual([0, 0, 0, 0]);
    expect(ringSize(ring)).toBe(1);
  });

  it('hands an unusual set (a chip not read once the poll limit is reached) and any set under attention back to the JS', () => {
    const chips = new FakeChips();
    const { ring, hb, tick } = setup(chips);
    chips.ready[1] = false;
    hb[24] = 13;
    const r = tick(200 * U_PER_MS);
    expect(r).toBeLessThan(0);
    expect(-r & 0x2000).toBe(0x2000);
    expect(-r & 15).toBe(4);
    expect(chips.pulses).toEqual([25, 0, 25, 25]);
    expect(ringSize(ring)).toBe(0);
    chips.nextConversion();
    chips.ready = [true, true, true, true];
    hb[36] = 1;
    const a = tick(212 * U_PER_MS);
    expect(a).toBe(-0x10000);
    expect(ringSize(ring)).toBe(1);
    expect(hb[35]).toBeGreaterThan(0);
  });

  it('keeps the period and the ms stamps right across the int32 wrap of the 1/16 ms time argument (37 h of uptime)', () => {
    const chips = new FakeChips();
    const { ring, hb, tick } = setup(chips);
    const step = 12.5 * U_PER_MS;
    let now = 2 ** 31 - 20 * step;
    const stamps: number[] = [];
    for (let i = 0; i < 40; i++) {
      const wrapped = now >= 2 ** 31 ? now - 2 ** 32 : now;
      expect(tick(wrapped)).toBeGreaterThan(0);
      stamps.push(ring.times[(ring.state[0]! + 15) % 16]!);
      chips.nextConversion();
      now += step;
    }
    expect(hb[28]! / 4096).toBeCloseTo(12.5, 3);
    // Stamps are ms mod 2^28, in step across the wrap: 12 or 13 ms apart, never a jump.
    for (let i = 1; i < stamps.length; i++) {
      const d = (stamps[i]! - stamps[i - 1]! + 2 ** 28) % 2 ** 28;
      expect(d === 12 || d === 13, `stamp ${i}: ${stamps[i - 1]} -> ${stamps[i]}`).toBe(true);
    }
    // and mod 2^24 (what the wire carries) they equal floor(true ms - 6.25).
    const trueMs = (2 ** 31 - 20 * step + 39 * step) / U_PER_MS;
    expect(stamps[39]! % 2 ** 24).toBe(Math.floor(trueMs - 6.25) % 2 ** 24);
  });
});
