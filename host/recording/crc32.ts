/**
 * CRC-32 (zlib/IEEE 802.3, the same as Espruino's E.CRC32). Uses Node's native zlib.crc32 where it
 * exists (Node >= 20.15) and a table implementation otherwise; both give identical values.
 */
import * as zlib from 'node:zlib';

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

function crc32Table(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes` as an unsigned 32-bit integer. */
export const crc32: (bytes: Uint8Array) => number = typeof native === 'function' ? (b) => native(b) >>> 0 : crc32Table;
export { crc32Table };
