/**
 * The host's sample stage on protocol 1.2 frames (KEY2/DELTA2, SPEC.md 4.8): exact samples and
 * exact gaps under loss and repeats, a repeated KEY2 counted as a duplicate, and a stream restart
 * whose last frame before it was lost (only the sequence number tells) with the KEY2's u16 time
 * unwrapped from the host clock across a pause longer than 65.5 s.
 */
import { describe, expect, it } from 'vitest';
import { createFrameEncoder2 } from '../../protocol/index.ts';
import { SampleStage } from '../../host/pipeline/samples.ts';
import { drainFrames } from '../../host/sim/frames.ts';
import type { PipelineEvent } from '../../host/pipeline/types.ts';
import { rng } from './helpers/synthetic-stream.ts';

interface Got {
  index: number;
  t: number;
  c: number[];
}

function stage(): { st: SampleStage; got: Got[]; events: PipelineEvent[] } {
  const got: Got[] = [];
  const events: PipelineEvent[] = [];
  const st = new SampleStage(
    (s) => got.push({ index: s.index, t: s.t, c: Array.from(s.counts.subarray(s.at, s.at + 4)) }),
    (e) => events.push(e),
  );
  return { st, got, events };
}

function sampleAt(i: number): number[] {
  return [100000 + Math.round(3000 * Math.sin(i / 9)), -40000 + 7 * i, 20000 + ((i * 7919) % 301), 65000 - Math.round(2000 * Math.cos(i / 5))];
}

/** Frames of samples [from, to) of one stream (start index = from), times 12.5 ms apart from t0. */
function stream(enc: ReturnType<typeof createFrameEncoder2>, from: number, to: number, t0: number): Uint8Array[] {
  enc.start(from);
  return drainFrames(enc, (add) => {
    for (let i = from; i < to; i++) {
      const c = sampleAt(i);
      add(c[0]!, c[1]!, c[2]!, c[3]!, 0, t0 + (i - from) * 12.5);
    }
  });
}

describe('sample stage on 1.2 frames', () => {
  it('8 % of frames lost, 2 % repeated: every delivered sample exact, gaps and duplicates counted exactly', () => {
    const frames = stream(createFrameEncoder2(20, 3, 80), 0, 6000, 1000);
    const r = rng(5);
    const { st, got, events } = stage();
    for (const f of frames) {
      if (r() < 0.08) continue;
      st.push(f, 0);
      if (r() < 0.02) st.push(f, 0);
    }
    const seen = new Set<number>();
    for (const g of got) {
      expect(g.c).toEqual(sampleAt(g.index));
      expect(seen.has(g.index)).toBe(false);
      seen.add(g.index);
    }
    const gaps = events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap');
    const lost = gaps.reduce((a, g) => a + g.count, 0);
    const tail = 6000 - (Math.max(...got.map((g) => g.index)) + 1); // samples after the last KEY2 received: not yet known lost
    expect(got.length + lost + tail).toBe(6000);
    expect(st.stats.duplicates).toBeGreaterThan(0);
  });

  it('a restart after a 100 s pause with the last frame before it lost: frames-lost reported, gap sized exactly from the u16 device time, time continues', () => {
    const enc = createFrameEncoder2(20, 3, 80);
    const a = stream(enc, 0, 400, 1000);
    const b = stream(enc, 8400, 8600, 1000 + 400 * 12.5 + 100_000); // the board kept counting: 8000 samples (100 s) not streamed
    const { st, got, events } = stage();
    let host = 0;
    for (const f of a.slice(0, -1)) st.push(f, (host += 10));
    st.expectStreamStart(); // no boot id (as from a board that sends none): the gap is sized from device time
    host += 100_000;
    for (const f of b) st.push(f, (host += 10));
    expect(events.some((e) => e.type === 'frame-error' && e.code === 'frames-lost')).toBe(true);
    const lastA = got.filter((g) => g.index < 400).at(-1)!;
    const firstB = got.find((g) => g.index >= 400)!;
    expect(firstB.c).toEqual(sampleAt(8400));
    const gap = events.find((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap')!;
    expect(gap.count).toBe(8400 - (lastA.index + 1));
    // the second stream's first sample sits about 100 s after the first stream's last one (u16 time wrapped 1-2 times)
    expect(firstB.t - lastA.t).toBeGreaterThan(99);
    expect(firstB.t - lastA.t).toBeLessThan(102);
  });
});
