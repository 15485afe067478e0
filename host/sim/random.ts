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

/** One standard normal deviate from two uniforms of `rnd` (Box-Muller, cosine branch). */
export function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
