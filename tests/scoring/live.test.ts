/** The live scorer: per-sample score, % time in zone, the rolling 2 s summary, cues. */
import { describe, expect, it } from 'vitest';
import { asymmetryPct, compareFeet, createLiveScorer, pointFromShares, resolveStance, type TrialResult } from '../../host/scoring/index.ts';
import { scriptedSamples } from './samples.ts';

const stance = resolveStance({ foot: 'right' });
const at = (heel: number, mt1: number) => pointFromShares({ heel, mt1, mt5: 1 - heel - mt1 }, stance.landmarks);

describe('live scorer', () => {
  it('scores 100 and says "hold it" at the target; the page gets shares, zone and target', () => {
    const scorer = createLiveScorer({ foot: 'right' });
    let last;
    for (const s of scriptedSamples(() => ({ total: 700, cop: stance.targetPoint }), 1)) last = scorer.push(s);
    expect(last!.score).toBeCloseTo(100, 9);
    expect(last!.inZone).toBe(true);
    expect(last!.inZonePct).toBeCloseTo(100, 9);
    expect(last!.cue).toBe('Good: hold it there');
    expect(last!.shares!.heel).toBeCloseTo(1 / 3, 9);
    expect(last!.outside).toBeNull();
    expect(last!.target.name).toBe('clinical');
  });

  it('% time in zone is time-weighted since the reset; the rolling window only sees the last 2 s', () => {
    const scorer = createLiveScorer({ foot: 'right' });
    // 3 s on target, then 1 s heel-heavy (out of zone).
    const script = (t: number) => ({ total: 700, cop: t < 3 ? stance.targetPoint : at(0.7, 0.15) });
    let last;
    for (const s of scriptedSamples(script, 4)) last = scorer.push(s);
    expect(last!.inZone).toBe(false);
    expect(last!.inZonePct).toBeCloseTo(75, 0);
    expect(last!.rolling.windowS).toBe(2);
    // The last 2 s: half on target, half heel-heavy.
    expect(last!.rolling.inZonePct!).toBeGreaterThan(45);
    expect(last!.rolling.inZonePct!).toBeLessThan(55);
    expect(last!.rolling.samples).toBe(161);
    expect(last!.rolling.meanShares!.heel).toBeCloseTo((1 / 3 + 0.7) / 2, 1);
    expect(last!.cue).toMatch(/^Off the heel/);
    expect(last!.score).toBeLessThan(50);
    scorer.reset();
    const after = scorer.push(scriptedSamples(() => ({ total: 700, cop: stance.targetPoint }), 10.1, 80, 10)[0]!);
    expect(after.inZonePct).toBe(0); // first sample after a reset has no duration yet
    expect(after.rolling.samples).toBe(1);
  });

  it('the rolling summary stays exact over a long run (window compaction)', () => {
    const scorer = createLiveScorer({ foot: 'right' });
    const script = (t: number) => ({ total: 700, cop: { x: 60 + 8 * Math.sin(t * 1.3), y: -10 + 6 * Math.sin(t * 0.7) } });
    const samples = scriptedSamples(script, 40);
    let last;
    for (const s of samples) last = scorer.push(s);
    const tEnd = samples[samples.length - 1]!.t;
    const inWin = samples.filter((s) => tEnd - s.t <= 2 + 1e-9);
    expect(last!.rolling.samples).toBe(inWin.length);
    const mx = inWin.reduce((a, s) => a + s.cop!.x, 0) / inWin.length;
    expect(last!.rolling.meanCop!.x).toBeCloseTo(mx, 9);
    let path = 0;
    for (let i = 1; i < inWin.length; i++) path += Math.hypot(inWin[i]!.cop!.x - inWin[i - 1]!.cop!.x, inWin[i]!.cop!.y - inWin[i - 1]!.cop!.y);
    expect(last!.rolling.velocityMmS!).toBeCloseTo(path / (inWin[inWin.length - 1]!.t - inWin[0]!.t), 9);
  });

  it('a time base that restarts (board reboot) empties the rolling window instead of freezing it', () => {
    const scorer = createLiveScorer({ foot: 'right' });
    for (const s of scriptedSamples(() => ({ total: 700, cop: stance.targetPoint }), 100, 80, 95)) scorer.push(s);
    const restarted = scriptedSamples(() => ({ total: 700, cop: at(0.7, 0.15) }), 1, 80, 0);
    let last;
    for (const s of restarted) last = scorer.push(s);
    expect(last!.rolling.samples).toBe(restarted.length);
    expect(last!.rolling.inZonePct).toBe(0);
  });

  it('an empty board gives no score and asks the person to step on', () => {
    const scorer = createLiveScorer({ foot: 'left' });
    const r = scorer.push(scriptedSamples(() => ({ total: 5, cop: null }), 0)[0]!);
    expect(r.loaded).toBe(false);
    expect(r.score).toBeNull();
    expect(r.shares).toBeNull();
    expect(r.cue).toMatch(/left foot on the left outline/);
  });

  it('flags a CoP outside the tripod and cues it', () => {
    const scorer = createLiveScorer({ foot: 'right' });
    let last;
    for (const s of scriptedSamples(() => ({ total: 700, cop: { x: 60, y: 100 } }), 1)) last = scorer.push(s);
    expect(last!.outside).toBe('forefoot');
    expect(last!.shares!.heel).toBeLessThan(0);
    expect(last!.cue).toMatch(/toes/);
  });

  it('its streaming sway metrics match the batch ones on the same samples', () => {
    const scorer = createLiveScorer({ foot: 'right', target: 'physiological' });
    const script = (t: number) => ({ total: 700, cop: { x: 60 + 5 * Math.sin(t * 3), y: -5 + 4 * Math.cos(t * 2.2) } });
    let last;
    const samples = scriptedSamples(script, 10);
    for (const s of samples) last = scorer.push(s);
    const sway = last!.sway!;
    expect(sway.n).toBe(samples.length);
    expect(sway.durationS).toBeCloseTo(samples.length / 80, 9);
    let path = 0;
    for (let i = 1; i < samples.length; i++) path += Math.hypot(samples[i]!.cop!.x - samples[i - 1]!.cop!.x, samples[i]!.cop!.y - samples[i - 1]!.cop!.y);
    expect(sway.pathMm).toBeCloseTo(path, 9);
    expect(last!.target.name).toBe('physiological');
  });
});

describe('left/right asymmetry', () => {
  it('is 100 x (right - left) / max(|right|, |left|)', () => {
    expect(asymmetryPct(20, 30)).toBeCloseTo(33.333, 3);
    expect(asymmetryPct(30, 20)).toBeCloseTo(-33.333, 3);
    expect(asymmetryPct(10, 10)).toBe(0);
    expect(asymmetryPct(0, 0)).toBeNull();
    expect(asymmetryPct(null, 3)).toBeNull();
  });
  it('compares a left and a right trial, and refuses two of the same foot', () => {
    const base = { timeHeldS: 30, errors: 1, inZonePct: 60, sway: null } as unknown as TrialResult;
    const rows = compareFeet({ ...base, foot: 'left' }, { ...base, foot: 'right', timeHeldS: 15 });
    const held = rows.find((r) => r.key === 'timeHeldS')!;
    expect(held.asymmetryPct).toBeCloseTo(-50, 9);
    expect(rows.find((r) => r.key === 'area95Mm2')!.asymmetryPct).toBeNull();
    expect(() => compareFeet({ ...base, foot: 'right' }, { ...base, foot: 'right' })).toThrow(/expected a left and a right trial/);
  });
});
