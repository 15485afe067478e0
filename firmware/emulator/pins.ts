import type { VirtualClock } from './clock.ts';

/**
 * The nRF52's GPIO as the firmware sees it: 32 pins with a mode, an output latch, optional
 * external drivers (an HX711's DOUT) and listeners (an HX711's PD_SCK), hardware-timed pulses
 * (`digitalPulse`) and edge watches (`setWatch`).
 */

export const PIN_COUNT = 32;
export const PIN_MODES = [
  'analog', 'input', 'input_pullup', 'input_pulldown', 'output', 'opendrain', 'af_output',
  'af_opendrain', 'opendrain_pullup', 'auto',
] as const;
export type PinMode = (typeof PIN_MODES)[number];

/** Something outside the chip driving a pin. */
export interface PinDriver {
  level(t: number): number;
  /** Next time the level may change by itself (for watches); Infinity if only on clock edges. */
  nextChange(t: number): number;
}

export interface WatchOptions {
  repeat: boolean;
  edge: 'rising' | 'falling' | 'both';
  /** ms; 0 disables debouncing. */
  debounce: number;
  data?: number;
}

interface Watch {
  id: number;
  pin: number;
  opts: WatchOptions;
  fire: (state: boolean, time: number, lastTime: number | undefined, data: number | undefined) => void;
  lastTime: number | undefined;
  lastReported: number;
  debounceUntil: number;
}

/** Modes that drive the pin from its output latch. */
export const isOutputMode = (m: PinMode): boolean => m === 'output' || m === 'opendrain' || m === 'af_output' || m === 'af_opendrain' || m === 'opendrain_pullup';
/** Modes whose input buffer is connected (the GPIO IN register shows the level); the rest read 0 there. */
export const isInputConnected = (m: PinMode): boolean => m === 'input' || m === 'input_pullup' || m === 'input_pulldown' || m === 'opendrain_pullup' || m === 'af_opendrain';

export class PinBank {
  /** Each pin's mode; set it with setMode (which keeps inputMask and outputMask). */
  readonly mode: readonly PinMode[];
  private readonly modes: PinMode[] = new Array<PinMode>(PIN_COUNT).fill('auto');
  /** Bit n set: pin n's mode connects its input buffer (isInputConnected). */
  inputMask = 0;
  /** Bit n set: pin n's mode drives it from the latch (isOutputMode). */
  outputMask = 0;
  /** Whether pinMode() set the mode (then digitalWrite/Read leave it alone). */
  readonly manualMode: boolean[] = new Array<boolean>(PIN_COUNT).fill(false);
  readonly out: number[] = new Array<number>(PIN_COUNT).fill(0);
  private readonly drivers: Array<PinDriver | undefined> = new Array(PIN_COUNT).fill(undefined);
  private readonly listeners: Array<Array<(level: number, t: number) => void>> = Array.from({ length: PIN_COUNT }, () => []);
  private readonly pulseEnd: number[] = new Array<number>(PIN_COUNT).fill(0);
  private watches: Watch[] = [];
  private nextWatchId = 1;
  private wakeup: { cancelled: boolean } | null = null;
  private readonly lastSeen: number[] = new Array<number>(PIN_COUNT).fill(-1);
  edges = 0;

  constructor(private readonly clock: VirtualClock) {
    this.mode = this.modes;
  }

  setMode(pin: number, m: PinMode): void {
    this.modes[pin] = m;
    const bit = 1 << pin;
    this.inputMask = isInputConnected(m) ? this.inputMask | bit : this.inputMask & ~bit;
    this.outputMask = isOutputMode(m) ? this.outputMask | bit : this.outputMask & ~bit;
  }

  attachDriver(pin: number, d: PinDriver): void {
    this.drivers[pin] = d;
  }

  onOutput(pin: number, fn: (level: number, t: number) => void): void {
    this.listeners[pin]!.push(fn);
  }

  /** Level seen on the pin at time t. */
  level(pin: number, t: number): number {
    const d = this.drivers[pin];
    const m = this.mode[pin]!;
    if (m === 'output' || m === 'af_output') return this.out[pin]!;
    const opendrain = m === 'opendrain' || m === 'opendrain_pullup' || m === 'af_opendrain';
    if (opendrain && this.out[pin] === 0) return 0;
    if (d) return d.level(t);
    return m === 'input_pullup' || m === 'opendrain_pullup' ? 1 : 0;
  }

  /** Sets the output latch at time t and tells listeners about an edge. */
  drive(pin: number, level: number, t: number): void {
    const v = level ? 1 : 0;
    if (this.out[pin] === v) return;
    this.out[pin] = v;
    const ls = this.listeners[pin]!;
    if (ls.length > 0) {
      this.edges++;
      for (const l of ls) l(v, t);
    }
    if (this.watches.length > 0) this.pollWatches(t);
  }

  /** Schedules a hardware-timed pulse train; returns the time it ends. */
  pulse(pin: number, value: number, timesMs: number[], now: number): number {
    let t = Math.max(now, this.pulseEnd[pin]!);
    let level = value ? 1 : 0;
    const first = t;
    if (first <= now) this.drive(pin, level, now);
    else this.clock.hw.push(first, () => this.drive(pin, value ? 1 : 0, first));
    for (const ms of timesMs) {
      t += ms / 1000;
      level = level ? 0 : 1;
      const at = t;
      const lv = level;
      this.clock.hw.push(at, () => this.drive(pin, lv, at));
    }
    this.pulseEnd[pin] = t;
    return t;
  }

  pulseEndTime(pin: number): number {
    return this.pulseEnd[pin]!;
  }

  // ---- watches ----

  addWatch(pin: number, opts: WatchOptions, fire: Watch['fire'], t: number): number {
    const id = this.nextWatchId++;
    const lvl = this.level(pin, t);
    this.lastSeen[pin] = lvl;
    this.watches.push({ id, pin, opts, fire, lastTime: undefined, lastReported: lvl, debounceUntil: 0 });
    this.armWakeup(t);
    return id;
  }

  hasWatch(id: number): boolean {
    return this.watches.some((w) => w.id === id);
  }

  clearWatch(id?: number): void {
    this.watches = id === undefined ? [] : this.watches.filter((w) => w.id !== id);
  }

  get watchCount(): number {
    return this.watches.length;
  }

  /** Compares watched pins with their last level and fires watches for edges at time t. */
  pollWatches(t: number): void {
    if (this.watches.length === 0) return;
    const seen = new Set<number>();
    for (const w of this.watches.slice()) {
      if (seen.has(w.pin)) continue;
      seen.add(w.pin);
      const lvl = this.level(w.pin, t);
      const prev = this.lastSeen[w.pin]!;
      if (lvl === prev) continue;
      this.lastSeen[w.pin] = lvl;
      for (const x of this.watches.slice()) if (x.pin === w.pin) this.edgeForWatch(x, lvl, t);
    }
    this.armWakeup(t);
  }

  private edgeForWatch(w: Watch, lvl: number, t: number): void {
    if (w.opts.debounce > 0) {
      const check = t + w.opts.debounce / 1000;
      w.debounceUntil = check;
      this.clock.hw.push(check, () => {
        if (w.debounceUntil !== check || !this.watches.includes(w)) return;
        const now = this.level(w.pin, check);
        if (now === w.lastReported) return;
        this.report(w, now, check);
      });
      return;
    }
    this.report(w, lvl, t);
  }

  private report(w: Watch, lvl: number, t: number): void {
    w.lastReported = lvl;
    const e = w.opts.edge;
    if ((e === 'rising' && lvl !== 1) || (e === 'falling' && lvl !== 0)) return;
    const last = w.lastTime;
    w.lastTime = t;
    if (!w.opts.repeat) this.watches = this.watches.filter((x) => x !== w);
    const data = w.opts.data !== undefined ? this.level(w.opts.data, t) : undefined;
    w.fire(lvl === 1, t, last, data);
  }

  /** Keeps one hardware wake-up at the next time a watched driven pin may change by itself. */
  armWakeup(t: number): void {
    if (this.wakeup) this.wakeup.cancelled = true;
    this.wakeup = null;
    let next = Infinity;
    for (const w of this.watches) {
      const d = this.drivers[w.pin];
      if (d) next = Math.min(next, d.nextChange(t));
    }
    if (next === Infinity) return;
    const at = next > t ? next : t + 1e-9;
    const token = { cancelled: false };
    this.wakeup = token;
    this.clock.hw.push(at, () => {
      if (token.cancelled) return;
      this.wakeup = null;
      this.pollWatches(at);
    });
  }
}
