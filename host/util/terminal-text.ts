/**
 * Text from a file or a board on its way to a terminal: control characters (C0, DEL, C1) are
 * shown escaped (`\x1b`, `\n`, `\u009b`), so a crafted CSV header or recording note cannot clear
 * the screen, move the cursor or retitle the window.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every control character written as an escape sequence. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves DEL, the C1 controls (U+009B
 * is a CSI on many terminals) and U+2028/9 raw; these are written as \u escapes too (still the
 * same JSON value).
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
