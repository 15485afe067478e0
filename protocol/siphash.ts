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

/**
 * `n` SipRounds on the state v = [v0h, v0l, v1h, v1l, v2h, v2l, v3h, v3l] (each 64-bit word as its
 * high and low 32-bit halves). Written out in one function on locals: on Espruino every function
 * costs variables while the group holding it is loaded (firmware/README.md "Memory").
 * Per round (a <<< k: a rotated left by k bits): v0 += v1, v1 = (v1 <<< 13) ^ v0, v0 = v0 <<< 32;
 * v2 += v3, v3 = (v3 <<< 16) ^ v2; v0 += v3, v3 = (v3 <<< 21) ^ v0; v2 += v1, v1 = (v1 <<< 17) ^ v2,
 * v2 = v2 <<< 32.
 * A 64-bit add carries when the unsigned sum of the low halves passes 2^32 - 1.
 */
function sipRounds(v: Int32Array, n: number): void {
  let v0h = v[0] as number, v0l = v[1] as number, v1h = v[2] as number, v1l = v[3] as number;
  let v2h = v[4] as number, v2l = v[5] as number, v3h = v[6] as number, v3l = v[7] as number;
  let lo: number;
  let h: number;
  for (let i = 0; i < n; i++) {
    lo = (v0l >>> 0) + (v1l >>> 0);
    v0h = (v0h + v1h + (lo > 0xffffffff ? 1 : 0)) | 0;
    v0l = lo | 0;
    h = v1h;
    v1h = ((h << 13) | (v1l >>> 19)) ^ v0h;
    v1l = ((v1l << 13) | (h >>> 19)) ^ v0l;
    h = v0h;
    v0h = v0l;
    v0l = h;
    lo = (v2l >>> 0) + (v3l >>> 0);
    v2h = (v2h + v3h + (lo > 0xffffffff ? 1 : 0)) | 0;
    v2l = lo | 0;
    h = v3h;
    v3h = ((h << 16) | (v3l >>> 16)) ^ v2h;
    v3l = ((v3l << 16) | (h >>> 16)) ^ v2l;
    lo = (v0l >>> 0) + (v3l >>> 0);
    v0h = (v0h + v3h + (lo > 0xffffffff ? 1 : 0)) | 0;
    v0l = lo | 0;
    h = v3h;
    v3h = ((h << 21) | (v3l >>> 11)) ^ v0h;
    v3l = ((v3l << 21) | (h >>> 11)) ^ v0l;
    lo = (v2l >>> 0) + (v1l >>> 0);
    v2h = (v2h + v1h + (lo > 0xffffffff ? 1 : 0)) | 0;
    v2l = lo | 0;
    h = v1h;
    v1h = ((h << 17) | (v1l >>> 15)) ^ v2h;
    v1l = ((v1l << 17) | (h >>> 15)) ^ v2l;
    h = v2h;
    v2h = v2l;
    v2l = h;
  }
  v[0] = v0h;
  v[1] = v0l;
  v[2] = v1h;
  v[3] = v1l;
  v[4] = v2h;
  v[5] = v2l;
  v[6] = v3h;
  v[7] = v3l;
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
