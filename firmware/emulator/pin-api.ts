/**
 * The runtime's pin room: Pin and D0..D31, LED/BTN, digitalRead/Write, pinMode, digitalPulse,
 * shiftOut, software SPI (spi-model.ts) and setWatch/clearWatch with Espruino's input event queue.
 */
import type { ApiHost, DefineGlobal } from './api-host.ts';
import type { BoardDef } from './boards.ts';
import { PIN_COUNT, PIN_MODES, type PinBank, type PinMode } from './pins.ts';
import { makeSoftSpiClass, SPI_BYTE_OVERHEAD_S, SPI_GPIO_OP_S } from './spi-model.ts';
import { EspPin, pinOf, toBytes, type Listener } from './values.ts';

/**
 * Espruino's input event queue (watch edges wait here until the idle loop runs them); when it is
 * full new events are lost and the FIFO_FULL error flag is set. 64 entries is our assumption for
 * the nRF52 builds (IOBUFFERMASK 63); the exact size is board-file dependent.
 */
export class InputQueue {
  static readonly EVENTS = 64;
  pending = 0;
  /** Events lost because the queue was full (since power-on). */
  dropped = 0;
  constructor(private readonly onFull: () => void) {}

  /** Takes a place for one event; false (and the FIFO_FULL flag) when the queue is full. */
  take(): boolean {
    if (this.pending >= InputQueue.EVENTS) {
      this.dropped++;
      this.onFull();
      return false;
    }
    this.pending++;
    return true;
  }

  release(): void {
    this.pending--;
  }

  /** A reboot empties the queue. */
  clear(): void {
    this.pending = 0;
  }
}

export interface PinApiContext {
  pins: PinBank;
  board: BoardDef;
  io: InputQueue;
  /** Virtual time of the last boot, s (watch event times are device times). */
  bootAt: () => number;
}

export function installPinApi(def: DefineGlobal, host: ApiHost, { pins, board, io, bootAt }: PinApiContext): void {
  const { clock, R } = host;
  const api = host.api.bind(host);
  def('Pin', EspPin);
  for (let i = 0; i < PIN_COUNT; i++) def(`D${i}`, new EspPin(i, host));
  board.leds.forEach((p, i) => def(`LED${i + 1}`, new EspPin(p, host)));
  if (board.button !== undefined) {
    def('BTN', new EspPin(board.button, host));
    def('BTN1', new EspPin(board.button, host));
  }
  const autoIn = (p: number): void => {
    if (!pins.manualMode[p]) pins.setMode(p, 'input');
  };
  const autoOut = (p: number): void => {
    if (!pins.manualMode[p]) pins.setMode(p, 'output');
  };
  def('digitalRead', api('digitalRead', (pin: unknown): number => {
    if (Array.isArray(pin)) {
      let v = 0;
      for (let i = 0; i < pin.length; i++) {
        const p = pinOf(pin[i]);
        autoIn(p);
        v = (v << 1) | pins.level(p, clock.now);
      }
      return v;
    }
    const p = pinOf(pin);
    autoIn(p);
    return pins.level(p, clock.now);
  }));
  def('digitalWrite', api('digitalWrite', (pin: unknown, value: unknown): void => {
    const v = Number(value) | 0;
    if (Array.isArray(pin)) {
      const n = pin.length;
      for (let i = 0; i < n; i++) {
        const p = pinOf(pin[i]);
        autoOut(p);
        pins.drive(p, (v >> (n - 1 - i)) & 1, clock.now);
      }
      return;
    }
    const p = pinOf(pin);
    autoOut(p);
    pins.drive(p, v ? 1 : 0, clock.now);
  }));
  def('pinMode', api('pinMode', (pin: unknown, mode?: unknown, automatic?: unknown): string | undefined => {
    const p = pinOf(pin);
    if (mode === undefined) return pins.mode[p];
    if (typeof mode !== 'string' || !(PIN_MODES as readonly string[]).includes(mode)) {
      throw new TypeError(`pinMode: unknown mode '${String(mode)}'; expected one of ${PIN_MODES.join(', ')}`);
    }
    pins.setMode(p, mode === 'auto' ? 'auto' : (mode as PinMode));
    pins.manualMode[p] = mode !== 'auto' && !automatic;
    return undefined;
  }));
  def('getPinMode', api('getPinMode', (pin: unknown) => pins.mode[pinOf(pin)]));
  def('digitalPulse', api('digitalPulse', (pin: unknown, value: unknown, time: unknown): void => {
    const p = pinOf(pin);
    autoOut(p);
    const times: number[] = Array.isArray(time) ? time.map(Number) : ArrayBuffer.isView(time) ? Array.from(time as unknown as ArrayLike<number>) : [Number(time)];
    if (times.some((x) => !(x >= 0))) throw new Error(`digitalPulse: pulse times must be >= 0 ms, got ${String(time)}`);
    if (times.length === 1 && times[0] === 0) {
      const end = pins.pulseEndTime(p);
      if (end > clock.now) clock.spend(end - clock.now);
      return;
    }
    pins.pulse(p, value ? 1 : 0, times, clock.now);
  }));
  def('shiftOut', api('shiftOut', (pinsArg: unknown, options: unknown, data: unknown): void => {
    const dataPins = (Array.isArray(pinsArg) ? pinsArg : [pinsArg]).map((x) => pinOf(x));
    const o = (options ?? {}) as { clk?: unknown; clkPol?: unknown; repeat?: unknown };
    const clk = o.clk === undefined ? -1 : pinOf(o.clk);
    const pol = o.clkPol ? 1 : 0;
    const bytes = toBytes(data, 'shiftOut data');
    const repeat = o.repeat === undefined ? 1 : Number(o.repeat);
    let t = clock.now;
    const bitS = 1e-6;
    for (const p of dataPins) autoOut(p);
    if (clk >= 0) autoOut(clk);
    const bits: number[] = [];
    for (let r = 0; r < repeat; r++) for (const b of bytes) for (let k = 7; k >= 0; k--) bits.push((b >> k) & 1);
    for (let i = 0; i < bits.length; i += dataPins.length) {
      dataPins.forEach((p, j) => pins.drive(p, bits[i + j] ?? 0, t));
      if (clk >= 0) {
        pins.drive(clk, 1 - pol, t + bitS / 2);
        pins.drive(clk, pol, t + bitS);
      }
      t += bitS;
    }
    clock.now = Math.max(clock.now, t);
  }));

  def('SPI', makeSoftSpiClass({
    pins, clock, pinOf, autoOut, autoIn,
    api: (name, impl) => api(name, impl), vmBytes: (b) => host.vmBytes(b),
    vmArray: (v) => { const a = new R.Array() as unknown[]; for (const x of v) a.push(x); return a; },
    gpioOpSeconds: SPI_GPIO_OP_S, byteOverheadSeconds: SPI_BYTE_OVERHEAD_S,
  }));

  def('setWatch', api('setWatch', (fn: unknown, pin: unknown, options: unknown): number => {
    if (typeof fn !== 'function') throw new TypeError('setWatch: the first argument must be a function');
    const p = pinOf(pin);
    const o = (typeof options === 'object' && options !== null ? options : { repeat: !!options }) as Record<string, unknown>;
    if (o.irq) throw new Error('setWatch {irq:true} is not implemented by the Tripod emulator');
    let edge: 'rising' | 'falling' | 'both' = 'both';
    if (o.edge === 'rising' || o.edge === 1) edge = 'rising';
    else if (o.edge === 'falling' || o.edge === -1) edge = 'falling';
    else if (o.edge !== undefined && o.edge !== 'both' && o.edge !== 0) throw new TypeError(`setWatch: edge must be 'rising', 'falling' or 'both', got ${String(o.edge)}`);
    autoIn(p);
    const data = o.data === undefined ? undefined : pinOf(o.data);
    return pins.addWatch(p, { repeat: !!o.repeat, edge, debounce: o.debounce === undefined ? 0 : Number(o.debounce), ...(data !== undefined ? { data } : {}) },
      (state, time, lastTime, d) => {
        if (!io.take()) return;
        const ev = R.mkWatchEvent(state, time - bootAt(), lastTime === undefined ? undefined : lastTime - bootAt(), d);
        clock.js.push(time, () => {
          io.release();
          host.runCallback(fn as Listener, [ev]);
        });
      }, clock.now);
  }));
  def('clearWatch', api('clearWatch', (id?: unknown): void => {
    if (id === undefined) {
      pins.clearWatch();
      return;
    }
    if (!pins.hasWatch(Number(id))) throw new Error(`Unknown Watch ${String(id)}`);
    pins.clearWatch(Number(id));
  }));
}
