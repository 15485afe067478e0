/**
 * Child process that drives the `espruino` npm package (0.1.67) for one upload. It runs apart from
 * the CLI because the package loads itself into the global scope, prints on the console, and on a
 * machine without D-Bus its node-ble transport throws an uncaught exception while listing ports
 * (measured here: `connect ENOENT /var/run/dbus/system_bus_socket` kills the process). The parent
 * (upload.ts) talks to it over IPC: one `UploadRequest` in, `WorkerMessage`s out, then it exits.
 *
 * The steps are those of the package's own `sendCode` (open, transformForEspruino, writeToEspruino,
 * close), with three additions: only the transport the port needs is kept (so BLE/D-Bus is never
 * touched for a serial or TCP port), the board's `process.env` is checked before any code is sent
 * (a device that does not answer the env query is not Espruino and gets nothing written to it), and
 * every byte written is counted for progress and to tell a cut upload from a finished one.
 */
import { createRequire } from 'node:module';
import type { UploadRequest, WorkerMessage } from './worker-messages.ts';

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

// The package logs everything through console.*: keep it as diagnostics, off stdout.
/** Set when the package's noble transport could not start (no adapter, no permission, no HCI socket). */
let bleUnavailable: string | null = null;
const keep = (level: string) => (...args: unknown[]): void => {
  const line = args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
  if (/^ERROR Error: (E[A-Z]+)/.test(line) && bleUnavailable === null) bleUnavailable = /^ERROR Error: (E[A-Z]+)/.exec(line)![1]!;
  if (line.startsWith("Noble: module couldn't be loaded") || line.startsWith('Noble: getPorts - disabled')) bleUnavailable ??= 'noble could not start';
  send({ type: 'log', line: `${level}${line}`.slice(0, 500) });
};
console.log = keep('');
console.info = keep('');
console.warn = keep('warn: ');
console.error = keep('error: ');
/** Set by run(): the package only logs socket errors (ECONNRESET...), it never reports them as a disconnect. */
let onTransportError: ((line: string) => void) | null = null;
const logError = console.error;
console.error = (...args: unknown[]): void => {
  logError(...args);
  const first = typeof args[0] === 'string' ? args[0] : '';
  if (first.startsWith('RECEIVE ERROR') || first.startsWith('serialport error')) onTransportError?.(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
};

function safeJson(v: unknown): string {
  try {
    return v instanceof Error ? `${v.name}: ${v.message}` : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The globals the package defines; typed just enough for what we call. */
interface EspruinoGlobal {
  Config: Record<string, unknown>;
  Core: {
    Serial: {
      devices: Array<{ name: string; write: (data: string, cb?: () => void) => void }>;
      open(port: string, onOpen: (status: unknown) => void, onClose: () => void): void;
      close(): void;
      write(data: string, showStatus?: boolean, cb?: () => void): void;
      startListening(cb: (data: ArrayBuffer) => void): unknown;
      setSlowWrite(on: boolean, force?: boolean): void;
    };
    Env: { getData(): Record<string, unknown> };
    CodeWriter: { writeToEspruino(code: string, cb: () => void): void };
  };
  callProcessor(name: string, data: unknown, cb: (result: string) => void): void;
}

const DEVICE_FOR_KIND: Record<UploadRequest['kind'], string> = {
  tcp: 'Node Socket',
  serial: 'Node Serial',
  ble: 'Noble Bluetooth LE',
};

let reported = false;
function fail(code: Extract<WorkerMessage, { type: 'result' }>['code'], message: string, extra: Partial<Extract<WorkerMessage, { type: 'result' }>> = {}): void {
  if (reported) return;
  reported = true;
  send({ type: 'result', ok: false, code, message, response: '', sent: 0, total: 0, ...extra });
  setTimeout(() => process.exit(0), 50);
}

function run(req: UploadRequest): void {
  const require = createRequire(import.meta.url);
  const espruino = require('espruino') as { init(cb: () => void): void };
  espruino.init(() => {
    const E = (globalThis as unknown as { Espruino: EspruinoGlobal }).Espruino;
    const cfg = E.Config;
    cfg.BLUETOOTH_LOW_ENERGY_DBUS = false;
    cfg.BLUETOOTH_LOW_ENERGY = req.kind === 'ble';
    cfg.SERIAL_TCPIP = req.kind === 'tcp' ? [req.port] : [];
    cfg.SAVE_ON_SEND = 1;
    cfg.LOAD_STORAGE_FILE = 1;
    cfg.RESET_BEFORE_SEND = true;
    cfg.MINIFICATION_LEVEL = req.minify ? 'ESPRIMA' : '';
    // 1 = auto: keywords and operators always, strings from 2v20.48 and ints from 2v26 (the board's VERSION).
    cfg.PRETOKENISE = req.pretokenise ? 1 : 0;
    cfg.SET_TIME_ON_WRITE = true;
    // Board JSON (www.espruino.com/json/BOARD.json) is only used for IDE features; never wait on it.
    cfg.BOARD_JSON_URL = req.boardJsonUrl;
    const wanted = DEVICE_FOR_KIND[req.kind];
    const serial = E.Core.Serial;
    serial.devices.splice(0, serial.devices.length, ...serial.devices.filter((d) => d.name === wanted));
    const device = serial.devices[0];
    if (!device) return fail('internal', `the espruino package has no "${wanted}" transport`);
    if (req.kind === 'serial') {
      // The package opens only the ports serialport's list() enumerates: USB adapters are listed,
      // a pseudo-terminal or a /dev/serial/by-id symlink is not, and list() can fail without udev.
      // The user named the port: offer exactly that one.
      (device as unknown as { getPorts(cb: (ports: unknown[], instant: boolean) => void): void }).getPorts = (cb) =>
        cb([{ path: req.port, description: 'serial port', type: 'usb' }], true);
    }
    let sent = 0;
    let total = 0;
    let uploading = false;
    let finished = false;
    let response = '';
    const rawWrite = device.write.bind(device) as (data: string | Buffer, cb?: () => void) => void;
    /** The board refused the file (Storage full): the package's remaining writes are dropped. */
    let refused = false;
    device.write = (data: string, cb?: () => void): void => {
      if (refused) {
        cb?.();
        return;
      }
      if (uploading) {
        sent += data.length;
        lastProgressAt = Date.now();
        send({ type: 'progress', sent: Math.min(sent, total), total });
        // 0.1.67 never calls writeToEspruino back for code under one write block (512 bytes, or 19
        // with slow write): once every byte is out, finish by count if the callback stays silent.
        if (total > 0 && sent >= total) setTimeout(finish, 1000);
      }
      // The package's TCP writer passes its byte-per-character string to socket.write, which sends it
      // as UTF-8 (bytes above 0x7F doubled); its serial and BLE writers send bytes. Send bytes here too.
      rawWrite(req.kind === 'tcp' ? Buffer.from(data, 'latin1') : data, cb);
    };
    // Capture the one big write of the code, to know the total before the bytes go out.
    const rawSerialWrite = serial.write.bind(serial);
    serial.write = (data: string, showStatus?: boolean, cb?: () => void): void => {
      if (uploading && total === 0 && data.length > 64) {
        total = data.length;
        send({ type: 'stage', stage: 'uploading', detail: `${total} bytes` });
      }
      rawSerialWrite(data, showStatus, cb);
    };
    serial.startListening((data) => {
      response += Buffer.from(data).toString('latin1');
      // The first Storage.write the board cannot place refuses the whole file, and every later one
      // would too: stop here instead of sending the rest (tens of seconds of a paced upload).
      if (uploading && !finished && !refused && /Uncaught [A-Za-z]*Error[^\r\n]*Unable to find or create file/.test(response)) stopRefused();
    });
    /**
     * Ctrl-C clears the line the board was half sent (the next upload's first line, reset(), must not
     * be glued to it; at an idle console Espruino's Ctrl-C "just clears the line": EXEC_CTRL_C in
     * Espruino's jsparse.h; our emulator's REPL does not model the half line). Then the link closes
     * and the result carries the board's answer, which upload.ts reads as "no room", as when the
     * whole file had gone.
     */
    const stopRefused = (): void => {
      refused = true;
      finished = true;
      clearInterval(stallTimer);
      rawWrite(req.kind === 'tcp' ? Buffer.from('\x03', 'latin1') : '\x03');
      setTimeout(() => {
        if (reported) return;
        reported = true;
        send({ type: 'result', ok: true, code: 'ok', message: 'stopped: the board refused the file', response, sent, total });
        serial.close();
        setTimeout(() => process.exit(0), 50);
      }, req.settleMs);
    };

    // A transport error or a stall mid-upload means the link is gone: report a cut, not a hang.
    let lastProgressAt = Date.now();
    const stallTimer = setInterval(() => {
      if (uploading && !finished && Date.now() - lastProgressAt > req.stallTimeoutMs) {
        clearInterval(stallTimer);
        fail('cut', `nothing could be written for ${req.stallTimeoutMs / 1000} s after ${sent} of ${total} bytes`, { response, sent, total });
      }
    }, 250);
    onTransportError = (line) => {
      if (!uploading) fail('no-board', `the link to ${req.port} failed: ${line}`, { response });
      else if (!finished) fail('cut', `the link failed after ${sent} of ${total} bytes (${line})`, { response, sent, total });
    };

    const openTimer = setTimeout(() => {
      fail('no-board', `nothing answered at ${req.port} within ${req.openTimeoutMs / 1000} s`);
    }, req.openTimeoutMs);

    /** The upload is complete: let the last line execute, then half-close and wait for the board's side. */
    const finish = (): void => {
      if (finished) return;
      finished = true;
      send({ type: 'stage', stage: 'finishing' });
      // Let the last line execute and the board answer before closing (half-close).
      setTimeout(() => {
        serial.close();
        // A board that never closes its side still got every byte: do not wait for ever.
        setTimeout(() => {
          if (reported) return;
          reported = true;
          send({ type: 'result', ok: true, code: 'ok', message: 'uploaded (the board did not close its side)', response, sent, total });
          setTimeout(() => process.exit(0), 50);
        }, 3000);
      }, req.settleMs);
    };

    send({ type: 'stage', stage: 'connecting' });
    serial.open(
      req.port,
      (status) => {
        clearTimeout(openTimer);
        if (status === undefined) {
          if (req.kind === 'ble' && bleUnavailable !== null) {
            return fail('no-board', `no usable Bluetooth adapter on this machine (${bleUnavailable}): plug one in or give this process Bluetooth permission, or flash over serial`);
          }
          return fail('no-board', req.kind === 'ble' ? `no Espruino board advertising as ${req.port} was found (is it powered, in range, and not connected to something else?)` : `could not open ${req.port}`);
        }
        const env = E.Core.Env.getData();
        if (typeof env.VERSION !== 'string' || env.VERSION.length === 0) {
          serial.close();
          return fail('not-espruino', `the device at ${req.port} opened but did not answer Espruino's process.env query`, { response });
        }
        send({ type: 'env', env: { VERSION: env.VERSION, BOARD: env.BOARD, CONSOLE: env.CONSOLE, MODULES: env.MODULES } });
        if (req.expectBoard !== null && env.BOARD !== req.expectBoard) {
          serial.close();
          return fail('wrong-board', `the board at ${req.port} reports BOARD=${String(env.BOARD)}, not ${req.expectBoard}`, { response });
        }
        send({ type: 'stage', stage: 'preparing' });
        E.callProcessor('transformForEspruino', req.code, (transformed) => {
          let code = transformed;
          if (req.beforeLoad !== null) {
            const withStep = code.replace(/\nload\(\)\n?$/, `\n${req.beforeLoad}\nload()\n`);
            if (withStep === code) {
              serial.close();
              return fail('internal', 'the transformed code does not end with load(): cannot add the settings step');
            }
            code = withStep;
          }
          uploading = true;
          E.Core.CodeWriter.writeToEspruino(code, finish);
        });
      },
      () => {
        clearTimeout(openTimer);
        if (!uploading) return fail('no-board', `${req.port} closed before the board answered`, { response });
        if (!finished) return fail('cut', `the connection closed after ${sent} of ${total} bytes`, { response, sent, total });
        if (reported) return;
        reported = true;
        send({ type: 'result', ok: true, code: 'ok', message: 'uploaded', response, sent, total });
        setTimeout(() => process.exit(0), 50);
      },
    );
  });
}

process.once('message', (m: unknown) => {
  try {
    run(m as UploadRequest);
  } catch (e) {
    fail('internal', `the espruino package failed: ${(e as Error).message}`);
  }
});
process.on('uncaughtException', (e) => {
  fail('internal', `the espruino package threw: ${e.message}`);
});
process.on('unhandledRejection', (e) => {
  fail('internal', `the espruino package failed: ${e instanceof Error ? e.message : String(e)}`);
});
