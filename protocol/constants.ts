/**
 * Tripod protocol v1: every number both sides must agree on, defined once (see protocol/SPEC.md).
 * Espruino-safe: plain constants only. Firmware and host import these; never copy a value.
 */

/** Protocol major version: carried in the high nibble of every message's first byte. */
export const PROTOCOL_MAJOR = 1;
/** Protocol minor version: carried in GET_INFO. Same major + newer minor = compatible additions only. */
export const PROTOCOL_MINOR = 3;

/** Message kinds: low nibble of the first byte. First byte = (PROTOCOL_MAJOR << 4) | kind. */
export const KIND_KEY = 0x0;
export const KIND_DELTA = 0x1;
export const KIND_COMMAND = 0x2;
export const KIND_RESPONSE = 0x3;
export const KIND_EVENT = 0x4;
/** 1.2 sample frames (SPEC.md 4.8): sent only after a host asked for frame format 2 (START_STREAM). */
export const KIND_KEY2 = 0x5;
export const KIND_DELTA2 = 0x6;

/** First bytes as sent (major 1). */
export const MSG_KEY = 0x10;
export const MSG_DELTA = 0x11;
export const MSG_COMMAND = 0x12;
export const MSG_RESPONSE = 0x13;
export const MSG_EVENT = 0x14;
export const MSG_KEY2 = 0x15;
export const MSG_DELTA2 = 0x16;

/** Every message kind the spec defines, by first byte (the vector-coverage test walks this). */
export const MESSAGE_KINDS = {
  KEY: MSG_KEY,
  DELTA: MSG_DELTA,
  COMMAND: MSG_COMMAND,
  RESPONSE: MSG_RESPONSE,
  EVENT: MSG_EVENT,
  KEY2: MSG_KEY2,
  DELTA2: MSG_DELTA2,
} as const;

/** Number of load cells per sample. */
export const CELLS = 4;

/** Sample index and device time are 24-bit counters on the wire (wrap at 2^24). */
export const INDEX_BITS = 24;
export const INDEX_MOD = 0x1000000;
export const TIME_MOD_MS = 0x1000000;

/** HX711 24-bit signed count limits (two's complement). */
export const COUNT_MIN = -0x800000;
export const COUNT_MAX = 0x7fffff;

/** KEY frame: fixed part is 20 bytes (fits the minimum ATT payload). */
export const KEY_FIXED_BYTES = 20;
/** DELTA frame header: first byte, index low byte, mode byte. */
export const DELTA_HEADER_BYTES = 3;
/** Residual width limits, bits per residual (two's complement). */
export const WIDTH_MIN = 2;
export const WIDTH_MAX = 24;
/** Mode byte bits (DELTA byte 2, and the optional block after a KEY's fixed 20 bytes). */
export const MODE_WIDTH_MASK = 0x1f;
/** Predictor: 0 = first order (x[k-1]); 1 = second order (2x[k-1] - x[k-2]). */
export const MODE_SECOND_ORDER = 0x20;
/** One flags byte per sample follows the header (absent = every flag 0). */
export const MODE_FLAGS_PRESENT = 0x40;
/** Bit 8 of the first sample index (DELTA only; reserved 0 in a KEY block). */
export const MODE_INDEX_BIT8 = 0x80;

/** 1.2 mode byte (KEY2 block, DELTA2 byte 2): bits 0-4 width as MODE_WIDTH_MASK; bits 5-6 predictor order - 1. */
export const MODE2_ORDER_SHIFT = 5;
export const MODE2_ORDER_MASK = 0x60;
/** Predictor orders 1..3 (order 4, field value 3, is reserved). */
export const MODE2_ORDER_MAX = 3;
/** 1.2 mode byte bit 7: one flags byte per sample follows the mode byte. */
export const MODE2_FLAGS_PRESENT = 0x80;
/** KEY2 device time is u16 ms (wraps every 65.536 s). */
export const TIME2_MOD_MS = 0x10000;
/** Frame formats a host may ask for in START_STREAM (1.2): 1 = KEY/DELTA (1.0, 1.1), 2 = KEY2/DELTA2. */
export const FRAME_FORMAT_1 = 1;
export const FRAME_FORMAT_2 = 2;

/** A device sends a KEY at least every KEY_INTERVAL_MAX samples (host treats longer chains as broken). */
export const KEY_INTERVAL_MAX = 128;
/** Default: one KEY per second at 80 Hz. */
export const KEY_INTERVAL_DEFAULT = 80;
/**
 * Reference samples per frame (SPEC.md 4.5), at every payload: 25 ms at 80 Hz. A device sends each
 * frame as soon as it is full, so a sample reaches the host within the frame's span, one connection
 * interval and half a period of conversion (host.latency_ms_p99, goal <= 40 ms).
 */
export const FRAME_SAMPLES_REFERENCE = 2;

/** ATT payload limits, bytes (MTU - 3). Espruino accepts MTU 53 at most. */
export const PAYLOAD_MIN = 20;
export const PAYLOAD_MAX = 244;
export const PAYLOAD_ESPRUINO_MAX = 50;
/** Payload a device uses for sample frames on the serial link. */
export const SERIAL_PAYLOAD = 50;

/** Per-sample status flags (one byte). Bits 0-3: cell i's value is not fresh (not ready, timed out, stuck). */
export const FLAG_CELL0_STALE = 0x01;
export const FLAG_CELL1_STALE = 0x02;
export const FLAG_CELL2_STALE = 0x04;
export const FLAG_CELL3_STALE = 0x08;
export const FLAG_CELLS_STALE_MASK = 0x0f;
/** At least one cell reads the HX711 limit (0x7FFFFF or 0x800000). */
export const FLAG_SATURATED = 0x10;
/** Samples were dropped on the device right before this one (the index skips them; see EVT_OVERFLOW). */
export const FLAG_OVERFLOW = 0x20;
/** First sample of a new stream (after START_STREAM): the index restarts at 0. */
export const FLAG_STREAM_START = 0x40;
/** Reserved, 0 in v1.0. */
export const FLAG_RESERVED = 0x80;

/** Command codes (COMMAND byte 2, echoed in RESPONSE byte 2). */
export const CMD_GET_INFO = 0x01;
export const CMD_START_STREAM = 0x02;
export const CMD_STOP_STREAM = 0x03;
export const CMD_SET_SAMPLE_RATE = 0x04;
export const CMD_SET_FRAME_SAMPLES = 0x05;
export const CMD_GET_CALIBRATION = 0x06;
export const CMD_SET_CALIBRATION = 0x07;
export const CMD_TARE = 0x08;
export const CMD_IDENTIFY = 0x09;
export const CMD_SET_NAME = 0x0a;
export const CMD_GET_NAME = 0x0b;
export const CMD_REBOOT = 0x0c;
/** (1.3) Asks for a fresh nonce: the first step of an authenticated write (SPEC.md 5.5). */
export const CMD_AUTH_CHALLENGE = 0x0d;
/** (1.3) Carries the MAC that authorises the next write command (SPEC.md 5.5). */
export const CMD_AUTH = 0x0e;
/** (1.3) Stores the board's key (wired link, pairing window, or authenticated). */
export const CMD_SET_KEY = 0x0f;

export const COMMAND_CODES = {
  GET_INFO: CMD_GET_INFO,
  START_STREAM: CMD_START_STREAM,
  STOP_STREAM: CMD_STOP_STREAM,
  SET_SAMPLE_RATE: CMD_SET_SAMPLE_RATE,
  SET_FRAME_SAMPLES: CMD_SET_FRAME_SAMPLES,
  GET_CALIBRATION: CMD_GET_CALIBRATION,
  SET_CALIBRATION: CMD_SET_CALIBRATION,
  TARE: CMD_TARE,
  IDENTIFY: CMD_IDENTIFY,
  SET_NAME: CMD_SET_NAME,
  GET_NAME: CMD_GET_NAME,
  REBOOT: CMD_REBOOT,
  AUTH_CHALLENGE: CMD_AUTH_CHALLENGE,
  AUTH: CMD_AUTH,
  SET_KEY: CMD_SET_KEY,
} as const;

/**
 * (1.3) Commands that change what is stored or how the board behaves: a board refuses them with
 * STATUS_AUTH_REQUIRED unless an AUTH for exactly these bytes came right before (SPEC.md 5.5).
 * SET_KEY is also accepted without AUTH on the wired link and in the button's pairing window.
 */
export const AUTH_COMMANDS: readonly number[] = [CMD_SET_SAMPLE_RATE, CMD_SET_FRAME_SAMPLES, CMD_SET_CALIBRATION, CMD_TARE, CMD_SET_NAME, CMD_REBOOT, CMD_SET_KEY];

/** (1.3) Board key, bytes (SipHash-2-4's 128-bit key). */
export const AUTH_KEY_BYTES = 16;
/** (1.3) AUTH_CHALLENGE nonce and AUTH tag, bytes (SipHash-2-4's 64-bit output). */
export const AUTH_NONCE_BYTES = 8;
export const AUTH_TAG_BYTES = 8;
/** (1.3) AUTH_CHALLENGE answer state bits: a key is stored; the pairing window is open. */
export const AUTH_STATE_KEY_SET = 0x01;
export const AUTH_STATE_PAIRING = 0x02;

/** Response status codes (RESPONSE byte 3). */
export const STATUS_OK = 0x00;
export const STATUS_UNKNOWN_COMMAND = 0x01;
export const STATUS_MALFORMED = 0x02;
export const STATUS_BAD_ARGUMENT = 0x03;
export const STATUS_BUSY = 0x04;
export const STATUS_FAILED = 0x05;
export const STATUS_UNSUPPORTED_VERSION = 0x06;
/** (1.3) A write command without a valid AUTH just before it (SPEC.md 5.5); nothing was changed. */
export const STATUS_AUTH_REQUIRED = 0x07;

export const STATUS_CODES = {
  OK: STATUS_OK,
  UNKNOWN_COMMAND: STATUS_UNKNOWN_COMMAND,
  MALFORMED: STATUS_MALFORMED,
  BAD_ARGUMENT: STATUS_BAD_ARGUMENT,
  BUSY: STATUS_BUSY,
  FAILED: STATUS_FAILED,
  UNSUPPORTED_VERSION: STATUS_UNSUPPORTED_VERSION,
  AUTH_REQUIRED: STATUS_AUTH_REQUIRED,
} as const;

/** Event codes (EVENT byte 1). */
export const EVT_BATTERY_LOW = 0x01;
export const EVT_CELL_FAULT = 0x02;
export const EVT_OVERFLOW = 0x03;
/** Stored settings or calibration were corrupt at boot; defaults in use (1.1). Body: STORAGE_FAULT_* bits. */
export const EVT_STORAGE_FAULT = 0x04;

export const EVENT_CODES = {
  BATTERY_LOW: EVT_BATTERY_LOW,
  CELL_FAULT: EVT_CELL_FAULT,
  OVERFLOW: EVT_OVERFLOW,
  STORAGE_FAULT: EVT_STORAGE_FAULT,
} as const;

/** STORAGE_FAULT body bits: which stored record was corrupt (and replaced by defaults). */
export const STORAGE_FAULT_SETTINGS = 0x01;
export const STORAGE_FAULT_CALIBRATION = 0x02;

/** Cell fault kinds (CELL_FAULT event). */
export const FAULT_RECOVERED = 0x00;
export const FAULT_NOT_READY = 0x01;
export const FAULT_STUCK = 0x02;
export const FAULT_SATURATED = 0x03;

/** Board models (GET_INFO boardId). */
export const BOARD_UNKNOWN = 0x00;
export const BOARD_MDBT42Q = 0x01;
export const BOARD_PUCKJS = 0x02;

/** Sample rates the HX711 RATE pin allows, Hz. */
export const SAMPLE_RATES_HZ = [10, 80];

/** Names: 1..16 printable ASCII bytes (0x20..0x7E). */
export const NAME_MAX_BYTES = 16;

/** Battery percent / voltage "unknown" markers in GET_INFO and BATTERY_LOW. */
export const BATTERY_PERCENT_UNKNOWN = 0xff;
export const BATTERY_MV_UNKNOWN = 0xffff;

/** Cell positions travel as int16 in units of 0.1 mm (range +-3276.7 mm). */
export const POSITION_UNITS_PER_MM = 10;

/** Control messages must fit the minimum notification payload. */
export const CONTROL_MAX_BYTES = 20;

/** Serial framing: COBS over (message || CRC-32 LE), 0x00 before and after each frame. */
export const SERIAL_DELIMITER = 0x00;
export const SERIAL_CRC_BYTES = 4;
/** Longest message accepted on the serial link, bytes (without CRC and COBS overhead). */
export const SERIAL_MAX_MESSAGE = 256;

/** GATT layout: one custom service, three characteristics; plus standard battery and device info. */
export const UUID_SERVICE = '3c750001-4a3b-4425-9ff1-0ac574d415ff';
/** Sample frames (KEY / DELTA), notify. */
export const UUID_DATA = '3c750002-4a3b-4425-9ff1-0ac574d415ff';
/** Commands from the host, write (with response). */
export const UUID_CONTROL = '3c750003-4a3b-4425-9ff1-0ac574d415ff';
/** Responses and events from the device, notify. */
export const UUID_RESPONSE = '3c750004-4a3b-4425-9ff1-0ac574d415ff';
/** Standard Battery Service / Battery Level characteristic. */
export const UUID_BATTERY_SERVICE = '180f';
export const UUID_BATTERY_LEVEL = '2a19';
/** Standard Device Information Service and the characteristics we fill. */
export const UUID_DEVICE_INFO_SERVICE = '180a';
export const UUID_MANUFACTURER_NAME = '2a29';
export const UUID_MODEL_NUMBER = '2a24';
export const UUID_FIRMWARE_REVISION = '2a26';
/** Software Revision: how the firmware runs its sampling and encoding ("native" or "jit-js", SPEC.md 2). */
export const UUID_SOFTWARE_REVISION = '2a28';
