/**
 * Espruino's console line discipline (jsinteractive.c), bytes in, complete statements out: pure, no
 * sockets. One line handler for both consoles the emulator has: the board's own (Serial1, the
 * Bluetooth UART and the loopbacks, in console.ts) and the REPL server's (repl-server.ts).
 * Bytes are Espruino string characters (one per byte, latin1).
 */
import { LEX_RAW_INT16, LEX_RAW_INT8, LEX_RAW_STRING16, LEX_RAW_STRING8 } from './stored-code.ts';

const DLE = 0x10;
const ESC = 0x1b;
const CTRL_C = 0x03;
const BACKSPACE = 0x08;
const DEL = 0x7f;
const CR = 0x0d;
const LF = 0x0a;

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
