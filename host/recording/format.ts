/**
 * The Tripod recording file (`.tripod`), version 1. Lossless: it keeps every message exactly as the
 * transport received it, with the host receive time, so a replay runs the same decoder again.
 *
 * Layout (all integers little-endian):
 *
 *   file   = MAGIC (8 bytes "TRIPODR\x01") record*
 *   record = SYNC (2 bytes 0xA5 0x5A) type (u8) length (u32, payload bytes) payload CRC (u32)
 *            CRC = CRC-32 (zlib) over type, length and payload (not the sync bytes)
 *
 * Record types:
 *   1 HEADER   payload = UTF-8 JSON `RecordingHeader`; always the first record
 *   2 MESSAGE  payload = channel (u8: 0 data, 1 control) hostTimeMs (f64, ms since the epoch) bytes
 *   3 LINK     payload = UTF-8 JSON `LinkRecord` (link lost / restored, with host times)
 *   4 NOTE     payload = UTF-8 JSON `NoteRecord` (calibration changed, tare, user note)
 *   5 END      payload = UTF-8 JSON `EndRecord` (clean close; absent after a crash or SIGKILL)
 *
 * Crash safety: records are only ever appended, each one whole in a single write(2), so a process
 * killed at any instant leaves a file whose every complete record is intact; the reader stops at the
 * first incomplete record and reports its byte offset. A corrupt record (bad CRC, bad length) is
 * skipped by searching for the next SYNC whose record checks out, and the damaged byte range is
 * reported; nothing corrupt is ever returned as data.
 */

export const RECORDING_MAGIC = new Uint8Array([0x54, 0x52, 0x49, 0x50, 0x4f, 0x44, 0x52, 0x01]); // "TRIPODR\x01"
export const RECORDING_FORMAT_VERSION = 1;
export const RECORD_SYNC_0 = 0xa5;
export const RECORD_SYNC_1 = 0x5a;
/** SYNC (2) + type (1) + length (4). */
export const RECORD_HEAD_BYTES = 7;
export const RECORD_CRC_BYTES = 4;
/** A payload longer than this is treated as corruption (no real message comes near it). */
export const MAX_RECORD_PAYLOAD = 1 << 20;

export const RECORD_HEADER = 1;
export const RECORD_MESSAGE = 2;
export const RECORD_LINK = 3;
export const RECORD_NOTE = 4;
export const RECORD_END = 5;

export const CHANNEL_DATA = 0;
export const CHANNEL_CONTROL = 1;
export type Channel = 'data' | 'control';

/** Per-cell calibration as stored in a recording header (force_N = (counts - offset) * scale). */
export interface RecordedCalibration {
  cells: Array<{ offset: number; scale: number }>;
  /** Cell centres, mm, plate frame (see host/pipeline/types.ts). */
  positionsMm?: Array<{ x: number; y: number }>;
  /** Where these values came from: 'board', a calibration file path, or 'default'. */
  source: string;
}

export interface RecordingHeader {
  format: 'tripod-recording';
  formatVersion: number;
  /** ISO 8601 time the recording started. */
  createdAt: string;
  software: { name: string; version: string };
  /** How the board was reached: 'sim', 'ble', 'serial' (+ a human description). */
  source: { kind: string; description: string };
  /** The board's answer to get-info, as decoded (firmware/protocol version, id, rate, ...). */
  board: Record<string, unknown> | null;
  calibration: RecordedCalibration | null;
  subjectId: string | null;
  notes: string | null;
}

export interface LinkRecord {
  event: 'link-lost' | 'link-restored';
  hostTimeMs: number;
  detail?: string;
}

export interface NoteRecord {
  kind: string;
  hostTimeMs: number;
  [key: string]: unknown;
}

export interface EndRecord {
  hostTimeMs: number;
  messages: number;
  reason: string;
}

/** One decoded record; byte offsets let tools say exactly where something is. */
export type RecordingRecord =
  | { type: 'header'; offset: number; header: RecordingHeader }
  | { type: 'message'; offset: number; channel: Channel; hostTimeMs: number; bytes: Uint8Array }
  | { type: 'link'; offset: number; link: LinkRecord }
  | { type: 'note'; offset: number; note: NoteRecord }
  | { type: 'end'; offset: number; end: EndRecord };

/** A stretch of the file that could not be read: [offset, offset + length). */
export interface DamagedRange {
  offset: number;
  length: number;
  reason: string;
}
