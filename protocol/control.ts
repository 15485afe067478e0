/**
 * Control messages: COMMAND (host -> device), RESPONSE and EVENT (device -> host). Byte tables in
 * protocol/SPEC.md §5-6. Espruino-safe (the firmware decodes commands and encodes responses/events
 * with this file): ES5-compilable, DataView with the little-endian flag, no Map/Set/spread/destructuring.
 * Decoders never throw on input bytes; encoders throw a TypeError naming the bad field (a programming
 * error on the sending side, never caused by received bytes).
 */
import {
  AUTH_KEY_BYTES,
  AUTH_NONCE_BYTES,
  AUTH_TAG_BYTES,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  CMD_SET_KEY,
  STATUS_AUTH_REQUIRED,
  BATTERY_MV_UNKNOWN,
  BATTERY_PERCENT_UNKNOWN,
  CELLS,
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
  EVT_BATTERY_LOW,
  EVT_CELL_FAULT,
  EVT_OVERFLOW,
  EVT_STORAGE_FAULT,
  KIND_COMMAND,
  KIND_EVENT,
  KIND_RESPONSE,
  MSG_COMMAND,
  MSG_EVENT,
  MSG_RESPONSE,
  NAME_MAX_BYTES,
  POSITION_UNITS_PER_MM,
  PROTOCOL_MAJOR,
  STATUS_BAD_ARGUMENT,
  STATUS_MALFORMED,
  STATUS_OK,
  STATUS_UNKNOWN_COMMAND,
  STATUS_UNSUPPORTED_VERSION,
} from './constants.ts';

import type { CellCalibrationRecord, DeviceInfo, CommandMessage, ResponseMessage, EventMessage, CommandDecodeOk, CommandDecodeError, ResponseDecodeOk, EventDecodeOk, ControlDecodeError } from './control-types.ts';
export type { CellCalibrationRecord, DeviceInfo, CommandMessage, ResponseMessage, EventMessage, CommandDecodeOk, CommandDecodeError, ResponseDecodeOk, EventDecodeOk, ControlDecodeError } from './control-types.ts';

function viewOf(bytes: Uint8Array): DataView {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new DataView(copy.buffer);
}

function isInt(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Math.floor(v) === v && v >= lo && v <= hi;
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new TypeError(what);
}

function isPrintableName(s: unknown): boolean {
  if (typeof s !== 'string' || s.length < 1 || s.length > NAME_MAX_BYTES) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function putName(out: Uint8Array, o: number, s: string): void {
  for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
}

function getName(bytes: Uint8Array, o: number, end: number): string | null {
  let s = '';
  for (let i = o; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x20 || c > 0x7e) return null;
    s += String.fromCharCode(c);
  }
  return s.length >= 1 && s.length <= NAME_MAX_BYTES ? s : null;
}

/** Bluetooth address "aa:bb:cc:dd:ee:ff" from 6 bytes in that order (AUTH_CHALLENGE answer). */
function getAddress(bytes: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i > 0 ? ':' : '') + ((bytes[o + i] as number) < 16 ? '0' : '') + (bytes[o + i] as number).toString(16);
  return s;
}

function isPosition(mm: unknown): boolean {
  if (typeof mm !== 'number' || !isFinite(mm)) return false;
  const t = Math.round(mm * POSITION_UNITS_PER_MM);
  return t >= -32768 && t <= 32767;
}

function checkCalibration(c: CellCalibrationRecord | undefined, where: string): CellCalibrationRecord {
  need(c !== undefined && c !== null, where + ': calibration record missing');
  const r = c as CellCalibrationRecord;
  need(isInt(r.cell, 0, CELLS - 1), where + ': calibration.cell must be 0..3, got ' + r.cell);
  need(isInt(r.offset, -2147483648, 2147483647), where + ': calibration.offset must be an int32, got ' + r.offset);
  need(typeof r.scale === 'number' && isFinite(r.scale), where + ': calibration.scale must be a finite number (N/count), got ' + r.scale);
  need(isPosition(r.xMm), where + ': calibration.xMm must be within -3276.8..3276.7 mm, got ' + r.xMm);
  need(isPosition(r.yMm), where + ': calibration.yMm must be within -3276.8..3276.7 mm, got ' + r.yMm);
  return r;
}

/** Writes a 13-byte calibration record at `o`. */
function putCalibration(v: DataView, o: number, r: CellCalibrationRecord): void {
  v.setUint8(o, r.cell);
  v.setInt32(o + 1, r.offset, true);
  v.setFloat32(o + 5, r.scale, true);
  v.setInt16(o + 9, Math.round(r.xMm * POSITION_UNITS_PER_MM), true);
  v.setInt16(o + 11, Math.round(r.yMm * POSITION_UNITS_PER_MM), true);
}

function getCalibration(v: DataView, o: number): CellCalibrationRecord {
  return {
    cell: v.getUint8(o),
    offset: v.getInt32(o + 1, true),
    scale: v.getFloat32(o + 5, true),
    xMm: v.getInt16(o + 9, true) / POSITION_UNITS_PER_MM,
    yMm: v.getInt16(o + 11, true) / POSITION_UNITS_PER_MM,
  };
}

/** Builds a COMMAND message (3 + argument bytes). Throws a TypeError naming a bad field. */
export function encodeCommand(cmd: CommandMessage): Uint8Array {
  need(isInt(cmd.reqId, 0, 255), 'encodeCommand: reqId must be 0..255, got ' + cmd.reqId);
  need(isInt(cmd.code, 0, 255), 'encodeCommand: code must be 0..255, got ' + cmd.code);
  const code = cmd.code;
  let out: Uint8Array;
  if (code === CMD_SET_SAMPLE_RATE) {
    need(cmd.sampleRateHz === 10 || cmd.sampleRateHz === 80, 'encodeCommand: sampleRateHz must be 10 or 80, got ' + cmd.sampleRateHz);
    out = new Uint8Array(4);
    out[3] = cmd.sampleRateHz as number;
  } else if (code === CMD_SET_FRAME_SAMPLES) {
    need(isInt(cmd.samplesPerFrame, 1, 255), 'encodeCommand: samplesPerFrame must be 1..255, got ' + cmd.samplesPerFrame);
    out = new Uint8Array(4);
    out[3] = cmd.samplesPerFrame as number;
  } else if (code === CMD_GET_CALIBRATION) {
    need(isInt(cmd.cell, 0, CELLS - 1), 'encodeCommand: cell must be 0..3, got ' + cmd.cell);
    out = new Uint8Array(4);
    out[3] = cmd.cell as number;
  } else if (code === CMD_SET_CALIBRATION) {
    const r = checkCalibration(cmd.calibration, 'encodeCommand');
    out = new Uint8Array(16);
    putCalibration(new DataView(out.buffer), 3, r);
  } else if (code === CMD_TARE) {
    const s = cmd.samples === undefined ? 0 : cmd.samples;
    need(isInt(s, 0, 255), 'encodeCommand: samples must be 0..255, got ' + cmd.samples);
    out = new Uint8Array(4);
    out[3] = s;
  } else if (code === CMD_IDENTIFY) {
    const s = cmd.seconds === undefined ? 0 : cmd.seconds;
    need(isInt(s, 0, 255), 'encodeCommand: seconds must be 0..255, got ' + cmd.seconds);
    out = new Uint8Array(4);
    out[3] = s;
  } else if (code === CMD_SET_NAME) {
    need(isPrintableName(cmd.name), 'encodeCommand: name must be 1..16 printable ASCII characters, got ' + JSON.stringify(cmd.name));
    const name = cmd.name as string;
    out = new Uint8Array(3 + name.length);
    putName(out, 3, name);
  } else if (code === CMD_AUTH || code === CMD_SET_KEY) {
    const n = code === CMD_AUTH ? AUTH_TAG_BYTES : AUTH_KEY_BYTES;
    const b = code === CMD_AUTH ? cmd.tag : cmd.key;
    need(b instanceof Uint8Array && b.length === n, 'encodeCommand: ' + (code === CMD_AUTH ? 'tag' : 'key') + ' must be a Uint8Array of ' + n + ' bytes');
    out = new Uint8Array(3 + n);
    out.set(b as Uint8Array, 3);
  } else if (code === CMD_START_STREAM && cmd.frameFormat !== undefined) {
    need(cmd.frameFormat === 1 || cmd.frameFormat === 2, 'encodeCommand: frameFormat must be 1 or 2, got ' + cmd.frameFormat);
    out = new Uint8Array([0, 0, 0, cmd.frameFormat]);
  } else {
    out = new Uint8Array(3);
  }
  out[0] = MSG_COMMAND;
  out[1] = cmd.reqId;
  out[2] = code;
  return out;
}

function cmdError(reqId: number, code: number, status: number, reason: string): CommandDecodeError {
  return { ok: false, reqId: reqId, code: code, status: status, reason: reason };
}

/**
 * Decodes a COMMAND (device side). Never throws. On failure returns the reqId/code/status to answer:
 * wrong major -> UNSUPPORTED_VERSION, too short -> MALFORMED, unknown code -> UNKNOWN_COMMAND,
 * out-of-range argument -> BAD_ARGUMENT. Bytes after the known arguments are ignored (newer minor).
 */
export function decodeCommand(bytes: Uint8Array): CommandDecodeOk | CommandDecodeError {
  const len = bytes.length;
  const reqId = len > 1 ? (bytes[1] as number) : 0;
  const code = len > 2 ? (bytes[2] as number) : 0;
  if (len < 1) return cmdError(0, 0, STATUS_MALFORMED, 'empty command');
  const b0 = bytes[0] as number;
  if (b0 >> 4 !== PROTOCOL_MAJOR) {
    return cmdError(reqId, code, STATUS_UNSUPPORTED_VERSION, 'command speaks protocol major ' + (b0 >> 4) + ', device speaks ' + PROTOCOL_MAJOR);
  }
  if ((b0 & 0x0f) !== KIND_COMMAND) return cmdError(reqId, code, STATUS_MALFORMED, 'message kind ' + (b0 & 0x0f) + ' is not a command');
  if (len < 3) return cmdError(reqId, code, STATUS_MALFORMED, 'command has ' + len + ' bytes, needs at least 3');
  const cmd: CommandMessage = { reqId: reqId, code: code };
  if (code === CMD_START_STREAM && len >= 4) {
    const ff = bytes[3] as number;
    if (ff !== 1 && ff !== 2) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'frame format must be 1 or 2, got ' + ff);
    cmd.frameFormat = ff;
  }
  if (code === CMD_GET_INFO || code === CMD_START_STREAM || code === CMD_STOP_STREAM || code === CMD_GET_NAME || code === CMD_REBOOT || code === CMD_AUTH_CHALLENGE) {
    return { ok: true, command: cmd };
  }
  if (code === CMD_SET_SAMPLE_RATE || code === CMD_SET_FRAME_SAMPLES || code === CMD_GET_CALIBRATION || code === CMD_TARE || code === CMD_IDENTIFY) {
    if (len < 4) return cmdError(reqId, code, STATUS_MALFORMED, 'command 0x' + code.toString(16) + ' needs a 1-byte argument');
    const a = bytes[3] as number;
    if (code === CMD_SET_SAMPLE_RATE) {
      if (a !== 10 && a !== 80) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'sample rate must be 10 or 80 Hz, got ' + a);
      cmd.sampleRateHz = a;
    } else if (code === CMD_SET_FRAME_SAMPLES) {
      if (a < 1) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'samples per frame must be 1..255, got 0');
      cmd.samplesPerFrame = a;
    } else if (code === CMD_GET_CALIBRATION) {
      if (a >= CELLS) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'cell must be 0..3, got ' + a);
      cmd.cell = a;
    } else if (code === CMD_TARE) {
      cmd.samples = a;
    } else {
      cmd.seconds = a;
    }
    return { ok: true, command: cmd };
  }
  if (code === CMD_SET_CALIBRATION) {
    if (len < 16) return cmdError(reqId, code, STATUS_MALFORMED, 'SET_CALIBRATION needs 13 argument bytes, got ' + (len - 3));
    const r = getCalibration(viewOf(bytes), 3);
    if (r.cell >= CELLS) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'cell must be 0..3, got ' + r.cell);
    if (!isFinite(r.scale)) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'scale must be a finite float32');
    cmd.calibration = r;
    return { ok: true, command: cmd };
  }
  if (code === CMD_AUTH || code === CMD_SET_KEY) {
    const n = code === CMD_AUTH ? AUTH_TAG_BYTES : AUTH_KEY_BYTES;
    if (len < 3 + n) return cmdError(reqId, code, STATUS_MALFORMED, 'command 0x' + code.toString(16) + ' needs ' + n + ' argument bytes, got ' + (len - 3));
    const b = new Uint8Array(bytes.subarray(3, 3 + n));
    let any = 0;
    for (let i = 0; i < n; i++) any |= b[i] as number;
    if (code === CMD_SET_KEY && any === 0) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'key must not be all zero');
    if (code === CMD_AUTH) cmd.tag = b;
    else cmd.key = b;
    return { ok: true, command: cmd };
  }
  if (code === CMD_SET_NAME) {
    if (len < 4) return cmdError(reqId, code, STATUS_MALFORMED, 'SET_NAME needs the name (1..16 bytes)');
    const name = getName(bytes, 3, len);
    if (name === null) return cmdError(reqId, code, STATUS_BAD_ARGUMENT, 'name must be 1..16 printable ASCII bytes');
    cmd.name = name;
    return { ok: true, command: cmd };
  }
  return cmdError(reqId, code, STATUS_UNKNOWN_COMMAND, 'unknown command code 0x' + code.toString(16));
}

/** Builds a RESPONSE (4 + body bytes, at most 20). Throws a TypeError naming a missing or bad field. */
export function encodeResponse(r: ResponseMessage): Uint8Array {
  need(isInt(r.reqId, 0, 255), 'encodeResponse: reqId must be 0..255, got ' + r.reqId);
  need(isInt(r.code, 0, 255), 'encodeResponse: code must be 0..255, got ' + r.code);
  need(isInt(r.status, 0, 255), 'encodeResponse: status must be 0..255, got ' + r.status);
  const code = r.code;
  let out: Uint8Array;
  let v: DataView;
  if (r.status !== STATUS_OK) {
    out = new Uint8Array(4);
  } else if (code === CMD_GET_INFO) {
    const i = r.info as DeviceInfo;
    need(i !== undefined && i !== null, 'encodeResponse: info missing for GET_INFO');
    out = new Uint8Array(20);
    v = new DataView(out.buffer);
    v.setUint8(4, i.firmwareMajor);
    v.setUint8(5, i.firmwareMinor);
    v.setUint8(6, i.firmwarePatch);
    v.setUint8(7, i.protocolMajor);
    v.setUint8(8, i.protocolMinor);
    v.setUint8(9, i.boardId);
    v.setUint8(10, i.cellCount);
    v.setUint8(11, i.sampleRateHz);
    v.setUint8(12, i.mtu);
    v.setUint8(13, i.batteryPercent);
    v.setUint16(14, i.batteryMv, true);
    v.setUint8(16, i.samplesPerFrame);
    v.setUint8(17, i.keyInterval);
    v.setUint8(18, (i.streaming ? 1 : 0) | (i.calibrated ? 2 : 0));
    v.setUint8(19, i.payloadBytes);
  } else if (code === CMD_SET_SAMPLE_RATE) {
    need(isInt(r.sampleRateHz, 1, 255), 'encodeResponse: sampleRateHz missing for SET_SAMPLE_RATE');
    out = new Uint8Array(5);
    out[4] = r.sampleRateHz as number;
  } else if (code === CMD_SET_FRAME_SAMPLES) {
    need(isInt(r.samplesPerFrame, 1, 255), 'encodeResponse: samplesPerFrame missing for SET_FRAME_SAMPLES');
    out = new Uint8Array(5);
    out[4] = r.samplesPerFrame as number;
  } else if (code === CMD_GET_CALIBRATION || code === CMD_SET_CALIBRATION) {
    const c = checkCalibration(r.calibration, 'encodeResponse');
    out = new Uint8Array(17);
    putCalibration(new DataView(out.buffer), 4, c);
  } else if (code === CMD_TARE) {
    const o = r.offsets;
    need(o !== undefined && o !== null && o.length === CELLS, 'encodeResponse: offsets (4 numbers) missing for TARE');
    out = new Uint8Array(20);
    v = new DataView(out.buffer);
    for (let k = 0; k < CELLS; k++) {
      need(isInt((o as number[])[k], -2147483648, 2147483647), 'encodeResponse: offsets[' + k + '] must be an int32');
      v.setInt32(4 + 4 * k, (o as number[])[k] as number, true);
    }
  } else if (code === CMD_START_STREAM && r.bootId !== undefined) {
    need(isInt(r.bootId, 1, 0xffffffff), 'encodeResponse: bootId must be 1..2^32-1, got ' + r.bootId);
    const fi = r.firstIndex === undefined ? 0 : r.firstIndex;
    need(isInt(fi, 0, 0xffffff), 'encodeResponse: firstIndex must be 0..2^24-1, got ' + r.firstIndex);
    need(r.frameFormat === undefined || r.frameFormat === 1 || r.frameFormat === 2, 'encodeResponse: frameFormat must be 1 or 2, got ' + r.frameFormat);
    out = new Uint8Array(r.frameFormat === undefined ? 11 : 12);
    if (r.frameFormat !== undefined) out[11] = r.frameFormat;
    new DataView(out.buffer).setUint32(4, r.bootId as number, true);
    out[8] = fi & 0xff;
    out[9] = (fi >> 8) & 0xff;
    out[10] = fi >> 16;
  } else if (code === CMD_AUTH_CHALLENGE) {
    need(r.nonce instanceof Uint8Array && r.nonce.length === AUTH_NONCE_BYTES, 'encodeResponse: nonce (Uint8Array of 8 bytes) missing for AUTH_CHALLENGE');
    need(isInt(r.authState, 0, 255), 'encodeResponse: authState must be 0..255, got ' + r.authState);
    need(typeof r.address === 'string' && r.address.length === 17, 'encodeResponse: address must be aa:bb:cc:dd:ee:ff, got ' + JSON.stringify(r.address));
    out = new Uint8Array(19);
    out.set(r.nonce as Uint8Array, 4);
    out[12] = r.authState as number;
    for (let i = 0; i < 6; i++) out[13 + i] = parseInt((r.address as string).substr(3 * i, 2), 16);
  } else if (code === CMD_GET_NAME || code === CMD_SET_NAME) {
    need(isPrintableName(r.name), 'encodeResponse: name must be 1..16 printable ASCII characters, got ' + JSON.stringify(r.name));
    const name = r.name as string;
    out = new Uint8Array(4 + name.length);
    putName(out, 4, name);
  } else {
    out = new Uint8Array(4);
  }
  out[0] = MSG_RESPONSE;
  out[1] = r.reqId;
  out[2] = code;
  out[3] = r.status;
  return out;
}

/** Builds an EVENT (3 + body bytes). Throws a TypeError naming a missing or bad field. */
export function encodeEvent(e: EventMessage): Uint8Array {
  need(isInt(e.code, 0, 255), 'encodeEvent: code must be 0..255, got ' + e.code);
  need(isInt(e.seq, 0, 255), 'encodeEvent: seq must be 0..255, got ' + e.seq);
  let out: Uint8Array;
  if (e.code === EVT_BATTERY_LOW) {
    const pct = e.batteryPercent === undefined ? BATTERY_PERCENT_UNKNOWN : e.batteryPercent;
    const mv = e.batteryMv === undefined ? BATTERY_MV_UNKNOWN : e.batteryMv;
    need(isInt(pct, 0, 255), 'encodeEvent: batteryPercent must be 0..100 or 255');
    need(isInt(mv, 0, 65535), 'encodeEvent: batteryMv must be 0..65535');
    out = new Uint8Array(6);
    out[3] = pct;
    out[4] = mv & 0xff;
    out[5] = mv >> 8;
  } else if (e.code === EVT_CELL_FAULT) {
    need(isInt(e.cell, 0, CELLS - 1), 'encodeEvent: cell must be 0..3, got ' + e.cell);
    need(isInt(e.fault, 0, 255), 'encodeEvent: fault must be a FAULT_* code, got ' + e.fault);
    const ix = e.index === undefined ? 0 : e.index;
    need(isInt(ix, 0, 0xffffff), 'encodeEvent: index must be 0..2^24-1, got ' + e.index);
    out = new Uint8Array(8);
    out[3] = e.cell as number;
    out[4] = e.fault as number;
    out[5] = ix & 0xff;
    out[6] = (ix >> 8) & 0xff;
    out[7] = ix >> 16;
  } else if (e.code === EVT_OVERFLOW) {
    need(isInt(e.dropped, 0, 0xffffffff), 'encodeEvent: dropped must be 0..2^32-1, got ' + e.dropped);
    const ix = e.index === undefined ? 0 : e.index;
    need(isInt(ix, 0, 0xffffff), 'encodeEvent: index must be 0..2^24-1, got ' + e.index);
    out = new Uint8Array(10);
    const v = new DataView(out.buffer);
    v.setUint32(3, e.dropped as number, true);
    out[7] = ix & 0xff;
    out[8] = (ix >> 8) & 0xff;
    out[9] = ix >> 16;
  } else if (e.code === EVT_STORAGE_FAULT) {
    need(isInt(e.storage, 1, 255), 'encodeEvent: storage must be STORAGE_FAULT_* bits 1..255, got ' + e.storage);
    out = new Uint8Array(4);
    out[3] = e.storage as number;
  } else {
    out = new Uint8Array(3);
  }
  out[0] = MSG_EVENT;
  out[1] = e.code;
  out[2] = e.seq;
  return out;
}

function decodeResponseBody(bytes: Uint8Array, r: ResponseMessage): string | null {
  const len = bytes.length;
  const code = r.code;
  if (code === CMD_GET_INFO) {
    if (len < 20) return 'GET_INFO response has ' + len + ' bytes, needs 20';
    const v = viewOf(bytes);
    const st = v.getUint8(18);
    r.info = {
      firmwareMajor: v.getUint8(4),
      firmwareMinor: v.getUint8(5),
      firmwarePatch: v.getUint8(6),
      protocolMajor: v.getUint8(7),
      protocolMinor: v.getUint8(8),
      boardId: v.getUint8(9),
      cellCount: v.getUint8(10),
      sampleRateHz: v.getUint8(11),
      mtu: v.getUint8(12),
      batteryPercent: v.getUint8(13),
      batteryMv: v.getUint16(14, true),
      samplesPerFrame: v.getUint8(16),
      keyInterval: v.getUint8(17),
      streaming: (st & 1) !== 0,
      calibrated: (st & 2) !== 0,
      payloadBytes: v.getUint8(19),
    };
  } else if (code === CMD_SET_SAMPLE_RATE) {
    if (len < 5) return 'SET_SAMPLE_RATE response needs 5 bytes, got ' + len;
    r.sampleRateHz = bytes[4] as number;
  } else if (code === CMD_SET_FRAME_SAMPLES) {
    if (len < 5) return 'SET_FRAME_SAMPLES response needs 5 bytes, got ' + len;
    r.samplesPerFrame = bytes[4] as number;
  } else if (code === CMD_GET_CALIBRATION || code === CMD_SET_CALIBRATION) {
    if (len < 17) return 'calibration response needs 17 bytes, got ' + len;
    r.calibration = getCalibration(viewOf(bytes), 4);
    if (r.calibration.cell >= CELLS) return 'calibration response names cell ' + r.calibration.cell + ', expected 0..3';
    if (!isFinite(r.calibration.scale)) return 'calibration response has a scale that is not a finite number';
  } else if (code === CMD_TARE) {
    if (len < 20) return 'TARE response needs 20 bytes, got ' + len;
    const v = viewOf(bytes);
    r.offsets = [v.getInt32(4, true), v.getInt32(8, true), v.getInt32(12, true), v.getInt32(16, true)];
  } else if (code === CMD_START_STREAM) {
    if (len > 4 && len < 11) return 'START_STREAM answer body has ' + (len - 4) + ' bytes: 0 (1.0) or at least 7 (1.1: boot id, first index)';
    if (len >= 11) {
      r.bootId = viewOf(bytes).getUint32(4, true);
      r.firstIndex = (bytes[8] as number) | ((bytes[9] as number) << 8) | ((bytes[10] as number) << 16);
    }
    if (len >= 12) {
      r.frameFormat = bytes[11] as number;
      if (r.frameFormat !== 1 && r.frameFormat !== 2) return 'START_STREAM answer names frame format ' + r.frameFormat + ', expected 1 or 2';
    }
  } else if (code === CMD_AUTH_CHALLENGE) {
    if (len < 19) return 'AUTH_CHALLENGE response needs 19 bytes, got ' + len;
    r.nonce = new Uint8Array(bytes.subarray(4, 12));
    r.authState = bytes[12] as number;
    r.address = getAddress(bytes, 13);
  } else if (code === CMD_GET_NAME || code === CMD_SET_NAME) {
    const name = getName(bytes, 4, len);
    if (name === null) return 'name in response is not 1..16 printable ASCII bytes';
    r.name = name;
  }
  return null;
}

function decodeEventBody(bytes: Uint8Array, e: EventMessage): string | null {
  const len = bytes.length;
  if (e.code === EVT_BATTERY_LOW) {
    if (len < 6) return 'BATTERY_LOW event needs 6 bytes, got ' + len;
    e.batteryPercent = bytes[3] as number;
    e.batteryMv = (bytes[4] as number) | ((bytes[5] as number) << 8);
  } else if (e.code === EVT_CELL_FAULT) {
    if (len < 8) return 'CELL_FAULT event needs 8 bytes, got ' + len;
    e.cell = bytes[3] as number;
    if (e.cell >= CELLS) return 'CELL_FAULT event names cell ' + e.cell + ', expected 0..3';
    e.fault = bytes[4] as number;
    e.index = (bytes[5] as number) | ((bytes[6] as number) << 8) | ((bytes[7] as number) << 16);
  } else if (e.code === EVT_OVERFLOW) {
    if (len < 10) return 'OVERFLOW event needs 10 bytes, got ' + len;
    e.dropped = viewOf(bytes).getUint32(3, true);
    e.index = (bytes[7] as number) | ((bytes[8] as number) << 8) | ((bytes[9] as number) << 16);
  } else if (e.code === EVT_STORAGE_FAULT) {
    if (len < 4) return 'STORAGE_FAULT event needs 4 bytes, got ' + len;
    e.storage = bytes[3] as number;
  }
  return null;
}

/**
 * Decodes what the device sends on the response path (RESPONSE or EVENT). Never throws.
 * Unknown event codes decode with only code and seq (newer minor); bytes after known fields are ignored.
 */
export function decodeDeviceMessage(bytes: Uint8Array): ResponseDecodeOk | EventDecodeOk | ControlDecodeError {
  const len = bytes.length;
  if (len < 1) return { ok: false, reason: 'empty message' };
  const b0 = bytes[0] as number;
  if (b0 >> 4 !== PROTOCOL_MAJOR) {
    return { ok: false, reason: 'message speaks protocol major ' + (b0 >> 4) + ' (first byte 0x' + b0.toString(16) + '), this host speaks ' + PROTOCOL_MAJOR + ': update the host or the firmware' };
  }
  const kind = b0 & 0x0f;
  if (kind === KIND_RESPONSE) {
    if (len < 4) return { ok: false, reason: 'response has ' + len + ' bytes, needs at least 4' };
    const r: ResponseMessage = { reqId: bytes[1] as number, code: bytes[2] as number, status: bytes[3] as number };
    if (r.status === STATUS_OK) {
      const err = decodeResponseBody(bytes, r);
      if (err !== null) return { ok: false, reason: err };
    }
    return { ok: true, kind: 'response', response: r };
  }
  if (kind === KIND_EVENT) {
    if (len < 3) return { ok: false, reason: 'event has ' + len + ' bytes, needs at least 3' };
    const e: EventMessage = { code: bytes[1] as number, seq: bytes[2] as number };
    const err = decodeEventBody(bytes, e);
    if (err !== null) return { ok: false, reason: err };
    return { ok: true, kind: 'event', event: e };
  }
  return { ok: false, reason: 'message kind ' + kind + ' (first byte 0x' + b0.toString(16) + ') is not a response or event' };
}

/** Decodes a RESPONSE only (convenience over decodeDeviceMessage). */
export function decodeResponse(bytes: Uint8Array): ResponseDecodeOk | ControlDecodeError {
  const d = decodeDeviceMessage(bytes);
  if (d.ok && d.kind !== 'response') return { ok: false, reason: 'message is an event, not a response' };
  return d as ResponseDecodeOk | ControlDecodeError;
}

/** Decodes an EVENT only (convenience over decodeDeviceMessage). */
export function decodeEvent(bytes: Uint8Array): EventDecodeOk | ControlDecodeError {
  const d = decodeDeviceMessage(bytes);
  if (d.ok && d.kind !== 'event') return { ok: false, reason: 'message is a response, not an event' };
  return d as EventDecodeOk | ControlDecodeError;
}

/** The answer to a refused command, ready to send (device side). */
export function encodeCommandError(e: CommandDecodeError): Uint8Array {
  return encodeResponse({ reqId: e.reqId, code: e.code, status: e.status });
}

/** Response status name for messages and logs. */
export function statusName(status: number): string {
  if (status === STATUS_OK) return 'OK';
  if (status === STATUS_UNKNOWN_COMMAND) return 'UNKNOWN_COMMAND';
  if (status === STATUS_MALFORMED) return 'MALFORMED';
  if (status === STATUS_BAD_ARGUMENT) return 'BAD_ARGUMENT';
  if (status === 0x04) return 'BUSY';
  if (status === 0x05) return 'FAILED';
  if (status === STATUS_UNSUPPORTED_VERSION) return 'UNSUPPORTED_VERSION';
  if (status === STATUS_AUTH_REQUIRED) return 'AUTH_REQUIRED';
  return 'STATUS_0x' + status.toString(16);
}
