/**
 * SipHash-2-4 (Aumasson & Bernstein, 2012): the keyed MAC of authenticated writes (SPEC.md 5.5).
 * 128-bit key, 64-bit tag. Espruino-safe: ES5, 32-bit integer operations only (each 64-bit word is a
 * high/low pair in an Int32Array), no dependencies, so the same code runs on the board (Espruino
 * has no `crypto` module on the nRF52 builds), in Node and in a browser.
 *
 * Why SipHash and not HMAC-SHA256: SHA-256 needs its 64 round constants and a 64-word schedule in
 * RAM while it runs (about 150 Espruino variables more) and 64 rounds per block; SipHash needs 8
 * words of state and 2 rounds per 8 bytes, and was designed as a MAC for short messages like ours
 * (8-byte nonce + a command of at most 20 bytes).
 */

/** v[a] += v[b] (64-bit words a, b: indices of their high halves). */
function add64(v: Int32Array, a: number, b: number): void {
  const lo = ((v[a + 1] as number) >>> 0) + ((v[b + 1] as number) >>> 0);
  v[a] = ((v[a] as number) + (v[b] as number) + (lo > 0xffffffff ? 1 : 0)) | 0;
  v[a + 1] = lo | 0;
}

/** v[a] rotated left by n bits (0 < n < 32), then xor-ed with v[b]. */
function rotXor64(v: Int32Array, a: number, n: number, b: number): void {
  const h = v[a] as number;
  const l = v[a + 1] as number;
  v[a] = ((h << n) | (l >>> (32 - n))) ^ (v[b] as number);
  v[a + 1] = ((l << n) | (h >>> (32 - n))) ^ (v[b + 1] as number);
}

/** v[a] rotated left by 32 bits: the halves swap. */
function swap64(v: Int32Array, a: number): void {
  const h = v[a] as number;
  v[a] = v[a + 1] as number;
  v[a + 1] = h;
}

/** `n` SipRounds on the state v = [v0h, v0l, v1h, v1l, v2h, v2l, v3h, v3l]. */
function sipRounds(v: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    add64(v, 0, 2);
    rotXor64(v, 2, 13, 0);
    swap64(v, 0);
    add64(v, 4, 6);
    rotXor64(v, 6, 16, 4);
    add64(v, 0, 6);
    rotXor64(v, 6, 21, 0);
    add64(v, 4, 2);
    rotXor64(v, 2, 17, 4);
    swap64(v, 4);
  }
}

/** Little-endian 32-bit word of `b` at `o`; bytes past `end` read as 0. */
function word(b: Uint8Array, o: number, end: number): number {
  let w = 0;
  for (let k = 3; k >= 0; k--) w = (w << 8) | (o + k < end ? (b[o + k] as number) : 0);
  return w;
}

/**
 * SipHash-2-4 of `msg` under the 16-byte `key`: the 8-byte tag, little-endian as the reference
 * implementation writes it. Throws a TypeError when the key is not 16 bytes.
 */
export function sipHash24(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new TypeError('sipHash24: key must be 16 bytes, got ' + key.length);
  const k0h = word(key, 4, 16);
  const k0l = word(key, 0, 16);
  const k1h = word(key, 12, 16);
  const k1l = word(key, 8, 16);
  // "somepseudorandomlygeneratedbytes" xor the key.
  const v = new Int32Array([k0h ^ 0x736f6d65, k0l ^ 0x70736575, k1h ^ 0x646f7261, k1l ^ 0x6e646f6d, k0h ^ 0x6c796765, k0l ^ 0x6e657261, k1h ^ 0x74656462, k1l ^ 0x79746573]);
  const len = msg.length;
  // Every full 8-byte block, then the last one: the 0..7 remaining bytes and (len mod 256) << 56.
  for (let o = 0; o <= len; o += 8) {
    const mh = o + 8 <= len ? word(msg, o + 4, len) : word(msg, o + 4, len) | ((len & 255) << 24);
    const ml = word(msg, o, len);
    v[6] = (v[6] as number) ^ mh;
    v[7] = (v[7] as number) ^ ml;
    sipRounds(v, 2);
    v[0] = (v[0] as number) ^ mh;
    v[1] = (v[1] as number) ^ ml;
    if (o + 8 > len) break;
  }
  v[5] = (v[5] as number) ^ 0xff;
  sipRounds(v, 4);
  const out = new Uint8Array(8);
  const h = (v[0] as number) ^ (v[2] as number) ^ (v[4] as number) ^ (v[6] as number);
  const l = (v[1] as number) ^ (v[3] as number) ^ (v[5] as number) ^ (v[7] as number);
  for (let k = 0; k < 4; k++) {
    out[k] = (l >>> (8 * k)) & 255;
    out[k + 4] = (h >>> (8 * k)) & 255;
  }
  return out;
}

/**
 * The AUTH tag for one write (SPEC.md 5.5): SipHash-2-4 under the board's key of the challenge's
 * 8-byte nonce followed by the whole COMMAND message the tag authorises (header, request id, code,
 * arguments), so a tag fits one nonce and one command only.
 */
export function authTag(key: Uint8Array, nonce: Uint8Array, command: Uint8Array): Uint8Array {
  const m = new Uint8Array(nonce.length + command.length);
  m.set(nonce, 0);
  m.set(command, nonce.length);
  return sipHash24(key, m);
}
