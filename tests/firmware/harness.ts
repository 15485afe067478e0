/**
 * Test harness: the firmware built from the current source (once per test run, tests/global-setup.ts),
 * an emulated board running it, and a minimal host on the board's BLE or serial side that decodes
 * everything with the protocol package (stream decoder, control decoder, serial deframer).
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildFirmware, minFileFor } from '../../firmware/build.ts';
import { createBoard, type BoardOptions, type CentralLink, type EmulatedBoard } from '../../firmware/emulator/index.ts';
import {
  AUTH_COMMANDS,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  STATUS_OK,
  authTag,
  UUID_CONTROL,
  UUID_DATA,
  UUID_RESPONSE,
  KIND_DELTA,
  KIND_DELTA2,
  KIND_KEY2,
  KIND_KEY,
  createSerialDeframer,
  createStreamDecoder,
  decodeDeviceMessage,
  encodeCommand,
  encodeSerialFrame,
  type CommandMessage,
  type EventMessage,
  type ResponseMessage,
  type SampleBlock,
  type StreamDecoder,
} from '../../protocol/index.ts';

let cached: string | null = null;
let cachedMin: string | null = null;
/** The run folder `cached` came from (a watch rerun gets a new one; workers may outlive a run). */
let cachedFor: string | undefined;

/**
 * The firmware built from firmware/src now: once per test run, shared by the test files through the
 * run's folder (tests/global-setup.ts; the first file to ask builds it), and kept in this module
 * for the run.
 */
export function firmwareSource(): string {
  const runDir = inject('tripodFirmwareDir');
  if (cached !== null && cachedFor === runDir) return cached;
  const shared = runDir ? join(runDir, 'tripod.js') : null;
  // tripod.js is renamed into place after tripod.min.js: once it is there, both are whole.
  if (shared && existsSync(shared)) {
    cached = readFileSync(shared, 'utf8');
    cachedMin = readFileSync(minFileFor(shared), 'utf8');
    cachedFor = runDir;
    return cached;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tripod-fw-'));
  try {
    const out = join(dir, 'tripod.js');
    buildFirmware(undefined, out);
    cached = readFileSync(out, 'utf8');
    cachedMin = readFileSync(minFileFor(out), 'utf8');
    if (shared) {
      // Two files building at once both rename identical builds into place.
      renameSync(minFileFor(out), minFileFor(shared));
      renameSync(out, shared);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  cachedFor = runDir;
  return cached;
}

/**
 * Storage holding a settings file (firmware/src/settings.ts "tripod.json"): the firmware's
 * defaults with `over` applied, e.g. `{ native: false }` for the "jit" JS paths or `{ pins }`.
 */
export function settingsStorage(over: Record<string, unknown>): Record<string, string> {
  const s = { v: 1, name: '', rateHz: 80, samplesPerFrame: 0, keyInterval: 0, idleS: 60, serial: true, pins: null, ...over };
  return { 'tripod.json': JSON.stringify(s) };
}

/** The upload file (tripod.min.js) built with firmwareSource(). */
export function uploadSource(): string {
  firmwareSource();
  return cachedMin as string;
}

/** The key the harness's boards hold (Storage file tripod.key, firmware/src/auth.ts) and its hosts use. */
export const TEST_KEY = new Uint8Array(16).map((_, i) => 0xa0 + i);
export const TEST_KEY_FILE = { 'tripod.key': Buffer.from(TEST_KEY).toString('hex') };

/** A board running the firmware; it holds TEST_KEY unless `paired: false` (or Storage is a backing file). */
export function boot(opts: Omit<BoardOptions, 'clock'> & { paired?: boolean } = {}): EmulatedBoard {
  const { paired = true, ...rest } = opts;
  const st = rest.storage;
  const storage = !paired || (st && 'file' in st) ? st : { ...TEST_KEY_FILE, ...(st as Record<string, string> | undefined) };
  return createBoard({ clock: 'virtual', source: firmwareSource(), ...rest, ...(storage ? { storage } : {}) });
}

/** What a host saw on one link. */
export interface HostLog {
  decoder: StreamDecoder;
  blocks: SampleBlock[];
  frames: Uint8Array[];
  responses: ResponseMessage[];
  events: EventMessage[];
  /** Messages the control decoder refused. */
  badControl: number;
  /** Arrival order: 'data', 'event' or 'response <reqId>'. */
  sequence: string[];
}

function newLog(): HostLog {
  return { decoder: createStreamDecoder(), blocks: [], frames: [], responses: [], events: [], badControl: 0, sequence: [] };
}

function take(log: HostLog, bytes: Uint8Array): void {
  const kind = (bytes[0] ?? 0) & 0x0f;
  if (kind === KIND_KEY || kind === KIND_DELTA || kind === KIND_KEY2 || kind === KIND_DELTA2) {
    log.frames.push(bytes.slice());
    log.sequence.push('data');
    const b = log.decoder.push(bytes);
    if (b) log.blocks.push(b);
    return;
  }
  const m = decodeDeviceMessage(bytes);
  if (!m.ok) log.badControl++;
  else if (m.kind === 'response') {
    log.responses.push(m.response);
    log.sequence.push(`response ${m.response.reqId}`);
  } else {
    log.events.push(m.event);
    log.sequence.push('event');
  }
}

export interface Host extends HostLog {
  /**
   * Sends a command and advances virtual time until its response arrives (max 3 s). A write
   * (AUTH_COMMANDS) is authenticated first with TEST_KEY as a host does (SPEC.md 5.5), unless
   * `unauthenticated`; request ids 0xF0/0xF1 carry the challenge and the AUTH.
   */
  command(cmd: CommandMessage, unauthenticated?: boolean): ResponseMessage;
  /** Challenge + AUTH for these command bytes with `key` (default TEST_KEY); returns the AUTH answer. */
  authorize(bytes: Uint8Array, key?: Uint8Array): ResponseMessage;
  /** Sends raw command bytes and waits for a response with that reqId (byte 1). */
  raw(bytes: Uint8Array, reqId: number): ResponseMessage;
  log: HostLog;
}

function waitFor(board: EmulatedBoard, log: HostLog, reqId: number, from: number): ResponseMessage {
  for (let i = 0; i < 300; i++) {
    for (let k = from; k < log.responses.length; k++) if (log.responses[k]!.reqId === reqId) return log.responses[k]!;
    board.advance(0.01);
  }
  throw new Error(`no response to request ${reqId} within 3 s`);
}

/** Connects a central, subscribes to data and responses. */
export function bleHost(board: EmulatedBoard, mtu = 23, intervalMs?: number): Host & { link: CentralLink } {
  const log = newLog();
  const link = board.ble.connect(intervalMs === undefined ? { mtu } : { mtu, intervalMs });
  link.subscribe(UUID_DATA);
  link.subscribe(UUID_RESPONSE);
  link.onNotify((_c, bytes) => take(log, bytes));
  board.advance(0.1);
  const send = (bytes: Uint8Array, reqId: number): ResponseMessage => {
    const from = log.responses.length;
    link.write(UUID_CONTROL, bytes);
    return waitFor(board, log, reqId, from);
  };
  return { ...log, log, link, ...authedSend(send) };
}

/** command/raw/authorize over a link's `send` (see Host). */
function authedSend(send: (bytes: Uint8Array, reqId: number) => ResponseMessage): Pick<Host, 'command' | 'raw' | 'authorize'> {
  const authorize = (bytes: Uint8Array, key = TEST_KEY): ResponseMessage => {
    const ch = send(encodeCommand({ reqId: 0xf0, code: CMD_AUTH_CHALLENGE }), 0xf0);
    if (ch.status !== STATUS_OK) return ch;
    return send(encodeCommand({ reqId: 0xf1, code: CMD_AUTH, tag: authTag(key, ch.nonce!, bytes) }), 0xf1);
  };
  return {
    authorize,
    raw: send,
    command: (cmd, unauthenticated = false) => {
      const bytes = encodeCommand(cmd);
      if (!unauthenticated && AUTH_COMMANDS.includes(cmd.code)) authorize(bytes);
      return send(bytes, cmd.reqId);
    },
  };
}

/** A host on the USB-serial side of Serial1. */
export function serialHost(board: EmulatedBoard): Host & { deframer: ReturnType<typeof createSerialDeframer> } {
  const log = newLog();
  const deframer = createSerialDeframer();
  board.serial.onData((chunk) => {
    for (const m of deframer.push(chunk)) take(log, m);
  });
  const send = (bytes: Uint8Array, reqId: number): ResponseMessage => {
    const from = log.responses.length;
    board.serial.write(encodeSerialFrame(bytes));
    return waitFor(board, log, reqId, from);
  };
  return { ...log, log, deframer, ...authedSend(send) };
}

/** All decoded samples of a log as per-sample records. */
export function samplesOf(log: HostLog): Array<{ index: number; counts: number[]; flags: number }> {
  const out: Array<{ index: number; counts: number[]; flags: number }> = [];
  for (const b of log.blocks) {
    for (let i = 0; i < b.count; i++) {
      out.push({ index: b.firstIndex + i, counts: Array.from(b.counts.subarray(4 * i, 4 * i + 4)), flags: b.flags[i]! });
    }
  }
  return out;
}

/**
 * Where the decoded stream starts among one cell's HX711 words (the sampler also reads before
 * the stream starts): the first j where 4 consecutive words equal the first 4 samples' counts.
 * Returns -1 when not found.
 */
export function alignTruth(words: Array<{ counts: number }>, samples: Array<{ counts: number[] }>, cell: number): number {
  const k = Math.min(4, samples.length);
  for (let j = 0; j + k <= words.length; j++) {
    let ok = true;
    for (let i = 0; i < k && ok; i++) ok = words[j + i]!.counts === samples[i]!.counts[cell];
    if (ok) return j;
  }
  return -1;
}
