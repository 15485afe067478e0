/**
 * Settings and calibration kept in flash with require("Storage"), as two JSON files:
 * - SETTINGS_FILE "tripod.json": {v: 1, name, rateHz, samplesPerFrame, keyInterval, idleS, serial, pins,
 *   native (optional, default true: false keeps the HX711 read and the encoder in JS)}
 * - CALIBRATION_FILE "tripod.cal": {v: 1, cells: [{offset, scale, x, y} x 4]}
 *   (force_N = (counts - offset) * scale; x, y cell centre in mm, axes as in host/pipeline/types.ts).
 *   In RAM the calibration is one Float64Array of 16 numbers (CalValues), not objects: 12
 *   variables instead of about 60 (firmware/README.md "Memory").
 * Both are validated field by field at boot. A file that is missing gives defaults silently; a file
 * that is present but unreadable or invalid gives defaults for THAT file and a fault the caller
 * reports (never an exception at boot, so a bad file cannot cause a crash loop). Values are only
 * written by the commands that change them.
 */
import { COUNT_MAX, COUNT_MIN, FRAME_SAMPLES_REFERENCE, KEY_INTERVAL_MAX, NAME_MAX_BYTES } from '../../protocol/constants.ts';
import type { CellCalibrationRecord } from '../../protocol/control.ts';
import { boardPins, customPins, isClockSpec, isPin } from './boards.ts';

export const SETTINGS_FILE = 'tripod.json';
export const CALIBRATION_FILE = 'tripod.cal';
/** Seconds with nobody connected before sampling stops and the HX711s power down. */
export const IDLE_S_DEFAULT = 60;
/** samplesPerFrame / keyInterval setting 0 = automatic (protocol/SPEC.md 4.5 reference values, see below). */
export const AUTO = 0;
/** Nominal scale, N per count: 100 kg 2 mV/V cell at AVDD 3.0 V, gain 128 (4379.7 counts/N). */
export const SCALE_DEFAULT = 1 / 4379.7;
/** Default cell centres, mm (DEFAULT_LAYOUT: 420 mm plate, cells at +-180 mm, quadrant order). */
export const CELL_X_DEFAULT = [180, -180, -180, 180];
export const CELL_Y_DEFAULT = [180, 180, -180, -180];

export interface CustomPins {
  /** One shared clock pin, or four (one per chip). */
  sck: number | number[];
  rate: number;
  dout: number[];
}

export interface Settings {
  /** Advertised name; empty = "Tripod-XXXX" from the address. */
  name: string;
  rateHz: number;
  /** Most samples per frame (latency), 1..255, or AUTO: see samplesPerFrameFor. */
  samplesPerFrame: number;
  /** A KEY at least every this many samples, 1..128, or AUTO: one per second (the sample rate). */
  keyInterval: number;
  idleS: number;
  /** Use the board's UART for the wired protocol link. */
  serial: boolean;
  pins: CustomPins | null;
  /** Use the native code (firmware/native) for the read and the encoder when the interpreter can run it; false: JS only. */
  native: boolean;
}

/**
 * The calibration in RAM: for cell c, [4c] offset (counts, int32), [4c + 1] scale (N/count, finite,
 * not 0), [4c + 2] x and [4c + 3] y (cell centre, mm, |v| <= 3276.7).
 */
export type CalValues = Float64Array;

/** What went wrong reading flash at boot: 0 nothing, else a bitmask of the files that were corrupt. */
export const STORE_FAULT_SETTINGS = 1;
export const STORE_FAULT_CALIBRATION = 2;

export function defaultSettings(): Settings {
  return { name: '', rateHz: 80, samplesPerFrame: AUTO, keyInterval: AUTO, idleS: IDLE_S_DEFAULT, serial: true, pins: null, native: true };
}

/** The nominal calibration: offset 0, SCALE_DEFAULT, cells at their default positions. */
export function defaultCalibration(): CalValues {
  const cal = new Float64Array(16);
  for (let c = 0; c < 4; c++) {
    cal[4 * c + 1] = SCALE_DEFAULT;
    cal[4 * c + 2] = CELL_X_DEFAULT[c] as number;
    cal[4 * c + 3] = CELL_Y_DEFAULT[c] as number;
  }
  return cal;
}

function isIntIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Math.floor(v) === v && v >= lo && v <= hi;
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && isFinite(v);
}

/** A name the protocol accepts: 1..16 printable ASCII characters. */
export function isValidName(s: unknown): boolean {
  if (typeof s !== 'string' || s.length < 1 || s.length > NAME_MAX_BYTES) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Validates parsed settings JSON; returns null when anything is wrong. */
export function validateSettings(o: any): Settings | null {
  if (!o || typeof o !== 'object' || o.v !== 1) return null;
  if (!(o.name === '' || isValidName(o.name))) return null;
  if (o.rateHz !== 10 && o.rateHz !== 80) return null;
  if (!isIntIn(o.samplesPerFrame, 0, 255)) return null;
  if (!isIntIn(o.keyInterval, 0, KEY_INTERVAL_MAX)) return null;
  if (!isIntIn(o.idleS, 1, 86400)) return null;
  if (typeof o.serial !== 'boolean') return null;
  if (o.native !== undefined && typeof o.native !== 'boolean') return null;
  let pins: CustomPins | null = null;
  if (o.pins !== null) {
    const p = o.pins;
    if (!p || typeof p !== 'object' || !isClockSpec(p.sck) || !(p.rate === -1 || isPin(p.rate))) return null;
    if (!p.dout || p.dout.length !== 4) return null;
    for (let i = 0; i < 4; i++) if (!isPin(p.dout[i])) return null;
    pins = { sck: p.sck, rate: p.rate, dout: [p.dout[0], p.dout[1], p.dout[2], p.dout[3]] };
    if (customPins(boardPins(undefined), pins) === null) return null;
  }
  return { name: o.name, rateHz: o.rateHz, samplesPerFrame: o.samplesPerFrame, keyInterval: o.keyInterval, idleS: o.idleS, serial: o.serial, pins: pins, native: o.native !== false };
}

/** Validates parsed calibration JSON into `out`; returns false (out partly written) when anything is wrong. */
export function validateCalibration(o: any, out: CalValues): boolean {
  if (!o || typeof o !== 'object' || o.v !== 1 || !o.cells || o.cells.length !== 4) return false;
  for (let c = 0; c < 4; c++) {
    const r = o.cells[c];
    if (!r || typeof r !== 'object') return false;
    if (!isIntIn(r.offset, -2147483648, 2147483647) || !isFiniteNumber(r.scale) || r.scale === 0) return false;
    if (!isFiniteNumber(r.x) || !isFiniteNumber(r.y) || Math.abs(r.x) > 3276.7 || Math.abs(r.y) > 3276.7) return false;
    out[4 * c] = r.offset;
    out[4 * c + 1] = r.scale;
    out[4 * c + 2] = r.x;
    out[4 * c + 3] = r.y;
  }
  return true;
}

/** Reads and parses a JSON file: undefined when absent, null when present but not JSON. */
function readJson(name: string): any {
  let text: string | undefined;
  try {
    text = require('Storage').read(name);
  } catch (e) {
    return null;
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
}

export interface Stored {
  settings: Settings;
  /** The stored calibration (defaults when missing or corrupt). */
  calibration: CalValues;
  /** True when the calibration came from flash. */
  calibrated: boolean;
  /** STORE_FAULT_* bits for files that were present but corrupt. */
  fault: number;
}

/** Loads both files; never throws. */
export function loadStored(): Stored {
  let fault = 0;
  let settings = defaultSettings();
  const calibration = defaultCalibration();
  let calibrated = false;
  const s = readJson(SETTINGS_FILE);
  if (s !== undefined) {
    const v = validateSettings(s);
    if (v) settings = v;
    else fault |= STORE_FAULT_SETTINGS;
  }
  const c = readJson(CALIBRATION_FILE);
  if (c !== undefined) {
    const v = new Float64Array(16);
    if (validateCalibration(c, v)) {
      calibration.set(v);
      calibrated = true;
    } else {
      fault |= STORE_FAULT_CALIBRATION;
    }
  }
  return { settings: settings, calibration: calibration, calibrated: calibrated, fault: fault };
}

/** One cell of a calibration as the protocol's record (GET_CALIBRATION, SET_CALIBRATION answers). */
export function calibrationRecord(cal: CalValues, cell: number): CellCalibrationRecord {
  const o = 4 * cell;
  return { cell: cell, offset: cal[o] as number, scale: cal[o + 1] as number, xMm: cal[o + 2] as number, yMm: cal[o + 3] as number };
}

/** Writes the settings file; returns false when flash refused it. */
export function saveSettings(s: Settings): boolean {
  // Written out by hand, as saveCalibration does: no object of nine properties (about 25 variables
  // on the board) made only to be stringified while a command's group is loaded.
  const text =
    '{"v":1,"name":' + JSON.stringify(s.name) + ',"rateHz":' + s.rateHz + ',"samplesPerFrame":' + s.samplesPerFrame + ',"keyInterval":' + s.keyInterval +
    ',"idleS":' + s.idleS + ',"serial":' + s.serial + ',"pins":' + JSON.stringify(s.pins) + ',"native":' + s.native + '}';
  try {
    return require('Storage').write(SETTINGS_FILE, text) !== false;
  } catch (e) {
    return false;
  }
}

/**
 * Writes the calibration file; returns false when flash refused it. The JSON is written out by
 * hand from the array (JSON.stringify of the same object would first build 4 objects for it).
 */
export function saveCalibration(cal: CalValues): boolean {
  let text = '{"v":1,"cells":[';
  for (let c = 0; c < 4; c++) {
    text += (c > 0 ? ',' : '') + '{"offset":' + cal[4 * c] + ',"scale":' + cal[4 * c + 1] + ',"x":' + cal[4 * c + 2] + ',"y":' + cal[4 * c + 3] + '}';
  }
  try {
    return require('Storage').write(CALIBRATION_FILE, text + ']}') !== false;
  } catch (e) {
    return false;
  }
}

/**
 * Most samples per frame this firmware makes (100 ms at 80 Hz): the native encoder's block is laid
 * out for it once at boot (native-stream.ts), since a larger contiguous block may not be found later
 * on a board short of RAM (firmware/README.md "Memory"). SPEC.md 5.3: the device clamps
 * SET_FRAME_SAMPLES to what it supports and answers the value in use.
 */
export const FRAME_SAMPLES_MAX = 8;

/**
 * Samples per frame in use for a payload (protocol/SPEC.md 4.5): AUTO gives the reference value
 * FRAME_SAMPLES_REFERENCE (2 at every payload: 25 ms at 80 Hz, p99 35 ms to the host on the bench
 * against 73 ms at 4 per frame sent by a 16 ms timer); a set value is clamped to what could ever fit (payload - 3 samples at the
 * narrowest width) and to FRAME_SAMPLES_MAX.
 */
export function samplesPerFrameFor(setting: number, payload: number): number {
  if (setting === AUTO) return FRAME_SAMPLES_REFERENCE;
  const fit = setting > payload - 3 ? payload - 3 : setting;
  return fit > FRAME_SAMPLES_MAX ? FRAME_SAMPLES_MAX : fit;
}

/** KEY interval in use: AUTO is one KEY per second (the sample rate, SPEC.md 4.5). */
export function keyIntervalFor(setting: number, rateHz: number): number {
  return setting === AUTO ? rateHz : setting;
}

/** Clamps a tare average into the int32 range of an offset (counts are int24, so this never bites). */
export function offsetFromMean(mean: number): number {
  const v = Math.round(mean);
  return v < COUNT_MIN ? COUNT_MIN : v > COUNT_MAX ? COUNT_MAX : v;
}
