/** The synthetic person: realistic single-leg sway, tripod bias, schedule, exact cell forces. */
import { describe, expect, it } from 'vitest';
import { bilinearCellWeights, createSyntheticPerson, distributeToCells, personLoadSource, type SyntheticPersonOptions } from '../../host/sim/person.ts';
import { computeSwayMetrics, createTrialDetector, tripodShares, type TrialEvent } from '../../host/scoring/index.ts';
import { DEFAULT_LAYOUT, type BoardLayout, type ForceSample } from '../../host/pipeline/types.ts';

const FS = 80;

function trace(opts: SyntheticPersonOptions, fromS: number, toS: number) {
  const p = createSyntheticPerson(opts);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; fromS + i / FS < toS; i++) {
    const s = p.at(fromS + i / FS);
    x.push(s.cop!.x);
    y.push(s.cop!.y);
  }
  return { p, x, y };
}

/** Samples the person through its cell forces, computing the CoP as the pipeline does. */
function boardSamples(opts: SyntheticPersonOptions, toS: number, layout: BoardLayout = DEFAULT_LAYOUT): ForceSample[] {
  const p = createSyntheticPerson(opts);
  const src = personLoadSource(p, layout);
  const out: ForceSample[] = [];
  for (let i = 0; i / FS <= toS; i++) {
    const t = i / FS;
    const f = src(t);
    const total = f[0] + f[1] + f[2] + f[3];
    const cop = total >= 50 ? { x: f.reduce((a, fi, k) => a + fi * layout.cells[k]!.x, 0) / total, y: f.reduce((a, fi, k) => a + fi * layout.cells[k]!.y, 0) / total } : null;
    out.push({ index: i, t, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: f, total, cop, flags: 0 });
  }
  return out;
}

describe('synthetic person sway', () => {
  const seeds = [1, 2, 3];
  it('eyes open: mean CoP velocity 20-40 mm/s and a 95 % ellipse of a few hundred mm² (30 s at 80 Hz)', () => {
    for (const seed of seeds) {
      const { x, y } = trace({ seed, stepOnS: 0 }, 1, 31);
      const m = computeSwayMetrics({ x, y }, FS);
      expect(m.velocityMmS, `seed ${seed}`).toBeGreaterThan(20);
      expect(m.velocityMmS, `seed ${seed}`).toBeLessThan(40);
      expect(m.area95Mm2, `seed ${seed}`).toBeGreaterThan(150);
      expect(m.area95Mm2, `seed ${seed}`).toBeLessThan(900);
      expect(m.mfreqHz).toBeGreaterThan(0.2);
      expect(m.mfreqHz).toBeLessThan(2);
    }
  });
  it('eyes closed: larger velocity and area than eyes open, same seed', () => {
    for (const seed of seeds) {
      const open = computeSwayMetrics(trace({ seed, stepOnS: 0 }, 1, 31), FS);
      const closed = computeSwayMetrics(trace({ seed, stepOnS: 0, eyes: 'closed' }, 1, 31), FS);
      expect(closed.velocityMmS / open.velocityMmS).toBeGreaterThan(1.3);
      expect(closed.area95Mm2 / open.area95Mm2).toBeGreaterThan(2);
    }
  });
  it('the CoP stays on the stance foot', () => {
    const { p, x, y } = trace({ seed: 4, stepOnS: 0 }, 1, 31);
    const m = computeSwayMetrics({ x, y }, FS, { outline: p.landmarks.outline });
    expect(m.ttb!.insidePct).toBe(100);
    expect(m.ttb!.minS).toBeGreaterThan(0.05);
  });
  it('is deterministic per seed, whatever order the times are queried in', () => {
    const a = createSyntheticPerson({ seed: 9 });
    const b = createSyntheticPerson({ seed: 9 });
    const late = a.at(7.3);
    a.at(2.1);
    a.at(0.9);
    expect(a.at(7.3)).toEqual(late);
    expect(b.at(7.3)).toEqual(late);
    expect(createSyntheticPerson({ seed: 10 }).at(7.3).cop).not.toEqual(late.cop);
  });
});

describe('tripod bias and drift', () => {
  const meanShares = (opts: SyntheticPersonOptions, from = 1, to = 31) => {
    const { p, x, y } = trace({ seed: 2, stepOnS: 0, ...opts }, from, to);
    const s = { heel: 0, mt1: 0, mt5: 0 };
    for (let i = 0; i < x.length; i++) {
      const r = tripodShares({ x: x[i]!, y: y[i]! }, p.landmarks).shares;
      s.heel += r.heel / x.length;
      s.mt1 += r.mt1 / x.length;
      s.mt5 += r.mt5 / x.length;
    }
    return s;
  };
  it('a heel bias moves weight onto the heel; a lateral bias onto the outer edge', () => {
    const base = meanShares({});
    const heel = meanShares({ bias: { heel: 0.15 } });
    expect(heel.heel - base.heel).toBeCloseTo(0.15, 6);
    const lateral = meanShares({ bias: { lateral: 0.1 } });
    expect(lateral.mt5 - base.mt5).toBeCloseTo(0.1, 6);
    expect(lateral.mt1 - base.mt1).toBeCloseTo(-0.1, 6);
  });
  it('a drift keeps moving the mean over the trial', () => {
    // Same seed with and without drift: the sway is identical, only the mean moves.
    const early = meanShares({ driftPerMin: { heel: 0.2 } }, 1, 11).heel - meanShares({}, 1, 11).heel;
    const late = meanShares({ driftPerMin: { heel: 0.2 } }, 51, 61).heel - meanShares({}, 51, 61).heel;
    // Sample times 1 + i/80, i = 0..799: their mean is 1 + 799/160 s.
    expect(early).toBeCloseTo((0.2 * (1 + 799 / 160)) / 60, 9);
    expect(late).toBeCloseTo((0.2 * (51 + 799 / 160)) / 60, 9);
  });
  it('body mass sets the load', () => {
    const p = createSyntheticPerson({ massKg: 82, stepOnS: 0 });
    expect(p.bodyWeightN).toBeCloseTo(82 * 9.80665, 9);
    const t = p.at(5);
    expect(Math.abs(t.totalN / p.bodyWeightN - 1)).toBeLessThan(0.02);
    expect(p.at(-1)).toEqual({ totalN: 0, cop: null, phase: 'off' });
  });
});

describe('cell forces', () => {
  it('bilinear weights reproduce the CoP exactly on our board and on an irregular layout', () => {
    const irregular: BoardLayout = { cells: [{ x: 200, y: 180 }, { x: -170, y: 190 }, { x: -180, y: -160 }, { x: 190, y: -175 }], plate: { widthMm: 420, depthMm: 420 } };
    for (const layout of [DEFAULT_LAYOUT, irregular]) {
      for (const cop of [{ x: 0, y: 0 }, { x: 60, y: -40 }, { x: -120, y: 150 }, { x: 170, y: -150 }]) {
        const w = bilinearCellWeights(cop, layout);
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const f = distributeToCells(700, cop, layout);
        const total = f.reduce((a, b) => a + b, 0);
        expect(total).toBeCloseTo(700, 9);
        expect(f.reduce((a, fi, k) => a + fi * layout.cells[k]!.x, 0) / total).toBeCloseTo(cop.x, 9);
        expect(f.reduce((a, fi, k) => a + fi * layout.cells[k]!.y, 0) / total).toBeCloseTo(cop.y, 9);
        expect(f.every((v) => v >= 0)).toBe(true);
      }
    }
  });
  it('personLoadSource gives zero before the step-on and the person’s CoP after', () => {
    const p = createSyntheticPerson({ seed: 3, stepOnS: 2 });
    const src = personLoadSource(p);
    expect(src(1)).toEqual([0, 0, 0, 0]);
    const f = src(5);
    const total = f.reduce((a, b) => a + b, 0);
    const s = p.at(5);
    expect(total).toBeCloseTo(s.totalN, 9);
    expect(f.reduce((a, fi, k) => a + fi * DEFAULT_LAYOUT.cells[k]!.x, 0) / total).toBeCloseTo(s.cop!.x, 9);
  });
});

describe('the person through the board and the trial detector', () => {
  it('weighs on two feet, starts on one, finds the scheduled touch-downs and the step-off', () => {
    const samples = boardSamples(
      {
        seed: 5,
        massKg: 70,
        stepOnS: 1,
        bipedalS: 3.5,
        touchDowns: [
          { atS: 9, durationS: 0.5 },
          { atS: 16, durationS: 1.2, fraction: 0.3 },
        ],
        stepOffS: 26,
      },
      30,
    );
    const det = createTrialDetector({ foot: 'right', durationS: 60 });
    const events: TrialEvent[] = [];
    for (const s of samples) events.push(...det.push(s));
    const bw = events.find((e) => e.type === 'body-weight') as Extract<TrialEvent, { type: 'body-weight' }>;
    expect(Math.abs(bw.bodyWeightN / (70 * 9.80665) - 1)).toBeLessThan(0.01);
    const started = events.find((e) => e.type === 'started')!;
    expect(started.t).toBeGreaterThan(1 + 0.4 + 3.5);
    expect(started.t).toBeLessThan(1 + 0.4 + 3.5 + 1);
    const tds = events.filter((e) => e.type === 'touch-down');
    expect(tds).toHaveLength(2);
    expect(Math.abs(tds[0]!.t - 9)).toBeLessThan(0.1);
    expect(Math.abs(tds[1]!.t - 16)).toBeLessThan(0.1);
    const ended = events.find((e) => e.type === 'ended') as Extract<TrialEvent, { type: 'ended' }>;
    expect(ended.reason).toBe('step-off');
    expect(Math.abs(ended.t - 26)).toBeLessThan(0.15);
    const r = ended.result;
    expect(r.errors).toBe(3);
    expect(r.sway!.velocityMmS).toBeGreaterThan(15);
    expect(r.sway!.velocityMmS).toBeLessThan(40);
  });
  it('a person on the left foot is reported as the wrong foot for a right-foot trial', () => {
    const samples = boardSamples({ seed: 6, foot: 'left', stepOnS: 0.5 }, 5);
    const det = createTrialDetector({ foot: 'right', bodyWeightN: 70 * 9.80665 });
    const events = samples.flatMap((s) => det.push(s));
    expect(events.find((e) => e.type === 'wrong-foot')).toMatchObject({ detected: 'left' });
    expect(events.some((e) => e.type === 'started')).toBe(false);
  });
});

describe('a repeating demo timeline', () => {
  it('gives a trial every period, each with its touch-down and step-off', async () => {
    const { DEMO_PERSON } = await import('../../host/sim/person.ts');
    const samples = boardSamples({ seed: 12, ...DEMO_PERSON }, 101);
    const results = [];
    let det = createTrialDetector({ foot: 'right', durationS: 60 });
    for (const s of samples) {
      for (const e of det.push(s)) {
        if (e.type === 'ended') {
          results.push(e.result);
          det = createTrialDetector({ foot: 'right', durationS: 60 });
        }
      }
    }
    expect(results).toHaveLength(2);
    for (const [k, r] of results.entries()) {
      expect(r.endReason).toBe('step-off');
      expect(r.touchDowns).toHaveLength(1);
      expect(Math.abs(r.touchDowns[0]!.t - (20 + 50 * k))).toBeLessThan(0.1);
      expect(Math.abs(r.endT - (43 + 50 * k))).toBeLessThan(0.15);
      expect(r.timeHeldS).toBeGreaterThan(30);
    }
    // The sway differs between the two trials (it runs on), the timeline does not.
    expect(results[0]!.sway!.pathMm).not.toBe(results[1]!.sway!.pathMm);
    expect(() => createSyntheticPerson({ repeatEveryS: 10 })).toThrow(/repeatEveryS: needs a step-off/);
  });
});
