/**
 * Boot and wiring: loads settings and calibration from flash, picks the pin map, starts the
 * sampler, BLE and (where the board has a free UART) the wired link, and implements the
 * DeviceContext the commands act through. One sample's path:
 * hx711.ts read -> sampler.ts check -> ring (bounded) -> stream.ts encoder -> ble.ts / serial.ts.
 *
 * Power: the HX711s sample while a central is connected (or a wired host is active) and for
 * settings.idleS seconds after the last one left; then the sampler stops and the clock is held
 * high (chips powered down, ~1 uA each). Advertising continues; a new connection powers them up.
 */
import {
  BATTERY_MV_UNKNOWN,
  BATTERY_PERCENT_UNKNOWN,
  CELLS,
  EVT_BATTERY_LOW,
  EVT_CELL_FAULT,
  EVT_OVERFLOW,
  EVT_STORAGE_FAULT,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_GET_NAME,
  CMD_IDENTIFY,
  CMD_REBOOT,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_START_STREAM,
  CMD_STOP_STREAM,
  CMD_TARE,
  STATUS_BUSY,
  STATUS_FAILED,
  STATUS_OK,
} from '../../protocol/constants.ts';
import { encodeEvent, type CellCalibrationRecord, type CommandMessage, type ResponseMessage } from '../../protocol/control.ts';
import { BUTTON_PIN, type PinMap } from './boards.ts';
import { AUTH_GATED, AUTH_PAIRING_AT, AUTH_STATE_BYTES } from './auth.ts';
import { BLE_BATTERY, BLE_CONNECTED, BLE_ON_COMMAND, BLE_ON_CONNECT, BLE_ON_DISCONNECT, BLE_ON_PAYLOAD, BLE_MTU, BLE_PAYLOAD, BLE_RENAME, BLE_SEND, BLE_SEND_AFTER_DATA, BLE_WAKE, setupBle, type BleHandlers, type BleLink } from './ble.ts';
import { IDENTIFY_S_DEFAULT, TARE_SAMPLES_DEFAULT, type CommandAct } from './commands.ts';
import { loadAuth, loadBoot, loadCommandDecoder, loadJsStreamer, loadResponseEncoder, loadSerial, loadSettingsWrites, type SettingsWrites } from './lazy.ts';
import { addressOf, loadNative } from './native.ts';
import { createNativeStreamer } from './native-stream.ts';
import { ringLost, ringSize } from './ring.ts';
import { RING_CAPACITY, SAMPLER_FEED, SAMPLER_FILL, SAMPLER_RUNNING, SAMPLER_SETS, SAMPLER_START, SAMPLER_STOP, SAMPLER_TAP, createSampler } from './sampler.ts';
import type { SerialHandlers, SerialLink } from './serial.ts';
import { STREAM_ACTIVE, STREAM_BEGIN, STREAM_CONFIGURE, STREAM_END, STREAM_FORCE_KEY, STREAM_FORMAT, STREAM_NEXT_INDEX } from './stream.ts';
import { keyIntervalFor, samplesPerFrameFor, type Stored } from './settings.ts';

export const FIRMWARE_MAJOR = 0;
export const FIRMWARE_MINOR = 1;
export const FIRMWARE_PATCH = 0;
export const LINK_BLE = 1;
export const LINK_SERIAL = 2;
/** Battery check period, ms. */
export const BATTERY_CHECK_MS = 60000;
/** BATTERY_LOW fires once when the battery drops below this percentage (SPEC.md 6), and re-arms above BATTERY_REARM_PERCENT. */
export const BATTERY_LOW_PERCENT = 10;
export const BATTERY_REARM_PERCENT = 15;
/** REBOOT: delay between the response and the reboot, ms (SPEC.md 5.3: about 100 ms). */
export const REBOOT_DELAY_MS = 100;

/** Battery percent for the Battery Service: E.getBattery() where the board has it, else from NRF.getBattery() volts (2.0 V = 0 %, 3.0 V = 100 %, a coin cell's useful range). */
export function batteryPercent(): number {
  if (E.getBattery) return Math.round(E.getBattery());
  const v = NRF.getBattery();
  const p = Math.round((v - 2.0) * 100);
  return p < 0 ? 0 : p > 100 ? 100 : p;
}

/** Battery percent for GET_INFO and BATTERY_LOW: E.getBattery() where it exists, else unknown (255): a voltage mapping is only a guess. */
function reportedPercent(): number {
  return E.getBattery ? batteryPercent() : BATTERY_PERCENT_UNKNOWN;
}

function batteryMv(): number {
  const v = NRF.getBattery();
  return isFinite(v) && v > 0 && v < 65.535 ? Math.round(v * 1000) : BATTERY_MV_UNKNOWN;
}

/**
 * Frees the loaders' groups a command left behind now, in a quiet moment, rather than when the
 * variables run out (firmware/README.md "Memory"). A loaded group is a cycle (its functions point at
 * the scope that holds them), which Espruino's reference counting cannot free; only its garbage
 * collector does, and that runs by itself only with 10 ms to spare and under 5 % free (jsinteractive.c
 * jsiIdle), else when an allocation finds no free variable, which raises LOW_MEMORY.
 * process.memory() runs a collection first (its default).
 */
function collectGarbage(): void {
  process.memory();
}

function reboot(): void {
  E.reboot();
}

/** Starts the device. Runs once when the file is loaded (Espruino runs saved code at boot). */
/** What boot reads from flash and the board: stored settings and calibration, the pin map, the name to advertise. */
interface BootConfig {
  stored: Stored;
  pins: PinMap;
  name: string;
}

/**
 * Reads the boot configuration through one load of the boot group (lazy.ts loadBoot), then lets the
 * garbage collector free that group at once (startTripod calls collectGarbage after it), before the
 * rest of boot needs the room.
 */
function bootConfig(): BootConfig {
  'boot';
  const b = loadBoot();
  const stored = b.loadStored();
  let pins = b.boardPins(process.env.BOARD);
  if (stored.settings.pins !== null) {
    const p = b.customPins(pins, stored.settings.pins);
    if (p !== null) pins = p;
  }
  return { stored: stored, pins: pins, name: stored.settings.name !== '' ? stored.settings.name : b.defaultName(NRF.getAddress()) };
}

/**
 * Decodes, runs and answers one command; always answers exactly once (through `reply`, or later
 * through `act`), and nothing throws to the caller: an exception while acting becomes STATUS_FAILED.
 * Each step loads its own group (lazy.ts) and the group is collected before the next loads: a write
 * (and AUTH_CHALLENGE, AUTH, SET_KEY) first passes the authentication gate (auth.ts), then the
 * decoder, then `act` (which loads the settings writes where it makes one), then the response
 * encoder. On the Puck.js's size the one group they were (about 190 variables) on top of a TARE's
 * or a stream's state was the firmware's peak, above the 1,840 goal (firmware/README.md "Memory").
 */
function runCommand(link: number, bytes: Uint8Array, act: CommandAct, reply: (link: number, bytes: Uint8Array) => void, auth: Uint8Array): void {
  if (bytes.length > 2 && ((AUTH_GATED >> (bytes[2] as number)) & 1) !== 0) {
    const answered = loadAuth().authGate(link, bytes, auth, reply);
    collectGarbage();
    if (answered) return;
  }
  const d = loadCommandDecoder().decodeCommand(bytes);
  collectGarbage();
  let r: ResponseMessage;
  let send = true;
  if (!d.ok) {
    // protocol/control.ts encodeCommandError: the refusal's response.
    r = { reqId: d.reqId, code: d.code, status: d.status };
  } else {
    const cmd = d.command;
    r = { reqId: cmd.reqId, code: cmd.code, status: STATUS_OK };
    try {
      send = act(link, cmd, r);
    } catch (e) {
      r = { reqId: cmd.reqId, code: cmd.code, status: STATUS_FAILED };
    }
    collectGarbage();
  }
  if (send) reply(link, loadResponseEncoder().encodeResponse(r));
}

/** Pairing window opened by a button press, ms (protocol/SPEC.md 5.5: SET_KEY over BLE without AUTH). */
export const PAIRING_WINDOW_MS = 30000;

export function startTripod(): void {
  'boot';
  let boot: BootConfig | null = bootConfig();
  collectGarbage();
  const settings = boot.stored.settings;
  /** The calibration in use (settings.ts CalValues) and whether it came from flash. */
  const cal = boot.stored.calibration;
  let calibrated = boot.stored.calibrated;
  const storeFault = boot.stored.fault;
  const pins: PinMap = boot.pins;
  /** The name advertised (SET_NAME changes it). */
  let advName = boot.name;
  boot = null;
  let eventSeq = 0;
  let target = 0;
  let idleTimer = 0;
  let identifyTimer = 0;
  let batteryLowSent = false;
  /** Bit `link` set: the STORAGE_FAULT event went out on that link since it (re)connected. */
  let faultSent = 0;
  /** This boot's id for START_STREAM answers (1..2^32-1): the same id tells the host indices continued. */
  const bootId = 1 + Math.floor(Math.random() * 0xfffffffe);
  /** sampler.ctl(SAMPLER_SETS) when this boot's first stream began (-1: none began yet): the next stream's first index is the sets taken since. */
  let setsAtFirst = -1;

  /** The native code (native.ts), or null: then the read and the encoder run as JS. */
  const nat = settings.native ? loadNative() : null;
  const sampler = createSampler(pins.sck, pins.rate, pins.dout, RING_CAPACITY, onFault, nat);
  const ring = sampler.ring;
  const onOverflow = function (dropped: number, first: number): void {
    sendEvent(encodeEvent({ code: EVT_OVERFLOW, seq: nextSeq(), dropped: dropped, index: first & 0xffffff }));
  };
  const nativeStreamer = nat !== null ? createNativeStreamer(ring, nat, addressOf, onOverflow) : null;
  const streamer = nativeStreamer || loadJsStreamer().createStreamer(ring, onOverflow);
  /** What runs the per-sample work, for the Device Information Service's Software Revision (SPEC.md 2). */
  const software = sampler.native ? (nativeStreamer !== null ? 'native' : 'native read') : nativeStreamer !== null ? 'native encoder' : 'jit-js';

  /** A TARE is running (a second one is refused with BUSY). */
  let tareRunning = false;
  /** Authenticated writes (auth.ts AuthState): the one pending nonce and tag, and the pairing window. */
  const auth = new Uint8Array(AUTH_STATE_BYTES);
  setWatch(function (): void {
    auth[AUTH_PAIRING_AT] = 1;
    if (pins.led >= 0) digitalPulse(pins.led, 1, 500);
    setTimeout(function (): void {
      auth[AUTH_PAIRING_AT] = 0;
    }, PAIRING_WINDOW_MS);
  }, BUTTON_PIN, { repeat: true, edge: 'rising', debounce: 50 });

  function nextSeq(): number {
    const s = eventSeq;
    eventSeq = (eventSeq + 1) & 255;
    return s;
  }

  function sendEvent(bytes: Uint8Array): void {
    ble(BLE_SEND, bytes);
    if (serial !== null) serial.sendControl(bytes);
  }

  function endStream(): void {
    streamer.ctl(STREAM_END);
    sampler.ctl(SAMPLER_FEED, false);
    // While BLE streams, the sampler hands the BLE link each frame as soon as the ring holds a
    // frame's worth (SAMPLER_FILL at the samples per frame in use: no wait for a send timer,
    // firmware/README.md "Pacing"); set where the stream, its target or its frame size change (no
    // helper function: on the board a function object costs RAM at the peak). A change of frame
    // size also forces a KEY, so the KEYs (every keyInterval samples, a multiple of the frame size
    // by default) fall at the start of a step again and no step is cut in two frames.
    sampler.ctl(SAMPLER_FILL, 0);
  }

  function onFault(cell: number, kind: number): void {
    const index = (streamer.ctl(STREAM_NEXT_INDEX) + ringSize(ring) + ringLost(ring)) & 0xffffff;
    sendEvent(encodeEvent({ code: EVT_CELL_FAULT, seq: nextSeq(), cell: cell, fault: kind, index: index }));
  }


  function ensureSampling(): void {
    if (!sampler.ctl(SAMPLER_RUNNING)) sampler.ctl(SAMPLER_START, settings.rateHz);
  }

  function goIdle(): void {
    idleTimer = 0;
    if (ble(BLE_CONNECTED) || (target === LINK_SERIAL && streamer.ctl(STREAM_ACTIVE))) return;
    endStream();
    setTarget(0);
    sampler.ctl(SAMPLER_STOP);
  }

  function armIdle(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(goIdle, settings.idleS * 1000);
  }

  function onCommand(link: number, bytes: Uint8Array): void {
    ensureSampling();
    if (link === LINK_SERIAL && !ble(BLE_CONNECTED)) armIdle();
    runCommand(link, bytes, act, reply, auth);
    // Once per connection: the stored settings or calibration were corrupt (defaults in use).
    if (storeFault !== 0 && (faultSent & (1 << link)) === 0) {
      faultSent |= 1 << link;
      reply(link, encodeEvent({ code: EVT_STORAGE_FAULT, seq: nextSeq(), storage: storeFault }));
    }
    collectGarbage();
  }

  function payloadFor(link: number): number {
    return link === LINK_BLE ? ble(BLE_PAYLOAD) : serial !== null ? serial.payload() : 0;
  }

  /**
   * Carries out one decoded command (runCommand calls it between the decoder and the response
   * encoder; it loads the settings writes, lazy.ts, where it makes one): fills the response `r` and returns true to have it sent now,
   * false when it answers later itself (STOP_STREAM after the pending frames, TARE when done). One
   * function rather than an object of one per command: the closures TARE and IDENTIFY need are made
   * only when they run (firmware/README.md "Memory").
   */
  function act(link: number, cmd: CommandMessage, r: ResponseMessage): boolean {
    const code = cmd.code;
    if (code === CMD_GET_INFO) {
      r.info = {
        firmwareMajor: FIRMWARE_MAJOR,
        firmwareMinor: FIRMWARE_MINOR,
        firmwarePatch: FIRMWARE_PATCH,
        protocolMajor: PROTOCOL_MAJOR,
        protocolMinor: PROTOCOL_MINOR,
        boardId: pins.boardId,
        cellCount: CELLS,
        sampleRateHz: settings.rateHz,
        mtu: ble(BLE_MTU),
        batteryPercent: reportedPercent(),
        batteryMv: batteryMv(),
        samplesPerFrame: samplesPerFrameFor(settings.samplesPerFrame, payloadFor(link)),
        keyInterval: keyIntervalFor(settings.keyInterval, settings.rateHz),
        streaming: streamer.ctl(STREAM_ACTIVE) === 1,
        calibrated: calibrated,
        payloadBytes: payloadFor(link),
      };
    } else if (code === CMD_START_STREAM) {
      if (streamer.ctl(STREAM_ACTIVE) && target !== link) {
        r.status = STATUS_BUSY;
        return true;
      }
      ensureSampling();
      setTarget(link);
      const payload = payloadFor(link);
      if (setsAtFirst < 0) setsAtFirst = sampler.ctl(SAMPLER_SETS);
      // The format asked for (none: 1), as the streamer makes it: the native one both, the JS one 1.1
      // frames only (it answers 0), so a host that asked for 2 learns it gets KEY/DELTA (SPEC.md 5.3).
      r.frameFormat = streamer.ctl(STREAM_FORMAT, cmd.frameFormat as number) || 1;
      streamer.ctl(STREAM_BEGIN, payload, samplesPerFrameFor(settings.samplesPerFrame, payload), keyIntervalFor(settings.keyInterval, settings.rateHz), (sampler.ctl(SAMPLER_SETS) - setsAtFirst) % 16777216);
      sampler.ctl(SAMPLER_FEED, true);
      sampler.ctl(SAMPLER_FILL, link === LINK_BLE ? samplesPerFrameFor(settings.samplesPerFrame, payload) : 0);
      if (link === LINK_SERIAL && serial !== null) serial.setStreaming(true);
      if (link === LINK_BLE) ble(BLE_WAKE);
      r.bootId = bootId;
      r.firstIndex = streamer.ctl(STREAM_NEXT_INDEX);
    } else if (code === CMD_STOP_STREAM) {
      if (target === link) {
        endStream();
        if (link === LINK_SERIAL && serial !== null) serial.setStreaming(false);
      }
      // The answer follows every frame still pending on the link.
      const stopAnswer = loadResponseEncoder().encodeResponse(r);
      if (link === LINK_BLE) ble(BLE_SEND_AFTER_DATA, stopAnswer);
      else if (serial !== null) serial.sendAfterData(stopAnswer);
      return false;
    } else if (code === CMD_SET_SAMPLE_RATE) {
      settings.rateHz = cmd.sampleRateHz as number;
      loadSettingsWrites().saveSettings(settings);
      if (sampler.ctl(SAMPLER_RUNNING)) sampler.ctl(SAMPLER_START, settings.rateHz);
      streamer.ctl(STREAM_FORCE_KEY);
      r.sampleRateHz = settings.rateHz;
    } else if (code === CMD_SET_FRAME_SAMPLES) {
      const n = cmd.samplesPerFrame as number;
      settings.samplesPerFrame = n;
      loadSettingsWrites().saveSettings(settings);
      if (target !== 0) streamer.ctl(STREAM_CONFIGURE, payloadFor(target), samplesPerFrameFor(n, payloadFor(target)));
      streamer.ctl(STREAM_FORCE_KEY);
      sampler.ctl(SAMPLER_FILL, target === LINK_BLE && streamer.ctl(STREAM_ACTIVE) === 1 ? samplesPerFrameFor(n, payloadFor(target)) : 0);
      r.samplesPerFrame = samplesPerFrameFor(n, payloadFor(link));
    } else if (code === CMD_GET_CALIBRATION) {
      r.calibration = loadSettingsWrites().calibrationRecord(cal, cmd.cell as number);
    } else if (code === CMD_SET_CALIBRATION) {
      const rec = cmd.calibration as CellCalibrationRecord;
      const next = new Float64Array(cal);
      const o = 4 * rec.cell;
      next[o] = rec.offset;
      next[o + 1] = rec.scale;
      next[o + 2] = rec.xMm;
      next[o + 3] = rec.yMm;
      const w = loadSettingsWrites();
      if (w.saveCalibration(next)) {
        cal.set(next);
        calibrated = true;
        r.calibration = w.calibrationRecord(cal, rec.cell);
      } else {
        r.status = STATUS_FAILED;
      }
    } else if (code === CMD_TARE) {
      if (tareRunning) {
        r.status = STATUS_BUSY;
        return true;
      }
      startTare(link, cmd.samples ? (cmd.samples as number) : TARE_SAMPLES_DEFAULT, r);
      return false;
    } else if (code === CMD_IDENTIFY) {
      identify(cmd.seconds ? (cmd.seconds as number) : IDENTIFY_S_DEFAULT);
    } else if (code === CMD_SET_NAME) {
      settings.name = cmd.name as string;
      const ok = loadSettingsWrites().saveSettings(settings);
      advName = settings.name;
      ble(BLE_RENAME, advName);
      if (ok) r.name = advName;
      else r.status = STATUS_FAILED;
    } else if (code === CMD_GET_NAME) {
      r.name = advName;
    } else if (code === CMD_REBOOT) {
      setTimeout(reboot, REBOOT_DELAY_MS);
    }
    return true;
  }

  /** IDENTIFY: blinks the LED twice a second for `seconds` (made outside `act` so the timer does not hold the commands group). */
  function identify(seconds: number): void {
    if (identifyTimer) clearInterval(identifyTimer);
    let left = seconds * 2;
    identifyTimer = setInterval(function (): void {
      if (pins.led >= 0) digitalPulse(pins.led, 1, 100);
      left--;
      if (left <= 0) {
        clearInterval(identifyTimer);
        identifyTimer = 0;
      }
    }, 500);
  }

  /**
   * TARE: averages n fresh samples per cell (stale ones skipped) through the sampler's tap, stores
   * the offsets and answers; fails (STATUS_FAILED, nothing stored) when a cell gives none in time.
   * It loads the commands group again to finish rather than hold it for the whole tare.
   */
  function startTare(link: number, n: number, r: ResponseMessage): void {
    ensureSampling();
    const sum = new Float64Array(4);
    const count = new Int32Array(4);
    let seen = 0;
    let timer = 0;
    tareRunning = true;
    const finish = function (ok: boolean): void {
      if (!tareRunning) return;
      tareRunning = false;
      sampler.ctl(SAMPLER_TAP, null);
      if (timer) clearTimeout(timer);
      let w: SettingsWrites | null = loadSettingsWrites();
      const offsets: number[] = [];
      for (let c = 0; c < 4 && ok; c++) {
        if ((count[c] as number) === 0) ok = false;
        else offsets.push(w.offsetFromMean((sum[c] as number) / (count[c] as number)));
      }
      if (ok) {
        const next = new Float64Array(cal);
        for (let c = 0; c < 4; c++) next[4 * c] = offsets[c] as number;
        ok = w.saveCalibration(next);
        if (ok) {
          cal.set(next);
          calibrated = true;
        }
      }
      w = null;
      collectGarbage();
      if (ok) r.offsets = offsets;
      else r.status = STATUS_FAILED;
      reply(link, loadResponseEncoder().encodeResponse(r));
      setTimeout(collectGarbage, 0);
    };
    sampler.ctl(SAMPLER_TAP, function (counts: Int32Array, flags: number): void {
      for (let c = 0; c < 4; c++) {
        if ((flags & (1 << c)) === 0) {
          sum[c] = (sum[c] as number) + (counts[c] as number);
          count[c] = (count[c] as number) + 1;
        }
      }
      seen++;
      if (seen >= n) finish(true);
    });
    timer = setTimeout(function (): void {
      timer = 0;
      finish(false);
    }, (n * 2000) / settings.rateHz + 2000);
  }

  function reply(link: number, bytes: Uint8Array): void {
    if (link === LINK_BLE) ble(BLE_SEND, bytes);
    else if (serial !== null) serial.sendControl(bytes);
  }

  /** A link's frame source while it is not the streaming one. */
  function noFrame(): Uint8Array | null {
    return null;
  }

  /**
   * Sets the streaming link and gives it the streamer's nextFrame directly (the other link gets
   * noFrame): the BLE pump calls it every 16 ms, so no wrapper call checks the link each time.
   */
  function setTarget(link: number): void {
    target = link;
    bleHandlers.nextFrame = link === LINK_BLE ? streamer.nextFrame : noFrame;
    if (serialHandlers !== null) serialHandlers.nextFrame = link === LINK_SERIAL ? streamer.nextFrame : noFrame;
  }

  const bleHandlers: BleHandlers = {
    on: function (event: number, arg?: Uint8Array | number): void {
      if (event === BLE_ON_COMMAND) {
        onCommand(LINK_BLE, arg as Uint8Array);
      } else if (event === BLE_ON_CONNECT) {
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = 0;
        faultSent &= ~(1 << LINK_BLE);
        ensureSampling();
      } else if (event === BLE_ON_DISCONNECT) {
        if (serial !== null) serial.repark();
        if (target === LINK_BLE) {
          endStream();
          setTarget(0);
        }
        armIdle();
      } else if (event === BLE_ON_PAYLOAD) {
        if (target === LINK_BLE) streamer.ctl(STREAM_CONFIGURE, arg as number, samplesPerFrameFor(settings.samplesPerFrame, arg as number));
        streamer.ctl(STREAM_FORCE_KEY);
        sampler.ctl(SAMPLER_FILL, target === LINK_BLE && streamer.ctl(STREAM_ACTIVE) === 1 ? samplesPerFrameFor(settings.samplesPerFrame, arg as number) : 0);
      }
    },
    nextFrame: noFrame,
  };
  const ble: BleLink = setupBle(advName, 'Tripod ' + (process.env.BOARD || 'nRF52'), FIRMWARE_MAJOR + '.' + FIRMWARE_MINOR + '.' + FIRMWARE_PATCH, software, batteryPercent(), bleHandlers);
  sampler.ctl(SAMPLER_FILL, bleHandlers.sendNow);

  /** The wired link's handlers, made only where the board has one (a Puck.js has none). */
  let serialHandlers: SerialHandlers | null = null;
  let serial: SerialLink | null = null;
  if (settings.serial && pins.rx >= 0 && pins.tx >= 0) {
    serialHandlers = {
      onCommand: function (bytes: Uint8Array): void {
        onCommand(LINK_SERIAL, bytes);
      },
      nextFrame: noFrame,
    };
    serial = loadSerial().setupSerial(pins.rx, pins.tx, serialHandlers);
  }

  setInterval(function (): void {
    const pct = batteryPercent();
    ble(BLE_BATTERY, pct);
    if (pct < BATTERY_LOW_PERCENT && !batteryLowSent) {
      batteryLowSent = true;
      sendEvent(encodeEvent({ code: EVT_BATTERY_LOW, seq: nextSeq(), batteryPercent: reportedPercent(), batteryMv: batteryMv() }));
    } else if (pct > BATTERY_REARM_PERCENT) {
      batteryLowSent = false;
    }
  }, BATTERY_CHECK_MS);

  ensureSampling();
  armIdle();
  if (storeFault !== 0) print('Tripod: stored settings or calibration were corrupt; defaults in use (fault ' + storeFault + ')');
}

startTripod();
collectGarbage();
