/**
 * Seeded random numbers for simulations, benches and tests: the same seed gives the same sequence
 * on every machine (host/sim/person.ts, host/sim/raw-counts.ts, the protocol tests).
 */

/** mulberry32: a small seeded 32-bit generator; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * xorshift32 (Marsaglia, "Xorshift RNGs", 2003; shifts 13, 17, 5): uniform in [0, 1). The seed is
 * made odd (seed | 1) so 0 is not a fixed point. The native-encoder checks use it (tests/firmware,
 * firmware/real-espruino/native.ts) so a failing case replays from its seed.
 */
export function xorshift32(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** One standard normal deviate from two uniforms of `rnd` (Box-Muller, cosine branch). */
export function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
