/**
 * tripod analyze of a Tripod recording or export: cut to each stance (the step onto the plate and
 * off it left out, and said), --whole keeps all; the same stances from the recording, its CSV and
 * its C3D. The stance finder itself on load traces built to the sample.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findStances } from '../../host/scoring/stances.ts';
import { runCli } from './helpers/cli.ts';
import { writePersonRecording } from './helpers/synthetic-recording.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-stance-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const jsonLines = (s: string): Array<Record<string, any>> => s.trim().split('\n').map((l) => JSON.parse(l));

describe('findStances', () => {
  const trace = (secs: number, load: (t: number) => number): { t: number[]; total: number[] } => {
    const t: number[] = [];
    for (let i = 0; i < secs * 100; i++) t.push(i / 100);
    return { t, total: t.map(load) };
  };
  it('one stance from the steady load to the onset of the step off; a touch-down does not end it', () => {
    const r = findStances(trace(30, (t) => (t < 2 ? 0 : t < 2.5 ? 1400 * (t - 2) : t < 12 || t > 12.3 ? (t < 25 ? 700 : t < 25.3 ? 700 - 2300 * (t - 25) : 0) : 400)));
    // The first quiet 3 s window still holds the end of the ramp (CV under 2 %): 697.9 N.
    expect(r.bodyWeightN).toBeGreaterThan(695);
    expect(r.bodyWeightN).toBeLessThan(700);
    expect(r.stances).toHaveLength(1);
    // The first sample at >= 0.9 x 697.9 N whose next 0.5 s stay within 10 % of it (2.45 s: 630 N, 70 N below 2.95 s's).
    expect(r.stances[0]!.startT).toBeCloseTo(2.46, 6);
    expect(r.stances[0]!.endT).toBeCloseTo(25.04, 6); // first sample under 630 N
    expect(r.stances[0]!.end).toBe('step-off');
  });
  it('two stances; one under 5 s is counted, not kept; the data ending mid-stance ends it', () => {
    const r = findStances(trace(60, (t) => ((t > 1 && t < 12) || (t > 20 && t < 23) || t > 30 ? 700 + 3 * Math.sin(t * 7) : 0)));
    expect(r.stances.map((s) => [s.startT, s.end])).toEqual([[1.01, 'step-off'], [30.01, 'end']]);
    expect(r.stances[1]!.endT).toBeCloseTo(59.99, 6);
    expect(r.shortStances).toBe(1);
  });
  it('no quiet window: no body weight, no stance', () => {
    const r = findStances(trace(20, (t) => 700 + 200 * Math.sin(t * 3)));
    expect(r).toMatchObject({ bodyWeightN: null, stances: [] });
  });
});

describe('tripod analyze of a Tripod file: each stance, the steps left out', () => {
  const rec = path.join(dir, 'p.tripod');
  // Steps on at 3 s and 43 s, off at 25 s and 65 s (load ramps: 0.4 s on, 0.3 s off).
  // Notes over 255 characters with a newline: a C3D text parameter holds 255 a row.
  // Escaped, the newline is two characters: the first row of 255 then ends on the space after 'eyes'.
  const notes = `trial two\n${'firm surface, eyes open; '.repeat(12)}end`;
  writePersonRecording(rec, { seed: 4, stepOnS: 3, bipedalS: 30, stepOffS: 25, repeatEveryS: 40 }, 75, { subjectId: 'P04', notes });

  it('a recording: one JSON line per stance saying what was left out; --whole analyses all', async () => {
    const r = await runCli(['analyze', rec, '--json']);
    expect(r.code, r.err).toBe(0);
    const [a, b] = jsonLines(r.out);
    expect(jsonLines(r.out)).toHaveLength(2);
    expect(a).toMatchObject({ trial: 1, trials: 2, format: 'recording', metadata: { subject: 'P04', notes, calibration: 'test', calibrated: 'yes' } });
    expect(a!.from_s).toBeGreaterThan(3.3);
    expect(a!.from_s).toBeLessThan(3.45);
    expect(a!.to_s).toBeGreaterThan(25);
    expect(a!.to_s).toBeLessThan(25.1);
    expect(a!.trimming).toMatch(/^stance 1 of 2 at 3\.\d\d-25\.\d\d s of 0\.00-74\.99 s: 3\.\d\d s before \(stepping on\) and 49\.\d\d s after \(stepping off\) left out$/);
    expect(b).toMatchObject({ trial: 2, trials: 2 });
    expect(b!.from_s - a!.from_s).toBeCloseTo(40, 1);
    expect(a!.duration_s).toBeCloseTo(a!.to_s - a!.from_s, 0);
    const whole = jsonLines((await runCli(['analyze', rec, '--json', '--whole'])).out);
    expect(whole).toHaveLength(1);
    expect(whole[0]).toMatchObject({ trial: null, trials: 0, trimming: 'whole file (--whole: stepping on and off included)' });
    // The steps move the CoP far more than standing does.
    expect(whole[0]!.range_ap_mm).toBeGreaterThan(a!.range_ap_mm);
    const human = await runCli(['analyze', rec]);
    expect(human.out).toMatch(/^.*p\.tripod, trial 1 of 2\nstance 1 of 2 at .* left out\n/m);
  });

  it('the trial is exactly that stretch: --from/--to over it gives the same metrics', async () => {
    const [a] = jsonLines((await runCli(['analyze', rec, '--json'])).out);
    const same = jsonLines((await runCli(['analyze', rec, '--json', '--from', String(a!.from_s), '--to', String(a!.to_s)])).out);
    for (const k of ['n', 'path_mm', 'velocity_mm_s', 'area95_mm2']) expect(same[0]![k], k).toBeCloseTo(a![k], 6);
    expect((await runCli(['analyze', rec, '--whole', '--from', '1'])).code).toBe(2);
  });

  it('its CSV and C3D exports give the same stances and metadata', async () => {
    const csv = path.join(dir, 'p.csv');
    const c3d = path.join(dir, 'p.c3d');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', csv])).code).toBe(0);
    expect((await runCli(['export', rec, '--format', 'c3d', '--out', c3d])).code).toBe(0);
    const base = jsonLines((await runCli(['analyze', rec, '--json'])).out);
    for (const f of [csv, c3d]) {
      const got = jsonLines((await runCli(['analyze', f, '--json'])).out);
      expect(got.map((g) => g.trial), f).toEqual([1, 2]);
      got.forEach((g, i) => {
        expect(Math.abs(g.from_s - base[i]!.from_s), f).toBeLessThan(0.02);
        expect(Math.abs(g.to_s - base[i]!.to_s), f).toBeLessThan(0.02);
        expect(g.metadata, f).toMatchObject({ subject: 'P04', created: '2026-01-01T00:00:00.000Z', calibration: 'test', calibrated: 'yes', notes, gaps: '0 samples lost in 0 gap(s)' });
      });
    }
  });

  it('another device\'s file is analysed whole and says so', async () => {
    const other = path.join(dir, 'other.csv');
    fs.writeFileSync(other, `t,x_mm,y_mm\n${Array.from({ length: 100 }, (_, i) => `${i / 50},${Math.sin(i / 5)},${Math.cos(i / 7)}`).join('\n')}\n`);
    const [o] = jsonLines((await runCli(['analyze', other, '--json'])).out);
    expect(o).toMatchObject({ trial: null, trimming: 'whole file (not a Tripod file: no stance detection)' });
  });
});
