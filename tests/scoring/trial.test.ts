/** Trial logic on scripted load sequences: start, touch-downs, step-off, too short, wrong foot. */
import { describe, expect, it } from 'vitest';
import { computeSwayMetrics, createTrialDetector, resolveStance, summariseTrial, type TrialEvent, type TrialResult } from '../../host/scoring/index.ts';
import type { ForceSample, PointMm } from '../../host/pipeline/types.ts';
import { scriptedSamples } from './samples.ts';

const BW = 700; // N
const RIGHT_FOOT: PointMm = { x: 60, y: -10 }; // inside the right outline at the default mark
const LEFT_FOOT: PointMm = { x: -60, y: -10 };
const BOTH_FEET: PointMm = { x: 0, y: -10 };

/** A small circular sway so the sway metrics have something to measure. */
function sway(base: PointMm, t: number): PointMm {
  return { x: base.x + 3 * Math.sin(2 * Math.PI * 0.5 * t), y: base.y + 4 * Math.cos(2 * Math.PI * 0.7 * t) };
}

/** Drops of the load: [start s, duration s, fraction of BW left on the board]. */
function withDrops(drops: Array<[number, number, number]>, stepOffS = Infinity, onS = 1, where = RIGHT_FOOT) {
  return (t: number) => {
    if (t < onS || t >= stepOffS + 0.2) return { total: 0, cop: null };
    let total = BW * Math.min(1, (t - onS) / 0.3);
    for (const [at, d, left] of drops) if (t >= at && t < at + d) total = BW * left;
    if (t >= stepOffS) total = BW * (1 - (t - stepOffS) / 0.2);
    return { total, cop: sway(where, t) };
  };
}

function run(samples: ForceSample[], config: Parameters<typeof createTrialDetector>[0]) {
  const det = createTrialDetector(config);
  const events: TrialEvent[] = [];
  for (const s of samples) events.push(...det.push(s));
  const ended = events.find((e) => e.type === 'ended') as Extract<TrialEvent, { type: 'ended' }> | undefined;
  return { det, events, result: ended?.result ?? null };
}

describe('trial detector', () => {
  it('starts when the load reaches body weight and is steady on the set foot, ends at the duration', () => {
    const { events, result } = run(scriptedSamples(withDrops([]), 40), { foot: 'right', bodyWeightN: BW, durationS: 30 });
    const started = events.find((e) => e.type === 'started')!;
    // Load reaches 0.9 BW at 1 + 0.27 s; the steady 0.5 s window then starts at the first sample >= 0.9 BW.
    expect(started.t).toBeGreaterThanOrEqual(1.27);
    expect(started.t).toBeLessThan(1.3);
    const r = result!;
    expect(r.endReason).toBe('duration');
    expect(r.completed).toBe(true);
    expect(r.timeHeldS).toBeCloseTo(30, 9);
    expect(r.endT).toBeCloseTo(started.t + 30, 9);
    expect(r.errors).toBe(0);
    expect(r.tooShort).toBe(false);
    expect(r.bodyWeightSource).toBe('entered');
    expect(r.samples).toBeGreaterThanOrEqual(30 * 80 - 1);
    expect(r.sway!.n).toBeGreaterThan(2000);
    expect(r.preprocessing).toMatch(/Butterworth/);
    expect(r.shares!.mean.heel + r.shares!.mean.mt1 + r.shares!.mean.mt5).toBeCloseTo(1, 9);
    expect(r.mlIndex).toBeCloseTo(r.shares!.mean.mt5 - r.shares!.mean.mt1, 12);
    expect(r.heelForefootIndex).toBeCloseTo(r.shares!.mean.heel - r.shares!.mean.mt1 - r.shares!.mean.mt5, 12);
    expect(r.inZonePct).toBeGreaterThanOrEqual(0);
    expect(r.sway!.ttb!.insidePct).toBe(100);
  });

  it('counts touch-downs with their onset times; ignores a blip shorter than the minimum', () => {
    const drops: Array<[number, number, number]> = [
      [8, 0.6, 0.5], // touch-down 1
      [12, 0.05, 0.5], // blip: 50 ms < 100 ms
      [17.5, 2, 0.7], // touch-down 2, long (confirmed at 0.5 s, before it ends)
    ];
    const { events, result } = run(scriptedSamples(withDrops(drops), 40), { foot: 'right', bodyWeightN: BW, durationS: 30 });
    const tds = events.filter((e) => e.type === 'touch-down');
    expect(tds.map((e) => e.t)).toEqual([8, 17.5]);
    const ends = events.filter((e) => e.type === 'touch-down-end') as Array<Extract<TrialEvent, { type: 'touch-down-end' }>>;
    expect(ends).toHaveLength(2);
    expect(ends[0]!.touchDown.durationS).toBeCloseTo(0.6, 6);
    expect(ends[1]!.touchDown.durationS).toBeCloseTo(2, 6);
    expect(ends[1]!.touchDown.minLoadN).toBeCloseTo(0.7 * BW, 9);
    // The long one is reported 0.5 s after its onset, before it ends.
    const idxTd2 = events.indexOf(tds[1]!);
    expect(idxTd2).toBeLessThan(events.indexOf(ends[1]!));
    const r = result!;
    expect(r.touchDowns.map((d) => d.t)).toEqual([8, 17.5]);
    expect(r.touchDowns[0]!.trialS).toBeCloseTo(8 - r.startT, 9);
    expect(r.errors).toBe(2);
    expect(r.errorsScored).toBe(2);
    expect(r.endReason).toBe('duration');
  });

  it('ends at a step-off (dated at the load drop onset), which counts as an error', () => {
    const { events, result } = run(scriptedSamples(withDrops([[6, 0.4, 0.5]], 14), 40), { foot: 'right', bodyWeightN: BW, durationS: 30 });
    const r = result!;
    expect(r.endReason).toBe('step-off');
    expect(r.completed).toBe(false);
    // Load falls below 0.9 BW at 14 + 0.02 s (linear ramp over 0.2 s); the step-off is dated there.
    expect(r.stepOff!.t).toBeGreaterThanOrEqual(14.02);
    expect(r.stepOff!.t).toBeLessThan(14.04);
    expect(r.endT).toBe(r.stepOff!.t);
    expect(r.timeHeldS).toBeCloseTo(r.stepOff!.t - r.startT, 9);
    expect(r.touchDowns).toHaveLength(1);
    expect(r.errors).toBe(2);
    expect(r.tooShort).toBe(false);
    // The step-off did not also count as a touch-down.
    expect(events.filter((e) => e.type === 'touch-down')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'step-off')).toHaveLength(1);
  });

  it('one glitched sample (a dropped reading at 0 N) is neither a step-off nor a touch-down', () => {
    const samples = scriptedSamples(withDrops([]), 40);
    const glitch = samples.findIndex((x) => x.t >= 10);
    samples[glitch] = { ...samples[glitch]!, total: 0, cop: null };
    const { result } = run(samples, { foot: 'right', bodyWeightN: BW, durationS: 30 });
    expect(result!.endReason).toBe('duration');
    expect(result!.errors).toBe(0);
  });

  it('marks a trial held less than 5 s as too short', () => {
    const { result } = run(scriptedSamples(withDrops([], 4.5), 10), { foot: 'right', bodyWeightN: BW });
    expect(result!.endReason).toBe('step-off');
    expect(result!.timeHeldS).toBeLessThan(5);
    expect(result!.tooShort).toBe(true);
  });

  it('reports the wrong foot and does not start', () => {
    const { events, det } = run(scriptedSamples(withDrops([], Infinity, 1, LEFT_FOOT), 6), { foot: 'right', bodyWeightN: BW });
    const wrong = events.filter((e) => e.type === 'wrong-foot');
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ detected: 'left' });
    expect(events.some((e) => e.type === 'started')).toBe(false);
    expect(det.phase).toBe('waiting');
  });

  it('measures the body weight from a quiet two-foot stand, then starts when the other foot lifts', () => {
    const script = (t: number) => {
      if (t < 0.5) return { total: 0, cop: null };
      // 0.5-4.5 s both feet (CoP between the outlines), then onto the right foot.
      const total = BW + 3 * Math.sin(7 * t);
      return { total, cop: t < 4.5 ? sway(BOTH_FEET, t) : sway(RIGHT_FOOT, t) };
    };
    const { events, result, det } = run(scriptedSamples(script, 20), { foot: 'right', durationS: 10 });
    const bw = events.find((e) => e.type === 'body-weight') as Extract<TrialEvent, { type: 'body-weight' }>;
    expect(bw).toBeDefined();
    expect(bw.bodyWeightN).toBeGreaterThan(BW - 3);
    expect(bw.bodyWeightN).toBeLessThan(BW + 3);
    expect(bw.t).toBeLessThan(4);
    const started = events.find((e) => e.type === 'started')!;
    expect(started.t).toBeGreaterThanOrEqual(4.5);
    expect(started.t).toBeLessThan(4.6);
    expect(det.bodyWeightN).toBe(bw.bodyWeightN);
    expect(result!.bodyWeightSource).toBe('measured');
    expect(result!.timeHeldS).toBeCloseTo(10, 9);
  });

  it('stop() ends a running trial with its result; before the start it returns null', () => {
    const det = createTrialDetector({ foot: 'right', bodyWeightN: BW });
    for (const s of scriptedSamples(withDrops([]), 9)) det.push(s);
    const r = det.stop() as TrialResult;
    expect(r.endReason).toBe('stopped');
    expect(r.timeHeldS).toBeCloseTo(9 - r.startT, 9);
    expect(det.stop()).toBe(r);
    expect(det.push(scriptedSamples(withDrops([]), 10)[799]!)).toEqual([]);
    const idle = createTrialDetector({ foot: 'left', bodyWeightN: BW });
    expect(idle.stop()).toBeNull();
  });

  it('caps the BESS error score at 10', () => {
    const drops: Array<[number, number, number]> = Array.from({ length: 12 }, (_, i) => [3 + i * 2, 0.3, 0.5] as [number, number, number]);
    const { result } = run(scriptedSamples(withDrops(drops), 40), { foot: 'right', bodyWeightN: BW, durationS: 30 });
    expect(result!.errors).toBe(12);
    expect(result!.errorsScored).toBe(10);
  });

  it('with the filter off, the sway metrics are those of the raw CoP from start to end', () => {
    const samples = scriptedSamples(withDrops([]), 25);
    const { result } = run(samples, { foot: 'right', bodyWeightN: BW, durationS: 20, preprocess: { filter: false } });
    const r = result!;
    // The trial holds [start, end): N / fs is the set duration.
    const inTrial = samples.filter((s) => s.t >= r.startT - 1e-9 && s.t < r.endT - 1e-6 && s.cop);
    const m = computeSwayMetrics({ x: inTrial.map((s) => s.cop!.x), y: inTrial.map((s) => s.cop!.y) }, 80);
    expect(r.sway!.n).toBe(m.n);
    expect(m.n).toBe(1600);
    expect(r.sway!.pathMm).toBeCloseTo(m.pathMm, 6);
    expect(r.sway!.area95Mm2).toBeCloseTo(m.area95Mm2, 6);
    expect(r.sway!.mfreqHz).toBeCloseTo(m.mfreqHz, 6);
    expect(r.preprocessing).toMatch(/not filtered/);
    // Live and final agree: the streaming metrics of the same raw samples are the batch ones.
    expect(r.liveSway!.pathMm).toBeCloseTo(r.sway!.pathMm, 9);
    expect(r.liveSway!.velocityMmS).toBeCloseTo(r.sway!.velocityMmS, 6);
    expect(r.liveSway!.area95Mm2).toBeCloseTo(r.sway!.area95Mm2, 9);
    expect(r.liveSway!.rmsApMm).toBeCloseTo(r.sway!.rmsApMm, 12);
  });

  it('refuses bad settings with the setting named', () => {
    expect(() => createTrialDetector({ foot: 'right', durationS: 0 })).toThrow(/trial durationS: expected 1..600, got 0/);
    expect(() => createTrialDetector({ foot: 'right', bodyWeightN: 5 })).toThrow(/trial bodyWeightN: expected 100..3000, got 5/);
  });

  it('summariseTrial is the detector\'s result from the recorded trial, pure and leaving later CoPs out', () => {
    const { result } = run(scriptedSamples(withDrops([[8, 0.3, 0.5]]), 12), { foot: 'right', bodyWeightN: BW, durationS: 10 });
    const r = result!;
    const cop = [];
    for (let i = 0; i <= 800; i++) {
      const t = r.startT + i / 80;
      cop.push({ t, ...sway(RIGHT_FOOT, t) });
    }
    const record = {
      stance: resolveStance({ foot: 'right' }),
      foot: 'right' as const,
      bodyWeightN: BW,
      bodyWeightSource: 'entered' as const,
      startT: r.startT,
      endT: r.startT + 5,
      endReason: 'stopped' as const,
      durationS: 10,
      minHeldS: 5,
      maxErrors: 10,
      touchDowns: r.touchDowns,
      stepOff: null,
      cop,
    };
    const frozen = JSON.stringify(record);
    const a = summariseTrial(record);
    expect(JSON.stringify(record)).toBe(frozen); // the record is not changed
    expect(summariseTrial(record)).toEqual(a); // same record, same result
    expect(a.samples).toBe(401); // start to start + 5 s at 80 Hz, ends included
    expect(a.timeHeldS).toBeCloseTo(5, 12);
    expect(a.errors).toBe(1);
    expect(a.touchDowns).toEqual(r.touchDowns);
    expect(a.completed).toBe(false);
    expect(a.tooShort).toBe(false);
    expect(summariseTrial({ ...record, cop: [] })).toMatchObject({ samples: 0, shares: null, sway: null, liveSway: null });
  });
});
