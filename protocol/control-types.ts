/**
 * Control message shapes (SPEC.md §5-6): what encodeCommand/encodeResponse/encodeEvent take and the
 * decoders return. Types only (nothing at run time), so the firmware build carries none of it.
 */
/** One cell's calibration as stored on the device: force_N = (counts - offset) * scale. */
export interface CellCalibrationRecord {
  /** Cell number 0..3 (quadrant order, host/pipeline/types.ts). */
  cell: number;
  /** Raw counts at zero load, int32. */
  offset: number;
  /** Newtons per count, float32 (finite). */
  scale: number;
  /** Cell centre on the plate, mm; sent as int16 in 0.1 mm (range -3276.8..3276.7 mm). */
  xMm: number;
  yMm: number;
}

/** GET_INFO body (16 bytes). */
export interface DeviceInfo {
  firmwareMajor: number;
  firmwareMinor: number;
  firmwarePatch: number;
  protocolMajor: number;
  protocolMinor: number;
  /** BOARD_* constant. */
  boardId: number;
  cellCount: number;
  /** Current HX711 rate, Hz (10 or 80). */
  sampleRateHz: number;
  /** ATT MTU of the current BLE link (23..247), 0 when no BLE link is up. */
  mtu: number;
  /** Battery charge 0..100 %, BATTERY_PERCENT_UNKNOWN (255) when the board cannot tell. */
  batteryPercent: number;
  /** Battery voltage, mV, BATTERY_MV_UNKNOWN (65535) when unknown. */
  batteryMv: number;
  /** Most samples one sample frame may carry (latency setting). */
  samplesPerFrame: number;
  /** A KEY frame at least every this many samples (1..128). */
  keyInterval: number;
  streaming: boolean;
  /** True when a calibration is stored on the device (false: defaults in use). */
  calibrated: boolean;
  /** Payload bytes per sample frame on the link that asked (MTU - 3 on BLE, SERIAL_PAYLOAD on serial). */
  payloadBytes: number;
}

/** A command as the host builds it and the device decodes it. `code` is a CMD_* constant. */
export interface CommandMessage {
  /** Request id 0..255 chosen by the host, echoed in the response. */
  reqId: number;
  code: number;
  /** SET_SAMPLE_RATE: 10 or 80. */
  sampleRateHz?: number;
  /** SET_FRAME_SAMPLES: 1..255 (the device clamps to what fits and answers the value in use). */
  samplesPerFrame?: number;
  /** GET_CALIBRATION: cell 0..3. */
  cell?: number;
  /** SET_CALIBRATION: the record to store. */
  calibration?: CellCalibrationRecord;
  /** TARE: samples to average, 1..255, or 0 for the device default. */
  samples?: number;
  /** IDENTIFY: blink for 1..255 s, 0 for the device default. */
  seconds?: number;
  /** SET_NAME: 1..16 printable ASCII characters (0x20..0x7E). */
  name?: string;
  /** START_STREAM (1.2, optional): frame format wanted, FRAME_FORMAT_1 (KEY/DELTA) or FRAME_FORMAT_2 (KEY2/DELTA2). */
  frameFormat?: number;
  /** AUTH (1.3): the 8-byte SipHash-2-4 tag over the challenge nonce and the next command (SPEC.md 5.5). */
  tag?: Uint8Array;
  /** SET_KEY (1.3): the board's new 16-byte key (not all zero). */
  key?: Uint8Array;
}

/** A response. Fields after `status` are present only when status is STATUS_OK and the code has a body. */
export interface ResponseMessage {
  reqId: number;
  /** The command code answered (0 when the command was too short to have one). */
  code: number;
  /** STATUS_* constant. */
  status: number;
  /** GET_INFO. */
  info?: DeviceInfo;
  /** SET_SAMPLE_RATE: the rate now in use, Hz. */
  sampleRateHz?: number;
  /** SET_FRAME_SAMPLES: the value now in use. */
  samplesPerFrame?: number;
  /** GET_CALIBRATION and SET_CALIBRATION: the stored record. */
  calibration?: CellCalibrationRecord;
  /** TARE: the four new offsets, counts. */
  offsets?: number[];
  /** GET_NAME and SET_NAME: the name now in use. */
  name?: string;
  /**
   * START_STREAM (1.1): this boot's id (uint32, random at boot, never 0). The same id on two
   * START_STREAM answers means the board did not restart in between, so sample indices continued.
   */
  bootId?: number;
  /** START_STREAM (1.1): index (mod 2^24) of the new stream's first sample. */
  firstIndex?: number;
  /** START_STREAM (1.2): frame format the stream uses (1 or 2); absent from 1.0/1.1 boards, which send format 1. */
  frameFormat?: number;
  /** AUTH_CHALLENGE (1.3): the board's fresh 8-byte nonce, good for one write. */
  nonce?: Uint8Array;
  /** AUTH_CHALLENGE (1.3): AUTH_STATE_* bits (a key is stored, the pairing window is open). */
  authState?: number;
  /** AUTH_CHALLENGE (1.3): the board's Bluetooth address, "aa:bb:cc:dd:ee:ff" (the id its key is stored under on a host). */
  address?: string;
}

/** An event from the device. `code` is an EVT_* constant; `seq` counts events mod 256 (gaps = lost events). */
export interface EventMessage {
  code: number;
  seq: number;
  /** BATTERY_LOW: 0..100 or 255 unknown. */
  batteryPercent?: number;
  /** BATTERY_LOW: mV or 65535 unknown. */
  batteryMv?: number;
  /** CELL_FAULT: cell 0..3. */
  cell?: number;
  /** CELL_FAULT: FAULT_* constant. */
  fault?: number;
  /** CELL_FAULT: index (mod 2^24) of the sample where the fault was seen. OVERFLOW: first dropped index. */
  index?: number;
  /** OVERFLOW: samples dropped on the device (uint32, exact). */
  dropped?: number;
  /** STORAGE_FAULT: STORAGE_FAULT_* bits (1 settings, 2 calibration). */
  storage?: number;
}

export interface CommandDecodeOk {
  ok: true;
  command: CommandMessage;
}
/** A command the device must refuse: answer with encodeResponse({reqId, code, status}). */
export interface CommandDecodeError {
  ok: false;
  reqId: number;
  code: number;
  status: number;
  reason: string;
}
export interface ResponseDecodeOk {
  ok: true;
  kind: 'response';
  response: ResponseMessage;
}
export interface EventDecodeOk {
  ok: true;
  kind: 'event';
  event: EventMessage;
}
export interface ControlDecodeError {
  ok: false;
  reason: string;
}
