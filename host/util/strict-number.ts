/**
 * Strict decimal number parsing for flags and file fields. `Number()` accepts '0x10' (16), '0b1',
 * '0o7', ' 12 ', 'Infinity' and '' (0); a clinical or lab tool must not read a typo as a value.
 * Accepted: an optional sign, digits with an optional decimal point, an optional exponent
 * ('12', '-0.5', '.5', '5.', '1e-3', '2.5E+2'), and the result must be finite.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The value of a plain decimal number, or null when `text` is anything else or not finite. */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Whether `text` is a plain, finite decimal number. */
export function isDecimal(text: string): boolean {
  return parseDecimal(text) !== null;
}
