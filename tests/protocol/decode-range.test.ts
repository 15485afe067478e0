/**
 * decodeRange (a frame given as bytes [start, end) of a larger buffer, as a recording read in large
 * chunks holds it) gives exactly what decodeInto gives for the frame alone: the same samples, block
 * descriptions, errors and counters, on every golden vector and on a long stream with lost,
 * repeated and damaged frames.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createFrameEncoder, createFrameEncoder2, createStreamDecoder, maxSamples } from '../../protocol/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = JSON.parse(readFileSync(join(ROOT, 'protocol', 'vectors', 'sample-frames.json'), 'utf8'));

function bytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Each frame decoded alone (decodeInto) and inside a buffer with other bytes around it (decodeRange). */
function both(frames: Uint8Array[]): { alone: unknown[]; inBuffer: unknown[] } {
  const a = createStreamDecoder();
  const b = createStreamDecoder();
  const alone: unknown[] = [];
  const inBuffer: unknown[] = [];
  frames.forEach((f, i) => {
    const cap = maxSamples(f.length);
    const ca = new Int32Array(4 * (cap + 3));
    const fa = new Uint8Array(cap + 3);
    const na = a.decodeInto(f, ca, fa, 3);
    alone.push({ n: na, counts: Array.from(ca), flags: Array.from(fa), block: na > 0 ? { ...a.block } : null, error: a.lastError, stats: structuredClone(a.stats) });
    // The frame between junk bytes (its neighbours must not be read).
    const pre = 1 + (i % 7);
    const buf = new Uint8Array(pre + f.length + 5).fill(0xa5);
    buf.set(f, pre);
    const cb = new Int32Array(4 * (cap + 3));
    const fb = new Uint8Array(cap + 3);
    const nb = b.decodeRange(buf, pre, pre + f.length, cb, fb, 3);
    inBuffer.push({ n: nb, counts: Array.from(cb), flags: Array.from(fb), block: nb > 0 ? { ...b.block } : null, error: b.lastError, stats: structuredClone(b.stats) });
  });
  return { alone, inBuffer };
}

describe('decodeRange', () => {
  it('agrees with decodeInto on every golden sample-frame vector (errors included)', () => {
    for (const v of sample.vectors) {
      const { alone, inBuffer } = both(v.frames.map(bytes));
      expect(inBuffer, v.name).toEqual(alone);
    }
  });

  it('agrees with decodeInto on long 1.1 and 1.2 streams with lost, repeated, cut and flipped frames', () => {
    for (const make of [() => createFrameEncoder(50, 4, 80, false), () => createFrameEncoder2(20, 4, 80)]) {
      const enc = make();
      const frames: Uint8Array[] = [];
      let seed = 7;
      const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      for (let i = 0; i < 4000; i++) {
        let f = enc.add(1000 + Math.round(300 * Math.sin(i / 9)), -2000 + (i % 50), 30000 - i, 5 * (i % 13), 0, i * 12.5);
        while (f) {
          f = f.slice(); // the encoder may reuse its output buffer
          const r = rnd();
          if (r < 0.02) {
            // lost
          } else if (r < 0.04) {
            frames.push(f, f); // repeated
          } else if (r < 0.05) {
            frames.push(f.subarray(0, Math.max(0, f.length - 1 - (i % 3)))); // cut
          } else if (r < 0.06) {
            const g = f.slice();
            g[(i * 7) % g.length]! ^= 1 << (i % 8); // one bit flipped
            frames.push(g);
          } else frames.push(f);
          f = enc.poll();
        }
      }
      frames.push(new Uint8Array(0));
      const { alone, inBuffer } = both(frames);
      expect(inBuffer).toEqual(alone);
    }
  });
});
