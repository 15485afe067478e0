/**
 * Code as Espruino stores it: what the espruino tools upload (one character per byte, UTF-8 for
 * characters above 255) and Espruino's pretokenised form (the tools' PRETOKENISE option: reserved
 * words, operators, strings and small ints as single bytes >= 138, jslex.h / jslex.c), back to the
 * JavaScript that was uploaded.
 */

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
export const LEX_RAW_STRING8 = 0xd1;
export const LEX_RAW_STRING16 = 0xd2;
export const LEX_RAW_INT0 = 0xd3;
export const LEX_RAW_INT8 = 0xd4;
export const LEX_RAW_INT16 = 0xd5;

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
