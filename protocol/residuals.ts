/**
 * Residual blocks (SPEC.md 4.3 and 4.8): layout check and the two tight loops of the decoder
 * (bit stream -> residuals, residuals -> samples). Pure functions over caller-owned typed arrays;
 * nothing allocated per call. Host side only (the device encodes, see frame-encoder*.ts).
 */
import { CELLS, MODE2_FLAGS_PRESENT, MODE2_ORDER_MASK, MODE2_ORDER_MAX, MODE2_ORDER_SHIFT, MODE_FLAGS_PRESENT, MODE_INDEX_BIT8, MODE_SECOND_ORDER, MODE_WIDTH_MASK, WIDTH_MAX, WIDTH_MIN } from './constants.ts';

/** A parsed residual block: n samples at width w, predictor order 1..3, flag bytes at flagsAt (or -1), bit stream at bitsAt. */
// Module-local copies: hot loops read these as plain locals (imported bindings may compile to getters).
const C_CELLS = CELLS;
const C_WMASK = MODE_WIDTH_MASK;
const C_WMIN = WIDTH_MIN;
const C_WMAX = WIDTH_MAX;
const C_IDX8 = MODE_INDEX_BIT8;
const C_FLAGS1 = MODE_FLAGS_PRESENT;
const C_SECOND = MODE_SECOND_ORDER;
const C_FLAGS2 = MODE2_FLAGS_PRESENT;
const C_ORDER_MASK = MODE2_ORDER_MASK;
const C_ORDER_SHIFT = MODE2_ORDER_SHIFT;
const C_ORDER_MAX = MODE2_ORDER_MAX;

export interface BlockLayout {
  n: number;
  w: number;
  order: number;
  flagsAt: number;
  bitsAt: number;
  end: number;
}

/**
 * Reads the mode byte at `at` and checks the body [at + 1, end) of frame `f` (format 1: 1.0/1.1
 * KEY and DELTA blocks; format 2: KEY2 and DELTA2). Fills `out` and returns null, or returns a
 * one-line reason the block is malformed. `indexBit` allows mode bit 7 as DELTA index bit 8 (format 1).
 */
export function parseBlock(f: Uint8Array, at: number, end: number, format: number, indexBit: boolean, out: BlockLayout): string | null {
  const mode = f[at] as number;
  const w = mode & C_WMASK;
  if (w < C_WMIN || w > C_WMAX) return `residual width ${w} in mode byte 0x${hex2(mode)} is outside ${C_WMIN}..${C_WMAX}`;
  let withFlags: boolean;
  let order: number;
  if (format === 1) {
    if (!indexBit && mode & C_IDX8) return `mode byte 0x${hex2(mode)} of a KEY block has reserved bit 7 set`;
    withFlags = (mode & C_FLAGS1) !== 0;
    order = mode & C_SECOND ? 2 : 1;
  } else {
    withFlags = (mode & C_FLAGS2) !== 0;
    order = ((mode & C_ORDER_MASK) >> C_ORDER_SHIFT) + 1;
    if (order > C_ORDER_MAX) return `mode byte 0x${hex2(mode)} names predictor order ${order}, reserved`;
  }
  const body = end - at - 1;
  const per = withFlags ? w + 2 : w;
  // Body bytes = ceil(n * per / 2): strictly increasing in n because per >= 2, so n is unique.
  const n = ((2 * body) / per) | 0;
  if (n < 1 || (n * per + 1) >> 1 !== body) {
    return `body of ${body} bytes does not hold a whole number of samples at width ${w}${withFlags ? ' with flag bytes' : ''}`;
  }
  out.n = n;
  out.w = w;
  out.order = order;
  out.flagsAt = withFlags ? at + 1 : -1;
  out.bitsAt = at + 1 + (withFlags ? n : 0);
  out.end = end;
  return null;
}

/**
 * Unpacks the 4n residuals of a block into `res` (sign-extended). Returns false when the padding
 * bits after the last residual are not zero (the block is then malformed); `res` is scratch.
 * While four bytes are readable each residual is one 32-bit little-endian window shifted into
 * place (w <= 24, so w + 7 bits always fit); the tail goes byte by byte.
 */
export function unpackResiduals(f: Uint8Array, lay: BlockLayout, res: Int32Array): boolean {
  const w = lay.w;
  const count = lay.n * C_CELLS;
  const mask = w >= 24 ? 0xffffff : (1 << w) - 1;
  const sh = 32 - w;
  const o = lay.bitsAt;
  const end = lay.end;
  const safeEnd = (end - o - 4) * 8;
  let pos = 0;
  let j = 0;
  for (; j < count && pos <= safeEnd; j++) {
    const q = o + (pos >> 3);
    const v = ((f[q] as number) | ((f[q + 1] as number) << 8) | ((f[q + 2] as number) << 16) | ((f[q + 3] as number) << 24)) >>> (pos & 7);
    res[j] = ((v & mask) << sh) >> sh;
    pos += w;
  }
  let a = 0;
  let b = 0;
  let q = o + (pos >> 3);
  if (pos & 7) {
    a = (f[q++] as number) >> (pos & 7);
    b = 8 - (pos & 7);
  }
  for (; j < count; j++) {
    while (b < w) {
      a |= (f[q++] as number) << b;
      b += 8;
    }
    res[j] = ((a & mask) << sh) >> sh;
    a >>>= w;
    b -= w;
  }
  return a === 0 && q === end;
}

/**
 * Samples from residuals: per cell, x = signext24(pred + r) with pred of the block's order over the
 * history h (h[0..3] = x[k-1], h[4..7] = x[k-2], h[8..11] = x[k-3], updated). Writes counts from
 * sample `at` (4 per sample).
 */
export function reconstruct(res: Int32Array, n: number, order: number, h: Int32Array, counts: Int32Array, at: number): void {
  const o = at * C_CELLS;
  for (let c = 0; c < C_CELLS; c++) {
    let x1 = h[c] as number;
    let x2 = h[c + 4] as number;
    let x3 = h[c + 8] as number;
    let j = c;
    let q = o + c;
    if (order === 1) {
      for (let s = 0; s < n; s++, j += 4, q += 4) {
        const x = ((x1 + (res[j] as number)) << 8) >> 8;
        counts[q] = x;
        x3 = x2;
        x2 = x1;
        x1 = x;
      }
    } else if (order === 2) {
      for (let s = 0; s < n; s++, j += 4, q += 4) {
        const x = ((2 * x1 - x2 + (res[j] as number)) << 8) >> 8;
        counts[q] = x;
        x3 = x2;
        x2 = x1;
        x1 = x;
      }
    } else {
      for (let s = 0; s < n; s++, j += 4, q += 4) {
        const x = ((3 * (x1 - x2) + x3 + (res[j] as number)) << 8) >> 8;
        counts[q] = x;
        x3 = x2;
        x2 = x1;
        x1 = x;
      }
    }
    h[c] = x1;
    h[c + 4] = x2;
    h[c + 8] = x3;
  }
}

export function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}
