/**
 * Device cost as a size, not a time: executed source tokens per sample of the ES5-compiled encoder
 * (firmware/emulator/token-cost.ts explains the proxy). Fails when a change makes the Espruino hot path
 * noticeably heavier; also checks that the instrumented build encodes exactly like the real one.
 */
import { describe, expect, it } from 'vitest';
import { createFrameEncoder, encodeKeyFrame, createStreamDecoder, FLAG_STREAM_START } from '../../protocol/index.ts';
import { deviceCostPerSample, deviceTokensPerSample, jitFunctionNames, loadInstrumented } from '../../firmware/emulator/token-cost.ts';
import { drainFrames, encodeAll } from '../../host/sim/frames.ts';
import { realisticCounts } from '../../host/sim/raw-counts.ts';

describe('device cost proxy', () => {
  const n = 1600;
  const { counts } = realisticCounts(n, 80, 5);

  it('the instrumented ES5 encoder produces the same frames as the TypeScript one', () => {
    const m = loadInstrumented('frame-encoder.ts');
    const enc = m.exports.createFrameEncoder(20, 3, 80, true);
    const frames = drainFrames(enc, (add) => {
      for (let i = 0; i < n; i++) add(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, 0, i * 12.5);
    }).map((x) => Buffer.from(x).toString('hex'));
    expect(frames).toEqual(encodeAll(counts, 20, 3).map((x) => Buffer.from(x).toString('hex')));
    expect(m.tokens()).toBeGreaterThan(0);
  });

  // Held at the samples per frame these budgets were set at: 3 at payload 20, 8 at payload 50 (the
  // default is 2 since frames go out as soon as they are full, for latency: per-frame work then
  // weighs more per sample; the firmware bench's device estimate counts it at the default).
  it('stays within its token budget per sample (payload 20 at 3 per frame: <= 600, payload 50 at 8 per frame: <= 440)', () => {
    expect(deviceTokensPerSample(counts, 20, 3)).toBeLessThanOrEqual(600);
    expect(deviceTokensPerSample(counts, 50, 8)).toBeLessThanOrEqual(440);
  });

  it('marks no function "jit" (a board\'s JIT would keep kilobytes of machine code in RAM: firmware/README.md "The JIT\'s RAM") and keeps its JS calls per sample low', () => {
    expect([...jitFunctionNames('frame-encoder.ts')]).toEqual([]);
    const p20 = deviceCostPerSample(counts, 20, 3);
    const p50 = deviceCostPerSample(counts, 50, 8);
    // Every token interpreted: the weighted count is the plain one.
    expect(p20.weightedTokens).toBe(p20.tokens);
    expect(p50.weightedTokens).toBe(p50.tokens);
    // add + push per sample; buildFrame, prepFrame, fillFrame and the caller's poll per frame (about 16k instructions each).
    expect(p20.calls).toBeLessThanOrEqual(4.1);
    expect(p50.calls).toBeLessThanOrEqual(2.7);
    expect(p20.frames).toBeGreaterThan(0.4);
  });

  it('encodeKeyFrame (the no-arithmetic fallback) matches the encoder and costs few tokens', () => {
    const a = encodeKeyFrame(0, 0x123456, FLAG_STREAM_START, 8388607, -8388608, 0, -1);
    const enc = createFrameEncoder(20, 3, 80, true);
    expect(Array.from(a)).toEqual(Array.from(enc.add(8388607, -8388608, 0, -1, 0, 0x123456)!));
    const dec = createStreamDecoder();
    expect(Array.from(dec.push(encodeKeyFrame(5, 1, 0, 1, 2, 3, 4))!.counts)).toEqual([1, 2, 3, 4]);
    const m = loadInstrumented('frame-encoder.ts');
    m.reset();
    m.exports.encodeKeyFrame(1, 2, 0, 3, 4, 5, 6);
    expect(m.tokens()).toBeLessThanOrEqual(200);
  });
});

describe('push + poll', () => {
  it('gives the same frames as add, in the same order', () => {
    const { counts } = realisticCounts(400, 80, 9);
    const a = createFrameEncoder(20, 3, 80, true);
    const b = createFrameEncoder(20, 3, 80, true);
    const fa: string[] = [];
    const fb: string[] = [];
    for (let i = 0; i < 400; i++) {
      const flags = i === 200 ? 0x01 : 0;
      let f = a.add(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, flags, i * 12.5);
      while (f) {
        fa.push(Buffer.from(f).toString('hex'));
        f = a.poll();
      }
      b.push(counts[4 * i]!, counts[4 * i + 1]!, counts[4 * i + 2]!, counts[4 * i + 3]!, flags, i * 12.5);
      expect(b.pendingFrames()).toBe(fa.length - fb.length);
      for (let g = b.poll(); g; g = b.poll()) fb.push(Buffer.from(g).toString('hex'));
    }
    expect(fb).toEqual(fa);
    expect(fa.length).toBeGreaterThan(100);
  });
});
