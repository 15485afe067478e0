/**
 * Writes protocol/vectors/*.json: `npx tsx tests/protocol/make-vectors.ts`. Run it only when the spec
 * changes on purpose; the vector test then compares the code against these frozen bytes, and every
 * hex string was checked by hand against SPEC.md (the worked examples there are copied from here).
 * Not a test file itself (vitest collects *.test.ts only).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BOARD_MDBT42Q,
  CMD_GET_CALIBRATION,
  EVT_STORAGE_FAULT,
  STORAGE_FAULT_CALIBRATION,
  STORAGE_FAULT_SETTINGS,
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
  FAULT_NOT_READY,
  FLAG_CELL2_STALE,
  FLAG_SATURATED,
  AUTH_STATE_KEY_SET,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  CMD_SET_KEY,
  STATUS_AUTH_REQUIRED,
  authTag,
  STATUS_BAD_ARGUMENT,
  STATUS_BUSY,
  STATUS_OK,
  createFrameEncoder,
  createFrameEncoder2,
  createStreamDecoder,
  decodeCommand,
  encodeCommand,
  encodeCommandError,
  encodeEvent,
  encodeResponse,
  encodeSerialFrame,
  createSerialDeframer,
} from '../../protocol/index.ts';
import { sampleVectors12 } from './make-vectors-12.ts';
import type { CommandMessage, EventMessage, ResponseMessage, SampleBlock } from '../../protocol/index.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'protocol', 'vectors');

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
export function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export type Sample = [number, number, number, number, number, number]; // c0..c3, flags, timeMs
export interface EncoderSpec {
  payloadBytes: number;
  samplesPerFrame: number;
  keyInterval: number;
  secondOrder: boolean;
  /** 2: createFrameEncoder2 (KEY2/DELTA2, secondOrder unused); absent or 1: createFrameEncoder. */
  format?: number;
  startIndex: number;
  samples: Sample[];
  /** [i, n]: call skip(n) before adding samples[i] (n samples dropped on the device). */
  skips?: Array<[number, number]>;
}

/** The frames (hex) the encoder `e` describes makes from its samples and skips; vectors.test.ts checks the committed ones with it. */
export function encodeVector(e: EncoderSpec): string[] {
  const enc = e.format === 2 ? createFrameEncoder2(e.payloadBytes, e.samplesPerFrame, e.keyInterval) : createFrameEncoder(e.payloadBytes, e.samplesPerFrame, e.keyInterval, e.secondOrder);
  enc.start(e.startIndex);
  const out: string[] = [];
  const drain = (f: Uint8Array | null): void => {
    while (f) {
      out.push(toHex(f));
      f = enc.poll();
    }
  };
  e.samples.forEach((s, i) => {
    for (const [at, n] of e.skips ?? []) {
      if (at === i) {
        enc.skip(n);
        drain(enc.poll());
      }
    }
    drain(enc.add(s[0], s[1], s[2], s[3], s[4], s[5]));
  });
  drain(enc.flush());
  return out;
}

function blockJson(b: SampleBlock): Record<string, unknown> {
  return {
    firstIndex: b.firstIndex,
    count: b.count,
    counts: Array.from(b.counts),
    flags: Array.from(b.flags),
    deviceTimeMs: b.deviceTimeMs,
    key: b.key,
    streamStart: b.streamStart,
    gapBefore: b.gapBefore,
    framesLost: b.framesLost,
  };
}

function decodeAll(frames: string[]): Array<Record<string, unknown>> {
  const dec = createStreamDecoder();
  return frames.map((h) => {
    const b = dec.push(fromHex(h));
    return b ? { block: blockJson(b) } : { error: dec.lastError?.code };
  });
}

interface FrameVector {
  name: string;
  covers: string[];
  meaning: string;
  encoder?: EncoderSpec;
  frames: string[];
  expect: Array<Record<string, unknown>>;
}

function sampleVectors(): FrameVector[] {
  const v: FrameVector[] = [];
  const add = (name: string, covers: string[], meaning: string, frames: string[], encoder?: EncoderSpec): void => {
    v.push({ name, covers, meaning, ...(encoder ? { encoder } : {}), frames, expect: decodeAll(frames) });
  };
  const enc = (e: Partial<EncoderSpec> & { samples: Sample[] }): EncoderSpec => ({
    payloadBytes: 20,
    samplesPerFrame: 3,
    keyInterval: 80,
    secondOrder: true,
    startIndex: 0,
    ...e,
  });

  const limits = enc({ samples: [[8388607, -8388608, 0, -1, 0, 0x123456]] });
  add(
    'key-limits',
    ['KEY'],
    'One KEY frame at stream start (index 0, FLAG_STREAM_START added by the encoder), device time 0x123456 ms, counts at the int24 limits +8388607 and -8388608, then 0 and -1.',
    encodeVector(limits),
    limits,
  );

  const base: Sample[] = [];
  for (let i = 0; i < 7; i++) base.push([100000 + 10 * i * i, -50000 - 3 * i, 20000 + (i % 2 ? 5 : -5), 65000 + 100 * i, 0, 1000 + 12.5 * i]);
  const chain = enc({ samples: base });
  add(
    'key-then-deltas-second-order',
    ['KEY', 'DELTA'],
    'A KEY (1 sample at payload 20) then DELTA frames of 3 samples each, second-order predictor; residuals small, widths chosen per frame.',
    encodeVector(chain),
    chain,
  );

  const first = enc({ samples: base, secondOrder: false });
  add('deltas-first-order', ['KEY', 'DELTA'], 'The same samples with the first-order predictor (mode bit 5 clear).', encodeVector(first), first);

  const flagged: Sample[] = base.slice(0, 4).map((s, i) => [s[0], s[1], s[2], s[3], i === 2 ? FLAG_CELL2_STALE | FLAG_SATURATED : 0, s[5]]);
  const fl = enc({ samples: flagged });
  add(
    'delta-with-flag-bytes',
    ['DELTA'],
    'Sample 2 carries FLAG_CELL2_STALE|FLAG_SATURATED (0x14): its DELTA frame sets mode bit 6 and carries one flag byte per sample before the residuals.',
    encodeVector(fl),
    fl,
  );

  const jump = enc({
    samples: [
      [-8388608, 8388607, 0, 0, 0, 0],
      [8388607, -8388608, 0, 1, 0, 12],
      [-8388608, 8388607, 1, 0, 0, 25],
      [0, 0, -8388608, 8388607, 0, 37],
    ],
  });
  add(
    'full-scale-jumps',
    ['KEY', 'DELTA'],
    'Full-scale jumps between -2^23 and 2^23-1: residuals are taken mod 2^24 and need width 24; decoded values are bit-exact.',
    encodeVector(jump),
    jump,
  );

  const wide = enc({
    samples: [
      [0, 0, 0, 0, 0, 0],
      [0x400000, -0x400000, 0x7fffff, -0x800000, 0, 12],
      [-0x3fffff, 0x2abcde, -0x123456, 0x654321, 0, 25],
      [0x7fffff, 0x7fffff, -0x800000, -0x800000, 0, 37],
    ],
  });
  add(
    'width-24',
    ['KEY', 'DELTA'],
    'Unrelated full-range values: the residuals need all 24 bits (mode width 24), one sample per 20-byte DELTA frame; decoded values are bit-exact.',
    encodeVector(wide),
    wide,
  );

  const drop = enc({ samples: base, skips: [[4, 5]] });
  add(
    'device-overflow-skip',
    ['KEY', 'DELTA'],
    'The device dropped 5 samples before the 5th one (encoder.skip(5)): pending samples are flushed, the next sample is a KEY at index 9 with FLAG_OVERFLOW (0x20); the decoder reports gapBefore 5.',
    encodeVector(drop),
    drop,
  );

  const wrapSamples: Sample[] = [];
  for (let i = 0; i < 8; i++) wrapSamples.push([1000 + i, 2000 - i, 3000, 4000 + 2 * i, 0, 0xfffff0 + 5 * i]);
  const wrap = enc({ samples: wrapSamples, startIndex: 0xfffffe, keyInterval: 4 });
  add(
    'index-and-time-wrap',
    ['KEY', 'DELTA'],
    'Stream whose first index is 0xFFFFFE (and device time near 2^24 ms) with a KEY every 4 samples: indices and time cross 2^24; unwrapped indices continue 16777216, 16777217, ...; DELTA index bit 8 and low byte follow the wrap.',
    encodeVector(wrap),
    wrap,
  );

  const ext = enc({ samples: base, payloadBytes: 50, samplesPerFrame: 8 });
  add('key-with-delta-block', ['KEY'], 'Payload 50 (MTU 53): the KEY frame carries a delta block after its 20 fixed bytes.', encodeVector(ext), ext);

  // Errors, hand-made from the good frames above.
  const good = encodeVector(chain);
  const k0 = good[0] as string;
  const d1 = good[1] as string;
  const d2 = good[2] as string;
  add('error-truncated-key', ['KEY'], 'KEY frame cut to 19 bytes: rejected as truncated.', [k0.slice(0, 38)]);
  add('error-truncated-delta', ['DELTA'], 'DELTA frame cut to its 3 header bytes: truncated; the chain breaks, the next DELTA is discarded until a KEY.', [k0, d1.slice(0, 6), d2]);
  add('error-delta-before-key', ['DELTA'], 'A DELTA with no KEY before it cannot be decoded: chain-broken.', [d1]);
  add('error-lost-delta', ['KEY', 'DELTA'], 'The first DELTA is lost: the second one starts at index 4, not 1: index-mismatch; the next KEY restores the stream and reports the gap.', [k0, d2, ...encodeKeyAt(4)]);
  const badWidth = fromHex(d1);
  badWidth[2] = (badWidth[2]! & 0xe0) | 25;
  add('error-bad-width', ['DELTA'], 'Mode byte width 25 (outside 2..24): malformed.', [k0, toHex(badWidth)]);
  const extra = toHex(fromHex(d1)) + '00';
  add('error-delta-length', ['DELTA'], 'A DELTA with one byte too many (no whole number of samples at its width): malformed.', [k0, extra]);
  add('error-major-2', ['KEY'], 'First byte 0x20: a protocol major 2 frame; rejected with unsupported-major.', ['20' + k0.slice(2)]);
  add('error-unknown-kind', ['KEY'], 'First byte 0x17: a message kind major 1 does not define yet (a newer minor): skipped and counted, chain unchanged. (Until 1.2 this vector used 0x15, now KEY2: a 1.1 host counts KEY2/DELTA2 exactly this way.)', ['17' + d1.slice(2)]);
  add('error-duplicate-key', ['KEY'], 'KEY of index 0 again (without FLAG_STREAM_START) after samples 0..3: 4 samples behind the stream: duplicate, dropped; the chain stays intact.', [k0, d1, k0.slice(0, 14) + '00' + k0.slice(16), d2]);
  add('error-empty', ['KEY'], 'An empty notification: counted, ignored.', ['']);
  sampleVectors12(add, enc, base, good, encodeVector);
  return v;

  function encodeKeyAt(index: number): string[] {
    const e = enc({ samples: base.slice(index, index + 1), startIndex: index });
    return encodeVector(e).map((h) => h.slice(0, 14) + '00' + h.slice(16)); // clear FLAG_STREAM_START: mid-stream KEY
  }
}

interface ControlVector {
  name: string;
  message: 'COMMAND' | 'RESPONSE' | 'EVENT' | 'AUTH_TAG';
  meaning: string;
  hex: string;
  /** AUTH_TAG: what the tag (hex) is computed from. */
  input?: { keyHex: string; nonceHex: string; commandHex: string };
  decoded?: unknown;
  refused?: { reqId: number; code: number; status: number; answerHex: string };
  /** A device message a host must refuse (decodeDeviceMessage fails): the reason names this text. */
  rejected?: string;
  /** Decodes to `decoded` but is not what encode* produces (a receiver's tolerance). */
  decodeOnly?: boolean;
}

function controlVectors(): ControlVector[] {
  const v: ControlVector[] = [];
  const cmd = (name: string, meaning: string, c: CommandMessage): void => {
    v.push({ name, message: 'COMMAND', meaning, hex: toHex(encodeCommand(c)), decoded: c });
  };
  const rsp = (name: string, meaning: string, r: ResponseMessage): void => {
    v.push({ name, message: 'RESPONSE', meaning, hex: toHex(encodeResponse(r)), decoded: r });
  };
  const evt = (name: string, meaning: string, e: EventMessage): void => {
    v.push({ name, message: 'EVENT', meaning, hex: toHex(encodeEvent(e)), decoded: e });
  };
  const refuse = (name: string, meaning: string, hex: string): void => {
    const d = decodeCommand(fromHex(hex));
    if (d.ok) throw new Error(`make-vectors: ${name} was accepted`);
    v.push({ name, message: 'COMMAND', meaning, hex, refused: { reqId: d.reqId, code: d.code, status: d.status, answerHex: toHex(encodeCommandError(d)) } });
  };
  const scale = Math.fround(1 / 4375);
  const cal = { cell: 2, offset: -45678, scale, xMm: -180, yMm: -180.5 };
  cmd('cmd-get-info', 'GET_INFO, request id 1.', { reqId: 1, code: CMD_GET_INFO });
  cmd('cmd-start-stream', 'START_STREAM, request id 2.', { reqId: 2, code: CMD_START_STREAM });
  cmd('cmd-stop-stream', 'STOP_STREAM, request id 3.', { reqId: 3, code: CMD_STOP_STREAM });
  cmd('cmd-set-sample-rate', 'SET_SAMPLE_RATE to 10 Hz.', { reqId: 4, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 });
  cmd('cmd-set-frame-samples', 'SET_FRAME_SAMPLES to 3 samples per frame.', { reqId: 5, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 3 });
  cmd('cmd-get-calibration', 'GET_CALIBRATION of cell 2.', { reqId: 6, code: CMD_GET_CALIBRATION, cell: 2 });
  cmd('cmd-set-calibration', 'SET_CALIBRATION of cell 2: offset -45678 counts, scale float32(1/4375) N/count, position (-180, -180.5) mm.', {
    reqId: 7,
    code: CMD_SET_CALIBRATION,
    calibration: cal,
  });
  cmd('cmd-tare', 'TARE averaging 32 samples.', { reqId: 8, code: CMD_TARE, samples: 32 });
  cmd('cmd-identify', 'IDENTIFY: blink for 5 s.', { reqId: 9, code: CMD_IDENTIFY, seconds: 5 });
  cmd('cmd-set-name', 'SET_NAME "Tripod-7".', { reqId: 10, code: CMD_SET_NAME, name: 'Tripod-7' });
  cmd('cmd-get-name', 'GET_NAME.', { reqId: 11, code: CMD_GET_NAME });
  cmd('cmd-reboot', 'REBOOT, request id 255.', { reqId: 255, code: CMD_REBOOT });
  refuse('cmd-unknown', 'Command code 0x7F does not exist: UNKNOWN_COMMAND.', '120c7f');
  refuse('cmd-too-short', 'Two bytes only: MALFORMED (request id 0x0d echoed, code 0).', '120d');
  refuse('cmd-missing-argument', 'SET_SAMPLE_RATE without its argument byte: MALFORMED.', '120e04');
  refuse('cmd-bad-rate', 'SET_SAMPLE_RATE 50 Hz: BAD_ARGUMENT.', '120f0432');
  refuse('cmd-bad-cell', 'GET_CALIBRATION of cell 4: BAD_ARGUMENT.', '12100604');
  refuse('cmd-bad-name', 'SET_NAME with a control character: BAD_ARGUMENT.', '12110a41420a');
  refuse('cmd-major-2', 'First byte 0x22 (protocol major 2): UNSUPPORTED_VERSION.', '221201');
  rsp('rsp-get-info', 'GET_INFO answer: firmware 0.3.1, protocol 1.0, MDBT42Q, 4 cells, 80 Hz, MTU 23, battery unknown %, 2950 mV, 3 samples/frame, KEY every 80, streaming, calibrated, payload 20.', {
    reqId: 1,
    code: CMD_GET_INFO,
    status: STATUS_OK,
    info: {
      firmwareMajor: 0,
      firmwareMinor: 3,
      firmwarePatch: 1,
      protocolMajor: 1,
      protocolMinor: 0,
      boardId: BOARD_MDBT42Q,
      cellCount: 4,
      sampleRateHz: 80,
      mtu: 23,
      batteryPercent: 255,
      batteryMv: 2950,
      samplesPerFrame: 3,
      keyInterval: 80,
      streaming: true,
      calibrated: true,
      payloadBytes: 20,
    },
  });
  rsp('rsp-start-stream', 'START_STREAM accepted (1.0: no body).', { reqId: 2, code: CMD_START_STREAM, status: STATUS_OK });
  rsp('rsp-start-stream-boot', 'START_STREAM accepted (1.1): boot id 0xC0FFEE01, the stream starts at index 0x012345.', { reqId: 2, code: CMD_START_STREAM, status: STATUS_OK, bootId: 0xc0ffee01, firstIndex: 0x012345 });
  rsp('rsp-stop-stream', 'STOP_STREAM accepted.', { reqId: 3, code: CMD_STOP_STREAM, status: STATUS_OK });
  rsp('rsp-set-sample-rate', 'Rate now 10 Hz.', { reqId: 4, code: CMD_SET_SAMPLE_RATE, status: STATUS_OK, sampleRateHz: 10 });
  rsp('rsp-set-frame-samples', 'Samples per frame now 3.', { reqId: 5, code: CMD_SET_FRAME_SAMPLES, status: STATUS_OK, samplesPerFrame: 3 });
  rsp('rsp-get-calibration', 'Cell 2 calibration record.', { reqId: 6, code: CMD_GET_CALIBRATION, status: STATUS_OK, calibration: cal });
  rsp('rsp-set-calibration', 'Cell 2 stored; the stored record echoed.', { reqId: 7, code: CMD_SET_CALIBRATION, status: STATUS_OK, calibration: cal });
  rsp('rsp-tare', 'New offsets after TARE, counts.', { reqId: 8, code: CMD_TARE, status: STATUS_OK, offsets: [12345, -67890, 8388607, -8388608] });
  rsp('rsp-identify', 'IDENTIFY accepted.', { reqId: 9, code: CMD_IDENTIFY, status: STATUS_OK });
  rsp('rsp-set-name', 'Name now "Tripod-7".', { reqId: 10, code: CMD_SET_NAME, status: STATUS_OK, name: 'Tripod-7' });
  rsp('rsp-get-name', 'Name is "Tripod-7".', { reqId: 11, code: CMD_GET_NAME, status: STATUS_OK, name: 'Tripod-7' });
  rsp('rsp-reboot', 'REBOOT accepted (sent before rebooting).', { reqId: 255, code: CMD_REBOOT, status: STATUS_OK });
  rsp('rsp-busy', 'SET_SAMPLE_RATE refused with BUSY: an error status has no body.', { reqId: 4, code: CMD_SET_SAMPLE_RATE, status: STATUS_BUSY });
  rsp('rsp-bad-argument', 'GET_CALIBRATION refused with BAD_ARGUMENT.', { reqId: 0x10, code: CMD_GET_CALIBRATION, status: STATUS_BAD_ARGUMENT });
  cmd('cmd-start-stream-format-2', 'START_STREAM asking for 1.2 frames (argument 2, FRAME_FORMAT_2); a 1.1 board ignores the byte and sends 1.1 frames.', { reqId: 2, code: CMD_START_STREAM, frameFormat: 2 });
  refuse('cmd-start-stream-bad-format', 'START_STREAM with frame format 3: BAD_ARGUMENT.', '12020203');
  refuse('cmd-set-name-empty', 'SET_NAME with no name byte: MALFORMED (too short for its argument, like any missing argument).', '12120a');
  rsp('rsp-start-stream-format', 'START_STREAM accepted (1.2): boot id 0xC0FFEE01, first index 0x012345, frame format 2 in use.', { reqId: 2, code: CMD_START_STREAM, status: STATUS_OK, bootId: 0xc0ffee01, firstIndex: 0x012345, frameFormat: 2 });
  v.push({ name: 'rsp-error-trailing-bytes', message: 'RESPONSE', meaning: 'An error response with 2 bytes after the status: a device sends exactly 4 bytes, a receiver ignores what follows (a later minor may add detail).', hex: '130f0403beef', decoded: { reqId: 0x0f, code: CMD_SET_SAMPLE_RATE, status: STATUS_BAD_ARGUMENT }, decodeOnly: true });
  v.push({ name: 'rsp-start-stream-short-body', message: 'RESPONSE', meaning: 'START_STREAM OK with a 3-byte body: neither 1.0 (none) nor 1.1 (at least 7): refused.', hex: '13020200c0ffee', rejected: 'START_STREAM answer body' });
  v.push({ name: 'rsp-calibration-bad-cell', message: 'RESPONSE', meaning: 'GET_CALIBRATION answer naming cell 5: refused.', hex: '13060600' + '05924dffffadac6f39f8f8f3f8', rejected: 'names cell 5' });
  v.push({ name: 'rsp-name-control-char', message: 'RESPONSE', meaning: 'GET_NAME answer with a line feed in the name: refused.', hex: '130b0b00410a42', rejected: 'printable ASCII' });
  evt('evt-battery-low', 'BATTERY_LOW: 9 %, 3310 mV, event sequence 0.', { code: EVT_BATTERY_LOW, seq: 0, batteryPercent: 9, batteryMv: 3310 });
  evt('evt-cell-fault', 'CELL_FAULT: cell 3 not ready since sample 0x012345, sequence 1.', { code: EVT_CELL_FAULT, seq: 1, cell: 3, fault: FAULT_NOT_READY, index: 0x012345 });
  evt('evt-storage-fault', 'STORAGE_FAULT: settings and calibration corrupt, defaults in use, sequence 7.', { code: EVT_STORAGE_FAULT, seq: 7, storage: STORAGE_FAULT_SETTINGS | STORAGE_FAULT_CALIBRATION });
  evt('evt-overflow', 'OVERFLOW: 1000 samples dropped on the device starting at index 0xABCDEF, sequence 255.', { code: EVT_OVERFLOW, seq: 255, dropped: 1000, index: 0xabcdef });
  authVectors(v, cmd, rsp, refuse);
  return v;
}

/**
 * 1.3 authenticated writes (SPEC.md 5.5): the worked example of 5.5 end to end. Key 00 01 .. 0f,
 * the board's nonce a1 b2 c3 d4 e5 f6 07 18, the write SET_NAME "Tripod-7" with request id 0x22.
 */
function authVectors(
  v: ControlVector[],
  cmd: (name: string, meaning: string, c: CommandMessage) => void,
  rsp: (name: string, meaning: string, r: ResponseMessage) => void,
  refuse: (name: string, meaning: string, hex: string) => void,
): void {
  const key = fromHex('000102030405060708090a0b0c0d0e0f');
  const nonce = fromHex('a1b2c3d4e5f60718');
  const write = encodeCommand({ reqId: 0x22, code: CMD_SET_NAME, name: 'Tripod-7' });
  const tag = authTag(key, nonce, write);
  cmd('cmd-auth-challenge', 'AUTH_CHALLENGE (1.3), request id 0x20: first step of an authenticated write.', { reqId: 0x20, code: CMD_AUTH_CHALLENGE });
  rsp('rsp-auth-challenge', 'AUTH_CHALLENGE answer: nonce a1b2c3d4e5f60718, state 1 (a key is stored, pairing window closed), board address c0:11:22:33:ab:cd.', {
    reqId: 0x20,
    code: CMD_AUTH_CHALLENGE,
    status: STATUS_OK,
    nonce,
    authState: AUTH_STATE_KEY_SET,
    address: 'c0:11:22:33:ab:cd',
  });
  v.push({
    name: 'auth-tag',
    message: 'AUTH_TAG',
    meaning: 'The tag AUTH carries: SipHash-2-4 under key 000102..0f of the nonce (a1b2c3d4e5f60718) followed by the whole write it authorises (SET_NAME "Tripod-7", request id 0x22).',
    hex: toHex(tag),
    input: { keyHex: toHex(key), nonceHex: toHex(nonce), commandHex: toHex(write) },
  });
  cmd('cmd-auth', "AUTH (1.3), request id 0x21, carrying the auth-tag vector's tag for the SET_NAME that follows.", { reqId: 0x21, code: CMD_AUTH, tag });
  rsp('rsp-auth', 'AUTH accepted: the tag is kept for the next write.', { reqId: 0x21, code: CMD_AUTH, status: STATUS_OK });
  cmd('cmd-auth-write', 'The write the tag authorises: SET_NAME "Tripod-7", request id 0x22 (cmd-set-name with another request id).', { reqId: 0x22, code: CMD_SET_NAME, name: 'Tripod-7' });
  rsp('rsp-auth-required', 'SET_NAME refused: no valid AUTH came before it (AUTH_REQUIRED, 1.3); nothing stored.', { reqId: 0x22, code: CMD_SET_NAME, status: STATUS_AUTH_REQUIRED });
  cmd('cmd-set-key', 'SET_KEY (1.3): key 000102..0f.', { reqId: 0x23, code: CMD_SET_KEY, key });
  rsp('rsp-set-key', 'SET_KEY accepted.', { reqId: 0x23, code: CMD_SET_KEY, status: STATUS_OK });
  refuse('cmd-set-key-zero', 'SET_KEY with an all-zero key: BAD_ARGUMENT.', '12240f' + '00'.repeat(16));
  refuse('cmd-set-key-short', 'SET_KEY with 15 key bytes: MALFORMED.', '12250f' + '01'.repeat(15));
  refuse('cmd-auth-short', 'AUTH with a 2-byte tag: MALFORMED.', '12260e0102');
}

interface SerialVector {
  name: string;
  meaning: string;
  streamHex: string;
  messages: string[];
  stats: Record<string, number>;
}

function serialVectors(): SerialVector[] {
  const v: SerialVector[] = [];
  const add = (name: string, meaning: string, stream: Uint8Array): void => {
    const d = createSerialDeframer();
    const msgs = d.push(stream).map(toHex);
    v.push({ name, meaning, streamHex: toHex(stream), messages: msgs, stats: { ...d.stats } });
  };
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const getInfo = encodeCommand({ reqId: 1, code: CMD_GET_INFO });
  const key = fromHex(encodeVector({ payloadBytes: 20, samplesPerFrame: 3, keyInterval: 80, secondOrder: true, startIndex: 0, samples: [[8388607, -8388608, 0, -1, 0, 0x123456]] })[0] as string);
  add('serial-command', 'GET_INFO framed: 00, COBS(12 01 01 + CRC-32 LE), 00.', encodeSerialFrame(getInfo));
  add('serial-key-frame', 'The key-limits KEY frame (contains 0x00 bytes, so COBS codes are visible).', encodeSerialFrame(key));
  const run = new Uint8Array(254).map((_, i) => (i % 255) + 1);
  run[0] = 0x12;
  add('serial-254-nonzero', 'A 254-byte message with no zero byte: exercises the 0xFF COBS block code.', encodeSerialFrame(run));
  const bad = encodeSerialFrame(getInfo);
  bad[4] = (bad[4] as number) ^ 0x02; // flip a bit of a message byte inside the COBS body: the CRC no longer matches
  add('serial-bad-crc', 'A frame with one flipped bit: CRC mismatch, dropped and counted; the next frame decodes.', cat(bad, encodeSerialFrame(getInfo)));
  const cut = encodeSerialFrame(key).subarray(0, 10);
  add('serial-truncated', 'A frame cut after 10 bytes (its closing 00 lost) runs into the next frame\'s leading 00: dropped as a broken frame; the next frame decodes.', cat(cut, encodeSerialFrame(getInfo)));
  add('serial-garbage', 'Console text "OK\\r\\n>" before a frame: the leading 00 ends the garbage as one bad frame.', cat(new Uint8Array([0x4f, 0x4b, 0x0d, 0x0a, 0x3e]), encodeSerialFrame(getInfo)));
  const big = new Uint8Array(257).fill(0x41);
  big[0] = 0x12;
  add('serial-oversize', 'A well-formed frame whose message is 257 bytes, one more than SERIAL_MAX_MESSAGE: dropped and counted (oversizeFrames, its bytes in garbageBytes); the next frame decodes.', cat(encodeSerialFrame(big), encodeSerialFrame(getInfo)));
  add('serial-idle', 'Runs of 00 between frames are idle filler: ignored, not errors.', cat(new Uint8Array([0, 0, 0]), encodeSerialFrame(getInfo), new Uint8Array([0, 0])));
  return v;
}

function write(name: string, doc: unknown): void {
  // Byte fields (AUTH tag, SET_KEY key, AUTH_CHALLENGE nonce) as hex strings; vectors.test.ts reads them back.
  writeFileSync(join(OUT, name), JSON.stringify(doc, (_k, x: unknown) => (x instanceof Uint8Array ? toHex(x) : x), 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  write('sample-frames.json', {
    spec: 'protocol/SPEC.md section 4',
    description: 'Sample frames. Each vector: frames (hex) pushed in order into a fresh stream decoder; expect[i] is the block or error for frames[i]. When encoder is given, createFrameEncoder(payloadBytes, samplesPerFrame, keyInterval, secondOrder) after start(startIndex), fed samples [c0,c1,c2,c3,flags,timeMs] then flush(), must produce exactly frames.',
    vectors: sampleVectors(),
  });
  write('control.json', {
    spec: 'protocol/SPEC.md sections 5 and 6',
    description: 'Control messages. decoded: the message encode* produces these bytes from and decode* returns. refused: what decodeCommand reports and the error response (answerHex) the device sends.',
    vectors: controlVectors(),
  });
  write('serial.json', {
    spec: 'protocol/SPEC.md section 7',
    description: 'Serial byte streams. Pushing streamHex into a fresh deframer yields messages (hex) and these stats.',
    vectors: serialVectors(),
  });
  console.log(`wrote vectors to ${OUT}`);
}
