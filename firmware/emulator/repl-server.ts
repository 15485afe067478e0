/**
 * An Espruino REPL on a loopback TCP port, in front of the board emulator: what `tripod emulate
 * --repl tcp://127.0.0.1:PORT` serves and what `tripod flash --port tcp://...` (the `espruino` npm
 * package) uploads into.
 *
 * What it models (from Espruino's jsinteractive.c behaviour and what EspruinoTools 0.1.67 sends,
 * see shared/docs/espruino.md):
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
import type { BoardOptions, EmulatedBoard } from './index.ts';

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

const DLE = 0x10;
const ESC = 0x1b;
const CTRL_C = 0x03;
const BACKSPACE = 0x08;
const DEL = 0x7f;
const CR = 0x0d;
const LF = 0x0a;
/** An unwritten flash byte reads as 0xFF. */
const ERASED = '\xff';

// ---------------------------------------------------------------------------------------------
// Storage: Espruino's flash file system, as the upload path drives it.
/** Bytes a Storage file takes besides its data (Espruino's file header, rounded; an estimate). */
const FILE_HEADER_BYTES = 32;

interface StoredFile {
  data: string;
  size: number;
  written: number;
}

/** The subset of `require("Storage")` uploads and settings use. Files are latin1 strings. */
export class ReplStorage {
  readonly files = new Map<string, StoredFile>();

  constructor(initial: Record<string, string> = {}) {
    for (const [name, data] of Object.entries(initial)) this.files.set(name, { data, size: data.length, written: data.length });
  }

  /**
   * `write(name, data, offset, size)`: with `size`, creates a file of that many bytes (erasing any
   * old one) and writes `data` at `offset`; with only `offset`, writes into the existing file's
   * unwritten bytes; with neither, replaces the file by `data`. Throws like Espruino on a write past
   * the file's end or into a missing file, and, like Espruino, "Unable to find or create file" when
   * a new file does not fit the board's Storage (process.env.STORAGE bytes, 40960 on the MDBT42Q and
   * Puck.js; each file also takes a header, counted as 32 bytes here).
   */
  write(name: string, data: unknown, offset?: number, size?: number): boolean {
    checkName(name);
    const bytes = toByteString(data);
    if (size !== undefined || offset === undefined || offset === 0) this.reserve(name, size ?? bytes.length);
    if (size !== undefined) {
      const off = offset ?? 0;
      if (!(size >= 0) || off + bytes.length > size) throw new Error(`Storage.write: ${bytes.length} bytes at ${off} exceed the file size ${size}`);
      const file = { data: ERASED.repeat(size), size, written: 0 };
      this.files.set(name, file);
      writeInto(file, bytes, off);
      return true;
    }
    if (offset !== undefined && offset !== 0) {
      const file = this.files.get(name);
      if (!file) throw new Error(`Storage.write: file ${JSON.stringify(name)} does not exist, so it cannot be written at offset ${offset}`);
      if (offset + bytes.length > file.size) throw new Error(`Storage.write: ${bytes.length} bytes at ${offset} exceed the file size ${file.size}`);
      writeInto(file, bytes, offset);
      return true;
    }
    this.files.set(name, { data: bytes, size: bytes.length, written: bytes.length });
    return true;
  }

  read(name: string, offset = 0, length?: number): string | undefined {
    const file = this.files.get(name);
    if (!file) return undefined;
    return file.data.substr(offset, length ?? file.size - offset);
  }

  readJSON(name: string, noExceptions?: boolean): unknown {
    const text = this.read(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      if (noExceptions) return undefined;
      throw e;
    }
  }

  writeJSON(name: string, value: unknown): boolean {
    return this.write(name, JSON.stringify(value));
  }

  erase(name: string): void {
    this.files.delete(name);
  }

  eraseAll(): void {
    this.files.clear();
  }

  list(pattern?: RegExp | string): string[] {
    const names = [...this.files.keys()];
    if (pattern === undefined) return names;
    const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    return names.filter((n) => re.test(n));
  }

  /** Throws Espruino's error when a new file of `size` bytes named `name` does not fit beside the others. */
  private reserve(name: string, size: number): void {
    let used = 0;
    for (const [n, f] of this.files) if (n !== name) used += f.size + FILE_HEADER_BYTES;
    if (used + size + FILE_HEADER_BYTES > Number(DEFAULT_REPL_ENV.STORAGE)) throw new Error('Unable to find or create file');
  }

  getFree(): number {
    let used = 0;
    for (const f of this.files.values()) used += f.size;
    return Math.max(0, Number(DEFAULT_REPL_ENV.STORAGE) - used);
  }

  compact(): void {}

  /** Complete files only, as a plain record (what a board is started with). */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, f] of this.files) if (f.written >= f.size) out[name] = f.data;
    return out;
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 28) {
    throw new Error(`Storage: file name must be a string of 1 to 28 characters, got ${JSON.stringify(name)}`);
  }
}

function toByteString(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return String.fromCharCode(...data);
  if (Array.isArray(data)) return String.fromCharCode(...data.map((v) => Number(v) & 0xff));
  return String(data);
}

function writeInto(file: StoredFile, bytes: string, offset: number): void {
  file.data = file.data.slice(0, offset) + bytes + file.data.slice(offset + bytes.length);
  file.written += bytes.length;
}

// ---------------------------------------------------------------------------------------------
// Line discipline: bytes in, complete statements out (pure; no sockets).

/** One input line the console decided to execute. */
export interface ConsoleLine {
  code: string;
  /** False when the line carried DLE (0x10): no echo and no `=result`. */
  echo: boolean;
}

/**
 * Espruino's console input handling, byte by byte. `push` returns the lines to execute and the
 * echo to send back; it never throws.
 */
export class ConsoleInput {
  private line = '';
  private echoOff = false;
  /** 0 idle, 1 after ESC, 2 inside `ESC [` parameters. */
  private escState = 0;
  private lastWasCr = false;
  /** Lexer state of `line` (raw token bytes are data, whatever their value). */
  private scan = new CodeScanner();

  private append(ch: string): void {
    this.line += ch;
    this.scan.push(ch.charCodeAt(0) & 0xff);
  }

  private clearLine(): void {
    this.line = '';
    this.scan = new CodeScanner();
  }

  push(chunk: string): { lines: ConsoleLine[]; echo: string; interrupted: boolean } {
    const lines: ConsoleLine[] = [];
    let echo = '';
    let interrupted = false;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      const ch = chunk[i] as string;
      if (this.escState === 0 && this.scan.inRaw()) {
        this.append(ch);
        if (!this.echoOff) echo += ch;
        continue;
      }
      if (this.escState === 1) {
        this.escState = 0;
        if (c === LF || c === CR) {
          this.append('\n');
          if (!this.echoOff) echo += '\r\n:';
          continue;
        }
        if (ch === '[') this.escState = 2;
        continue;
      }
      if (this.escState === 2) {
        if (c >= 0x40 && c <= 0x7e) this.escState = 0;
        continue;
      }
      const wasCr = this.lastWasCr;
      this.lastWasCr = c === CR;
      if (c === ESC) {
        this.escState = 1;
      } else if (c === DLE) {
        this.echoOff = true;
      } else if (c === CTRL_C) {
        interrupted = true;
        this.clearLine();
        this.echoOff = false;
      } else if (c === BACKSPACE || c === DEL) {
        if (this.line.length > 0) {
          const kept = this.line.slice(0, -1);
          this.clearLine();
          for (const k of kept) this.append(k);
          if (!this.echoOff) echo += '\b \b';
        }
      } else if (c === CR || c === LF) {
        if (c === LF && wasCr) continue;
        if (this.scan.complete()) {
          lines.push({ code: this.line, echo: !this.echoOff });
          this.clearLine();
          this.echoOff = false;
        } else {
          this.append('\n');
          if (!this.echoOff) echo += '\r\n:';
        }
      } else if (c >= 0x20 || c === 0x09) {
        this.append(ch);
        if (!this.echoOff) echo += ch;
      }
    }
    return { lines, echo, interrupted };
  }

  /** The partial line not yet executed (for diagnostics). */
  pending(): string {
    return this.line;
  }
}

/**
 * Whether Enter would execute `code`: brackets balanced and no string, template, block comment or
 * pretokenised raw token left open (Espruino's jsiCountBracketsInInput does the same with its
 * lexer, which reads a raw string's length byte and skips its payload, so a length of 39 (') or
 * 40 (() or a raw int of 123 ({) is data, not a quote or a bracket).
 */
export function isComplete(code: string): boolean {
  const s = new CodeScanner();
  for (let i = 0; i < code.length; i++) s.push(code.charCodeAt(i));
  return s.complete();
}

/**
 * Incremental lexer state for console input, one byte (0..255) at a time: quotes, comments, bracket
 * depth and Espruino's pretokenised raw tokens (LEX_RAW_STRING8/16: 1 or 2 length bytes, then the
 * payload; LEX_RAW_INT8/16: 1 or 2 value bytes), whose bytes are data of any value.
 */
export class CodeScanner {
  /** 0 code, 1 '...', 2 "...", 3 `...`, 4 // comment, 5 block comment. */
  private mode = 0;
  private escaped = false;
  private prev = 0;
  private depth = 0;
  /** Length bytes of a raw string still to read, and the length read so far. */
  private lenNeed = 0;
  private lenShift = 0;
  private len = 0;
  /** Raw payload bytes (string bytes or int value bytes) still to take verbatim. */
  private rawLeft = 0;

  /** True while the next byte belongs to a raw token (a length, value or string byte): take it verbatim. */
  inRaw(): boolean {
    return this.lenNeed > 0 || this.rawLeft > 0;
  }

  complete(): boolean {
    return this.mode !== 1 && this.mode !== 2 && this.mode !== 3 && this.mode !== 5 && !this.inRaw() && this.depth <= 0;
  }

  push(c: number): void {
    if (this.lenNeed > 0) {
      this.len |= c << this.lenShift;
      this.lenShift += 8;
      if (--this.lenNeed === 0) this.rawLeft = this.len;
      return;
    }
    if (this.rawLeft > 0) {
      this.rawLeft--;
      return;
    }
    const m = this.mode;
    if (m === 1 || m === 2 || m === 3) {
      if (this.escaped) this.escaped = false;
      else if (c === 0x5c) this.escaped = true;
      else if (c === (m === 1 ? 0x27 : m === 2 ? 0x22 : 0x60)) this.mode = 0;
      return;
    }
    if (m === 4) {
      if (c === 0x0a) this.mode = 0;
      return;
    }
    if (m === 5) {
      if (c === 0x2f && this.prev === 0x2a) {
        this.mode = 0;
        this.prev = 0;
      } else this.prev = c;
      return;
    }
    if (c === 0x27) this.mode = 1;
    else if (c === 0x22) this.mode = 2;
    else if (c === 0x60) this.mode = 3;
    else if (c === 0x2f && this.prev === 0x2f) this.mode = 4;
    else if (c === 0x2a && this.prev === 0x2f) this.mode = 5;
    else if (c === 0x28 || c === 0x5b || c === 0x7b) this.depth++;
    else if (c === 0x29 || c === 0x5d || c === 0x7d) this.depth--;
    else if (c === LEX_RAW_STRING8 || c === LEX_RAW_STRING16) {
      this.lenNeed = c === LEX_RAW_STRING8 ? 1 : 2;
      this.lenShift = 0;
      this.len = 0;
    } else if (c === LEX_RAW_INT8) this.rawLeft = 1;
    else if (c === LEX_RAW_INT16) this.rawLeft = 2;
    this.prev = this.mode === 5 ? 0 : c;
  }
}

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

/** Espruino-ish rendering of a value after `=` (strings quoted, objects as JSON). */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return `function ${(v as { name?: string }).name ?? ''}() { ... }`;
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

function printArg(v: unknown): string {
  return typeof v === 'string' ? v : formatValue(v);
}

/**
 * Stored code (one byte per char) back to the JavaScript the tools were given. The espruino
 * package keeps characters below 256 as single bytes and writes the others as UTF-8, so a valid
 * UTF-8 multi-byte sequence is decoded and any other byte is taken as its latin1 character.
 */
export function decodeEspruinoBytes(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b0 = bytes.charCodeAt(i);
    const need = b0 >= 0xf0 && b0 <= 0xf4 ? 3 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xc2 && b0 <= 0xdf ? 1 : 0;
    if (need > 0 && i + need < bytes.length) {
      let ok = true;
      let cp = need === 1 ? b0 & 0x1f : need === 2 ? b0 & 0x0f : b0 & 0x07;
      for (let k = 1; ok && k <= need; k++) {
        const c = bytes.charCodeAt(i + k);
        if (!(c >= 0x80 && c <= 0xbf)) ok = false;
        else cp = (cp << 6) | (c & 0x3f);
      }
      const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
      if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
        out += String.fromCodePoint(cp);
        i += need;
        continue;
      }
    }
    out += bytes[i];
  }
  return out;
}

/** First byte value of Espruino's pretokenised tokens (jslex.h LEX_OPERATOR_START). */
const LEX_OPERATOR_START = 138;
/** Operators and reserved words from LEX_OPERATOR_START on, in Espruino's order (jslex.c). */
const TOKENS = [
  '==', '===', '!=', '!==', '<=', '<<', '<<=', '>=', '>>', '>>>', '>>=', '>>>=', '+=', '-=', '++', '--', '*=', '/=', '%=', '&=',
  '&&', '|=', '||', '^=', '=>', 'if', 'else', 'do', 'while', 'for', 'break', 'continue', 'function', 'return', 'var', 'let',
  'const', 'this', 'throw', 'try', 'catch', 'finally', 'true', 'false', 'null', 'undefined', 'new', 'in', 'instanceof',
  'switch', 'case', 'default', 'delete', 'typeof', 'void', 'debugger', 'class', 'extends', 'super', 'static', 'of',
];
const LEX_RAW_STRING8 = 0xd1;
const LEX_RAW_STRING16 = 0xd2;
const LEX_RAW_INT0 = 0xd3;
const LEX_RAW_INT8 = 0xd4;
const LEX_RAW_INT16 = 0xd5;

/** True when the stored code holds pretokenised tokens (bytes >= 138 outside strings and comments). */
export function isPretokenised(bytes: string): boolean {
  let found = false;
  scanTokens(bytes, (tok) => {
    if (tok !== null) found = true;
  });
  return found;
}

/**
 * Espruino's pretokenised code (the tools' PRETOKENISE option) back to plain source, bytes in and
 * bytes out: reserved words and operators, raw strings (8/16-bit length) and raw ints (signed 8/16
 * bit, as Espruino's lexer reads them; the tools fold a '-' into the value only after , ( : ? =,
 * where a plain negative literal reads the same). Quoted strings and comments are copied as they are, so
 * UTF-8 inside them survives.
 */
export function untokenise(bytes: string): string {
  let out = '';
  let lastWasToken = false;
  const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
  scanTokens(bytes, (tok, raw) => {
    const text = tok ?? raw;
    const isToken = tok !== null;
    // Tokens carry no spaces: separate words that would otherwise run together ("return" "x").
    if ((isToken || lastWasToken) && out.length > 0 && isWord(out.charCodeAt(out.length - 1)) && isWord(text.charCodeAt(0))) out += ' ';
    out += text;
    lastWasToken = isToken;
  });
  return out;
}

/**
 * Walks stored code: `onToken(text, null)` for each token (its source text), `onToken(null, raw)`
 * for everything else (verbatim, including whole quoted strings and comments).
 */
function scanTokens(bytes: string, onToken: (token: string | null, raw: string) => void): void {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes.charCodeAt(i);
    const ch = bytes[i] as string;
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < n && bytes[j] !== ch) j += bytes[j] === '\\' ? 2 : 1;
      onToken(null, bytes.slice(i, j + 1));
      i = j + 1;
    } else if (ch === '/' && bytes[i + 1] === '/') {
      let j = i;
      while (j < n && bytes[j] !== '\n') j++;
      onToken(null, bytes.slice(i, j));
      i = j;
    } else if (ch === '/' && bytes[i + 1] === '*') {
      const end = bytes.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      onToken(null, bytes.slice(i, j));
      i = j;
    } else if (c === LEX_RAW_STRING8 || c === LEX_RAW_STRING16) {
      const len = c === LEX_RAW_STRING8 ? bytes.charCodeAt(i + 1) : bytes.charCodeAt(i + 1) | (bytes.charCodeAt(i + 2) << 8);
      const start = i + (c === LEX_RAW_STRING8 ? 2 : 3);
      const value = bytes.slice(start, start + len);
      onToken(`"${[...value].map((v) => `\\x${v.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}"`, '');
      i = start + len;
    } else if (c === LEX_RAW_INT0) {
      onToken('0', '');
      i += 1;
    } else if (c === LEX_RAW_INT8) {
      onToken(String((bytes.charCodeAt(i + 1) << 24) >> 24), '');
      i += 2;
    } else if (c === LEX_RAW_INT16) {
      onToken(String(((bytes.charCodeAt(i + 1) | (bytes.charCodeAt(i + 2) << 8)) << 16) >> 16), '');
      i += 3;
    } else if (c >= LEX_OPERATOR_START && c < LEX_OPERATOR_START + TOKENS.length) {
      onToken(TOKENS[c - LEX_OPERATOR_START] as string, '');
      i += 1;
    } else {
      onToken(null, ch);
      i += 1;
    }
  }
}

type Pending = { resolve: (b: never) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | undefined };

class Repl<B extends ReplBoard> {
  readonly storage: ReplStorage;
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
    this.storage = new ReplStorage(opts.storage);
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
      const stored = this.storage.files.get(name);
      if (!stored) {
        this.log(`load(): no ${name} in Storage; staying at the REPL`);
        return;
      }
      if (stored.written < stored.size) {
        this.emitAsync(`Uncaught SyntaxError: ${name} is incomplete (${stored.written} of ${stored.size} bytes written); upload it again\r\n>`);
        this.log(`load(): ${name} incomplete (${stored.written}/${stored.size} bytes); nothing runs`);
        return;
      }
      const source = decodeEspruinoBytes(isPretokenised(stored.data) ? untokenise(stored.data) : stored.data);
      try {
        new vm.Script(source, { filename: name });
      } catch (e) {
        this.emitAsync(`Uncaught ${describeError(e)}\r\n>`);
        this.log(`load(): ${name} does not parse: ${describeError(e)}`);
        return;
      }
      try {
        const board = await this.opts.startBoard(source, this.storage.snapshot());
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
      const text = `${args.map(printArg).join(' ')}\r\n`;
      if (this.capture !== null) this.capture += text;
      else this.out(text);
    };
    const storage = this.storage;
    const env = { ...DEFAULT_REPL_ENV, ...this.opts.env };
    const E = {
      setTimeZone: (_hours: number): void => {},
      setBootCode: (code: string, alwaysExec?: boolean): void => {
        storage.write(alwaysExec ? '.bootrst' : '.bootcde', String(code));
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
        if (storage.files.has('.bootcde')) throw new Error("save() is refused while .bootcde exists (erase it with require('Storage').erase('.bootcde'))");
        throw new Error('save() of a RAM image is not modelled by the emulator REPL; upload with Save on Send (tripod flash) or E.setBootCode');
      },
      setTime: (seconds: number): void => {
        this.timeOffsetS = Number(seconds) - performance.now() / 1000;
      },
      getTime: (): number => this.timeOffsetS + performance.now() / 1000,
      echo: (_on: boolean): void => {},
      E,
      require: (name: string): unknown => {
        if (name === 'Storage') return storage;
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
    storage: () => repl.storage.snapshot(),
    storageFile: (name) => {
      const f = repl.storage.files.get(name);
      return f ? { ...f } : undefined;
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
