/**
 * Every command of protocol/SPEC.md §4, device side: decode with the protocol's decodeCommand
 * (which already answers malformed, unknown, wrong-version and out-of-range commands), act through
 * a narrow DeviceContext (main.ts implements it), answer with encodeResponse on the link the
 * command came from. Nothing here throws to the caller: an exception while acting becomes
 * STATUS_FAILED.
 */
import {
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
import { decodeCommand, encodeCommandError, encodeResponse, type CellCalibrationRecord, type DeviceInfo, type ResponseMessage } from '../../protocol/control.ts';

/** Samples averaged by TARE when the command asks for the device default (SPEC.md 5.3: 16). */
export const TARE_SAMPLES_DEFAULT = 16;
/** IDENTIFY blink time when the command asks for the device default, s (SPEC.md 5.3: 3). */
export const IDENTIFY_S_DEFAULT = 3;

/** What commands can do to the device. `link` is the link the command came from (LINK_*). */
export interface DeviceContext {
  info(link: number): DeviceInfo;
  /** Returns STATUS_OK or STATUS_BUSY (another link is streaming). */
  startStream(link: number): number;
  /** This boot's id (1..2^32-1, random at boot), sent in the START_STREAM answer. */
  bootId(): number;
  /** Index (mod 2^24) of the first sample of the stream just started. */
  streamFirstIndex(): number;
  stopStream(link: number): void;
  /** Sets and stores the rate; returns the rate in use. */
  setRate(hz: number): number;
  /** Sets and stores samples per frame; returns the value in use on `link`. */
  setFrameSamples(link: number, n: number): number;
  calibration(cell: number): CellCalibrationRecord;
  /** Stores one cell's record; returns false when flash refused it. */
  setCalibration(rec: CellCalibrationRecord): boolean;
  /** Starts a tare over n samples; `done(offsets)` or `done(null)` on failure. Returns false when a tare is already running. */
  tare(n: number, done: (offsets: number[] | null) => void): boolean;
  identify(seconds: number): void;
  /** Sets and stores the name; returns false when flash refused it. */
  setName(name: string): boolean;
  name(): string;
  /** Reboots after the response had time to leave. */
  reboot(): void;
  /** Sends a message on a link. */
  reply(link: number, bytes: Uint8Array): void;
  /** Sends a message on a link after every sample frame still pending there (SPEC.md 4.5, STOP_STREAM). */
  replyAfterData(link: number, bytes: Uint8Array): void;
}

function respond(ctx: DeviceContext, link: number, r: ResponseMessage): void {
  ctx.reply(link, encodeResponse(r));
}

/** Decodes and runs one command that arrived on `link`; always answers exactly once. */
export function handleCommand(ctx: DeviceContext, link: number, bytes: Uint8Array): void {
  const d = decodeCommand(bytes);
  if (!d.ok) {
    ctx.reply(link, encodeCommandError(d));
    return;
  }
  const cmd = d.command;
  const r: ResponseMessage = { reqId: cmd.reqId, code: cmd.code, status: STATUS_OK };
  try {
    const code = cmd.code;
    if (code === CMD_GET_INFO) {
      r.info = ctx.info(link);
    } else if (code === CMD_START_STREAM) {
      r.status = ctx.startStream(link);
      if (r.status === STATUS_OK) {
        r.bootId = ctx.bootId();
        r.firstIndex = ctx.streamFirstIndex();
        r.frameFormat = 1; // 1.2 answer: this firmware streams KEY/DELTA frames whatever the host asked (SPEC 4.8)
      }
    } else if (code === CMD_STOP_STREAM) {
      ctx.stopStream(link);
      ctx.replyAfterData(link, encodeResponse(r));
      return;
    } else if (code === CMD_SET_SAMPLE_RATE) {
      r.sampleRateHz = ctx.setRate(cmd.sampleRateHz as number);
    } else if (code === CMD_SET_FRAME_SAMPLES) {
      r.samplesPerFrame = ctx.setFrameSamples(link, cmd.samplesPerFrame as number);
    } else if (code === CMD_GET_CALIBRATION) {
      r.calibration = ctx.calibration(cmd.cell as number);
    } else if (code === CMD_SET_CALIBRATION) {
      const rec = cmd.calibration as CellCalibrationRecord;
      if (ctx.setCalibration(rec)) r.calibration = ctx.calibration(rec.cell);
      else r.status = STATUS_FAILED;
    } else if (code === CMD_TARE) {
      const n = cmd.samples ? (cmd.samples as number) : TARE_SAMPLES_DEFAULT;
      const started = ctx.tare(n, function (offsets: number[] | null): void {
        if (offsets === null) respond(ctx, link, { reqId: cmd.reqId, code: CMD_TARE, status: STATUS_FAILED });
        else respond(ctx, link, { reqId: cmd.reqId, code: CMD_TARE, status: STATUS_OK, offsets: offsets });
      });
      if (started) return;
      r.status = STATUS_BUSY;
    } else if (code === CMD_IDENTIFY) {
      ctx.identify(cmd.seconds ? (cmd.seconds as number) : IDENTIFY_S_DEFAULT);
    } else if (code === CMD_SET_NAME) {
      if (ctx.setName(cmd.name as string)) r.name = ctx.name();
      else r.status = STATUS_FAILED;
    } else if (code === CMD_GET_NAME) {
      r.name = ctx.name();
    }
    respond(ctx, link, r);
    if (code === CMD_REBOOT) ctx.reboot();
  } catch (e) {
    respond(ctx, link, { reqId: cmd.reqId, code: cmd.code, status: STATUS_FAILED });
  }
}
