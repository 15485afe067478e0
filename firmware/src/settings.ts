/**
 * Settings and calibration kept in flash with require("Storage"), as two JSON files:
 * - SETTINGS_FILE "tripod.json": {v: 1, name, rateHz, samplesPerFrame, keyInterval, idleS, serial, pins,
 *   native (optional, default true: false keeps the HX711 read and the encoder in "jit" JS)}
 * - CALIBRATION_FILE "tripod.cal": {v: 1, cells: [{offset, scale, x, y} x 4]}
 *   (force_N = (counts - offset) * scale; x, y cell centre in mm, axes as in CONTRACTS.md).
 * Both are validated field by field at boot. A file that is missing gives defaults silently; a file
 * that is present but unreadable or invalid gives defaults for THAT file and a fault the caller
 * reports (never an exception at boot, so a bad file cannot cause a crash loop). Values are only
 * written by the commands that change them.
 */
import { COUNT_MAX, COUNT_MIN, KEY_INTERVAL_MAX, NAME_MAX_BYTES } from '../../protocol/constants.ts';
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
  /** Use the native code (firmware/native) for the read and the encoder when the interpreter can run it; false: "jit" JS only. */
  native: boolean;
}

export interface CellCal {
  offset: number;
  scale: number;
  x: number;
  y: number;
}

export interface Calibration {
  cells: CellCal[];
  /** True when loaded from flash (false: defaults). */
  stored: boolean;
}

/** What went wrong reading flash at boot: 0 nothing, else a bitmask of the files that were corrupt. */
export const STORE_FAULT_SETTINGS = 1;
export const STORE_FAULT_CALIBRATION = 2;

export function defaultSettings(): Settings {
  return { name: '', rateHz: 80, samplesPerFrame: AUTO, keyInterval: AUTO, idleS: IDLE_S_DEFAULT, serial: true, pins: null, native: true };
}

export function defaultCalibration(): Calibration {
  const cells: CellCal[] = [];
  for (let c = 0; c < 4; c++) cells.push({ offset: 0, scale: SCALE_DEFAULT, x: CELL_X_DEFAULT[c] as number, y: CELL_Y_DEFAULT[c] as number });
  return { cells: cells, stored: false };
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

/** Validates parsed calibration JSON; returns null when anything is wrong. */
export function validateCalibration(o: any): Calibration | null {
  if (!o || typeof o !== 'object' || o.v !== 1 || !o.cells || o.cells.length !== 4) return null;
  const cells: CellCal[] = [];
  for (let c = 0; c < 4; c++) {
    const r = o.cells[c];
    if (!r || typeof r !== 'object') return null;
    if (!isIntIn(r.offset, -2147483648, 2147483647) || !isFiniteNumber(r.scale) || r.scale === 0) return null;
    if (!isFiniteNumber(r.x) || !isFiniteNumber(r.y) || Math.abs(r.x) > 3276.7 || Math.abs(r.y) > 3276.7) return null;
    cells.push({ offset: r.offset, scale: r.scale, x: r.x, y: r.y });
  }
  return { cells: cells, stored: true };
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
  calibration: Calibration;
  /** STORE_FAULT_* bits for files that were present but corrupt. */
  fault: number;
}

/** Loads both files; never throws. */
export function loadStored(): Stored {
  let fault = 0;
  let settings = defaultSettings();
  let calibration = defaultCalibration();
  const s = readJson(SETTINGS_FILE);
  if (s !== undefined) {
    const v = validateSettings(s);
    if (v) settings = v;
    else fault |= STORE_FAULT_SETTINGS;
  }
  const c = readJson(CALIBRATION_FILE);
  if (c !== undefined) {
    const v = validateCalibration(c);
    if (v) calibration = v;
    else fault |= STORE_FAULT_CALIBRATION;
  }
  return { settings: settings, calibration: calibration, fault: fault };
}

/**
 * The calibration as stored now (defaults when the file is missing or invalid): the board keeps no
 * copy in RAM, commands read it when they need it (firmware/README.md "Memory").
 */
export function readCalibration(): Calibration {
  const c = readJson(CALIBRATION_FILE);
  return (c !== undefined && c !== null && validateCalibration(c)) || defaultCalibration();
}

/** Writes the settings file; returns false when flash refused it. */
export function saveSettings(s: Settings): boolean {
  const o = { v: 1, name: s.name, rateHz: s.rateHz, samplesPerFrame: s.samplesPerFrame, keyInterval: s.keyInterval, idleS: s.idleS, serial: s.serial, pins: s.pins, native: s.native };
  try {
    return require('Storage').write(SETTINGS_FILE, JSON.stringify(o)) !== false;
  } catch (e) {
    return false;
  }
}

/** Writes the calibration file; returns false when flash refused it. */
export function saveCalibration(cal: Calibration): boolean {
  const cells: Array<{ offset: number; scale: number; x: number; y: number }> = [];
  for (let c = 0; c < 4; c++) {
    const r = cal.cells[c] as CellCal;
    cells.push({ offset: r.offset, scale: r.scale, x: r.x, y: r.y });
  }
  try {
    const ok = require('Storage').write(CALIBRATION_FILE, JSON.stringify({ v: 1, cells: cells })) !== false;
    if (ok) cal.stored = true;
    return ok;
  } catch (e) {
    return false;
  }
}

/**
 * Samples per frame in use for a payload (protocol/SPEC.md 4.5): AUTO gives the reference value
 * min(4, floor((payload - 3) * 8 / 44)), 3 at payload 20 and 4 at 50 (50 ms at 80 Hz); a set value
 * is clamped to what could ever fit (payload - 3 samples at the narrowest width).
 */
export function samplesPerFrameFor(setting: number, payload: number): number {
  if (setting === AUTO) {
    const ref = Math.floor(((payload - 3) * 8) / 44);
    return ref > 4 ? 4 : ref < 1 ? 1 : ref;
  }
  return setting > payload - 3 ? payload - 3 : setting;
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
