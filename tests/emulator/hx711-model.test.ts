import { describe, expect, it } from 'vitest';
import {
  COUNTS_PER_NEWTON_A128, Hx711Model, NOISE_RMS_COUNTS, SETTLING_PERIODS, type Hx711Reading, type TimingViolation,
} from '../../firmware/emulator/hx711-model.ts';

interface Rig {
  m: Hx711Model;
  readings: Hx711Reading[];
  violations: TimingViolation[];
  t: number;
}

function rig(opts: Partial<ConstructorParameters<typeof Hx711Model>[0]> = {}, loadN = 0): Rig {
  const r: Rig = { m: undefined as unknown as Hx711Model, readings: [], violations: [], t: 0 };
  r.m = new Hx711Model({ index: 0, seed: 3, rateHz: 80, oscillatorError: 0, offsetCounts: 1000, gainError: 0, noiseRmsCounts: 0, ...opts },
    () => loadN, (x) => r.readings.push(x), (v) => r.violations.push(v));
  return r;
}

/** Waits for DOUT low, then clocks `pulses` pulses with 1 us high / 1 us low; returns the 24 bits read. */
function read(r: Rig, pulses = 25, highS = 1e-6): number {
  while (r.m.dout(r.t) === 1) r.t += 1e-4;
  let v = 0;
  for (let i = 0; i < pulses; i++) {
    r.m.clock(1, r.t);
    r.t += highS;
    if (i < 24) v = (v << 1) | r.m.dout(r.t);
    r.m.clock(0, r.t);
    r.t += 1e-6;
  }
  return (v << 8) >> 8;
}

describe('HX711 model', () => {
  it('uses the documented cell scale: 4379.7 counts per newton at gain 128 and the datasheet noise', () => {
    expect(COUNTS_PER_NEWTON_A128).toBeCloseTo(4379.67, 1);
    expect(NOISE_RMS_COUNTS[80]).toBeCloseTo(64.4, 1);
    expect(NOISE_RMS_COUNTS[10]).toBeCloseTo(35.8, 1);
  });

  it('keeps DOUT high for the settling time after power-up, then signals data ready', () => {
    const r = rig();
    expect(r.m.dout(0)).toBe(1);
    expect(r.m.dout(SETTLING_PERIODS * r.m.periodS - 1e-6)).toBe(1);
    expect(r.m.dout(r.m.nextReadyTime(0) + 1e-9)).toBe(0);
    expect(r.m.nextReadyTime(0)).toBeGreaterThanOrEqual(SETTLING_PERIODS / 80);
  });

  it('shifts 24 bits MSB first, two\'s complement, and the 25th pulse pulls DOUT high', () => {
    const r = rig({ offsetCounts: -123456 });
    expect(read(r, 24)).toBe(-123456);
    r.m.clock(1, r.t);
    r.t += 1e-6;
    expect(r.m.dout(r.t)).toBe(1);
    r.m.clock(0, r.t);
    expect(r.readings[0]!.complete).toBe(true);
  });

  it('converts newtons to counts with offset and gain error, and saturates at 0x7FFFFF', () => {
    expect(read(rig({ offsetCounts: 0 }, 100))).toBe(Math.round(100 * COUNTS_PER_NEWTON_A128));
    expect(read(rig({ offsetCounts: 0, gainError: 0.01 }, 100))).toBe(Math.round(100 * COUNTS_PER_NEWTON_A128 * 1.01));
    expect(read(rig({}, 5000))).toBe(0x7fffff);
    expect(read(rig({}, -5000))).toBe(-0x800000);
  });

  it('produces a new conversion every 1/rate s, with the oscillator error applied', () => {
    const r = rig({ oscillatorError: 0.02 });
    read(r);
    const t1 = r.readings[0]!.t;
    read(r);
    expect(r.readings[1]!.t - t1).toBeCloseTo(1 / (80 * 1.02), 9);
  });

  it('seeded spread gives each chip its own rate within +-3 %', () => {
    const rates = [0, 1, 2, 3].map((i) => new Hx711Model({ index: i, seed: 11, rateHz: 80 }, () => 0, () => {}, () => {}).oscillatorError);
    expect(new Set(rates).size).toBe(4);
    for (const e of rates) expect(Math.abs(e)).toBeLessThanOrEqual(0.03);
  });

  it('selects B/32 with 26 pulses and A/64 with 27 for the following conversions, after settling', () => {
    const r = rig({ offsetCounts: 0 }, 100);
    read(r, 27);
    expect(r.m.selectedInput).toBe('A128'); // applied when the next conversion is ready
    const a64 = read(r, 26);
    expect(r.readings[1]!.input).toBe('A64');
    expect(a64).toBe(Math.round(100 * COUNTS_PER_NEWTON_A128 * 0.5));
    read(r, 25);
    expect(r.readings[2]!.input).toBe('B32');
    expect(r.readings[2]!.t - r.readings[1]!.t).toBeGreaterThanOrEqual(SETTLING_PERIODS / 80 - 1e-9);
  });

  it('powers down when the clock stays high over 60 us mid-read, and reports the violation', () => {
    const r = rig();
    while (r.m.dout(r.t) === 1) r.t += 1e-4;
    r.m.clock(1, r.t);
    r.t += 100e-6;
    r.m.dout(r.t); // the MCU takes bit 1 while the clock is (too long) high: a read
    r.m.clock(0, r.t);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.pulse).toBe(1);
    expect(r.violations[0]!.message).toMatch(/powered down during a read/);
    expect(r.m.stats.midReadPowerDowns).toBe(1);
    // reset: back to A/128 and settling again
    expect(r.m.dout(r.t + 1e-6)).toBe(1);
    expect(r.m.nextReadyTime(r.t)).toBeGreaterThanOrEqual(r.t + SETTLING_PERIODS / 80);
  });

  it('a 50-60 us high phase is out of spec (T3) but keeps the chip running', () => {
    const r = rig();
    read(r, 25, 55e-6);
    expect(r.m.stats.highOverT3).toBe(25);
    expect(r.m.stats.midReadPowerDowns).toBe(0);
    expect(r.m.stats.readsCompleted).toBe(1);
  });

  it('a power-down edge that meets a conversion just ready is a power-down, not a violation (nothing read)', () => {
    // Datasheet: PD_SCK high for more than 60 us powers the chip down, whatever DOUT shows; back low,
    // it resets. The firmware checks all DOUT high, then raises the clock; a chip that finishes a
    // conversion between the two sees one rising edge and a long high: nothing is read, nothing lost.
    const r = rig();
    read(r);
    r.t = r.m.nextReadyTime(r.t); // the conversion completes ...
    expect(r.m.dout(r.t)).toBe(0);
    r.t += 20e-6;
    r.m.clock(1, r.t); // ... just before the power-down edge
    r.t += 0.2;
    r.m.clock(0, r.t);
    expect(r.violations).toEqual([]);
    expect(r.m.stats).toMatchObject({ powerDowns: 1, powerDownsAtReady: 1, midReadPowerDowns: 0 });
    // reset: channel A/128 and settling again, then reads resume
    expect(r.m.dout(r.t + 1e-6)).toBe(1);
    expect(r.m.nextReadyTime(r.t)).toBeGreaterThanOrEqual(r.t + SETTLING_PERIODS / 80);
    expect(read(r)).toBe(1000);
    expect(r.m.selectedInput).toBe('A128');
  });

  it('a deliberate idle power-down is not a violation', () => {
    const r = rig();
    read(r);
    r.t += 1e-3;
    r.m.clock(1, r.t);
    r.t += 0.5;
    expect(r.m.dout(r.t)).toBe(1);
    r.m.clock(0, r.t);
    expect(r.m.stats.powerDowns).toBe(1);
    expect(r.violations).toHaveLength(0);
  });

  it('unplugged modules read as documented: high never ready, low all zeros, open bridge saturates', () => {
    const high = rig({ unplugged: 'high' });
    expect(high.m.dout(10)).toBe(1);
    expect(high.m.nextReadyTime(0)).toBe(Infinity);
    const low = rig({ unplugged: 'low' });
    expect(low.m.dout(0)).toBe(0);
    expect(read(low)).toBe(0);
    expect(read(rig({ unplugged: 'bridge' }, 10))).toBe(0x7fffff);
  });

  it('noise is seeded: the same seed gives the same words, and its rms matches the datasheet', () => {
    const words = (seed: number): number[] => {
      const r = rig({ seed, noiseRmsCounts: undefined, offsetCounts: 0 });
      return Array.from({ length: 400 }, () => read(r));
    };
    const a = words(5);
    expect(words(5)).toEqual(a);
    expect(words(6)).not.toEqual(a);
    const rms = Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(rms).toBeGreaterThan(64.4 * 0.85);
    expect(rms).toBeLessThan(64.4 * 1.15);
  });

  it('a RATE change restarts conversion at the new rate', () => {
    const r = rig({ rateHz: 10 });
    r.m.setRate(80, 0.01);
    expect(r.m.periodS).toBeCloseTo(1 / 80, 12);
    expect(r.m.nextReadyTime(0.01)).toBeGreaterThanOrEqual(0.01 + SETTLING_PERIODS / 80);
  });
});

describe('HX711 model properties', () => {
  it('any load within range reads back exactly offset + force x 4379.7 x (1 + gain error), saturating at the rails', async () => {
    const fc = await import('fast-check');
    fc.assert(fc.property(
      fc.double({ min: -3000, max: 3000, noNaN: true }),
      fc.integer({ min: -200_000, max: 200_000 }),
      fc.double({ min: -0.05, max: 0.05, noNaN: true }),
      (forceN, offset, gainError) => {
        const want = Math.min(0x7fffff, Math.max(-0x800000, Math.round(offset + forceN * COUNTS_PER_NEWTON_A128 * (1 + gainError))));
        return read(rig({ offsetCounts: offset, gainError }, forceN)) === want;
      },
    ), { numRuns: 200 });
  });
});

describe('re-plugging a module', () => {
  it('powers the chip up again: settling before the first data', () => {
    const r = rig({ unplugged: 'high' });
    r.t = 1;
    r.m.setUnplugged(false, r.t);
    expect(r.m.dout(r.t + 0.01)).toBe(1);
    expect(r.m.nextReadyTime(r.t)).toBeGreaterThanOrEqual(r.t + SETTLING_PERIODS / 80);
    expect(read(r, 25)).toBe(1000);
  });
});
