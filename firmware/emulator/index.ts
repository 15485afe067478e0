import { existsSync, readFileSync } from 'node:fs';
import { packagePath } from '../../host/package-root.ts';
import { BOARDS, type BoardName, type Hx711Wiring } from './boards.ts';
import { DEFAULT_COSTS, callCosts, type CallCosts, type CostModel } from './costs.ts';
import type { Hx711Reading, Hx711Stats, TimingViolation } from './hx711-model.ts';
import { constantLoads, type LoadSource } from './load-source.ts';
import type { AdvertisingRecord, CentralLink, ConnectOptions, NrfStats } from './nrf-model.ts';
import { hash32 } from './rng.ts';
import { EmulatorFault, EspruinoRuntime, type ApiStats, type CellOverrides, type FaultPolicy } from './runtime.ts';
import { StorageModel, stringOfBytes, bytesOfString, type StorageInit } from './storage-model.ts';

/**
 * The emulated Tripod board: the built firmware (firmware/dist/tripod.js) running unchanged in an
 * Espruino-like `vm` context, four HX711 models fed by a load source, the nRF52 radio with a
 * central to connect to, Serial1 behind a USB-serial adapter, and Storage that survives reboots.
 * See firmware/emulator/README.md for every modelled number and where it comes from.
 */

export { constantLoads, scriptedLoads, functionLoads, type LoadSource, type LoadStep, type CellForces } from './load-source.ts';
export { BOARDS, type BoardName, type Hx711Wiring } from './boards.ts';
export { EmulatorFault, type CellOverrides, type ApiStats } from './runtime.ts';
export { DEFAULT_COSTS, callCosts, type CostModel, type CallCosts } from './costs.ts';
export { COUNTS_PER_NEWTON_A128, NOISE_RMS_COUNTS, type Hx711Reading, type Hx711Stats, type TimingViolation, type UnpluggedMode } from './hx711-model.ts';
export { CentralLink, normUuid, type AdvertisingRecord, type ConnectOptions, type NrfStats } from './nrf-model.ts';
export {
  NativeMachine, ThumbFault, CPU_HZ, DEFAULT_MAX_INSTRUCTIONS, GPIO_P0_BASE, GPIO_REGS, RAM_BASE, RAM_END, RAM_SIZE,
  type NativeMachineOptions, type NativeCallResult, type NativeGpio, type ThumbFaultKind,
} from './native-machine.ts';

export const DEFAULT_FIRMWARE_PATH = packagePath('firmware', 'dist', 'tripod.js');

export interface BoardOptions {
  /** Firmware source. Defaults to the contents of firmware/dist/tripod.js. */
  source?: string;
  /** 'virtual': time moves only in advance(); 'realtime': a timer drives it from the wall clock. */
  clock: 'virtual' | 'realtime';
  /** Forces on the four cells, N. Defaults to no load. */
  loads?: LoadSource;
  /** Seeds noise, offsets, oscillator spread and the address. Defaults to 1. */
  seed?: number;
  /** Defaults to 'mdbt42q'. */
  board?: BoardName;
  /** BLE address 'aa:bb:cc:dd:ee:ff'. Defaults to one derived from the seed. */
  address?: string;
  /** Initial Storage files (latin1 strings), or a JSON file that backs Storage. Defaults to empty memory. */
  storage?: StorageInit;
  /** Per-cell model overrides (offset, gain error, noise, oscillator error, unplugged). */
  cells?: CellOverrides[];
  /** HX711 wiring overrides (defaults: the board's pin map, firmware/src/boards.ts). */
  wiring?: Partial<Hx711Wiring>;
  /** Interpreter cost overrides (see costs.ts). */
  costs?: Partial<CostModel>;
  /** Uncaught firmware error: 'throw' (default) fails advance(); 'log' prints and goes on as the device would. */
  onUncaught?: FaultPolicy;
  /** HX711 powered down mid-read: 'throw' (default) fails advance(); 'log' only counts it. */
  onTimingViolation?: FaultPolicy;
  /** USB-serial adapter on Serial1 at power-on (console starts on Serial1). Defaults to true on the MDBT42Q. */
  serialAttached?: boolean;
  /** SoftDevice notification queue entries. Defaults to 1 (BLE_GATTS_HVN_TX_QUEUE_SIZE_DEFAULT). */
  txQueueSize?: number;
  /** Notifications sent per connection event. Defaults to 1. */
  packetsPerEvent?: number;
  /** NRF.getBattery() volts. Defaults to 3.0 (Puck.js CR2032) or 3.3 (MDBT42Q regulator). */
  batteryVolts?: number;
  /** E.getTemperature(), degC. Defaults to 25. */
  temperatureC?: number;
  /** HX711 oscillator spread between chips (+-fraction). Defaults to 0.03. */
  oscillatorSpread?: number;
  /** HX711 readings kept per cell for cellTruth() (at least; trimmed in batches). Defaults to 1,000,000 with the virtual clock, 20,000 in real time. */
  truthLimit?: number;
  /** Realtime mode: wall-clock step, ms. Defaults to 5. */
  realtimeStepMs?: number;
  /** Realtime mode: where faults go (the timer cannot throw to you). Defaults to stopping and printing to stderr. */
  onFault?: (e: Error) => void;
}

export interface BoardStats extends ApiStats {
  /** Virtual seconds since the board was created. */
  virtualSeconds: number;
  ble: NrfStats;
  hx711: Hx711Stats[];
  timingViolations: number;
  uncaughtErrors: number;
  /** setWatch events lost because Espruino's input event queue was full (FIFO_FULL). */
  ioEventsDropped: number;
  /** Cost of one API call in each mode, s (from the cost model). */
  callCosts: CallCosts;
}

export interface EmulatedBoard {
  readonly options: Readonly<BoardOptions>;
  /** The central side of the radio. */
  readonly ble: {
    connect(opts?: ConnectOptions): CentralLink;
    /** What a scan sees, or null while connected (Espruino stops advertising when a central connects). */
    advertising(): AdvertisingRecord | null;
  };
  /** The host side of Serial1 (a USB-serial adapter). */
  readonly serial: {
    write(bytes: Uint8Array | string): void;
    onData(cb: (bytes: Uint8Array) => void): () => void;
  };
  /** Runs virtual time forward (virtual clock only). Throws EmulatorFault on a firmware or timing fault. */
  advance(seconds: number): void;
  /** Virtual seconds since the board was created. */
  now(): number;
  /** getTime() on the device (restarts at 0 on reboot). */
  deviceTime(): number;
  stop(): void;
  /** E.reboot(): the firmware restarts from its source; Storage is kept. */
  reboot(): void;
  setLoads(src: LoadSource): void;
  /** Changes a cell at run time (e.g. unplug it: `{ unplugged: true }`). */
  setCell(index: number, o: CellOverrides): void;
  stats(): BoardStats;
  /** Every word each HX711 latched for reading, in order, per cell (complete: all 24 bits clocked). */
  cellTruth(): Hx711Reading[][];
  timingViolations(): TimingViolation[];
  /** Text the firmware printed to its console since creation (bounded). */
  consoleText(): string;
  /** The console device name ('Serial1', 'Bluetooth', 'LoopbackA', ... or null). */
  consoleDevice(): string | null;
  /** JIT errors the device would print (a "jit" function using unsupported syntax). */
  jitErrors(): Array<{ line: number; reason: string }>;
  /** Evaluates JavaScript in the firmware's global scope (for tests). */
  evaluate(code: string): unknown;
  /** Storage files as latin1 strings. */
  storageSnapshot(): Record<string, string>;
  /** Pin level as the MCU sees it now. */
  pinLevel(pin: number): number;
  /** Holds the board's button (BTN, active high) down for `seconds` from now; throws on a board without one. */
  pressButton(seconds?: number): void;
}

function addressFromSeed(seed: number): string {
  const a = hash32(seed ^ 0x5eed);
  const b = hash32(seed ^ 0xadd2);
  const bytes = [((b >>> 8) & 0xff) | 0xc0, b & 0xff, (a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function readDefaultFirmware(): string {
  if (!existsSync(DEFAULT_FIRMWARE_PATH)) {
    throw new Error(`${DEFAULT_FIRMWARE_PATH} not found; run 'npm run build:firmware' first or pass { source } to createBoard`);
  }
  return readFileSync(DEFAULT_FIRMWARE_PATH, 'utf8');
}

export function createBoard(opts: BoardOptions): EmulatedBoard {
  if (opts.clock !== 'virtual' && opts.clock !== 'realtime') throw new TypeError(`createBoard: clock must be 'virtual' or 'realtime', got ${String(opts.clock)}`);
  const boardName = opts.board ?? 'mdbt42q';
  const board = BOARDS[boardName];
  if (!board) throw new TypeError(`createBoard: unknown board '${String(boardName)}'; expected one of ${Object.keys(BOARDS).join(', ')}`);
  const seed = opts.seed ?? 1;
  const address = opts.address ?? addressFromSeed(seed);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(address)) throw new TypeError(`createBoard: address '${address}' is not of the form aa:bb:cc:dd:ee:ff`);
  const cells = opts.cells ?? [];
  if (cells.length > 4) throw new TypeError(`createBoard: cells has ${cells.length} entries; the board has 4 cells`);
  const storage = new StorageModel(opts.storage);
  const rt = new EspruinoRuntime({
    board,
    source: opts.source ?? readDefaultFirmware(),
    seed,
    address: address.toLowerCase(),
    storage,
    loads: opts.loads ?? constantLoads([0, 0, 0, 0]),
    costs: { ...DEFAULT_COSTS, ...opts.costs },
    wiring: { ...board.wiring, ...opts.wiring },
    cells,
    oscillatorSpread: opts.oscillatorSpread ?? 0.03,
    onUncaught: opts.onUncaught ?? 'throw',
    onTimingViolation: opts.onTimingViolation ?? 'throw',
    serialAttached: opts.serialAttached ?? board.serialConsole !== undefined,
    txQueueSize: opts.txQueueSize,
    packetsPerEvent: opts.packetsPerEvent,
    batteryVolts: opts.batteryVolts,
    temperatureC: opts.temperatureC ?? 25,
    truthLimit: opts.truthLimit ?? (opts.clock === 'realtime' ? 20_000 : 1_000_000),
  });

  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  if (opts.clock === 'realtime') {
    const stepMs = opts.realtimeStepMs ?? 5;
    let last = performance.now();
    const onFault = opts.onFault ?? ((e: Error) => {
      process.stderr.write(`emulated board stopped: ${e.message}\n`);
      stop();
    });
    timer = setInterval(() => {
      const nowMs = performance.now();
      const dt = (nowMs - last) / 1000;
      last = nowMs;
      try {
        rt.advance(dt);
      } catch (e) {
        onFault(e as Error);
      }
    }, stepMs);
  }
  function stop(): void {
    stopped = true;
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    options: opts,
    ble: {
      connect: (o?: ConnectOptions) => rt.nrf.connect(o),
      advertising: () => rt.nrf.advertising(),
    },
    serial: {
      write: (bytes) => rt.hostSerialWrite(typeof bytes === 'string' ? bytesOfString(bytes) : bytes),
      onData: (cb) => rt.onHostSerial(cb),
    },
    advance: (seconds) => {
      if (opts.clock === 'realtime') throw new Error('advance() drives the virtual clock; this board runs in real time');
      if (stopped) throw new Error('the board was stopped');
      rt.advance(seconds);
    },
    now: () => rt.clock.now,
    deviceTime: () => rt.deviceTime(),
    stop,
    reboot: () => rt.reboot(),
    setLoads: (src) => rt.setLoads(src),
    setCell: (i, o) => {
      const m = rt.hx[i];
      if (!m) throw new RangeError(`setCell: cell ${i} does not exist (0..3)`);
      if (o.offsetCounts !== undefined) m.offsetCounts = o.offsetCounts;
      if (o.gainError !== undefined) m.gainError = o.gainError;
      if (o.noiseRmsCounts !== undefined) m.noiseRmsCounts = o.noiseRmsCounts;
      if (o.unplugged !== undefined) m.setUnplugged(o.unplugged === true ? 'high' : o.unplugged, rt.clock.now);
    },
    stats: () => ({
      ...rt.apiStats(),
      virtualSeconds: rt.clock.now,
      ble: { ...rt.nrf.stats },
      hx711: rt.hx.map((m) => ({ ...m.stats })),
      timingViolations: rt.violations.length,
      uncaughtErrors: rt.uncaught.length,
      ioEventsDropped: rt.ioDropped,
      callCosts: callCosts({ ...DEFAULT_COSTS, ...opts.costs }),
    }),
    cellTruth: () => rt.truth.map((l) => l.slice()),
    timingViolations: () => rt.violations.slice(),
    consoleText: () => rt.consoleLog.join(''),
    consoleDevice: () => rt.consoleDevice,
    jitErrors: () => rt.jitErrors.slice(),
    evaluate: (code) => rt.evaluate(code),
    storageSnapshot: () => storage.snapshot(),
    pinLevel: (pin) => rt.pins.level(pin, rt.clock.now),
    pressButton: (seconds = 0.2) => {
      const pin = board.button;
      if (pin === undefined) throw new Error(`pressButton: board ${boardName} has no button`);
      const from = rt.clock.now;
      const to = from + seconds;
      rt.pins.attachDriver(pin, { level: (t) => (t >= from && t < to ? 1 : 0), nextChange: (t) => (t < from ? from : t < to ? to : Infinity) });
      rt.pins.pollWatches(from);
    },
  };
}

export { stringOfBytes, bytesOfString };
