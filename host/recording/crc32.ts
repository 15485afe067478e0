/**
 * CRC-32 (zlib/IEEE 802.3, the same as Espruino's E.CRC32) for recording records. Uses Node's native
 * zlib.crc32 where it exists (Node >= 20.15, about 20x faster) and the protocol's table
 * implementation otherwise; both give identical values.
 */
import * as zlib from 'node:zlib';
import { crc32 as crc32Table } from '../../protocol/crc.ts';

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes` as an unsigned 32-bit integer. */
export const crc32: (bytes: Uint8Array) => number = typeof native === 'function' ? (b) => native(b) >>> 0 : (b) => crc32Table(b);
export { crc32Table };
