import { describe, expect, it } from 'vitest';
import { SampleStage, type RawSample } from '../../host/pipeline/samples.ts';
import type { PipelineEvent } from '../../host/pipeline/types.ts';
import { drainFrames } from '../../host/sim/frames.ts';
import { makeStream, rng } from './helpers/synthetic-stream.ts';

function collect(): { stage: SampleStage; samples: Array<{ index: number; t: number; c: number[]; flags: number }>; events: PipelineEvent[] } {
  const samples: Array<{ index: number; t: number; c: number[]; flags: number }> = [];
  const events: PipelineEvent[] = [];
  const stage = new SampleStage(
    (s: RawSample) => samples.push({ index: s.index, t: s.t, c: Array.from(s.counts.subarray(s.at, s.at + 4)), flags: s.flags }),
    (e) => events.push(e),
  );
  return { stage, samples, events };
}

describe('sample stage', () => {
  it('an hour at 80 Hz with a 3 % fast oscillator, drift and timer jitter: counts exact, time within one period', () => {
    const N = 80 * 3600;
    const st = makeStream({ samples: N, rateHz: 80 * 1.03, jitterMs: 3, driftPerHour: 0.002, payload: 20, startTimeMs: 2 ** 24 - 60_000 });
    const samples: number[] = [];
    let worst = 0;
    let worstFirst = 0;
    let count = 0;
    let prevT = -1;
    let monotonic = true;
    const stage = new SampleStage(
      (s) => {
        count++;
        for (let c = 0; c < 4; c++) if (s.counts[s.at + c] !== st.counts[s.index * 4 + c]) samples.push(s.index);
        const err = Math.abs(s.t - st.trueTimeS[s.index]!);
        // Before the second KEY (index 80) only the nominal rate is known, and the times of the
        // first samples after it are held back to stay monotonic: see device-time.ts.
        if (s.index >= 84 && err > worst) worst = err;
        if (s.index < 84 && err > worstFirst) worstFirst = err;
        if (s.t < prevT) monotonic = false;
        prevT = s.t;
      },
      (e) => {
        if (e.type !== 'stream-start') throw new Error(`unexpected event ${JSON.stringify(e)}`);
      },
    );
    for (const f of st.frames) stage.push(f.bytes, 0);
    expect(count).toBe(N);
    expect(samples).toEqual([]);
    expect(monotonic).toBe(true);
    expect(worst).toBeLessThan(1 / 80); // one sample period
    expect(worstFirst).toBeLessThan(0.03 + 1 / 80); // 3 % oscillator error over the first second
    expect(stage.stats).toMatchObject({ samples: N, lost: 0, duplicates: 0, gaps: 0 });
  });

  it('lost frames become gaps with exact counts; every delivered sample is exact', () => {
    const st = makeStream({ samples: 4000, seed: 3 });
    const r = rng(11);
    const { stage, samples, events } = collect();
    const delivered = new Set<number>();
    for (const f of st.frames) {
      if (r() < 0.08) continue; // drop 8 % of frames
      stage.push(f.bytes, 0);
    }
    for (const s of samples) {
      delivered.add(s.index);
      expect(s.c).toEqual(Array.from(st.counts.subarray(s.index * 4, s.index * 4 + 4)));
    }
    const last = samples[samples.length - 1]!.index;
    const gaps = events.filter((e) => e.type === 'gap');
    const gapTotal = gaps.reduce((a, e) => a + (e.type === 'gap' ? e.count : 0), 0);
    // every index up to the last delivered one is either delivered or inside a reported gap
    expect(delivered.size + gapTotal).toBe(last + 1);
    for (const g of gaps) {
      if (g.type !== 'gap') continue;
      for (let i = g.fromIndex; i < g.fromIndex + g.count; i++) expect(delivered.has(i)).toBe(false);
    }
    expect(stage.stats.lost).toBe(gapTotal);
    expect(samples.map((s) => s.index)).toEqual([...samples.map((s) => s.index)].sort((a, b) => a - b));
  });

  it('repeated frames are dropped as duplicates with exact counts and do not break the chain', () => {
    const st = makeStream({ samples: 1000, seed: 5 });
    const { stage, samples, events } = collect();
    let dupSamples = 0;
    st.frames.forEach((f, i) => {
      stage.push(f.bytes, 0);
      if (i % 7 === 3) {
        stage.push(f.bytes, 0);
        dupSamples += f.count;
      }
    });
    expect(samples.length).toBe(1000);
    expect(samples.map((s) => s.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const dups = events.filter((e) => e.type === 'duplicate');
    expect(dups.reduce((a, e) => a + (e.type === 'duplicate' ? e.count : 0), 0)).toBe(dupSamples);
    expect(stage.stats.duplicates).toBe(dupSamples);
    expect(events.some((e) => e.type === 'gap' || e.type === 'frame-error')).toBe(false);
  });

  it('a link loss resets the chain and labels the following gap', () => {
    const st = makeStream({ samples: 800, seed: 9 });
    const { stage, samples, events } = collect();
    const cutFrom = 20;
    const cutTo = 45;
    st.frames.forEach((f, i) => {
      if (i === cutFrom) stage.linkLost('BLE disconnected');
      if (i >= cutFrom && i < cutTo) return;
      stage.push(f.bytes, 0);
    });
    const gap = events.find((e) => e.type === 'gap');
    expect(gap).toBeDefined();
    if (gap?.type !== 'gap') return;
    expect(gap.reason).toMatch(/^link lost \(BLE disconnected\)/);
    expect(gap.fromIndex).toBe(st.frames[cutFrom]!.firstIndex);
    expect(samples.length + gap.count).toBe(800);
  });

  it('garbage frames are reported, never thrown', () => {
    const { stage, events } = collect();
    stage.push(new Uint8Array([]), 0);
    stage.push(new Uint8Array([0x99, 1, 2]), 0);
    stage.push(new Uint8Array([0x11, 0, 0]), 0);
    expect(events.map((e) => (e.type === 'frame-error' ? e.code : e.type))).toEqual(['empty', 'unsupported-major', 'truncated']);
  });
});

describe('stream restarts', () => {
  it('host indices continue across a restart and the pause is a gap sized from device time', async () => {
    const { createFrameEncoder } = await import('../../protocol/frame-encoder.ts');
    const enc = createFrameEncoder(50, 4, 80, true);
    const period = 1000 / (80 * 1.02); // a 2 % fast chip
    let k = 0;
    const r = rng(3);
    const run = (n: number): Uint8Array[] =>
      drainFrames(enc, (add) => {
        for (let j = 0; j < n; j++, k++) add(1000 + k, 2000, 3000, 4000, 0, 5_000_000 + k * period + (r() - 0.5) * 4);
      });
    const frames = run(500);
    k += 237; // the board was away for 237 sample periods
    enc.start();
    frames.push(...run(300));
    const { stage, samples, events } = collect();
    stage.linkLost('BLE disconnected');
    for (const f of frames) stage.push(f, 0);
    expect(samples.length).toBe(800);
    const gap = events.find((e) => e.type === 'gap');
    expect(gap).toMatchObject({ type: 'gap', fromIndex: 500, count: 237 });
    expect(samples[500]!.index).toBe(737);
    expect(samples[500]!.c[0]).toBe(1000 + 737);
    expect(samples[500]!.t).toBeCloseTo((737 * period) / 1000, 2);
  });
});

describe('lost stream starts', () => {
  it('the first KEY of a stream lost: the samples before the next KEY are one gap from index 0', () => {
    const st = makeStream({ samples: 400, seed: 12 });
    const { stage, samples, events } = collect();
    stage.expectStreamStart();
    const dropUntil = st.frames.findIndex((f, i) => i > 0 && f.firstIndex >= 80 && (f.bytes[0]! & 0x0f) === 0);
    st.frames.forEach((f, i) => {
      if (i >= dropUntil) stage.push(f.bytes, 0); // everything before the second KEY is lost
    });
    const first = st.frames[dropUntil]!.firstIndex;
    expect(events.find((e) => e.type === 'gap')).toEqual({ type: 'gap', fromIndex: 0, count: first, reason: 'frames lost at the start of the stream' });
    expect(samples[0]!.index).toBe(first);
    expect(samples.length + first).toBe(400);
  });

  it('a restarted stream whose first KEY is lost is not mistaken for duplicates', async () => {
    const { createFrameEncoder } = await import('../../protocol/frame-encoder.ts');
    const enc = createFrameEncoder(20, 4, 20, true);
    let k = 0;
    const run = (n: number): Uint8Array[] =>
      drainFrames(enc, (add) => {
        for (let j = 0; j < n; j++, k++) add(k, 2 * k, 3 * k, 4 * k, 0, k * 12.5);
      });
    const frames = run(300);
    const firstOfSecond = frames.length;
    k += 100; // away for 100 periods
    enc.start();
    frames.push(...run(200));
    const { stage, samples, events } = collect();
    frames.forEach((f, i) => {
      if (i === firstOfSecond) stage.expectStreamStart(); // the START_STREAM answer arrives
      if (i >= firstOfSecond && i < firstOfSecond + 3) return; // the new stream's first frames are lost
      stage.push(f, 0);
    });
    expect(events.filter((e) => e.type === 'duplicate')).toEqual([]);
    const lostNew = samples.length;
    const gap = events.find((e) => e.type === 'gap');
    expect(gap?.type === 'gap' && gap.fromIndex).toBe(300);
    // Every host index maps to the right sample: raw cell 0 is the true (continuous) index k.
    for (const s of samples) expect(s.c[0]).toBe(s.index);
    expect(lostNew).toBeGreaterThan(450);
  });
});

describe('gaps across streams: exact within one boot, estimated across a restart', () => {
  /**
   * Two streams of one encoder: 300 samples, then `away` samples the host never gets, then a
   * second stream of 200 starting at `secondIndex` with its device times from `secondTimeMs`.
   * Frames of the second stream get host time `hostGapMs` later than the first's.
   */
  async function twoStreams(secondIndex: number | undefined, secondTimeMs: number, hostGapMs: number, boots: [number | undefined, number | undefined], firstIndex = 0) {
    const { createFrameEncoder } = await import('../../protocol/frame-encoder.ts');
    const enc = createFrameEncoder(20, 4, 20, true);
    const frames: Array<{ bytes: Uint8Array; second: boolean }> = [];
    let second = false;
    const take = (f: Uint8Array | null): void => {
      while (f) {
        frames.push({ bytes: f, second });
        f = enc.poll();
      }
    };
    enc.start(firstIndex);
    for (let k = 0; k < 300; k++) take(enc.add(k, 1, 2, 3, 0, 1000 + k * 12.5));
    take(enc.flush());
    second = true;
    enc.start(secondIndex);
    for (let j = 0; j < 200; j++) take(enc.add(5000 + j, 1, 2, 3, 0, secondTimeMs + j * 12.5));
    take(enc.flush());
    const { stage, samples, events } = collect();
    stage.expectStreamStart(boots[0]);
    let answered = false;
    for (const f of frames) {
      if (f.second && !answered) {
        stage.linkLost('test');
        stage.expectStreamStart(boots[1]);
        answered = true;
      }
      stage.push(f.bytes, f.second ? hostGapMs : 0);
    }
    return { samples, gaps: events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap') };
  }

  it('same boot id: the index jump is the gap, exactly, whatever the clocks say', async () => {
    // 437 samples taken while away; device time deliberately inconsistent (it would say ~80).
    const r = await twoStreams(300 + 437, 1000 + 380 * 12.5, 999_999, [0xc0ffee01, 0xc0ffee01]);
    expect(r.gaps).toEqual([{ type: 'gap', fromIndex: 300, count: 437, reason: 'link lost (test); exact: the board kept counting samples (same boot id)' }]);
    expect(r.samples[300]!.index).toBe(737);
    expect(r.samples[300]!.c[0]).toBe(5000);
  });

  it('same boot id across the 2^24 index wrap: still exact', async () => {
    // The first stream starts 100 before the wrap; 437 taken while away; the second starts past it.
    const r = await twoStreams((2 ** 24 - 100 + 300 + 437) % 2 ** 24, 1000 + 400 * 12.5, 0, [7, 7], 2 ** 24 - 100);
    expect(r.gaps.map((g) => [g.fromIndex, g.count])).toEqual([[2 ** 24 - 100 + 300, 437]]);
    expect(r.samples[300]!.c[0]).toBe(5000);
  });

  it('a new boot id (the board restarted): estimated from host time, and says so', async () => {
    // The restarted board's index and clock start over; 2 s of host time passed since the last sample.
    const r = await twoStreams(0, 500, 2000, [11, 12]);
    expect(r.gaps).toEqual([{ type: 'gap', fromIndex: 300, count: 159, reason: 'link lost (test); the board restarted (new boot id), gap estimated from host time' }]);
    // Times keep increasing across the restart.
    for (let i = 1; i < r.samples.length; i++) expect(r.samples[i]!.t).toBeGreaterThan(r.samples[i - 1]!.t);
    expect(r.samples[300]!.t - r.samples[299]!.t).toBeCloseTo(2.0, 1);
  });

  it('no boot id (a protocol 1.0 board, index back at 0): estimated from the device clock, as before', async () => {
    const r = await twoStreams(0, 1000 + 400 * 12.5, 0, [undefined, undefined]);
    expect(r.gaps).toEqual([{ type: 'gap', fromIndex: 300, count: 100, reason: 'link lost (test); the board restarted its stream, gap sized from device time' }]);
  });
});

describe('sample rate changes', () => {
  it('80 Hz then 10 Hz: times stay within one period of each rate', async () => {
    const { createFrameEncoder } = await import('../../protocol/frame-encoder.ts');
    const enc = createFrameEncoder(20, 4, 80, true);
    const frames: Uint8Array[] = [];
    const truth: number[] = [];
    const take = (f: Uint8Array | null): void => {
      while (f) {
        frames.push(f);
        f = enc.poll();
      }
    };
    let t = 0;
    for (let i = 0; i < 800; i++) {
      truth.push(t);
      take(enc.add(i, 0, 0, 0, 0, t));
      t += 1000 / 81;
    }
    take(enc.flush());
    const changeAt = frames.length;
    enc.forceKey();
    for (let i = 0; i < 200; i++) {
      truth.push(t);
      take(enc.add(800 + i, 0, 0, 0, 0, t));
      t += 1000 / 10.1;
    }
    take(enc.flush());
    const { stage, samples } = collect();
    frames.forEach((f, i) => {
      if (i === changeAt) stage.rateChanged(10); // the SET_SAMPLE_RATE answer arrives here
      stage.push(f, 0);
    });
    expect(samples.length).toBe(1000);
    for (const s of samples) {
      if (s.index < 84) continue; // before the second KEY only the nominal rate is known
      const err = Math.abs(s.t - truth[s.index]! / 1000);
      expect(err, `index ${s.index}`).toBeLessThan(s.index < 800 ? 1 / 80 : 1 / 10);
    }
  });
});
