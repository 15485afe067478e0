import * as vm from 'node:vm';
import type { ApiHost, DefineGlobal, Realm } from './api-host.ts';
import { RebootSignal } from './api-host.ts';
import { ESPRUINO_VERSION, type BoardDef, type Hx711Wiring } from './boards.ts';
import { VirtualClock } from './clock.ts';
import { Console } from './console.ts';
import { callCosts, type CallCosts, type CostModel } from './costs.ts';
import { makeE } from './e-api.ts';
import { instrumentSource, REMOVE_ABSENT_BUILTINS, UNIMPLEMENTED_GLOBALS, type ExecMode } from './espruino-env.ts';
import { Hx711Model, type Hx711Options, type Hx711Reading, type TimingViolation, type UnpluggedMode } from './hx711-model.ts';
import type { CellForces, LoadSource } from './load-source.ts';
import { NativeCalls } from './native-call.ts';
import { NrfModel } from './nrf-model.ts';
import { InputQueue, installPinApi } from './pin-api.ts';
import { PIN_COUNT, PinBank } from './pins.ts';
import { SerialPorts } from './serial-api.ts';
import { makeStorageApi } from './storage-api.ts';
import { stringOfBytes, type StorageModel } from './storage-model.ts';
import { Timers } from './timer-api.ts';
import { Emitter, toBytes, type Listener } from './values.ts';

/**
 * The Espruino interpreter's world inside a Node `vm` context: globals, timers, pins, the HX711s,
 * the radio, Storage and the serial devices, all on one virtual clock. The firmware source runs
 * unchanged (functions with a "jit"/"ram" first statement are marked so their API calls cost less).
 * This file is the core: boot and reboot, the run loop (advance), callbacks and faults, what each
 * API call costs, and the HX711 wiring. The globals live in rooms beside it, each plugged in with
 * the core's ApiHost (api-host.ts): pin-api.ts, timer-api.ts, storage-api.ts, e-api.ts with
 * native-call.ts, serial-api.ts (NRF and serial) and console.ts.
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

export class EspruinoRuntime implements ApiHost {
  readonly clock = new VirtualClock();
  readonly pins: PinBank;
  readonly nrf: NrfModel;
  readonly storage: StorageModel;
  readonly hx: Hx711Model[] = [];
  readonly truth: Hx711Reading[][] = [[], [], [], []];
  readonly violations: TimingViolation[] = [];
  readonly uncaught: Array<{ t: number; message: string }> = [];
  readonly jitErrors: Array<{ line: number; reason: string }> = [];
  readonly console: Console;
  readonly serial: SerialPorts;
  readonly native: NativeCalls;
  private readonly timers: Timers;
  private readonly io: InputQueue;
  private costs: CallCosts;
  private ctx!: vm.Context;
  R!: Realm;
  private modeStack: ExecMode[] = [];
  private costNow: number;
  private apiCounts = new Map<string, number>();
  private stats = { totalApiCalls: 0, jitApiCalls: 0, callbacks: 0, cpuSeconds: 0 };
  private bootAt = 0;
  private fault: EmulatorFault | null = null;
  private rebootPending = false;
  private eEvents = new Emitter();
  private loads: LoadSource;
  private loadCacheT = NaN;
  private loadCache: CellForces = [0, 0, 0, 0];
  private instrumented: string;
  private bootsAtSameTime = 0;
  private lastBootTime = -1;
  /** Loop iterations the firmware ran since the last charge, by mode (incremented by instrumented code). */
  private readonly loopCounts = new Float64Array(3);
  loopIterations = 0;

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
      emitNrf: (t, evt, args) => this.queueEmit(t, this.serial.nrfEvents, evt, args),
      callOnWrite: (t, fn, data) => this.clock.js.push(t, () => this.runCallback(fn as Listener, [this.mkWriteEvent(data)])),
      uartRx: (t, data) => this.clock.js.push(t, () => this.serial.receive('Bluetooth', data)),
      print: (text) => this.console.write(text),
      linkChanged: (connected) => this.console.onLinkChanged(connected),
    }, (v, what) => toBytes(v, what, true));
    this.console = new Console({
      send: (dev, bytes) => this.serial.send(dev, bytes),
      defaultDevice: () => (this.opts.serialAttached && this.opts.board.serialConsole ? 'Serial1' : 'Bluetooth'),
      uartEnabled: () => this.nrf.uartEnabled,
      runLine: (code) => this.runConsoleLine(code),
      afterLine: () => this.afterCallback(),
    });
    this.serial = new SerialPorts(this, this.nrf, this.console);
    this.timers = new Timers(this);
    this.io = new InputQueue(() => this.console.raiseErrorFlag('FIFO_FULL'));
    this.native = new NativeCalls(this, {
      pins: this.pins,
      onGpioRead: (t) => {
        for (const m of this.hx) m.mcuRead(t);
      },
      onFault: (message, t) => {
        if (!this.fault) this.fault = new EmulatorFault(message, 'native', t);
      },
      chargeCpu: (s) => {
        this.stats.cpuSeconds += s;
      },
    });
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
    this.eEvents = new Emitter();
    this.serial.reset(this.opts.serialAttached && this.opts.board.serialConsole ? 9600 : 0);
    this.io.clear();
    this.console.reset();
    this.native.boot();
    this.ctx = vm.createContext({}, { name: 'espruino', codeGeneration: { strings: true, wasm: false } });
    vm.runInContext(REMOVE_ABSENT_BUILTINS, this.ctx);
    this.R = vm.runInContext(`({ Uint8Array: Uint8Array, ArrayBuffer: ArrayBuffer, Error: Error, TypeError: TypeError, JSON: JSON, Array: Array,
      mkWatchEvent: function (s, t, l, d) { var e = { state: s, time: t, lastTime: l }; if (d !== undefined) e.data = d; return e; },
      mkObject: function () { return {}; } })`, this.ctx) as Realm;
    this.installGlobals();
    this.runProgram();
  }

  private runProgram(): void {
    for (const name of ['.boot0', '.boot1', '.boot2', '.boot3']) {
      const b = this.storage.read(name);
      if (b) this.runTop(() => vm.runInContext(stringOfBytes(b), this.ctx, { filename: name }));
    }
    this.runTop(() => vm.runInContext(this.instrumented, this.ctx, { filename: 'tripod.js' }));
    for (const j of this.jitErrors) this.console.write(`JIT error: ${j.reason} not supported (function at line ${j.line}); running it as normal JS\r\n`);
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
      this.pins.setMode(p, 'auto');
      this.pins.manualMode[p] = false;
      this.pins.out[p] = 0;
    }
    for (const m of this.hx) m.release(t);
    this.boot();
  }

  // ---------------- globals: the rooms ----------------

  private installGlobals(): void {
    const g = vm.runInContext('this', this.ctx) as Record<string, unknown>;
    const def: DefineGlobal = (name, value) => {
      Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    };
    const R = this.R;
    const board = this.opts.board;

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

    installPinApi(def, this, { pins: this.pins, board, io: this.io, bootAt: () => this.bootAt });
    this.timers.install(def, () => this.bootAt);
    this.console.install(def, this);

    const env = R.JSON.parse(JSON.stringify({
      VERSION: ESPRUINO_VERSION, BOARD: board.envBoard, GIT_COMMIT: 'emulator', CONSOLE: this.console.device ?? 'null',
      MODULES: 'Storage', EXPTR: 0,
    })) as Record<string, unknown>;
    const processObj = R.mkObject();
    processObj.env = env;
    processObj.version = ESPRUINO_VERSION;
    // The emulator does not count Espruino's variables (README "Known differences"): process.memory()
    // answers in Espruino's shape with usage, free and total null (not measured). The firmware calls
    // it only for its garbage collection (main.ts collectGarbage); tests/real-espruino measures memory.
    processObj.memory = this.api('process.memory', () => R.JSON.parse(JSON.stringify({ free: null, usage: null, total: null, history: 0, gc: 0, gctime: 0, blocksize: 13 })));
    processObj.on = this.unimplemented('process.on');
    def('process', processObj);

    const storage = makeStorageApi(this.storage, {
      api: (name, impl) => this.api(name, impl),
      unimplemented: (name) => this.unimplemented(name),
      mkObject: () => R.mkObject(),
      json: R.JSON,
      realmBytes: (b) => this.vmBytes(b),
    });
    def('require', this.api('require', (name: unknown): unknown => {
      if (name === 'Storage') return storage;
      throw new Error(`Module ${String(name)} not found (the Tripod emulator provides only 'Storage')`);
    }));

    def('E', makeE(this, {
      board, nrf: this.nrf, events: this.eEvents, console: this.console, native: this.native,
      temperatureC: this.opts.temperatureC, requestReboot: () => { this.rebootPending = true; },
    }));
    this.serial.install(def);
  }

  // ---------------- running JS ----------------

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

  api<A extends unknown[], T>(name: string, impl: (...a: A) => T): (...a: A) => T {
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

  unimplemented(name: string): () => never {
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

  runCallback(fn: Listener, args: unknown[], thisArg?: unknown): void {
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

  /** One REPL line from the console device, in the firmware's scope (charged as a callback). */
  private runConsoleLine(code: string): { ok: true; value: unknown } | { ok: false } {
    this.stats.callbacks++;
    this.clock.spend(this.costs.callback);
    try {
      return { ok: true, value: vm.runInContext(code, this.ctx, { filename: 'REPL' }) };
    } catch (e) {
      this.handleThrown(e);
      return { ok: false };
    }
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
    this.console.write(`Uncaught ${name}: ${msg}\r\n`);
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

  vmBytes(b: Uint8Array): Uint8Array {
    const out = new this.R.Uint8Array(b.length);
    out.set(b);
    return out;
  }

  private mkWriteEvent(data: Uint8Array): unknown {
    const e = this.R.mkObject();
    e.data = this.vmBytes(data).buffer;
    return e;
  }

  // ---------------- introspection and the host's side ----------------

  get consoleLog(): string[] {
    return this.console.log;
  }

  get consoleDevice(): string | null {
    return this.console.device;
  }

  /** Watch events lost to a full input queue since power-on. */
  get ioDropped(): number {
    return this.io.dropped;
  }

  /** Bytes from the host's side of Serial1 (a USB-serial adapter). */
  hostSerialWrite(bytes: Uint8Array): void {
    this.serial.hostWrite(bytes);
  }

  onHostSerial(cb: (bytes: Uint8Array) => void): () => void {
    return this.serial.onHost(cb);
  }

  apiStats(): ApiStats {
    const n = this.native.stats;
    return {
      apiCalls: Object.fromEntries(this.apiCounts),
      totalApiCalls: this.stats.totalApiCalls,
      jitApiCalls: this.stats.jitApiCalls,
      callbacks: this.stats.callbacks,
      cpuSeconds: this.stats.cpuSeconds,
      loopIterations: this.loopIterations,
      nativeCalls: n.calls,
      nativeCycles: n.cycles,
      nativeInstructions: n.instructions,
      nativeByFirstArg: Object.fromEntries([...n.byFirstArg].map(([k, v]) => [String(k), { ...v }])),
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
