/**
 * Deterministic noise: every random number is a pure function of (seed, stream, index), so the
 * HX711 reading of conversion k of chip c is the same however and whenever it is queried.
 */

/** 32-bit integer hash (a splitmix/murmur finaliser). */
export function hash32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in (0, 1) from three integers. */
export function uniform(seed: number, stream: number, index: number, salt = 0): number {
  const h = hash32(hash32(hash32(seed ^ 0x9e3779b9) ^ Math.imul(stream + 1, 0x27d4eb2f)) ^ Math.imul(index + 1, 0x165667b1) ^ salt);
  return (h + 0.5) / 4294967296;
}

/** Standard normal (Box-Muller) from (seed, stream, index). */
export function gaussian(seed: number, stream: number, index: number): number {
  const u1 = uniform(seed, stream, index, 0x1234567);
  const u2 = uniform(seed, stream, index, 0x7654321);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
