/** Seeded operands for the Thumb interpreter tests. */

/** A seeded xorshift32 with a bias to edge values (0, 1, -1, INT_MIN, INT_MAX, ...). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const edges = [0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x7ffffffe, -0x7fffffff, 0xffff, 0x8000, 0x7fff, 0xff, 0x80, 31, 32, 33];
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    if ((s & 7) === 0) return edges[(s >>> 3) % edges.length]!;
    if ((s & 7) === 1) return ((s >>> 3) & 0xff) - 128;
    return s | 0;
  };
}
