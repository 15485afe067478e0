/**
 * The synthetic person on the emulated board (real built firmware, virtual clock), through the sim
 * transport and the host pipeline, into the live scorer and the trial detector: the whole chain
 * `tripod live` runs. Times: the samples carry device time, the person's schedule is board time;
 * the test compares intervals, which do not depend on the offset between the two.
 */
import { describe, expect, it } from 'vitest';
import { openBoard } from '../../host/session.ts';
import { createSyntheticPerson, personLoadSource } from '../../host/sim/person.ts';
import { createLiveScorer, createTrialDetector, type TrialEvent } from '../../host/scoring/index.ts';
import type { ForceSample } from '../../host/pipeline/types.ts';
import { drivenBoard } from '../host/helpers/virtual-board.ts';

describe('person -> emulated board -> pipeline -> scoring', () => {
  it('the trial detector finds the scheduled touch-downs and step-off; live and trial sway agree with the model', async () => {
    const person = createSyntheticPerson({
      seed: 8,
      massKg: 75,
      stepOnS: 1.5,
      bipedalS: 3.5,
      touchDowns: [
        { atS: 10, durationS: 0.6 },
        { atS: 17, durationS: 1, fraction: 0.35 },
      ],
      stepOffS: 27,
    });
    const d = drivenBoard({ loads: personLoadSource(person), seed: 8 });
    const session = await openBoard({ kind: 'sim' }, { sim: { board: d.board } });
    const samples: ForceSample[] = [];
    session.samples$.subscribe((s) => samples.push(s));
    // The host may lag the virtual clock (busy machine): drive on until 29 s of samples arrived.
    await d.until(31);
    while ((samples.at(-1)?.t ?? 0) < 29 && d.board.now() < 120) await d.until(d.board.now() + 0.5);
    await session.close();
    d.stop();

    expect(samples.length).toBeGreaterThan(25 * 70);
    const det = createTrialDetector({ foot: 'right', durationS: 60 });
    const live = createLiveScorer({ foot: 'right' });
    const events: TrialEvent[] = [];
    let lastLive;
    for (const s of samples) {
      events.push(...det.push(s));
      const l = live.push(s);
      // The live view in the middle of the stance (before the first touch-down).
      if (det.phase === 'running' && !events.some((e) => e.type === 'touch-down')) lastLive = l;
    }
    // The board is uncalibrated (default scale, no tare): its load reads a few % off; the detector
    // measures the body weight itself, so that does not matter.
    const bw = events.find((e) => e.type === 'body-weight') as Extract<TrialEvent, { type: 'body-weight' }>;
    expect(bw).toBeDefined();
    expect(Math.abs(bw.bodyWeightN / (75 * 9.80665) - 1)).toBeLessThan(0.1);
    const started = events.find((e) => e.type === 'started')!;
    const tds = events.filter((e) => e.type === 'touch-down');
    expect(tds).toHaveLength(2);
    expect(Math.abs(tds[1]!.t - tds[0]!.t - 7)).toBeLessThan(0.1);
    const ended = events.find((e) => e.type === 'ended') as Extract<TrialEvent, { type: 'ended' }>;
    expect(ended.reason).toBe('step-off');
    expect(Math.abs(ended.t - tds[0]!.t - 17)).toBeLessThan(0.15);
    // Start: after the two-foot stand and the shift onto one foot (board time 1.5 + 0.4 + 3.5 + 0.5).
    expect(Math.abs(tds[0]!.t - started.t - (10 - 5.9))).toBeLessThan(0.6);
    const r = ended.result;
    expect(r.errors).toBe(3);
    expect(r.sway!.velocityMmS).toBeGreaterThan(15);
    expect(r.sway!.velocityMmS).toBeLessThan(45);
    expect(r.sway!.area95Mm2).toBeGreaterThan(100);
    expect(r.sway!.area95Mm2).toBeLessThan(1200);
    expect(r.sway!.ttb!.insidePct).toBeGreaterThan(99);
    // The person's habitual shares (heel 0.42, mt1 0.31, mt5 0.27) come back through the board.
    expect(r.shares!.mean.heel).toBeGreaterThan(0.3);
    expect(r.shares!.mean.heel).toBeLessThan(0.55);
    expect(lastLive!.loaded).toBe(true);
    expect(lastLive!.sway!.velocityMmS).toBeGreaterThan(15);
  });
});
