/**
 * An Espruino REPL on a loopback TCP port, in front of the board emulator: what `tripod emulate
 * --repl tcp://127.0.0.1:PORT` serves and what `tripod flash --port tcp://...` (the `espruino` npm
 * package) uploads into.
 *
 * What it models (from Espruino's jsinteractive.c behaviour and what EspruinoTools 0.1.67 sends,
 * see firmware/ESPRUINO.md, "Uploading"):
 * - The console line discipline: a `>` prompt; echo of typed characters and `=result` lines, both
 *   suppressed for a line that contains DLE (0x10, "echo off for line"); ESC+LF (Alt-Enter) inserts a
 *   newline without executing; `ESC [ n d` (line-number markers) and other ESC sequences are
 *   swallowed; Enter executes only when brackets, strings and comments are closed; Ctrl-C clears the
 *   line; backspace edits it.
 * - The REPL globals the upload path uses: `print`, `console.log`, `process.env` (the env query
 *   `print("<","<<",JSON.stringify(process.env),">>",">")`), `reset()`, `load()`, `save()`,
 *   `setTime`, `E.setTimeZone`, `E.setBootCode`, `echo`, `getTime`, `require("Storage")` (`write`
 *   with offset/size chunks exactly as Save-on-Send sends them, `read`, `readJSON`, `writeJSON`,
 *   `erase`, `list`, `getFree`).
 * - Boot: `load()` stops the running board and starts the emulator on `.bootcde` (bytes decoded as
 *   the tools encoded them; pretokenised code is untokenised first). A `.bootcde` that is incomplete
 *   (an upload cut midway) or does not parse is reported as a SyntaxError and the board stays at
 *   the REPL with nothing running, which is also what a real board does at its next power-on.
 * - The same byte stream carries the Tripod protocol, as the board's UART does: bytes from a 0x00
 *   to the next 0x00 (a COBS serial frame, protocol/SPEC.md; the tools never send 0x00) go to the
 *   running board's `serial` instead of the console, and what the firmware writes to its serial
 *   comes back to the client. So `tripod flash` verifies over the very port it uploaded through.
 * - Connections: one client at a time, like a UART; when the client half-closes, the server finishes
 *   what it received and closes its side (the espruino tool waits for that before calling back).
 *
 * What it does NOT model: the REPL runs in its own vm context, not inside the firmware's, so
 * statements typed at the prompt cannot see the firmware's globals, and code sent "to RAM"
 * (Save on Send 0) executes at the prompt but does not become a running board: upload with
 * Save on Send 1 (what `tripod flash` does) or `E.setBootCode`. `save()` of a RAM image is refused
 * with an error naming that.
 *
 * Bytes are handled as Espruino strings: one character per byte (latin1).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import vm from 'node:vm';
import { ConsoleInput, type ConsoleLine } from './console-input.ts';
import type { BoardOptions, EmulatedBoard } from './index.ts';
import { makeStorageApi } from './storage-api.ts';
import { bytesOfString, DEFAULT_STORAGE_BYTES, StorageModel, stringOfBytes } from './storage-model.ts';
import { decodeEspruinoBytes, isPretokenised, untokenise } from './stored-code.ts';
import { formatValue, printText } from './values.ts';


/** Whatever runs the booted code: the emulator's EmulatedBoard satisfies this. */
export interface ReplBoard {
  stop(): void | Promise<void>;
  /** The board's UART as the firmware sees it (optional: without it protocol frames are dropped). */
  serial?: {
    write(bytes: Uint8Array): void;
    onData(cb: (bytes: Uint8Array) => void): unknown;
  };
}

/** Starts a board on the given boot source; the default is the emulator's createBoard. */
export type BoardStarter<B extends ReplBoard> = (source: string, storage: Record<string, string>) => B | Promise<B>;

export interface ReplServerOptions<B extends ReplBoard> {
  /** Loopback address to listen on. Defaults to 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Defaults to 0. */
  port?: number;
  /** Starts the board when `load()` boots `.bootcde` (required: the caller chooses the clock). */
  startBoard: BoardStarter<B>;
  /** `process.env` overrides (BOARD, VERSION...). Defaults to an MDBT42Q on Espruino 2v29. */
  env?: Record<string, string | number | boolean>;
  /** Initial Storage files (latin1 strings). Defaults to empty. */
  storage?: Record<string, string>;
  /** Called with every board started by `load()` (after the previous one stopped). */
  onBoard?: (board: B | null) => void;
  /** Every line the console executes (tests and debugging). Defaults to none. */
  trace?: (line: ConsoleLine) => void;
  /** Diagnostic lines (uploads, boots, errors). Defaults to none. */
  log?: (line: string) => void;
}

export interface ReplServer<B extends ReplBoard> {
  /** `tcp://host:port`, ready to give to the espruino tool or `tripod flash --port`. */
  readonly url: string;
  readonly port: number;
  /** The board running the booted code, or null at a bare REPL. */
  board(): B | null;
  /** Storage as the board would have it (complete files only; see `storageFile` for partial ones). */
  storage(): Record<string, string>;
  /** One Storage file with its declared size and how many bytes were written, or undefined. */
  storageFile(name: string): { data: string; size: number; written: number } | undefined;
  /** Resolves with the next board started by `load()` (or the current one if `current`). */
  nextBoard(opts?: { current?: boolean; timeoutMs?: number }): Promise<B>;
  /** Number of client connections so far (tests use it). */
  connections(): number;
  /** Whether a client holds the console now. */
  inUse(): boolean;
  close(): Promise<void>;
}

/** process.env of a real MDBT42Q on 2v29, trimmed to what tools read, plus EMULATED. */
export const DEFAULT_REPL_ENV: Record<string, string | number | boolean> = {
  VERSION: '2v29',
  GIT_COMMIT: 'emulated',
  BOARD: 'MDBT42Q',
  RAM: 65536,
  FLASH: 524288,
  STORAGE: 40960,
  SERIAL: '00000000-00000000',
  // Espruino's own TCP console is called Telnet; the tools then skip their slow-write throttling.
  CONSOLE: 'Telnet',
  MODULES: 'Flash,Storage,heatshrink,crypto,neopixel',
  EXPTR: 536882352,
  EMULATED: true,
};

// ---------------------------------------------------------------------------------------------
// Serial frames beside the console text.

/**
 * Splits a byte stream into console text and 0x00-delimited serial frames (delimiters included in
 * what `frames` returns, ready for the board's UART). Frames longer than `maxFrame` are dropped.
 */
export class FrameSplitter {
  private inFrame = false;
  private frame: number[] = [];

  constructor(private readonly maxFrame = 2048) {}

  push(chunk: Uint8Array): { text: string; frames: Uint8Array[] } {
    let text = '';
    const frames: Uint8Array[] = [];
    for (const b of chunk) {
      if (!this.inFrame) {
        if (b === 0) {
          this.inFrame = true;
          this.frame = [];
        } else text += String.fromCharCode(b);
        continue;
      }
      if (b !== 0) {
        if (this.frame.length < this.maxFrame) this.frame.push(b);
        else this.inFrame = false;
        continue;
      }
      if (this.frame.length === 0) continue; // back-to-back delimiters: still at a frame start
      frames.push(Uint8Array.from([0, ...this.frame, 0]));
      this.frame = [];
      this.inFrame = false;
    }
    return { text, frames };
  }
}

// ---------------------------------------------------------------------------------------------
// The REPL: a vm context with Espruino's upload-path globals.

type Pending = { resolve: (b: never) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | undefined };

class Repl<B extends ReplBoard> {
  readonly storage: StorageModel;
  private ctx: vm.Context;
  private out: (text: string) => void = () => {};
  private running: B | null = null;
  private afterLine: Array<() => Promise<void>> = [];
  private timeOffsetS = 0;
  private booting: Promise<void> = Promise.resolve();
  private waiters: Pending[] = [];
  /** While a line executes, what it prints (returned before its `=result`). */
  private capture: string | null = null;

  constructor(private readonly opts: ReplServerOptions<B>) {
    this.storage = new StorageModel(opts.storage ?? {}, DEFAULT_STORAGE_BYTES);
    this.ctx = this.freshContext();
  }

  board(): B | null {
    return this.running;
  }

  setOutput(out: (text: string) => void): void {
    this.out = out;
  }

  /** Waits for boots and resets queued by the lines executed so far. */
  idle(): Promise<void> {
    return this.booting;
  }

  waitBoard(timeoutMs: number): Promise<B> {
    return new Promise<B>((resolve, reject) => {
      const p: Pending = { resolve: resolve as (b: never) => void, reject, timer: undefined };
      p.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== p);
        reject(new Error(`no board booted within ${timeoutMs} ms (nothing called load() on a valid .bootcde)`));
      }, timeoutMs);
      this.waiters.push(p);
    });
  }

  /** Executes one console line; returns what the console prints for it (without the prompt). */
  execute(line: ConsoleLine): string {
    this.opts.trace?.(line);
    this.capture = '';
    let result: string;
    try {
      const value = vm.runInContext(line.code, this.ctx, { filename: 'REPL', timeout: 5000 });
      result = line.echo ? `=${formatValue(value)}\r\n` : '';
    } catch (e) {
      result = `Uncaught ${describeError(e)}\r\n`;
    }
    const printed = this.capture;
    this.capture = null;
    const queued = this.afterLine.splice(0);
    if (queued.length > 0) {
      this.booting = this.booting.then(async () => {
        for (const step of queued) await step();
      });
    }
    return printed + result;
  }

  async stopBoard(): Promise<void> {
    const b = this.running;
    this.running = null;
    if (b) {
      await b.stop();
      this.opts.onBoard?.(null);
    }
  }

  async close(): Promise<void> {
    await this.booting;
    await this.stopBoard();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('REPL server closed before a board booted'));
    }
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** reset(): clear RAM (the REPL's globals) and stop the firmware; Storage is kept. */
  private doReset(): void {
    this.afterLine.push(async () => {
      await this.stopBoard();
      this.ctx = this.freshContext();
      this.log('reset(): board stopped, REPL globals cleared');
    });
  }

  /** load(file?): reset, then run `.bootcde` (or the named file) as the firmware. */
  private doLoad(file?: string): void {
    const name = file ?? '.bootcde';
    this.afterLine.push(async () => {
      await this.stopBoard();
      this.ctx = this.freshContext();
      const stored = this.storage.file(name);
      if (!stored) {
        this.log(`load(): no ${name} in Storage; staying at the REPL`);
        return;
      }
      if (stored.written < stored.size) {
        this.emitAsync(`Uncaught SyntaxError: ${name} is incomplete (${stored.written} of ${stored.size} bytes written); upload it again\r\n>`);
        this.log(`load(): ${name} incomplete (${stored.written}/${stored.size} bytes); nothing runs`);
        return;
      }
      const bytes = stringOfBytes(stored.data);
      const source = decodeEspruinoBytes(isPretokenised(bytes) ? untokenise(bytes) : bytes);
      try {
        new vm.Script(source, { filename: name });
      } catch (e) {
        this.emitAsync(`Uncaught ${describeError(e)}\r\n>`);
        this.log(`load(): ${name} does not parse: ${describeError(e)}`);
        return;
      }
      try {
        const board = await this.opts.startBoard(source, this.storage.completeSnapshot());
        this.running = board;
        this.log(`load(): booted ${name} (${source.length} characters)`);
        this.opts.onBoard?.(board);
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          (w.resolve as (b: B) => void)(board);
        }
      } catch (e) {
        this.emitAsync(`Uncaught ${describeError(e)}\r\n>`);
        this.log(`load(): the board failed to start: ${describeError(e)}`);
      }
    });
  }

  private emitAsync(text: string): void {
    this.out(text);
  }

  private freshContext(): vm.Context {
    const print = (...args: unknown[]): void => {
      const text = `${args.map(printText).join(' ')}\r\n`;
      if (this.capture !== null) this.capture += text;
      else this.out(text);
    };
    const storage = this.storage;
    const storageApi = makeStorageApi(storage, {
      api: (_name, impl) => impl,
      unimplemented: (name) => () => {
        throw new Error(`${name} is not modelled by the emulator REPL`);
      },
      mkObject: () => ({}),
      json: JSON,
      realmBytes: (b) => b.slice(),
    });
    const env = { ...DEFAULT_REPL_ENV, ...this.opts.env };
    const E = {
      setTimeZone: (_hours: number): void => {},
      setBootCode: (code: string, alwaysExec?: boolean): void => {
        storage.write(alwaysExec ? '.bootrst' : '.bootcde', bytesOfString(String(code)), undefined, undefined);
      },
      getErrorFlags: (): string[] => [],
    };
    const sandbox = {
      print,
      console: { log: print },
      process: { env, version: env.VERSION, memory: () => ({ free: 2000, usage: 950, total: 2950 }) },
      reset: (_clearFlash?: boolean): void => this.doReset(),
      load: (file?: string): void => this.doLoad(file),
      save: (): never => {
        if (storage.file('.bootcde')) throw new Error("save() is refused while .bootcde exists (erase it with require('Storage').erase('.bootcde'))");
        throw new Error('save() of a RAM image is not modelled by the emulator REPL; upload with Save on Send (tripod flash) or E.setBootCode');
      },
      setTime: (seconds: number): void => {
        this.timeOffsetS = Number(seconds) - performance.now() / 1000;
      },
      getTime: (): number => this.timeOffsetS + performance.now() / 1000,
      echo: (_on: boolean): void => {},
      E,
      require: (name: string): unknown => {
        if (name === 'Storage') return storageApi;
        throw new Error(`Module ${JSON.stringify(name)} not found (the emulator REPL provides only "Storage")`);
      },
    };
    return vm.createContext(sandbox, { name: 'espruino-repl' });
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const err = e as { name?: string; message?: string };
    return `${err.name ?? 'Error'}: ${err.message ?? ''}`;
  }
  return `Error: ${String(e)}`;
}

// ---------------------------------------------------------------------------------------------
// The TCP server.

/** Starts the REPL server; resolves once it listens. */
export async function startReplServer<B extends ReplBoard>(opts: ReplServerOptions<B>): Promise<ReplServer<B>> {
  const host = opts.host ?? '127.0.0.1';
  let active: Socket | null = null;
  let connectionCount = 0;
  const sockets = new Set<Socket>();

  // What the firmware writes to its UART goes to whoever holds the console.
  const userOnBoard = opts.onBoard;
  const wiredOpts: ReplServerOptions<B> = {
    ...opts,
    onBoard: (board) => {
      board?.serial?.onData((bytes) => {
        const s = active;
        if (s && !s.destroyed && s.writable) s.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      });
      userOnBoard?.(board);
    },
  };
  const repl = new Repl<B>(wiredOpts);
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    // Like Espruino's Telnet console: the newest client takes the console; an older one is dropped
    // (a crashed or forgotten client must not lock the board out).
    if (active) {
      opts.log?.('a new client took the console; dropping the previous one');
      active.destroy();
    }
    active = socket;
    const input = new ConsoleInput();
    const splitter = new FrameSplitter();
    const write = (text: string): void => {
      if (!socket.destroyed && socket.writable) socket.write(Buffer.from(text, 'latin1'));
    };
    repl.setOutput(write);
    socket.on('data', (chunk: Buffer) => {
      const { text, frames } = splitter.push(chunk);
      for (const f of frames) repl.board()?.serial?.write(f);
      if (text.length === 0) return;
      const { lines, echo, interrupted } = input.push(text);
      let reply = echo;
      if (interrupted && lines.length === 0) reply += '\r\n>';
      for (const line of lines) {
        if (line.echo) reply += '\r\n';
        reply += repl.execute(line);
        reply += '>';
      }
      if (reply) write(reply);
    });
    const finish = (): void => {
      if (active === socket) active = null;
    };
    socket.on('end', () => {
      // The client half-closed: finish what its lines queued (resets, boots), then close our side.
      void repl.idle().then(() => {
        if (!socket.destroyed) socket.end();
        finish();
      });
    });
    socket.on('error', (e) => {
      opts.log?.(`REPL client error: ${e.message}`);
      finish();
    });
    socket.on('close', finish);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `tcp://${host}:${port}`,
    port,
    board: () => repl.board(),
    storage: () => repl.storage.completeSnapshot(),
    storageFile: (name) => {
      const f = repl.storage.file(name);
      return f ? { data: stringOfBytes(f.data), size: f.size, written: f.written } : undefined;
    },
    nextBoard: async (o = {}) => {
      const current = repl.board();
      if (o.current && current) return current;
      return repl.waitBoard(o.timeoutMs ?? 30_000);
    },
    connections: () => connectionCount,
    inUse: () => active !== null,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await repl.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The emulator behind the REPL (what `tripod emulate --repl` runs).

/** process.env.BOARD per emulated board, as Espruino reports it. */
const ENV_BOARD: Record<string, string> = { mdbt42q: 'MDBT42Q', puckjs: 'PUCKJS' };

export interface EmulatorReplOptions {
  /** `tcp://127.0.0.1:PORT` (loopback only; PORT 0 picks one). Defaults to tcp://127.0.0.1:0. */
  url?: string;
  /** Board options for every board `load()` starts (source, clock and storage are set here). */
  board?: Omit<BoardOptions, 'source' | 'storage' | 'clock'> & { clock?: 'realtime' | 'virtual' };
  /** Initial Storage (e.g. a previous upload). */
  storage?: Record<string, string>;
  onBoard?: (board: EmulatedBoard | null) => void;
  log?: (line: string) => void;
}

/** Parses `tcp://HOST:PORT`, accepting only loopback hosts (the REPL runs uploaded code). */
export function parseReplUrl(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(url);
  if (!m) throw new TypeError(`--repl expects tcp://127.0.0.1:PORT, got '${url}'`);
  const host = m[1] === 'localhost' ? '127.0.0.1' : (m[1] as string);
  const port = Number(m[2]);
  if (host !== '127.0.0.1' && host !== '::1') throw new TypeError(`--repl listens on loopback only (it runs whatever is uploaded): use tcp://127.0.0.1:${port}`);
  if (!(port >= 0 && port < 65536)) throw new TypeError(`--repl port must be 0-65535, got ${port}`);
  return { host, port };
}

/**
 * An Espruino REPL on loopback TCP whose `load()` boots the uploaded code in the board emulator
 * (real time by default, uncaught firmware errors printed rather than thrown, as on a device).
 */
export async function startEmulatorRepl(opts: EmulatorReplOptions = {}): Promise<ReplServer<EmulatedBoard>> {
  const { host, port } = parseReplUrl(opts.url ?? 'tcp://127.0.0.1:0');
  const { createBoard } = await import('./index.ts');
  const b = opts.board ?? {};
  return startReplServer<EmulatedBoard>({
    host,
    port,
    env: { BOARD: ENV_BOARD[b.board ?? 'mdbt42q'] ?? 'MDBT42Q' },
    ...(opts.storage ? { storage: opts.storage } : {}),
    ...(opts.onBoard ? { onBoard: opts.onBoard } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    startBoard: (source, storage) =>
      createBoard({
        onUncaught: 'log',
        onFault: (e) => opts.log?.(`emulated board stopped: ${e.message}`),
        ...b,
        clock: b.clock ?? 'realtime',
        source,
        storage,
      }),
  });
}
