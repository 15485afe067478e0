/**
 * `tripod flash` as a library: read the built firmware, upload it (upload.ts: the espruino package,
 * saved to `.bootcde` so it runs at boot), check the board kind, then verify through the protocol
 * (verify.ts). Progress goes to `onEvent`; failures are FlashErrors.
 */
import { readFile } from 'node:fs/promises';
import { packagePath } from '../package-root.ts';
import { pinsStatement, type CustomPins } from './pins.ts';
import { FlashError, parsePort, uploadToBoard, type UploadProgress } from './upload.ts';
import { verifyBoard, type VerifiedBoard, type VerifyOptions } from './verify.ts';

/**
 * What `tripod flash` uploads by default: the built firmware minified for upload (firmware/build.ts
 * minifyForUpload; tests/firmware/upload-file.test.ts runs it). The readable tripod.js does not fit a
 * board's 40 KB of Storage (about 54 KB pretokenised against about 36 KB for this file).
 */
export const DEFAULT_FIRMWARE = packagePath('firmware', 'dist', 'tripod.min.js');

export type BoardChoice = 'mdbt42q' | 'puckjs' | 'custom';

/** process.env.BOARD of each supported board, as Espruino reports it. */
const ENV_BOARD: Record<Exclude<BoardChoice, 'custom'>, string> = { mdbt42q: 'MDBT42Q', puckjs: 'PUCKJS' };

export type FlashEvent =
  | { type: 'read'; file: string; bytes: number }
  | { type: 'upload'; progress: UploadProgress }
  | { type: 'board'; env: Record<string, unknown> }
  | { type: 'verify'; attempt: number };

export interface FlashOptions {
  port: string;
  board?: BoardChoice;
  /** With board 'custom': the HX711 wiring, stored in the firmware's settings before it boots. */
  pins?: CustomPins;
  /** Defaults to firmware/dist/tripod.min.js. */
  file?: string;
  minify?: boolean;
  pretokenise?: boolean;
  /** Skip the protocol check (e.g. when the firmware is something else). Defaults to false. */
  noVerify?: boolean;
  verify?: VerifyOptions;
  onEvent?: (e: FlashEvent) => void;
  log?: (line: string) => void;
}

export interface FlashResult {
  port: string;
  file: string;
  /** Bytes sent for the code (after Save-on-Send wrapping). */
  uploadedBytes: number;
  uploadS: number;
  /** What Espruino reported (VERSION, BOARD...). */
  espruino: Record<string, unknown>;
  verified: VerifiedBoard | null;
  /** Why there was no GET_INFO check, or null when there was one. */
  verifySkipped: string | null;
}

export async function flashFirmware(opts: FlashOptions): Promise<FlashResult> {
  const port = parsePort(opts.port);
  if (opts.pins && opts.board !== 'custom') throw new FlashError('usage', '--pins needs --board custom (the MDBT42Q and Puck.js maps are built in)');
  if (opts.board === 'custom' && !opts.pins) throw new FlashError('usage', '--board custom needs --pins SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3');
  const file = opts.file ?? DEFAULT_FIRMWARE;
  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FlashError('no-firmware', missing ? `firmware file ${file} does not exist: run 'npm run build:firmware' first` : `cannot read ${file}: ${(e as Error).message}`);
  }
  opts.onEvent?.({ type: 'read', file, bytes: code.length });
  const t0 = performance.now();
  let up: Awaited<ReturnType<typeof uploadToBoard>>;
  try {
    up = await uploadToBoard({
      port: opts.port,
      code,
      minify: opts.minify,
      pretokenise: opts.pretokenise,
      ...(opts.board && opts.board !== 'custom' ? { expectBoard: ENV_BOARD[opts.board] } : {}),
      ...(opts.pins ? { beforeLoad: pinsStatement(opts.pins) } : {}),
      onProgress: (p) => opts.onEvent?.({ type: 'upload', progress: p }),
      log: opts.log,
    });
  } catch (e) {
    if (e instanceof FlashError && e.code === 'not-espruino' && port.kind !== 'ble') throw await explainNotEspruino(e, port);
    throw e;
  }
  const uploadS = (performance.now() - t0) / 1000;
  opts.onEvent?.({ type: 'board', env: up.env });
  // The Puck.js has no wired UART: its firmware speaks the protocol over BLE only.
  const noWiredLink = up.env.BOARD === 'PUCKJS' && port.kind !== 'ble';
  const verifySkipped = opts.noVerify ? 'not verified: --no-verify' : noWiredLink ? "not verified: a Puck.js speaks the protocol over BLE only; check it with 'tripod info --ble'" : null;
  const verified = verifySkipped ? null : await verifyBoard(port, { ...opts.verify, onAttempt: (attempt) => opts.onEvent?.({ type: 'verify', attempt }) });
  return { port: port.port, file, uploadedBytes: up.bytes, uploadS, espruino: up.env, verified, verifySkipped };
}

/**
 * A device that ignores the Espruino env query may be a Tripod board whose firmware keeps its UART
 * for protocol frames (firmware/src/serial.ts parks the console). Ask it GET_INFO before blaming it.
 */
async function explainNotEspruino(e: FlashError, port: ReturnType<typeof parsePort>): Promise<FlashError> {
  try {
    const v = await verifyBoard(port, { timeoutMs: 2500, attemptMs: 1000 });
    return new FlashError(
      'not-espruino',
      `the board at ${port.port} runs the Tripod firmware ${v.firmwareVersion} (protocol ${v.protocolVersion}), which keeps this port for its protocol, so the Espruino console is not here: reset the board while holding its button (Espruino then skips the saved code) and run tripod flash again, or flash it over BLE`,
    );
  } catch {
    return e;
  }
}
