import * as vm from 'node:vm';
import { crc32 } from 'node:zlib';
import * as acorn from 'acorn';
import { VirtualClock } from './clock.ts';
import { makeSoftSpiClass, mapInPlace, SPI_BYTE_OVERHEAD_S, SPI_GPIO_OP_S } from './spi-model.ts';
import { callCosts, DEFAULT_COSTS, type CallCosts, type CostModel } from './costs.ts';
import {
  instrumentSource, REMOVE_ABSENT_BUILTINS, UNIMPLEMENTED_E, UNIMPLEMENTED_GLOBALS, UNIMPLEMENTED_NRF,
  UNIMPLEMENTED_STORAGE, type ExecMode,
} from './espruino-env.ts';
import { Hx711Model, type Hx711Options, type Hx711Reading, type TimingViolation, type UnpluggedMode } from './hx711-model.ts';
import { NrfModel } from './nrf-model.ts';
import { PIN_COUNT, PIN_MODES, PinBank, type PinMode } from './pins.ts';
import { bytesOfString, stringOfBytes, StorageModel } from './storage-model.ts';
import { CPU_HZ, NativeMachine, ThumbFault } from './native-machine.ts';
import { PinBankGpio } from './native-gpio.ts';
import { ESPRUINO_VERSION, type BoardDef, type Hx711Wiring } from './boards.ts';
import type { CellForces, LoadSource } from './load-source.ts';

/**
 * The Espruino interpreter's world inside a Node `vm` context: globals, timers, pins, the HX711s,
 * the radio, Storage and the serial devices, all on one virtual clock. The firmware source runs
 * unchanged (functions with a "jit"/"ram" first statement are marked so their API calls cost less).
 */

export type FaultPolicy = 'throw' | 'log';

export interface CellOverrides {
  offsetCounts?: number;
  gainError?: number;
  noiseRmsCounts?: number;
  oscillatorError?: number;
  unplugged?: boolean | UnpluggedMode;
}

export interface RuntimeOptions {
  board: BoardDef;
  source: string;
  seed: number;
  address: string;
  storage: StorageModel;
  loads: LoadSource;
  costs: CostModel;
  wiring: Hx711Wiring;
  cells: CellOverrides[];
  oscillatorSpread: number;
  /** Uncaught firmware errors: 'throw' makes advance() throw after the callback; 'log' only prints. */
  onUncaught: FaultPolicy;
  /** HX711 power-down during a read: 'throw' makes advance() throw; 'log' only counts. */
  onTimingViolation: FaultPolicy;
  /** Whether a USB-serial adapter is on Serial1 at power-on (the console starts there). */
  serialAttached: boolean;
  txQueueSize: number | undefined;
  packetsPerEvent: number | undefined;
  batteryVolts: number | undefined;
  temperatureC: number;
  /** Keep at most this many HX711 readings for cellTruth() (oldest dropped). */
  truthLimit: number;
}

/** A fault that stops advance(): an uncaught firmware error or an HX711 timing violation. */
export class EmulatorFault extends Error {
  override readonly name = 'EmulatorFault';
  constructor(message: string, readonly kind: 'uncaught' | 'timing' | 'api' | 'native', readonly at: number) {
    super(message);
  }
}

class RebootSignal {
  readonly reboot = true;
}

type Listener = (...args: unknown[]) => unknown;

/** Minimal Espruino-style event emitter for host objects exposed to the firmware. */
class Emitter {
  listeners = new Map<string, Listener[]>();
  on(evt: string, fn: Listener): void {
    if (typeof fn !== 'function') throw new TypeError(`${evt} listener must be a function`);
    const l = this.listeners.get(evt) ?? [];
    l.push(fn);
    this.listeners.set(evt, l);
  }
  removeListener(evt: string, fn: Listener): void {
    const l = this.listeners.get(evt);
    if (l) this.listeners.set(evt, l.filter((x) => x !== fn));
  }
  removeAllListeners(evt?: string): void {
    if (evt === undefined) this.listeners.clear();
    else this.listeners.delete(evt);
  }
  get(evt: string): Listener[] {
    return this.listeners.get(evt) ?? [];
  }
}

type SerialName = 'Serial1' | 'Bluetooth' | 'LoopbackA' | 'LoopbackB';

interface Timer {
  id: number;
  fn: Listener;
  args: unknown[];
  intervalS: number;
  t: number;
  cancel: { cancelled: boolean };
}

export interface ApiStats {
  /** Espruino API calls by name (digitalRead, NRF.updateServices, ...). */
  apiCalls: Record<string, number>;
  totalApiCalls: number;
  /** Of those, made inside a "jit" function. */
  jitApiCalls: number;
  /** Callbacks dispatched by the idle loop (timers, watches, events). */
  callbacks: number;
  /** Virtual seconds spent in API calls, loop iterations and callback dispatch (the modelled CPU time). */
  cpuSeconds: number;
  /** Loop iterations the firmware ran (charged at the cost table's "empty loop iteration"). */
  loopIterations: number;
  /** Calls of functions made by E.nativeCall (machine code run by the Thumb interpreter). */
  nativeCalls: number;
  /** Cortex-M0 cycles those calls took (at 64 MHz: nativeCycles / 64e6 s, included in cpuSeconds). */
  nativeCycles: number;
  /** Thumb instructions those calls executed. */
  nativeInstructions: number;
  /** Native calls and cycles keyed by the first argument's value (e.g. the op of tripod_native). */
  nativeByFirstArg: Record<string, { calls: number; cycles: number }>;
}

export class EspruinoRuntime {
  readonly clock = new VirtualClock();
  readonly pins: PinBank;
  readonly nrf: NrfModel;
  readonly storage: StorageModel;
  readonly hx: Hx711Model[] = [];
  readonly truth: Hx711Reading[][] = [[], [], [], []];
  readonly violations: TimingViolation[] = [];
  readonly uncaught: Array<{ t: number; message: string }> = [];
  /** Everything the firmware printed to its console, newest last (bounded). */
  readonly consoleLog: string[] = [];
  private costs: CallCosts;
  private ctx!: vm.Context;
  private R!: {
    Uint8Array: Uint8ArrayConstructor; ArrayBuffer: ArrayBufferConstructor; Error: ErrorConstructor;
    TypeError: TypeErrorConstructor; JSON: JSON; Array: ArrayConstructor; mkWatchEvent: (s: boolean, t: number, l: number | undefined, d: number | undefined) => unknown;
    mkObject: () => Record<string, unknown>;
  };
  private modeStack: ExecMode[] = [];
  private costNow: number;
  private apiCounts = new Map<string, number>();
  private stats = { totalApiCalls: 0, jitApiCalls: 0, callbacks: 0, cpuSeconds: 0 };
  private timers = new Map<number, Timer>();
  private nextTimerId = 1;
  private bootAt = 0;
  private fault: EmulatorFault | null = null;
  private rebootPending = false;
  private nrfEvents = new Emitter();
  private eEvents = new Emitter();
  private serialEvents: Record<SerialName, Emitter> = { Serial1: new Emitter(), Bluetooth: new Emitter(), LoopbackA: new Emitter(), LoopbackB: new Emitter() };
  private consoleName: SerialName | null = null;
  private consoleForced = false;
  private serialBaud = 0;
  private serialTxBusyUntil = 0;
  private replBuf: Record<string, string> = {};
  private serialHostListeners: Array<(bytes: Uint8Array) => void> = [];
  private loads: LoadSource;
  private loadCacheT = NaN;
  private loadCache: CellForces = [0, 0, 0, 0];
  readonly jitErrors: Array<{ line: number; reason: string }> = [];
  private instrumented: string;
  /** The RAM and Thumb core behind E.nativeCall / E.getAddressOf (new at each boot: RAM is lost on reset). */
  native!: NativeMachine;
  private nativeGpio!: PinBankGpio;
  private readonly nativeStats = { calls: 0, cycles: 0, instructions: 0 };
  /** Native calls and cycles by the call's first argument (Tripod's entry takes the op there). */
  private readonly nativeByFirstArg = new Map<number, { calls: number; cycles: number }>();

  constructor(readonly opts: RuntimeOptions) {
    this.costs = callCosts(opts.costs);
    this.costNow = this.costs.interpreted;
    this.pins = new PinBank(this.clock);
    this.storage = opts.storage;
    this.loads = opts.loads;
    const defaultName = `${opts.board.namePrefix} ${opts.address.replace(/:/g, '').slice(-4)}`;
    this.nrf = new NrfModel(this.clock, {
      address: opts.address, defaultName, batteryVolts: opts.batteryVolts ?? opts.board.batteryVolts,
      ...(opts.txQueueSize !== undefined ? { txQueueSize: opts.txQueueSize } : {}),
      ...(opts.packetsPerEvent !== undefined ? { packetsPerEvent: opts.packetsPerEvent } : {}),
    }, {
      emitNrf: (t, evt, args) => this.queueEmit(t, this.nrfEvents, evt, args),
      callOnWrite: (t, fn, data) => this.clock.js.push(t, () => this.runCallback(fn as Listener, [this.mkWriteEvent(data)])),
      uartRx: (t, data) => this.clock.js.push(t, () => this.deviceReceive('Bluetooth', data)),
      print: (text) => this.consoleWrite(text),
      linkChanged: (connected) => this.onLinkChanged(connected),
    }, (v, what) => this.toBytes(v, what, true));
    this.setupHx711();
    const inst = instrumentSource(opts.source);
    this.instrumented = inst.code;
    this.jitErrors.push(...inst.jitErrors);
    this.boot();
  }

  // ---------------- HX711 wiring ----------------

  private setupHx711(): void {
    const w = this.opts.wiring;
    for (let i = 0; i < 4; i++) {
      const o = this.opts.cells[i] ?? {};
      const hxOpts: Hx711Options = {
        index: i, seed: this.opts.seed, rateHz: w.rateHz, oscillatorSpread: this.opts.oscillatorSpread,
        ...(o.offsetCounts !== undefined ? { offsetCounts: o.offsetCounts } : {}),
        ...(o.gainError !== undefined ? { gainError: o.gainError } : {}),
        ...(o.noiseRmsCounts !== undefined ? { noiseRmsCounts: o.noiseRmsCounts } : {}),
        ...(o.oscillatorError !== undefined ? { oscillatorError: o.oscillatorError } : {}),
        unplugged: o.unplugged === true ? 'high' : o.unplugged || false,
      };
      const cell = i;
      const m = new Hx711Model(hxOpts, (t) => this.forceAt(t)[cell]!, (r) => this.recordTruth(r), (v) => this.onViolation(v));
      this.hx.push(m);
      const dout = w.dout[i]!;
      this.pins.attachDriver(dout, { level: (t) => m.dout(t), nextChange: (t) => m.nextReadyTime(t) });
      const sck = Array.isArray(w.sck) ? w.sck[i]! : w.sck;
      this.pins.onOutput(sck, (lv, t) => m.clock(lv, t));
    }
    if (w.rate >= 0) this.pins.onOutput(w.rate, (lv, t) => { for (const m of this.hx) m.setRate(lv ? 80 : 10, t); });
  }

  private forceAt(t: number): CellForces {
    if (t !== this.loadCacheT) {
      const f = this.loads(t);
      if (!Array.isArray(f) || f.length !== 4 || !f.every((x) => Number.isFinite(x))) {
        throw new TypeError(`load source returned ${JSON.stringify(f)} at t=${t} s; expected four finite newton values`);
      }
      this.loadCache = f;
      this.loadCacheT = t;
    }
    return this.loadCache;
  }

  setLoads(src: LoadSource): void {
    this.loads = src;
    this.loadCacheT = NaN;
  }

  private recordTruth(r: Hx711Reading): void {
    const list = this.truth[r.cell]!;
    list.push(r);
    const limit = this.opts.truthLimit;
    if (list.length > limit + (limit >> 2) + 16) list.splice(0, list.length - limit);
  }

  private onViolation(v: TimingViolation): void {
    this.violations.push(v);
    if (this.opts.onTimingViolation === 'throw' && !this.fault) this.fault = new EmulatorFault(v.message, 'timing', v.t);
  }

  // ---------------- boot ----------------

  private boot(): void {
    this.bootAt = this.clock.now;
    this.modeStack = [];
    this.costNow = this.costs.interpreted;
    this.timers.clear();
    this.clock.js.clear();
    this.pins.clearWatch();
    this.nrfEvents = new Emitter();
    this.eEvents = new Emitter();
    for (const k of Object.keys(this.serialEvents) as SerialName[]) this.serialEvents[k] = new Emitter();
    this.replBuf = {};
    this.ioPending = 0;
    this.errorFlags.clear();
    this.consoleForced = false;
    this.serialBaud = this.opts.serialAttached && this.opts.board.serialConsole ? 9600 : 0;
    this.consoleName = this.defaultConsole();
    this.nativeGpio = new PinBankGpio(this.pins, this.clock, CPU_HZ, (t) => {
      for (const m of this.hx) m.mcuRead(t);
    });
    this.native = new NativeMachine({ gpio: this.nativeGpio });
    this.ctx = vm.createContext({}, { name: 'espruino', codeGeneration: { strings: true, wasm: false } });
    vm.runInContext(REMOVE_ABSENT_BUILTINS, this.ctx);
    this.R = vm.runInContext(`({ Uint8Array: Uint8Array, ArrayBuffer: ArrayBuffer, Error: Error, TypeError: TypeError, JSON: JSON, Array: Array,
      mkWatchEvent: function (s, t, l, d) { var e = { state: s, time: t, lastTime: l }; if (d !== undefined) e.data = d; return e; },
      mkObject: function () { return {}; } })`, this.ctx) as typeof this.R;
    this.installGlobals();
    this.runProgram();
  }

  private runProgram(): void {
    for (const name of ['.boot0', '.boot1', '.boot2', '.boot3']) {
      const b = this.storage.read(name);
      if (b) this.runTop(() => vm.runInContext(stringOfBytes(b), this.ctx, { filename: name }));
    }
    this.runTop(() => vm.runInContext(this.instrumented, this.ctx, { filename: 'tripod.js' }));
    for (const j of this.jitErrors) this.consoleWrite(`JIT error: ${j.reason} not supported (function at line ${j.line}); running it as normal JS\r\n`);
    this.queueEmit(this.clock.now, this.eEvents, 'init', []);
  }

  private runTop(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.handleThrown(e);
    }
    this.afterCallback();
  }

  private bootsAtSameTime = 0;
  private lastBootTime = -1;

  reboot(): void {
    const t = this.clock.now;
    this.bootsAtSameTime = t - this.lastBootTime < 0.01 ? this.bootsAtSameTime + 1 : 0;
    this.lastBootTime = t;
    if (this.bootsAtSameTime >= 5) {
      this.bootsAtSameTime = 0;
      throw new EmulatorFault(`the firmware rebooted 5 times within 10 ms of board time (t=${t.toFixed(4)} s): a reboot loop at boot`, 'api', t);
    }
    this.clock.hw.clear();
    this.nrf.reset();
    for (let p = 0; p < PIN_COUNT; p++) {
      this.pins.mode[p] = 'auto';
      this.pins.manualMode[p] = false;
      this.pins.out[p] = 0;
    }
    for (const m of this.hx) m.release(t);
    this.boot();
  }

  // ---------------- running JS ----------------

  /** Loop iterations the firmware ran since the last charge, by mode (incremented by instrumented code). */
  private readonly loopCounts = new Float64Array(3);
  loopIterations = 0;

  /** Charges the loop iterations counted since the last API call. */
  private chargeLoops(): void {
    const c = this.loopCounts;
    if (c[0] === 0 && c[1] === 0 && c[2] === 0) return;
    const l = this.costs.loop;
    const s = c[0]! * l[0] + c[1]! * l[1] + c[2]! * l[2];
    this.loopIterations += c[0]! + c[1]! + c[2]!;
    c.fill(0);
    this.stats.cpuSeconds += s;
    this.clock.spend(s);
  }

  private countCall(name: string): void {
    this.chargeLoops();
    this.apiCounts.set(name, (this.apiCounts.get(name) ?? 0) + 1);
    this.stats.totalApiCalls++;
    if (this.modeStack.length > 0 && this.modeStack[this.modeStack.length - 1] === 'jit') this.stats.jitApiCalls++;
    this.stats.cpuSeconds += this.costNow;
    this.clock.spend(this.costNow);
  }

  /** Wraps an implementation as an Espruino API function: counted, charged, errors re-thrown in the firmware's realm. */
  private api<A extends unknown[], T>(name: string, impl: (...a: A) => T): (...a: A) => T {
    const self = this;
    return function (this: unknown, ...args: A): T {
      self.countCall(name);
      try {
        return impl.apply(this, args);
      } catch (e) {
        throw self.toVmError(e);
      }
    };
  }

  private unimplemented(name: string): () => never {
    const self = this;
    return function () {
      throw new self.R.Error(`${name} is an Espruino API the Tripod emulator does not implement; add it to firmware/emulator or avoid it`);
    };
  }

  private toVmError(e: unknown): unknown {
    if (e instanceof RebootSignal) return e;
    if (e instanceof TypeError) return new this.R.TypeError(e.message);
    if (e instanceof Error && !(e instanceof (this.R.Error as unknown as typeof Error))) return new this.R.Error((e as Error).message);
    return e;
  }

  private runCallback(fn: Listener, args: unknown[], thisArg?: unknown): void {
    if (typeof fn !== 'function') return;
    this.stats.callbacks++;
    this.stats.cpuSeconds += this.costs.callback;
    this.clock.spend(this.costs.callback);
    try {
      fn.apply(thisArg, args);
    } catch (e) {
      this.handleThrown(e);
    }
    this.afterCallback();
  }

  private afterCallback(): void {
    this.chargeLoops();
    this.modeStack = [];
    this.costNow = this.costs.interpreted;
    if (this.rebootPending) {
      this.rebootPending = false;
      this.reboot();
    }
  }

  private handleThrown(e: unknown): void {
    if (e instanceof RebootSignal) {
      this.rebootPending = true;
      return;
    }
    const err = e as { name?: string; message?: string; stack?: string };
    const name = err && typeof err === 'object' && err.name ? err.name : 'Error';
    const msg = err && typeof err === 'object' && err.message !== undefined ? err.message : String(e);
    this.consoleWrite(`Uncaught ${name}: ${msg}\r\n`);
    this.uncaught.push({ t: this.clock.now, message: `${name}: ${msg}` });
    if (this.opts.onUncaught === 'throw' && !this.fault) {
      const where = err?.stack ? `\n${String(err.stack).split('\n').slice(1, 4).join('\n')}` : '';
      this.fault = new EmulatorFault(`firmware threw at t=${this.clock.now.toFixed(4)} s: ${name}: ${msg}${where}`, 'uncaught', this.clock.now);
    }
  }

  private queueEmit(t: number, em: Emitter, evt: string, args: unknown[]): void {
    this.clock.js.push(t, () => {
      for (const fn of em.get(evt)) this.runCallback(fn, args);
    });
  }

  /** Runs the board until `seconds` of virtual time have passed. Throws an EmulatorFault on a fault. */
  advance(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError(`advance(${seconds}): seconds must be >= 0`);
    const target = this.clock.now + seconds;
    const { hw, js } = this.clock;
    for (;;) {
      const tHw = hw.peekTime();
      const tJs = js.peekTime();
      if (tHw <= tJs) {
        if (tHw > target) break;
        const ev = hw.pop()!;
        if (ev.t > this.clock.now) this.clock.now = ev.t;
        ev.run();
      } else {
        if (tJs > target) break;
        const ev = js.pop()!;
        if (ev.t > this.clock.now) this.clock.now = ev.t;
        ev.run();
      }
      if (this.fault) this.throwFault();
    }
    if (this.clock.now < target) this.clock.now = target;
    if (this.fault) this.throwFault();
  }

  private throwFault(): never {
    const f = this.fault!;
    this.fault = null;
    throw f;
  }

  // ---------------- conversions ----------------

  private pinOf(p: unknown): number {
    if (typeof p === 'number') {
      if (p >= 0 && p < PIN_COUNT && (p | 0) === p) return p;
    } else if (p instanceof EspPin) return p.n;
    else if (typeof p === 'string') {
      const m = /^D(\d+)$/.exec(p);
      if (m && Number(m[1]) < PIN_COUNT) return Number(m[1]);
    }
    throw new TypeError(`Invalid pin: ${String(p)} (this board has D0..D${PIN_COUNT - 1})`);
  }

  /**
   * Bytes of a value as Espruino takes them. `raw` (NRF values, Storage.write: JSV_GET_AS_CHAR_ARRAY)
   * takes a typed array's underlying bytes; otherwise (Serial.write, E.toUint8Array, E.CRC32:
   * iteration) each element counts as one byte, its low 8 bits.
   */
  toBytes(v: unknown, what: string, raw = false): Uint8Array {
    if (typeof v === 'string') return bytesOfString(v);
    if (typeof v === 'number') return Uint8Array.of(v & 0xff);
    if (v instanceof EspPin) return Uint8Array.of(v.n);
    if (v && typeof v === 'object') {
      if (ArrayBuffer.isView(v)) {
        const view = v as ArrayBufferView;
        if (raw || isUint8View(view)) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
        const arr = v as unknown as ArrayLike<number>;
        const out = new Uint8Array(arr.length);
        for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]) & 0xff;
        return out;
      }
      if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') return new Uint8Array(v as ArrayBuffer).slice();
      if (Array.isArray(v)) {
        const parts = v.map((x, i) => this.toBytes(x, `${what}[${i}]`));
        const n = parts.reduce((a, b) => a + b.length, 0);
        const out = new Uint8Array(n);
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        return out;
      }
      const o = v as { data?: unknown; count?: unknown };
      if ('data' in o) {
        const one = this.toBytes(o.data, `${what}.data`);
        const count = o.count === undefined ? 1 : Number(o.count);
        const out = new Uint8Array(one.length * count);
        for (let i = 0; i < count; i++) out.set(one, i * one.length);
        return out;
      }
    }
    throw new TypeError(`${what}: expected a string, number, array, typed array or ArrayBuffer, got ${v === null ? 'null' : typeof v}`);
  }

  private vmBytes(b: Uint8Array): Uint8Array {
    const out = new this.R.Uint8Array(b.length);
    out.set(b);
    return out;
  }

  private mkWriteEvent(data: Uint8Array): unknown {
    const e = this.R.mkObject();
    e.data = this.vmBytes(data).buffer;
    return e;
  }

  private format(v: unknown): string {
    if (typeof v === 'string') return v;
    if (v === undefined) return 'undefined';
    if (typeof v === 'function') return 'function () { [native code] }';
    if (v instanceof EspPin) return `D${v.n}`;
    if (v && typeof v === 'object' && ArrayBuffer.isView(v)) {
      const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'Uint8Array';
      return `new ${name}([${Array.from(v as unknown as ArrayLike<number>).join(', ')}])`;
    }
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  }

  // ---------------- console and serial ----------------

  private defaultConsole(): SerialName | null {
    if (this.opts.serialAttached && this.opts.board.serialConsole) return 'Serial1';
    return 'Bluetooth';
  }

  private onLinkChanged(connected: boolean): void {
    if (this.consoleForced) return;
    if (connected && this.nrf.uartEnabled) this.consoleName = 'Bluetooth';
    else if (!connected) this.consoleName = this.defaultConsole();
  }

  get consoleDevice(): string | null {
    return this.consoleName;
  }

  consoleWrite(text: string): void {
    this.consoleLog.push(text);
    if (this.consoleLog.length > 2000) this.consoleLog.splice(0, 1000);
    if (this.consoleName) this.deviceSend(this.consoleName, bytesOfString(text));
  }

  private deviceSend(dev: SerialName, bytes: Uint8Array): void {
    if (dev === 'Serial1') this.serialTx(bytes);
    else if (dev === 'Bluetooth') this.nrf.uartWrite(bytes);
    else {
      const other: SerialName = dev === 'LoopbackA' ? 'LoopbackB' : 'LoopbackA';
      const copy = bytes.slice();
      this.clock.js.push(this.clock.now, () => this.deviceReceive(other, copy));
    }
  }

  /**
   * Espruino's input event queue (watch edges wait here until the idle loop runs them); when it is
   * full new events are lost and the FIFO_FULL error flag is set. 64 entries is our assumption for
   * the nRF52 builds (IOBUFFERMASK 63); the exact size is board-file dependent.
   */
  static readonly IO_QUEUE_EVENTS = 64;
  private ioPending = 0;
  ioDropped = 0;
  private errorFlags = new Set<string>();

  private raiseErrorFlag(flag: string): void {
    if (this.errorFlags.has(flag)) return;
    this.errorFlags.add(flag);
    this.consoleWrite(`New interpreter error: ${flag}\r\n`);
  }

  /** Espruino's transmit buffer (bytes); writes block while it is full. */
  static readonly TX_BUFFER_BYTES = 128;

  private serialTx(bytes: Uint8Array): void {
    if (this.serialBaud <= 0 || bytes.length === 0) return;
    const bps = this.serialBaud / 10;
    const start = Math.max(this.clock.now, this.serialTxBusyUntil);
    const end = start + bytes.length / bps;
    this.serialTxBusyUntil = end;
    // JavaScript returns once everything not yet sent fits in the transmit buffer
    const unblock = end - EspruinoRuntime.TX_BUFFER_BYTES / bps;
    if (unblock > this.clock.now) this.clock.spend(unblock - this.clock.now);
    const copy = bytes.slice();
    this.clock.hw.push(end, () => {
      for (const l of this.serialHostListeners.slice()) l(copy);
    });
  }

  /** Bytes from the host's side of Serial1 (a USB-serial adapter). */
  hostSerialWrite(bytes: Uint8Array): void {
    if (this.serialBaud <= 0) return;
    const t = this.clock.now + bytes.length / (this.serialBaud / 10);
    const copy = bytes.slice();
    this.clock.js.push(t, () => this.deviceReceive('Serial1', copy));
  }

  onHostSerial(cb: (bytes: Uint8Array) => void): () => void {
    this.serialHostListeners.push(cb);
    return () => {
      this.serialHostListeners = this.serialHostListeners.filter((x) => x !== cb);
    };
  }

  private deviceReceive(dev: SerialName, bytes: Uint8Array): void {
    if (this.consoleName === dev) {
      this.replInput(dev, stringOfBytes(bytes));
      return;
    }
    const text = stringOfBytes(bytes);
    for (const fn of this.serialEvents[dev].get('data')) this.runCallback(fn, [text]);
  }

  /** The REPL: executes complete lines; `\x10` at line start suppresses the result echo. */
  private replInput(dev: string, text: string): void {
    let buf = this.replBuf[dev] ?? '';
    for (const ch of text) {
      if (ch === '\x03') {
        buf = '';
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        if (buf.trim() === '' || buf.trim() === '\x10') {
          buf = '';
          continue;
        }
        if (!isCompleteStatement(buf.replace(/\x10/g, ''))) {
          buf += '\n';
          continue;
        }
        const quiet = buf.startsWith('\x10');
        const code = buf.replace(/\x10/g, '').replace(/\x1b\[\d+d/g, '');
        buf = '';
        this.replExec(code, quiet);
        continue;
      }
      if (ch === '\x1b') continue;
      buf += ch;
    }
    this.replBuf[dev] = buf;
  }

  private replExec(code: string, quiet: boolean): void {
    this.stats.callbacks++;
    this.clock.spend(this.costs.callback);
    let result: unknown;
    try {
      result = vm.runInContext(code, this.ctx, { filename: 'REPL' });
      if (!quiet) this.consoleWrite(`=${this.format(typeof result === 'string' ? JSON.stringify(result) : result)}\r\n`);
    } catch (e) {
      this.handleThrown(e);
    }
    this.consoleWrite('>');
    this.afterCallback();
  }

  // ---------------- globals ----------------

  private installGlobals(): void {
    const g = vm.runInContext('this', this.ctx) as Record<string, unknown>;
    const def = (name: string, value: unknown): void => {
      Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    };
    const R = this.R;
    const clock = this.clock;
    const pins = this.pins;

    def('__emuMode', (m: ExecMode) => {
      this.modeStack.push(m);
      this.costNow = m === 'jit' ? this.costs.jit : m === 'ram' ? this.costs.ram : this.costs.interpreted;
    });
    def('__emuModeEnd', () => {
      this.modeStack.pop();
      const m = this.modeStack[this.modeStack.length - 1];
      this.costNow = m === 'jit' ? this.costs.jit : m === 'ram' ? this.costs.ram : this.costs.interpreted;
    });
    def('__emuLoops', this.loopCounts);
    for (const name of UNIMPLEMENTED_GLOBALS) def(name, this.unimplemented(name));

    // pins
    def('Pin', EspPin);
    for (let i = 0; i < PIN_COUNT; i++) def(`D${i}`, new EspPin(i, this));
    const board = this.opts.board;
    board.leds.forEach((p, i) => def(`LED${i + 1}`, new EspPin(p, this)));
    if (board.button !== undefined) {
      def('BTN', new EspPin(board.button, this));
      def('BTN1', new EspPin(board.button, this));
    }
    const autoIn = (p: number): void => {
      if (!pins.manualMode[p]) pins.mode[p] = 'input';
    };
    const autoOut = (p: number): void => {
      if (!pins.manualMode[p]) pins.mode[p] = 'output';
    };
    def('digitalRead', this.api('digitalRead', (pin: unknown): number => {
      if (Array.isArray(pin)) {
        let v = 0;
        for (let i = 0; i < pin.length; i++) {
          const p = this.pinOf(pin[i]);
          autoIn(p);
          v = (v << 1) | pins.level(p, clock.now);
        }
        return v;
      }
      const p = this.pinOf(pin);
      autoIn(p);
      return pins.level(p, clock.now);
    }));
    def('digitalWrite', this.api('digitalWrite', (pin: unknown, value: unknown): void => {
      const v = Number(value) | 0;
      if (Array.isArray(pin)) {
        const n = pin.length;
        for (let i = 0; i < n; i++) {
          const p = this.pinOf(pin[i]);
          autoOut(p);
          pins.drive(p, (v >> (n - 1 - i)) & 1, clock.now);
        }
        return;
      }
      const p = this.pinOf(pin);
      autoOut(p);
      pins.drive(p, v ? 1 : 0, clock.now);
    }));
    def('pinMode', this.api('pinMode', (pin: unknown, mode?: unknown, automatic?: unknown): string | undefined => {
      const p = this.pinOf(pin);
      if (mode === undefined) return pins.mode[p];
      if (typeof mode !== 'string' || !(PIN_MODES as readonly string[]).includes(mode)) {
        throw new TypeError(`pinMode: unknown mode '${String(mode)}'; expected one of ${PIN_MODES.join(', ')}`);
      }
      pins.mode[p] = mode === 'auto' ? 'auto' : (mode as PinMode);
      pins.manualMode[p] = mode !== 'auto' && !automatic;
      return undefined;
    }));
    def('getPinMode', this.api('getPinMode', (pin: unknown) => pins.mode[this.pinOf(pin)]));
    def('digitalPulse', this.api('digitalPulse', (pin: unknown, value: unknown, time: unknown): void => {
      const p = this.pinOf(pin);
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
    def('shiftOut', this.api('shiftOut', (pinsArg: unknown, options: unknown, data: unknown): void => {
      const dataPins = (Array.isArray(pinsArg) ? pinsArg : [pinsArg]).map((x) => this.pinOf(x));
      const o = (options ?? {}) as { clk?: unknown; clkPol?: unknown; repeat?: unknown };
      const clk = o.clk === undefined ? -1 : this.pinOf(o.clk);
      const pol = o.clkPol ? 1 : 0;
      const bytes = this.toBytes(data, 'shiftOut data');
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
      pins, clock, pinOf: (p) => this.pinOf(p), autoOut, autoIn,
      api: (name, impl) => this.api(name, impl), vmBytes: (b) => this.vmBytes(b),
      vmArray: (v) => { const a = new R.Array() as unknown[]; for (const x of v) a.push(x); return a; },
      gpioOpSeconds: SPI_GPIO_OP_S, byteOverheadSeconds: SPI_BYTE_OVERHEAD_S,
    }));

    // watches and timers
    def('setWatch', this.api('setWatch', (fn: unknown, pin: unknown, options: unknown): number => {
      if (typeof fn !== 'function') throw new TypeError('setWatch: the first argument must be a function');
      const p = this.pinOf(pin);
      const o = (typeof options === 'object' && options !== null ? options : { repeat: !!options }) as Record<string, unknown>;
      if (o.irq) throw new Error('setWatch {irq:true} is not implemented by the Tripod emulator');
      let edge: 'rising' | 'falling' | 'both' = 'both';
      if (o.edge === 'rising' || o.edge === 1) edge = 'rising';
      else if (o.edge === 'falling' || o.edge === -1) edge = 'falling';
      else if (o.edge !== undefined && o.edge !== 'both' && o.edge !== 0) throw new TypeError(`setWatch: edge must be 'rising', 'falling' or 'both', got ${String(o.edge)}`);
      autoIn(p);
      const data = o.data === undefined ? undefined : this.pinOf(o.data);
      return pins.addWatch(p, { repeat: !!o.repeat, edge, debounce: o.debounce === undefined ? 0 : Number(o.debounce), ...(data !== undefined ? { data } : {}) },
        (state, time, lastTime, d) => {
          if (this.ioPending >= EspruinoRuntime.IO_QUEUE_EVENTS) {
            this.ioDropped++;
            this.raiseErrorFlag('FIFO_FULL');
            return;
          }
          this.ioPending++;
          const ev = R.mkWatchEvent(state, time - this.bootAt, lastTime === undefined ? undefined : lastTime - this.bootAt, d);
          clock.js.push(time, () => {
            this.ioPending--;
            this.runCallback(fn as Listener, [ev]);
          });
        }, clock.now);
    }));
    def('clearWatch', this.api('clearWatch', (id?: unknown): void => {
      if (id === undefined) {
        pins.clearWatch();
        return;
      }
      if (!pins.hasWatch(Number(id))) throw new Error(`Unknown Watch ${String(id)}`);
      pins.clearWatch(Number(id));
    }));
    const addTimer = (fn: unknown, ms: unknown, args: unknown[], interval: boolean): number => {
      if (typeof fn !== 'function') throw new TypeError(`${interval ? 'setInterval' : 'setTimeout'}: the first argument must be a function (strings are not supported by the emulator)`);
      const s = Math.max(0, Number(ms) || 0) / 1000;
      const id = this.nextTimerId++;
      const timer: Timer = { id, fn: fn as Listener, args, intervalS: interval ? s : 0, t: clock.now + s, cancel: { cancelled: false } };
      this.timers.set(id, timer);
      this.scheduleTimer(timer);
      return id;
    };
    def('setTimeout', this.api('setTimeout', (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false)));
    def('setInterval', this.api('setInterval', (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true)));
    const clearTimer = (kind: string) => (id?: unknown): void => {
      if (id === undefined) {
        for (const t of this.timers.values()) t.cancel.cancelled = true;
        this.timers.clear();
        return;
      }
      const t = this.timers.get(Number(id));
      if (!t) throw new Error(`Unknown ${kind}`);
      t.cancel.cancelled = true;
      this.timers.delete(t.id);
    };
    def('clearTimeout', this.api('clearTimeout', clearTimer('Timeout')));
    def('clearInterval', this.api('clearInterval', clearTimer('Interval')));
    def('changeInterval', this.api('changeInterval', (id: unknown, ms: unknown): void => {
      const t = this.timers.get(Number(id));
      if (!t) throw new Error('Unknown Interval');
      t.cancel.cancelled = true;
      t.cancel = { cancelled: false };
      const s = Math.max(0, Number(ms) || 0) / 1000;
      if (t.intervalS) t.intervalS = s;
      t.t = clock.now + s;
      this.scheduleTimer(t);
    }));
    def('getTime', this.api('getTime', (): number => clock.now - this.bootAt));

    // console
    const printFn = (...args: unknown[]): void => this.consoleWrite(`${args.map((a) => this.format(a)).join(' ')}\r\n`);
    def('print', this.api('print', printFn));
    const consoleObj = R.mkObject();
    consoleObj.log = this.api('console.log', printFn);
    def('console', consoleObj);
    def('btoa', this.api('btoa', (s: unknown) => Buffer.from(bytesOfString(String(s))).toString('base64')));
    def('atob', this.api('atob', (s: unknown) => stringOfBytes(new Uint8Array(Buffer.from(String(s), 'base64')))));

    // process
    const env = R.JSON.parse(JSON.stringify({
      VERSION: ESPRUINO_VERSION, BOARD: board.envBoard, GIT_COMMIT: 'emulator', CONSOLE: this.consoleName ?? 'null',
      MODULES: 'Storage', EXPTR: 0,
    })) as Record<string, unknown>;
    const processObj = R.mkObject();
    processObj.env = env;
    processObj.version = ESPRUINO_VERSION;
    // The emulator does not count Espruino's variables (README "Known differences"): process.memory()
    // answers in Espruino's shape with usage and free NaN (not measured). The firmware calls it only
    // for its garbage collection (main.ts collectGarbage); the real interpreter suite measures memory.
    processObj.memory = this.api('process.memory', () => R.JSON.parse(JSON.stringify({ free: null, usage: null, total: null, history: 0, gc: 0, gctime: 0, blocksize: 13 })));
    processObj.on = this.unimplemented('process.on');
    def('process', processObj);

    // require('Storage')
    const storage = this.makeStorage();
    def('require', this.api('require', (name: unknown): unknown => {
      if (name === 'Storage') return storage;
      throw new Error(`Module ${String(name)} not found (the Tripod emulator provides only 'Storage')`);
    }));

    def('E', this.makeE());
    def('NRF', this.makeNrf());
    for (const name of ['Serial1', 'Bluetooth', 'LoopbackA', 'LoopbackB'] as const) def(name, this.makeSerial(name));
  }

  private scheduleTimer(timer: Timer): void {
    const token = timer.cancel;
    this.clock.js.push(timer.t, () => {
      if (token.cancelled) return;
      if (timer.intervalS > 0) {
        timer.t += timer.intervalS;
        this.scheduleTimer(timer);
      } else this.timers.delete(timer.id);
      this.runCallback(timer.fn, timer.args);
    });
  }

  private makeStorage(): Record<string, unknown> {
    const R = this.R;
    const s = R.mkObject();
    const st = this.storage;
    for (const name of UNIMPLEMENTED_STORAGE) s[name] = this.unimplemented(`require("Storage").${name}`);
    s.read = this.api('Storage.read', (name: unknown, offset?: unknown, length?: unknown): string | undefined => {
      const b = st.read(String(name), offset === undefined ? 0 : Number(offset), length === undefined ? undefined : Number(length));
      return b ? stringOfBytes(b) : undefined;
    });
    s.readJSON = this.api('Storage.readJSON', (name: unknown, noExceptions?: unknown): unknown => {
      const b = st.read(String(name));
      if (!b) return undefined;
      try {
        return R.JSON.parse(stringOfBytes(b));
      } catch (e) {
        if (noExceptions) return undefined;
        throw new Error(`Storage.readJSON('${String(name)}'): ${(e as Error).message}`);
      }
    });
    s.readArrayBuffer = this.api('Storage.readArrayBuffer', (name: unknown): ArrayBuffer | undefined => {
      const b = st.read(String(name));
      return b ? (this.vmBytes(b).buffer as ArrayBuffer) : undefined;
    });
    s.write = this.api('Storage.write', (name: unknown, data: unknown, offset?: unknown, size?: unknown): boolean => {
      if (data && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data) && Object.prototype.toString.call(data) !== '[object ArrayBuffer]') {
        throw new TypeError('Storage.write: data must be a string or bytes; use writeJSON for objects');
      }
      st.write(String(name), this.toBytes(data, 'Storage.write data', true), offset === undefined ? undefined : Number(offset), size === undefined ? undefined : Number(size));
      return true;
    });
    s.writeJSON = this.api('Storage.writeJSON', (name: unknown, data: unknown): boolean => {
      st.write(String(name), bytesOfString(R.JSON.stringify(data)), undefined, undefined);
      return true;
    });
    s.erase = this.api('Storage.erase', (name: unknown): void => st.erase(String(name)));
    s.eraseAll = this.api('Storage.eraseAll', (): void => st.eraseAll());
    s.getFree = this.api('Storage.getFree', (): number => st.free());
    s.list = this.api('Storage.list', (re?: unknown): unknown => {
      const names = st.names().filter((n) => (re && typeof (re as RegExp).test === 'function' ? (re as RegExp).test(n) : true));
      return R.JSON.parse(JSON.stringify(names));
    });
    return s;
  }

  private makeE(): Record<string, unknown> {
    const R = this.R;
    const e = R.mkObject();
    for (const name of UNIMPLEMENTED_E) e[name] = this.unimplemented(`E.${name}`);
    e.mapInPlace = this.api('E.mapInPlace', mapInPlace);
    e.on = this.api('E.on', (evt: unknown, fn: unknown) => this.eEvents.on(String(evt), fn as Listener));
    e.removeListener = this.api('E.removeListener', (evt: unknown, fn: unknown) => this.eEvents.removeListener(String(evt), fn as Listener));
    e.removeAllListeners = this.api('E.removeAllListeners', (evt?: unknown) => this.eEvents.removeAllListeners(evt === undefined ? undefined : String(evt)));
    e.emit = this.api('E.emit', (evt: unknown, ...args: unknown[]) => {
      for (const fn of this.eEvents.get(String(evt))) fn(...args);
    });
    if (this.opts.board.hasEGetBattery) {
      e.getBattery = this.api('E.getBattery', (): number => {
        const v = this.nrf.getBattery();
        return Math.round(Math.min(100, Math.max(0, (v - 2.0) / (3.0 - 2.0) * 100)));
      });
    }
    e.CRC32 = this.api('E.CRC32', (data: unknown): number => crc32(this.toBytes(data, 'E.CRC32 data')) >>> 0);
    e.toUint8Array = this.api('E.toUint8Array', (...args: unknown[]): Uint8Array => this.vmBytes(this.toBytes(args.length === 1 ? args[0] : args, 'E.toUint8Array')));
    e.toArrayBuffer = this.api('E.toArrayBuffer', (s: unknown): ArrayBuffer => this.vmBytes(bytesOfString(String(s))).buffer as ArrayBuffer);
    e.toString = this.api('E.toString', (...args: unknown[]): string => stringOfBytes(this.toBytes(args.length === 1 ? args[0] : args, 'E.toString')));
    e.sum = this.api('E.sum', (arr: unknown): number => {
      const a = arr as ArrayLike<number>;
      let s = 0;
      for (let i = 0; i < a.length; i++) s += Number(a[i]);
      return s;
    });
    e.variance = this.api('E.variance', (arr: unknown, mean: unknown): number => {
      const a = arr as ArrayLike<number>;
      const m = Number(mean);
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (Number(a[i]) - m) ** 2;
      return a.length ? s / a.length : 0;
    });
    e.getTemperature = this.api('E.getTemperature', (): number => this.opts.temperatureC);
    e.hwRand = this.api('E.hwRand', (): number => (Math.random() * 2 ** 32) | 0);
    e.getErrorFlags = this.api('E.getErrorFlags', (): unknown => {
      const flags = [...this.errorFlags];
      this.errorFlags.clear();
      return R.JSON.parse(JSON.stringify(flags));
    });
    e.setConsole = this.api('E.setConsole', (dev: unknown, options?: unknown): void => {
      const o = (options ?? {}) as { force?: unknown };
      let name: SerialName | null;
      if (dev === null || dev === undefined || dev === 'null') name = null;
      else if (typeof dev === 'string') name = dev as SerialName;
      else if (dev && typeof dev === 'object' && typeof (dev as { _name?: unknown })._name === 'string') name = (dev as { _name: SerialName })._name;
      else throw new TypeError(`E.setConsole: expected a serial device or its name, got ${String(dev)}`);
      if (name !== null && !['Serial1', 'Bluetooth', 'LoopbackA', 'LoopbackB'].includes(name)) throw new Error(`E.setConsole: no device '${name}' on this board`);
      this.consoleName = name;
      this.consoleForced = !!o.force;
    });
    e.getAddressOf = this.api('E.getAddressOf', (v: unknown, flat?: unknown): number => this.getAddressOf(v, flat));
    e.nativeCall = this.api('E.nativeCall', (addr: unknown, sig: unknown, data?: unknown): unknown => this.makeNativeFunction(addr, sig, data));
    e.getConsole = this.api('E.getConsole', (): string | undefined => this.consoleName ?? undefined);
    e.reboot = this.api('E.reboot', (): never => {
      this.rebootPending = true;
      throw new RebootSignal();
    });
    return e;
  }

  private makeNrf(): Record<string, unknown> {
    const R = this.R;
    const n = R.mkObject();
    const nrf = this.nrf;
    for (const name of UNIMPLEMENTED_NRF) n[name] = this.unimplemented(`NRF.${name}`);
    n.on = this.api('NRF.on', (evt: unknown, fn: unknown) => this.nrfEvents.on(String(evt), fn as Listener));
    n.removeListener = this.api('NRF.removeListener', (evt: unknown, fn: unknown) => this.nrfEvents.removeListener(String(evt), fn as Listener));
    n.removeAllListeners = this.api('NRF.removeAllListeners', (evt?: unknown) => this.nrfEvents.removeAllListeners(evt === undefined ? undefined : String(evt)));
    n.setServices = this.api('NRF.setServices', (data: unknown, options?: unknown) => nrf.setServices(data, options));
    n.updateServices = this.api('NRF.updateServices', (data: unknown) => nrf.updateServices(data));
    n.setAdvertising = this.api('NRF.setAdvertising', (data: unknown, options?: unknown) => nrf.setAdvertising(data, options));
    n.setScanResponse = this.api('NRF.setScanResponse', (data: unknown) => nrf.setScanResponse(data));
    n.getAddress = this.api('NRF.getAddress', () => nrf.getAddress());
    n.getBattery = this.api('NRF.getBattery', () => nrf.getBattery());
    n.setConnectionInterval = this.api('NRF.setConnectionInterval', (v: unknown) => nrf.setConnectionInterval(v));
    n.disconnect = this.api('NRF.disconnect', () => nrf.disconnect());
    n.getSecurityStatus = this.api('NRF.getSecurityStatus', () => R.JSON.parse(JSON.stringify(nrf.securityStatus())));
    return n;
  }

  private makeSerial(name: SerialName): Record<string, unknown> {
    const s = this.R.mkObject();
    Object.defineProperty(s, '_name', { value: name, enumerable: false });
    const events = (): Emitter => this.serialEvents[name];
    s.setup = this.api(`${name}.setup`, (baud?: unknown, options?: unknown): void => {
      if (name === 'Serial1') {
        const b = baud === undefined ? 9600 : Number(baud);
        if (!(b >= 300 && b <= 1_000_000)) throw new Error(`Serial1.setup: baud ${String(baud)} out of range`);
        const o = (options ?? {}) as { rx?: unknown; tx?: unknown };
        if (o.rx !== undefined) this.pinOf(o.rx);
        if (o.tx !== undefined) this.pinOf(o.tx);
        this.serialBaud = b;
      }
    });
    const write = (data: unknown): void => this.deviceSend(name, this.toBytes(data, `${name}.write data`));
    s.write = this.api(`${name}.write`, (...args: unknown[]): void => write(args.length === 1 ? args[0] : args));
    s.print = this.api(`${name}.print`, (v: unknown): void => write(this.format(v)));
    s.println = this.api(`${name}.println`, (v: unknown): void => write(`${this.format(v)}\r\n`));
    s.on = this.api(`${name}.on`, (evt: unknown, fn: unknown) => events().on(String(evt), fn as Listener));
    s.removeListener = this.api(`${name}.removeListener`, (evt: unknown, fn: unknown) => events().removeListener(String(evt), fn as Listener));
    s.removeAllListeners = this.api(`${name}.removeAllListeners`, (evt?: unknown) => events().removeAllListeners(evt === undefined ? undefined : String(evt)));
    s.emit = this.api(`${name}.emit`, (evt: unknown, ...args: unknown[]) => {
      for (const fn of events().get(String(evt))) fn(...args);
    });
    for (const u of ['available', 'read', 'pipe', 'inject', 'flush', 'getConsole', 'setConsole', 'unsetup', 'isConnected']) {
      s[u] = this.unimplemented(`${name}.${u}`);
    }
    return s;
  }

  // ---------------- E.nativeCall / E.getAddressOf ----------------

  /**
   * Espruino stores an ArrayBuffer of more than JSV_FLAT_STRING_BREAK_EVEN bytes (16 on these
   * builds, CONTRACTS2.md) in a flat string, whose data has a fixed address; smaller ones live in
   * a chain of variables: no single address.
   */
  static readonly FLAT_STRING_BREAK_EVEN = 16;

  private getAddressOf(v: unknown, flat: unknown): number {
    if (!flat) throw new Error('E.getAddressOf(v, false) (the address of the JsVar itself) is not modelled by the Tripod emulator; pass true for the address of a flat buffer\'s data');
    if (typeof v === 'string') throw new Error('E.getAddressOf of a string is not modelled by the Tripod emulator (strings are immutable in Node); use a typed array');
    let ab: ArrayBuffer | null = null;
    if (v && typeof v === 'object') {
      if (ArrayBuffer.isView(v)) ab = (v as ArrayBufferView).buffer as ArrayBuffer;
      else if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') ab = v as ArrayBuffer;
    }
    if (!ab || ab.byteLength <= EspruinoRuntime.FLAT_STRING_BREAK_EVEN) return 0;
    return this.native.mapBuffer(v as ArrayBuffer | ArrayBufferView);
  }

  /** E.nativeCall(addr, sig, data): a function running the Thumb code at data + addr (or at addr). */
  private makeNativeFunction(addr: unknown, sig: unknown, data: unknown): unknown {
    const s = parseNativeSignature(sig);
    const a = Number(addr) | 0;
    const machine = this.native;
    const entry = data === undefined ? a : machine.load(this.toBytes(data, 'E.nativeCall data', true)) + a;
    const self = this;
    const argTypes = s.args;
    const ret = s.ret;
    return this.api('E.nativeCall()', function (...args: unknown[]): unknown {
      const vals: number[] = [];
      for (let i = 0; i < argTypes.length; i++) {
        const x = args[i];
        const t = argTypes[i];
        vals.push(t === 'Pin' ? self.pinOf(x) : t === 'bool' ? (x ? 1 : 0) : Number(x) | 0);
      }
      const r0 = self.runNative(machine, entry, vals);
      return ret === 'int' ? r0 : ret === 'bool' ? r0 !== 0 : undefined;
    });
  }

  /**
   * Runs a native call at the current virtual time: GPIO accesses happen at t0 + cycle / 64 MHz,
   * and the clock ends at t0 + cycles / 64 MHz (the call's API cost was charged before). A fault
   * is a HardFault on the device (no JavaScript can catch it): it stops advance() whatever the
   * firmware does with the Error it also sees.
   */
  private runNative(machine: NativeMachine, entry: number, args: number[]): number {
    const t0 = this.clock.now;
    this.nativeGpio.t0 = t0;
    try {
      return machine.call(entry, args).r0;
    } catch (e) {
      if (e instanceof ThumbFault && !this.fault) {
        this.fault = new EmulatorFault(`native code fault at t=${t0.toFixed(6)} s (HardFault on the device): ${e.message}`, 'native', t0);
      }
      throw e;
    } finally {
      const cycles = machine.cpu.cycles;
      this.nativeStats.calls++;
      this.nativeStats.cycles += cycles;
      this.nativeStats.instructions += machine.cpu.instructions;
      const k = args[0] ?? 0;
      const by = this.nativeByFirstArg.get(k) ?? { calls: 0, cycles: 0 };
      by.calls++;
      by.cycles += cycles;
      this.nativeByFirstArg.set(k, by);
      const s = cycles / CPU_HZ;
      this.stats.cpuSeconds += s;
      const end = t0 + s;
      if (end > this.clock.now) this.clock.spend(end - this.clock.now);
    }
  }

  // ---------------- introspection ----------------

  apiStats(): ApiStats {
    return {
      apiCalls: Object.fromEntries(this.apiCounts),
      totalApiCalls: this.stats.totalApiCalls,
      jitApiCalls: this.stats.jitApiCalls,
      callbacks: this.stats.callbacks,
      cpuSeconds: this.stats.cpuSeconds,
      loopIterations: this.loopIterations,
      nativeCalls: this.nativeStats.calls,
      nativeCycles: this.nativeStats.cycles,
      nativeInstructions: this.nativeStats.instructions,
      nativeByFirstArg: Object.fromEntries([...this.nativeByFirstArg].map(([k, v]) => [String(k), { ...v }])),
    };
  }

  /** Evaluates an expression in the firmware's global scope (tests and the REPL server). */
  evaluate(code: string): unknown {
    return vm.runInContext(code, this.ctx, { filename: 'eval' });
  }

  /** Device time (getTime()) now. */
  deviceTime(): number {
    return this.clock.now - this.bootAt;
  }
}

export type NativeArgType = 'int' | 'bool' | 'Pin';

/**
 * Parses an E.nativeCall signature like Espruino's nativeCallGetCType loop: `ret (t1,t2,...)`,
 * types void|bool|int|double|Pin|JsVar, at most 4 arguments (16 bits of 3-bit type codes).
 * We run int/bool/Pin arguments and int/bool/void returns; double and JsVar throw naming the type.
 */
export function parseNativeSignature(sig: unknown): { ret: 'int' | 'bool' | 'void'; args: NativeArgType[] } {
  if (typeof sig !== 'string') throw new Error('Invalid Signature');
  const toks = sig.match(/[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? [];
  let i = 0;
  let argNumber = 0;
  const known = ['void', 'bool', 'int', 'double', 'Pin', 'JsVar'];
  const fail = (): never => {
    throw new Error(`Error Parsing signature at argument number ${argNumber}`);
  };
  const type = (): string => {
    const t = toks[i];
    if (t === undefined || !known.includes(t)) fail();
    i++;
    argNumber++;
    if (t === 'double' || t === 'JsVar') throw new Error(`E.nativeCall: the signature type '${t}' is not modelled by the Tripod emulator (int, bool, Pin arguments; int, bool, void returns)`);
    return t!;
  };
  const ret = type();
  if (ret === 'Pin') throw new Error("E.nativeCall: a 'Pin' return is not modelled by the Tripod emulator (int, bool, void returns)");
  if (toks[i++] !== '(') fail();
  const args: NativeArgType[] = [];
  while (i < toks.length && toks[i] !== ')') {
    const t = type();
    if (t === 'void') throw new Error("E.nativeCall: 'void' as an argument type is not modelled by the Tripod emulator");
    args.push(t as NativeArgType);
    if (toks[i] !== ')' && toks[i++] !== ',') fail();
  }
  if (toks[i++] !== ')' || i !== toks.length) fail();
  if (args.length > 4) {
    argNumber = args.length + 1;
    fail();
  }
  return { ret: ret as 'int' | 'bool' | 'void', args };
}

/** A pin object as Espruino exposes them (D0..D31, LED1...). */
export class EspPin {
  constructor(readonly n: number, private readonly rt?: EspruinoRuntime) {}
  valueOf(): number {
    return this.n;
  }
  toString(): string {
    return `D${this.n}`;
  }
  read(): unknown {
    return this.call('digitalRead', this.n);
  }
  write(v: unknown): unknown {
    return this.call('digitalWrite', this.n, v);
  }
  set(): unknown {
    return this.call('digitalWrite', this.n, 1);
  }
  reset(): unknown {
    return this.call('digitalWrite', this.n, 0);
  }
  toggle(): unknown {
    const v = this.call('digitalRead', this.n) ? 0 : 1;
    this.call('digitalWrite', this.n, v);
    return !!v;
  }
  mode(m: unknown): unknown {
    return this.call('pinMode', this.n, m);
  }
  getMode(): unknown {
    return this.call('getPinMode', this.n);
  }
  private call(fn: string, ...args: unknown[]): unknown {
    if (!this.rt) throw new Error('pin is not attached to a board');
    return (this.rt.evaluate(fn) as (...a: unknown[]) => unknown)(...args);
  }
}

function isUint8View(v: ArrayBufferView): boolean {
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Uint8Array]' || tag === '[object DataView]' || tag === '[object Uint8ClampedArray]';
}

/** False when the code only fails to parse because it ends early (the REPL waits for more lines). */
function isCompleteStatement(code: string): boolean {
  try {
    acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script' });
    return true;
  } catch (e) {
    const pos = (e as { pos?: number }).pos;
    return !(pos !== undefined && pos >= code.trimEnd().length);
  }
}
