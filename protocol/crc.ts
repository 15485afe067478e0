/**
 * CRC-32 as in zlib / IEEE 802.3 (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF),
 * the same function as Espruino's E.CRC32. Check value: crc32("123456789") = 0xCBF43926.
 * Espruino-safe. On the device prefer E.CRC32 (native); this table costs 1 KB of RAM when first used.
 */

let table: Uint32Array | null = null;

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** CRC-32 of bytes [start, end) of `data`; returns an unsigned 32-bit number. */
export function crc32(data: Uint8Array, start?: number, end?: number): number {
  if (table === null) table = buildTable();
  const t = table;
  const s = start === undefined ? 0 : start;
  const e = end === undefined ? data.length : end;
  let c = 0xffffffff;
  for (let i = s; i < e; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
