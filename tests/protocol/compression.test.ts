/**
 * Compression requirements as sizes (deterministic, no timing): a realistic single-leg signal at the
 * default settings costs at most 8 bytes per sample with every header; full-scale noise still
 * round-trips bit for bit and stays within the stated worst case.
 */
import { describe, expect, it } from 'vitest';
import { createStreamDecoder, PAYLOAD_MIN } from '../../protocol/index.ts';
import { bytesPerSample, defaultSamplesPerFrame, encodeAll } from '../../host/sim/frames.ts';
import { noiseCounts, realisticCounts } from '../../host/sim/raw-counts.ts';

function decodeAll(frames: Uint8Array[]): number[] {
  const dec = createStreamDecoder();
  const out: number[] = [];
  for (const f of frames) out.push(...dec.push(f)!.counts);
  return out;
}

describe('compression', () => {
  const n = 80 * 60;
  const { counts } = realisticCounts(n, 80, 7);

  it('realistic signal at payload 20 (MTU 23): <= 8 bytes per sample, bit-exact', () => {
    const frames = encodeAll(counts, 20, defaultSamplesPerFrame(20));
    expect(bytesPerSample(frames, n)).toBeLessThanOrEqual(8);
    expect(decodeAll(frames)).toEqual(Array.from(counts));
  });

  it('realistic signal at payload 50 (MTU 53) costs less than at payload 20', () => {
    const b50 = bytesPerSample(encodeAll(counts, 50, defaultSamplesPerFrame(50)), n);
    const b20 = bytesPerSample(encodeAll(counts, 20, defaultSamplesPerFrame(20)), n);
    expect(b50).toBeLessThan(b20);
  });

  it('full-scale noise round-trips bit for bit within the worst case of 20 bytes per sample', () => {
    const noise = noiseCounts(2000, 11);
    for (const payload of [PAYLOAD_MIN, 50, 244]) {
      const frames = encodeAll(noise, payload, defaultSamplesPerFrame(payload));
      for (const f of frames) expect(f.length).toBeLessThanOrEqual(payload);
      expect(bytesPerSample(frames, 2000)).toBeLessThanOrEqual(20);
      expect(decodeAll(frames)).toEqual(Array.from(noise));
    }
  });

  it('samples per frame: the reference 2 at payload 20 and 50 (25 ms at 80 Hz: SPEC.md 4.5)', () => {
    expect(defaultSamplesPerFrame(20)).toBe(2);
    expect(defaultSamplesPerFrame(50)).toBe(2);
  });
});
