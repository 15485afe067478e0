import { gaussian, uniform } from './rng.ts';

/**
 * One HX711 24-bit load-cell ADC, modelled at the pin level from the Avia Semiconductor datasheet:
 * - DOUT is high while a conversion is not ready; it goes low when data is ready. Conversions
 *   complete every 1/rate s (RATE pin: 10 or 80 Hz from the internal oscillator). The datasheet
 *   gives no tolerance for the on-chip oscillator; we spread chips uniformly by +-`oscillatorSpread`
 *   (default 3 %, the "few %" seen between real modules).
 * - Each rising PD_SCK edge shifts out one bit, MSB first (T2, DOUT valid within 0.1 us of the
 *   edge): after rising edge n (1..24) DOUT shows bit 24-n. The 25th rising edge pulls DOUT high.
 *   25 / 26 / 27 pulses select channel A gain 128 / channel B gain 32 / channel A gain 64 for the
 *   following conversions. Changing the selection restarts conversion and needs the settling
 *   time (datasheet: 4 conversion periods, 400 ms at 10 Hz, 50 ms at 80 Hz).
 * - Edge timing (datasheet table "PD_SCK and DOUT"): DOUT changes T2 = 0.1 us after a rising
 *   PD_SCK edge (we take the maximum): read earlier, DOUT still shows the previous bit (the level
 *   before the edge). A read by the MCU inside that window (a GPIO IN read by native code, see
 *   `mcuRead`) is a timing violation. PD_SCK high (T3) and low (T4) phases inside a read must each
 *   be >= 0.2 us: shorter ones are timing violations (the chip is not modelled to miss the pulse;
 *   the count says the firmware is outside the datasheet). T1 (DOUT falling to the first rising
 *   edge, >= 0.1 us) is not checked.
 * - PD_SCK high for more than 60 us powers the chip down (T3 maximum high time is 50 us). When
 *   PD_SCK returns low the chip resets: channel A, gain 128, first data after the settling time.
 * - Output: 24-bit two's complement, saturating at 0x800000 / 0x7FFFFF.
 * Choices the datasheet leaves open (documented in firmware/emulator/README.md):
 * - a conversion's input is sampled at its completion time; channel B has nothing connected
 *   (0 V plus its own offset);
 * - a read that stops before 25 pulses stays open: the next rising edges keep shifting the
 *   latched word; new conversions wait;
 * - while DOUT is low (ready) newer conversions replace the pending one; the value latched is the
 *   newest conversion at the first rising edge.
 */

/** Full-bridge cell and front end, a realistic cell for a 4-cell plate (firmware/emulator/README.md, HX711). */
export const CELL_RATED_N = 100 * 9.80665; // 100 kg capacity, N
export const CELL_SENSITIVITY_V_PER_V = 2e-3; // 2 mV/V at rated load
export const AVDD_V = 3.0; // excitation = AVDD
/** Channel A gain 128 full scale is +-0.5 * AVDD / 128 = +-11.72 mV over +-2^23 counts. */
export const COUNTS_PER_VOLT_A128 = 2 ** 23 / (0.5 * AVDD_V / 128);
/** 1 count = 1.397 nV at gain 128. */
export const VOLTS_PER_COUNT_A128 = 1 / COUNTS_PER_VOLT_A128;
/** Bridge output per newton: 2 mV/V x 3.0 V / 980.665 N = 6.118 uV/N. */
export const VOLTS_PER_NEWTON = (CELL_SENSITIVITY_V_PER_V * AVDD_V) / CELL_RATED_N;
/** = 4379.7 counts per newton at gain 128 (host/sim/raw-counts.ts uses about 4375). */
export const COUNTS_PER_NEWTON_A128 = VOLTS_PER_NEWTON * COUNTS_PER_VOLT_A128;
/** Datasheet input-referred noise at gain 128: 50 nV rms at 10 Hz, 90 nV rms at 80 Hz. */
export const NOISE_RMS_COUNTS = { 10: 50e-9 * COUNTS_PER_VOLT_A128, 80: 90e-9 * COUNTS_PER_VOLT_A128 } as const;
/** Power-down threshold and the T3 maximum clock-high time, s. */
export const POWER_DOWN_HIGH_S = 60e-6;
export const T3_MAX_HIGH_S = 50e-6;
/** T2: PD_SCK rising edge to DOUT valid (maximum), s. */
export const T2_DOUT_VALID_S = 0.1e-6;
/** T3 / T4 minimum PD_SCK high / low time, s. */
export const T3_MIN_HIGH_S = 0.2e-6;
export const T4_MIN_LOW_S = 0.2e-6;
/** Settling after power-up, reset or a gain/channel change, in conversion periods (datasheet). */
export const SETTLING_PERIODS = 4;

export type Hx711Input = 'A128' | 'B32' | 'A64';
/**
 * How an unplugged module reads:
 * - 'high': the HX711 board is absent or unpowered and DOUT is pulled up (the nRF52 "input_pullup"
 *   mode or the module's own pull-up): DOUT never goes low, the cell is never ready.
 * - 'low': DOUT shorted or pulled down: the cell always looks ready and every bit reads 0.
 * - 'bridge': the module is powered but the load cell's wires are off: the open inputs drift to a
 *   rail and the chip reports positive saturation, 0x7FFFFF.
 */
export type UnpluggedMode = 'high' | 'low' | 'bridge';

export interface Hx711Options {
  /** Chip index (also selects this chip's noise stream). */
  index: number;
  seed: number;
  /** Nominal output rate from the RATE pin, Hz. Defaults to 80. */
  rateHz?: 10 | 80;
  /** This chip's oscillator error as a fraction (e.g. 0.012 = +1.2 %). Defaults to seeded +-spread. */
  oscillatorError?: number;
  /** Spread used when oscillatorError is not given. Defaults to 0.03 (+-3 %). */
  oscillatorSpread?: number;
  /** Counts with no load (zero-load bridge imbalance plus ADC offset). Defaults to a seeded 1e4..1e5 magnitude. */
  offsetCounts?: number;
  /** Fractional sensitivity error of the cell (0.01 = reads 1 % high). Defaults to seeded +-2 %. */
  gainError?: number;
  /** Noise, counts rms at gain 128. Defaults to the datasheet figure for the rate (64.4 or 35.8). */
  noiseRmsCounts?: number;
  /** Start unplugged. Defaults to false. */
  unplugged?: false | UnpluggedMode;
}

/** One word the chip shifted out (or latched for shifting). */
export interface Hx711Reading {
  /** Chip index. */
  cell: number;
  /** Board time the conversion completed, s. */
  t: number;
  /** Signed 24-bit counts as the chip latched them. */
  counts: number;
  input: Hx711Input;
  /** Force the load source gave for this conversion, N. */
  forceN: number;
  /** True once all 24 bits have been clocked out. */
  complete: boolean;
}

export interface Hx711Stats {
  conversionsLatched: number;
  readsCompleted: number;
  /** Power-downs of any kind (deliberate idle ones included). */
  powerDowns: number;
  /** Power-downs that happened while data or the 25th pulse was being clocked: a timing fault. */
  midReadPowerDowns: number;
  /**
   * Power-downs whose clock-high phase began on a conversion that was ready, with no DOUT read
   * while the clock stayed high: a deliberate power-down that met a conversion finishing just
   * before its edge (the datasheet's power-down; the chip resets). Not a fault.
   */
  powerDownsAtReady: number;
  /** Clock-high phases of a read longer than the datasheet's 50 us T3 maximum. */
  highOverT3: number;
  /** Longest clock-high phase seen during a read, s. */
  maxReadHighS: number;
  /** Rising edges while DOUT was high and no read was open (ignored by the chip). */
  pulsesWhileNotReady: number;
  /** Reads that ended with more than 27 pulses. */
  overlongReads: number;
  /** DOUT read by the MCU less than T2 (0.1 us) after a rising edge of a read: it got the previous bit. */
  doutReadsBeforeT2: number;
  /** Clock-high phases of a read shorter than T3's 0.2 us minimum. */
  highUnderT3Min: number;
  /** Clock-low phases between pulses of a read shorter than T4's 0.2 us minimum. */
  lowUnderT4Min: number;
}

export interface TimingViolation {
  /**
   * 'power-down': PD_SCK high > 60 us mid-read; 't2': DOUT read < 0.1 us after a rising edge;
   * 't3': a clock-high phase < 0.2 us; 't4': a clock-low phase < 0.2 us between pulses of a read.
   */
  kind: 'power-down' | 't2' | 't3' | 't4';
  cell: number;
  t: number;
  /** Rising-edge number within the read (1..27) the violation belongs to. */
  pulse: number;
  /** The phase that broke the rule, s: clock high (power-down, t3), edge to read (t2), clock low (t4). */
  highS: number;
  message: string;
}

export class Hx711Model {
  readonly index: number;
  rateHz: 10 | 80;
  periodS: number;
  private readonly oscErr: number;
  private readonly noiseOverride: number | undefined;
  offsetCounts: number;
  gainError: number;
  noiseRmsCounts: number;
  unplugged: false | UnpluggedMode;
  readonly stats: Hx711Stats = {
    conversionsLatched: 0, readsCompleted: 0, powerDowns: 0, midReadPowerDowns: 0, powerDownsAtReady: 0, highOverT3: 0,
    maxReadHighS: 0, pulsesWhileNotReady: 0, overlongReads: 0, doutReadsBeforeT2: 0, highUnderT3Min: 0, lowUnderT4Min: 0,
  };

  private readonly seed: number;
  private sck = 0;
  private highSince = 0;
  private lowSince = 0;
  private poweredDown = false;
  /** Conversion k completes at epoch + k * period; data valid for k >= SETTLING_PERIODS. */
  private epoch = 0;
  private epochId = 0;
  /** Highest conversion index latched in this epoch (-1: none). */
  private latchedK = -1;
  private sessionN = 0;
  private word = 0;
  private lastEdgeT = 0;
  private input: Hx711Input = 'A128';
  private current: Hx711Reading | null = null;
  /** DOUT was read (by the MCU) during the current clock-high phase. */
  private sampledWhileHigh = false;
  /** A power-down after the first rising edge of a read, not yet judged (see update()). */
  private pendingFirstEdge: TimingViolation | null = null;

  constructor(
    opts: Hx711Options,
    private loadN: (t: number) => number,
    private readonly record: (r: Hx711Reading) => void,
    private readonly onViolation: (v: TimingViolation) => void,
  ) {
    this.index = opts.index;
    this.seed = opts.seed;
    this.rateHz = opts.rateHz ?? 80;
    const spread = opts.oscillatorSpread ?? 0.03;
    this.oscErr = opts.oscillatorError ?? (uniform(this.seed, 1000 + this.index, 0) * 2 - 1) * spread;
    this.periodS = 1 / (this.rateHz * (1 + this.oscErr));
    const mag = 10 ** (4 + uniform(this.seed, 2000 + this.index, 0));
    const sign = uniform(this.seed, 2000 + this.index, 1) < 0.5 ? -1 : 1;
    this.offsetCounts = opts.offsetCounts ?? Math.round(sign * mag);
    this.gainError = opts.gainError ?? (uniform(this.seed, 3000 + this.index, 0) * 2 - 1) * 0.02;
    this.noiseOverride = opts.noiseRmsCounts;
    this.noiseRmsCounts = opts.noiseRmsCounts ?? NOISE_RMS_COUNTS[this.rateHz];
    this.unplugged = opts.unplugged ?? false;
    this.restart(0);
  }

  setLoad(fn: (t: number) => number): void {
    this.loadN = fn;
  }

  /** Oscillator error actually used, as a fraction of the nominal rate. */
  get oscillatorError(): number {
    return this.oscErr;
  }

  /** The RATE pin changed: new output rate, conversion restarts and settles (4 periods). */
  setRate(hz: 10 | 80, t: number): void {
    if (hz === this.rateHz) return;
    this.update(t);
    this.rateHz = hz;
    this.periodS = 1 / (hz * (1 + this.oscErr));
    this.noiseRmsCounts = this.noiseOverride ?? NOISE_RMS_COUNTS[hz];
    if (!this.poweredDown) this.restart(t);
  }

  /**
   * Plugs or unplugs at time t. A module coming back ('high'/'low' -> plugged) powers up: conversion
   * restarts and settles; wires of the cell ('bridge') do not touch the chip's state.
   */
  setUnplugged(mode: false | UnpluggedMode, t: number): void {
    const wasAbsent = this.unplugged === 'high' || this.unplugged === 'low';
    this.unplugged = mode;
    if (wasAbsent && (mode === false || mode === 'bridge')) {
      this.poweredDown = this.sck === 1;
      this.highSince = t;
      this.input = 'A128';
      this.restart(t);
    }
  }

  /** A reset by the board (MCU reboot: PD_SCK floats low). */
  release(t: number): void {
    this.clock(0, t);
  }

  private restart(t: number): void {
    this.epochId++;
    this.epoch = t + uniform(this.seed, 4000 + this.index, this.epochId) * this.periodS;
    this.latchedK = SETTLING_PERIODS - 1;
    this.sessionN = 0;
    this.current = null;
  }

  /** Index of the newest completed conversion at t (may be below the settling index). */
  private newestK(t: number): number {
    return Math.floor((t - this.epoch) / this.periodS);
  }

  /** Applies a power-down if the clock has been high too long by time t. */
  private update(t: number): void {
    if (this.sck === 1 && !this.poweredDown && t - this.highSince > POWER_DOWN_HIGH_S) {
      this.poweredDown = true;
      this.stats.powerDowns++;
      const n = this.sessionN;
      if (n >= 1 && n <= 25) {
        const v: TimingViolation = {
          kind: 'power-down',
          cell: this.index,
          t: this.highSince + POWER_DOWN_HIGH_S,
          pulse: n,
          highS: t - this.highSince,
          message: `HX711 ${this.index} powered down during a read: PD_SCK stayed high over 60 us after rising edge ${n} (at t=${this.highSince.toFixed(6)} s); keep the clock-high phase under 50 us (digitalPulse or a "jit" read)`,
        };
        // The datasheet's power-down is "PD_SCK high for more than 60 us", whatever DOUT shows. A
        // clock raised once (to power down) just as a conversion became ready starts a shift that
        // the power-down ends: nothing is lost that anyone reads. It is a read fault only if the
        // MCU reads DOUT while that clock is high (it was taking bit 1), judged in dout().
        if (n === 1 && !this.sampledWhileHigh) this.pendingFirstEdge = v;
        else this.reportMidRead(v);
      }
      this.sessionN = 0;
      this.current = null;
    }
  }

  private reportMidRead(v: TimingViolation): void {
    this.stats.midReadPowerDowns++;
    this.onViolation(v);
  }

  /** Closes a finished read (>= 25 pulses) once a newer conversion is ready at t. */
  private maybeCloseSession(t: number): void {
    if (this.sessionN < 25) return;
    const k = this.newestK(t);
    if (k <= this.latchedK) return;
    const n = this.sessionN;
    this.sessionN = 0;
    const sel: Hx711Input = n === 25 ? 'A128' : n === 26 ? 'B32' : 'A64';
    if (n > 27) this.stats.overlongReads++;
    if (sel !== this.input) {
      this.input = sel;
      this.restart(this.lastEdgeT);
    }
  }

  private convert(k: number): Hx711Reading {
    const t = this.epoch + k * this.periodS;
    const forceN = this.input === 'B32' ? 0 : this.loadN(t);
    const noise = gaussian(this.seed, this.index, this.epochId * 1_000_000_007 + k) * this.noiseRmsCounts;
    let counts: number;
    if (this.unplugged === 'bridge') counts = 0x7fffff;
    else {
      const signal = forceN * COUNTS_PER_NEWTON_A128 * (1 + this.gainError);
      const scale = this.input === 'A128' ? 1 : this.input === 'A64' ? 0.5 : 0.25;
      counts = Math.round(this.offsetCounts * scale + signal * scale + noise * scale);
      if (counts > 0x7fffff) counts = 0x7fffff;
      if (counts < -0x800000) counts = -0x800000;
    }
    return { cell: this.index, t, counts, input: this.input, forceN, complete: false };
  }

  /** DOUT level at time t (0 or 1). */
  dout(t: number): number {
    if (this.unplugged === 'high') return 1;
    if (this.unplugged === 'low') return 0;
    this.update(t);
    if (this.sck === 1) {
      this.sampledWhileHigh = true;
      if (this.pendingFirstEdge) {
        this.reportMidRead(this.pendingFirstEdge);
        this.pendingFirstEdge = null;
      }
    }
    if (this.poweredDown) return 1;
    const n = this.sessionN;
    if (this.sck === 1 && n >= 1 && n <= 25 && t - this.highSince < T2_DOUT_VALID_S) return this.levelBeforeEdge(n);
    if (n >= 1 && n <= 24) return (this.word >>> (24 - n)) & 1;
    if (n >= 25) {
      this.maybeCloseSession(t);
      if (this.sessionN !== 0) return 1;
    }
    return this.newestK(t) > this.latchedK ? 0 : 1;
  }

  /** DOUT just before rising edge n of a read: ready (0), the previous bit, or the LSB before the 25th. */
  private levelBeforeEdge(n: number): number {
    return n === 1 ? 0 : (this.word >>> (25 - n)) & 1;
  }

  /**
   * The MCU sampled DOUT at time t (a GPIO IN read by native code; dout() gives the level). Within
   * T2 of a rising edge of a read the sample is the previous bit: a timing violation.
   */
  mcuRead(t: number): void {
    if (this.unplugged === 'high' || this.unplugged === 'low' || this.sck !== 1 || this.poweredDown) return;
    const n = this.sessionN;
    const dt = t - this.highSince;
    if (n < 1 || n > 25 || dt >= T2_DOUT_VALID_S) return;
    this.stats.doutReadsBeforeT2++;
    this.onViolation({
      kind: 't2', cell: this.index, t, pulse: n, highS: dt,
      message: `HX711 ${this.index}: DOUT read ${(dt * 1e9).toFixed(1)} ns after PD_SCK rising edge ${n} (t=${this.highSince.toFixed(9)} s), before the datasheet's T2 of 0.1 us: the pin still showed the previous bit; wait at least 0.1 us after raising the clock`,
    });
  }

  /** A PD_SCK edge at time t. */
  clock(level: number, t: number): void {
    if (level === this.sck) return;
    if (this.unplugged === 'high' || this.unplugged === 'low') {
      this.sck = level;
      this.highSince = t;
      return;
    }
    if (level === 1) {
      this.update(t);
      this.sck = 1;
      this.highSince = t;
      this.sampledWhileHigh = false;
      if (this.poweredDown) return;
      if (this.sessionN >= 25) this.maybeCloseSession(t);
      if (this.sessionN === 0) {
        const k = this.newestK(t);
        if (k > this.latchedK) {
          this.latchedK = k;
          const r = this.convert(k);
          this.current = r;
          this.word = r.counts & 0xffffff;
          this.stats.conversionsLatched++;
          this.record(r);
          this.sessionN = 1;
        } else {
          this.stats.pulsesWhileNotReady++;
        }
      } else {
        this.sessionN++;
      }
      if (this.sessionN === 24 && this.current) {
        this.current.complete = true;
        this.stats.readsCompleted++;
      }
      const low = t - this.lowSince;
      if (this.sessionN >= 2 && low < T4_MIN_LOW_S) {
        this.stats.lowUnderT4Min++;
        this.onViolation({
          kind: 't4', cell: this.index, t, pulse: this.sessionN, highS: low,
          message: `HX711 ${this.index}: PD_SCK low for only ${(low * 1e9).toFixed(1)} ns before pulse ${this.sessionN} of a read (t=${t.toFixed(9)} s); the datasheet's T4 minimum is 0.2 us`,
        });
      }
      this.lastEdgeT = t;
    } else {
      this.update(t);
      const high = t - this.highSince;
      this.sck = 0;
      this.lowSince = t;
      const n = this.sessionN;
      if (!this.poweredDown && n >= 1 && n <= 27 && high < T3_MIN_HIGH_S) {
        this.stats.highUnderT3Min++;
        this.onViolation({
          kind: 't3', cell: this.index, t, pulse: n, highS: high,
          message: `HX711 ${this.index}: PD_SCK high for only ${(high * 1e9).toFixed(1)} ns at pulse ${n} of a read (t=${t.toFixed(9)} s); the datasheet's T3 minimum is 0.2 us`,
        });
      }
      if (this.pendingFirstEdge) {
        // The clock came back low and DOUT was never read while it was high: a power-down.
        this.pendingFirstEdge = null;
        this.stats.powerDownsAtReady++;
      }
      if (this.poweredDown) {
        this.poweredDown = false;
        this.input = 'A128';
        this.restart(t);
        return;
      }
      if (this.sessionN >= 1 && this.sessionN <= 25) {
        if (high > this.stats.maxReadHighS) this.stats.maxReadHighS = high;
        if (high > T3_MAX_HIGH_S) this.stats.highOverT3++;
      }
    }
  }

  /** Next time DOUT falls on its own (data ready), or Infinity (powered down, unplugged). */
  nextReadyTime(t: number): number {
    if (this.unplugged) return Infinity;
    this.update(t);
    if (this.poweredDown) return Infinity;
    if (this.sessionN >= 1 && this.sessionN <= 24) return Infinity;
    let k = Math.max(this.latchedK + 1, this.newestK(Math.max(t, this.lastEdgeT)) + 1);
    while (this.epoch + k * this.periodS <= t) k++;
    return this.epoch + k * this.periodS;
  }

  /** Time at which a clock held high since `highSince` powers the chip down, if it is high now. */
  powerDownDeadline(): number {
    return this.sck === 1 && !this.poweredDown ? this.highSince + POWER_DOWN_HIGH_S : Infinity;
  }

  get isPoweredDown(): boolean {
    return this.poweredDown;
  }

  get selectedInput(): Hx711Input {
    return this.input;
  }
}
