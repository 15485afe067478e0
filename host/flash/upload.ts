/**
 * Uploading a JavaScript file to an Espruino board with the `espruino` npm package, saved to flash
 * (`.bootcde`, Save on Send 1) so it runs at every boot. The package runs in a child process
 * (espruino-worker.ts: it pollutes globals and can crash on machines without D-Bus); this side
 * checks the port first, relays progress, enforces an overall timeout, and turns every failure into
 * a FlashError with a code and one line that says what to do.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PortKind, ResultCode, UploadRequest, UploadStage, WorkerMessage } from './worker-messages.ts';

/** 'usage': a wrong flag (exit 2); 'no-firmware': the file to upload is missing; 'no-space': it does not fit the board's Storage; the rest as ResultCode. */
export type FlashErrorCode = Exclude<ResultCode, 'ok'> | 'timeout' | 'verify' | 'usage' | 'no-firmware' | 'no-space';

/** A flash failure: `code` says which kind (tests and --json read it), the message what to do. */
export class FlashError extends Error {
  override readonly name = 'FlashError';
  constructor(
    readonly code: FlashErrorCode,
    message: string,
    /** Bytes of the code sent before the failure, and the total (0 when not started). */
    readonly sent = 0,
    readonly total = 0,
  ) {
    super(message);
  }
}

export interface ParsedPort {
  kind: PortKind;
  /** As given to the espruino package. */
  port: string;
  /** For tcp: host and port number. */
  host?: string;
  tcpPort?: number;
}

/** `tcp://host:port` (port defaults to 23 like the package), a path starting with `/` or `COM`, or a BLE address/name. */
export function parsePort(port: string): ParsedPort {
  if (port.length === 0) throw new FlashError('usage', '--port is empty: give a serial path, a BLE address or tcp://host:port');
  if (port.startsWith('tcp://')) {
    const rest = port.slice('tcp://'.length);
    const m = /^([^:/]*)(?::(\d+))?\/?$/.exec(rest);
    if (!m) throw new FlashError('usage', `--port ${port}: expected tcp://host:port`);
    const host = m[1] || 'localhost';
    const tcpPort = m[2] === undefined ? 23 : Number(m[2]);
    if (!(tcpPort > 0 && tcpPort < 65536)) throw new FlashError('usage', `--port ${port}: TCP port must be 1-65535`);
    return { kind: 'tcp', port: `tcp://${host}:${tcpPort}`, host, tcpPort };
  }
  if (port.startsWith('/') || /^COM\d+$/i.test(port)) return { kind: 'serial', port };
  return { kind: 'ble', port };
}

export interface UploadProgress {
  stage: UploadStage | 'checking' | 'identified' | 'done';
  /** Bytes of the transformed code written so far, and the total (0 until known). */
  sent: number;
  total: number;
  detail?: string;
}

export interface UploadOptions {
  port: string;
  /** The JavaScript to save as `.bootcde`. */
  code: string;
  /** Esprima minification inside the package. Defaults to false (the build is already compact). */
  minify?: boolean;
  /** Espruino pretokenisation: about 24 % fewer bytes to send and store, faster parsing on the device. Defaults to true. */
  pretokenise?: boolean;
  /** Board JSON URL given to the package. Defaults to http://127.0.0.1:9 (refused at once: no web fetch). */
  boardJsonUrl?: string;
  /** Time for the port to open and the env query to answer, ms. Defaults to 15000 (30000 for BLE). */
  openTimeoutMs?: number;
  /** Whole upload, ms. Defaults to 600000 (10 min: a slow-write serial upload of 50 KB takes minutes). */
  totalTimeoutMs?: number;
  /** process.env.BOARD the board must report ("MDBT42Q", "PUCKJS"), checked before anything is written. Defaults to any. */
  expectBoard?: string;
  /** One JavaScript statement run on the board after the code is saved, before load(). Defaults to none. */
  beforeLoad?: string;
  /** No byte written for this long mid-upload counts as a cut, ms. Defaults to 10000. */
  stallTimeoutMs?: number;
  /** Wait after the last byte before closing, ms. Defaults to 500. */
  settleMs?: number;
  onProgress?: (p: UploadProgress) => void;
  /** Diagnostic lines from the package. Defaults to none. */
  log?: (line: string) => void;
}

export interface UploadResult {
  port: ParsedPort;
  /** Bytes written for the code (after Save-on-Send wrapping). */
  bytes: number;
  /** The board's process.env as the package read it. */
  env: Record<string, unknown>;
  /** Everything the board printed during the upload (latin1). */
  response: string;
}

/** Compiled (dist/host/flash/upload.js) the worker is plain JavaScript beside this file; run from the
 * TypeScript sources it needs tsx's loader, by absolute URL (`--import tsx` would be resolved from
 * the user's working directory). */
const COMPILED = import.meta.url.endsWith('.js');
const WORKER = fileURLToPath(new URL(COMPILED ? './espruino-worker.js' : './espruino-worker.ts', import.meta.url));
function workerArgs(): string[] {
  return COMPILED ? [WORKER] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, WORKER];
}

/** Checks that something is at the port before the package gets it (the package hangs on a refused TCP connection). */
export async function probePort(p: ParsedPort, timeoutMs = 3000): Promise<void> {
  if (p.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: p.host ?? 'localhost', port: p.tcpPort ?? 23 });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new FlashError('no-board', `no board at ${p.port}: nothing answered the TCP connection within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.destroy();
        resolve();
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new FlashError('no-board', `no board at ${p.port} (${e.code ?? e.message}): check the address, or start one with 'tripod emulate --repl ${p.port}'`));
      });
    });
  } else if (p.kind === 'serial') {
    try {
      await stat(p.port);
    } catch {
      throw new FlashError('no-board', `no board at ${p.port}: that serial port does not exist (plug the board in, or list ports with 'tripod scan --serial')`);
    }
  }
}

/** Uploads `code` to `.bootcde` and boots it. Throws FlashError. */
export async function uploadToBoard(opts: UploadOptions): Promise<UploadResult> {
  const port = parsePort(opts.port);
  const progress = opts.onProgress ?? (() => {});
  progress({ stage: 'checking', sent: 0, total: 0, detail: port.port });
  await probePort(port);

  const req: UploadRequest = {
    kind: port.kind,
    port: port.port,
    code: opts.code,
    minify: opts.minify ?? false,
    pretokenise: opts.pretokenise ?? true,
    boardJsonUrl: opts.boardJsonUrl ?? 'http://127.0.0.1:9',
    openTimeoutMs: opts.openTimeoutMs ?? (port.kind === 'ble' ? 30_000 : 15_000),
    settleMs: opts.settleMs ?? 500,
    expectBoard: opts.expectBoard ?? null,
    beforeLoad: opts.beforeLoad ?? null,
    stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
  };
  const child = spawn(process.execPath, workerArgs(), {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });

  return new Promise<UploadResult>((resolve, reject) => {
    let env: Record<string, unknown> = {};
    let sent = 0;
    let total = 0;
    let settled = false;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill();
      fn();
    };
    const timer = setTimeout(() => {
      done(() =>
        reject(
          new FlashError(
            'timeout',
            `the upload to ${port.port} did not finish within ${(opts.totalTimeoutMs ?? 600_000) / 1000} s (${sent} of ${total} bytes sent); reset the board and run tripod flash again`,
            sent,
            total,
          ),
        ),
      );
    }, opts.totalTimeoutMs ?? 600_000);

    child.on('message', (raw) => {
      const m = raw as WorkerMessage;
      switch (m.type) {
        case 'log':
          opts.log?.(m.line);
          break;
        case 'stage':
          progress({ stage: m.stage, sent, total, ...(m.detail ? { detail: m.detail } : {}) });
          break;
        case 'env':
          env = m.env;
          progress({ stage: 'identified', sent, total, detail: `Espruino ${String(env.VERSION)} on ${String(env.BOARD)}` });
          break;
        case 'progress':
          sent = m.sent;
          total = m.total;
          progress({ stage: 'uploading', sent, total });
          break;
        case 'result':
          done(() => {
            if (m.ok) {
              const bad = /Uncaught [A-Za-z]*Error[^\r\n]*/.exec(m.response);
              if (bad && /Unable to find or create file/.test(bad[0])) {
                reject(new FlashError('no-space', `the board's Storage has no room for the ${m.total}-byte upload ('${bad[0]}'): upload the minified firmware/dist/tripod.min.js (the default) with pretokenising on, or free Storage at the board's REPL (require('Storage').eraseAll()) and flash again`, m.sent, m.total));
                return;
              }
              if (bad) {
                reject(new FlashError('cut', `the board reported '${bad[0]}' during the upload; run tripod flash again`, m.sent, m.total));
                return;
              }
              progress({ stage: 'done', sent: m.total, total: m.total });
              resolve({ port, bytes: m.total, env, response: m.response });
            } else {
              reject(new FlashError(m.code === 'ok' ? 'internal' : m.code, describeFailure(m.code, port.port, m.message, m.sent, m.total), m.sent, m.total));
            }
          });
          break;
      }
    });
    child.once('message', () => {});
    child.on('exit', (code, signal) => {
      done(() => reject(new FlashError('internal', `the espruino package process ended (${signal ?? code}) without a result${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`)));
    });
    child.send(req);
  });
}

function describeFailure(code: ResultCode, port: string, message: string, sent: number, total: number): string {
  switch (code) {
    case 'no-board':
      return `no board at ${port}: ${message}`;
    case 'wrong-board':
      return `${message}; nothing was written: pass the right --board, or --board custom for your own wiring`;
    case 'not-espruino':
      return `${message}: it is not an Espruino board (or its firmware has taken the console); nothing was written`;
    case 'cut':
      return `upload cut midway: ${message}; the board was reset and its saved code is now either the previous firmware or an incomplete .bootcde that will not run (the board then stays at its REPL): run tripod flash again`;
    default:
      return message;
  }
}
