/**
 * The stance flags of `tripod replay` and `tripod analyze` (host/cli/stance-flags.ts). With --foot
 * the replay scores the stance foot as the live page does: the CLI's numbers (block scorer over the
 * replay's blocks) are checked against the live scorer fed the same recording sample by sample
 * through the session's samples$ (a separate path).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './helpers/cli.ts';
import { writePersonRecording } from './helpers/synthetic-recording.ts';
import { openBoard } from '../../host/session.ts';
import { createLiveScorer, type LiveScore } from '../../host/scoring/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-replay-score-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const rec = path.join(dir, 'stand.tripod');
// Steps on at 2 s, stands on the right foot, steps off at 24 s; 27 s recorded.
writePersonRecording(rec, { seed: 5, foot: 'right', stepOnS: 2, stepOffS: 24 }, 27);

async function liveScore(foot: 'left' | 'right', target: 'clinical' | 'physiological'): Promise<{ last: LiveScore | null; loaded: number }> {
  const scorer = createLiveScorer({ foot, target });
  const s = await openBoard({ kind: 'replay', file: rec, speed: Infinity });
  let last: LiveScore | null = null;
  let loaded = 0;
  s.samples$.subscribe((x) => {
    last = scorer.push(x);
    if (x.cop !== null && x.total >= 50) loaded++;
  });
  await s.finished;
  await s.close();
  return { last, loaded };
}

describe('tripod replay --foot', () => {
  it('--json adds the scoring: equal to the live scorer over the same samples', async () => {
    const r = await runCli(['replay', rec, '--json', '--foot', 'right']);
    expect(r.code, r.err).toBe(0);
    const { scoring } = JSON.parse(r.out);
    const live = await liveScore('right', 'clinical');
    expect(scoring.foot).toBe('right');
    expect(scoring.target).toBe('clinical');
    expect(scoring.foot_length_mm).toBe(260);
    expect(scoring.loaded_samples).toBe(live.loaded);
    expect(scoring.loaded_samples).toBeGreaterThan(20 * 80); // about 22 s on the plate
    expect(scoring.in_zone_pct).toBe(live.last!.inZonePct);
    expect(scoring.in_zone_pct).toBeGreaterThan(0);
    expect(scoring.sway.n).toBe(live.last!.sway!.n);
    expect(scoring.sway.path_mm).toBe(live.last!.sway!.pathMm);
    expect(scoring.sway.velocity_mm_s).toBeGreaterThan(1);
  });

  it('the other target and the other foot give their own numbers; text output has one scoring line', async () => {
    const phys = JSON.parse((await runCli(['replay', rec, '--json', '--foot', 'right', '--target', 'physiological'])).out).scoring;
    expect(phys.target).toBe('physiological');
    expect(phys.in_zone_pct).toBe((await liveScore('right', 'physiological')).last!.inZonePct);
    const left = JSON.parse((await runCli(['replay', rec, '--json', '--foot', 'left'])).out).scoring;
    expect(left.in_zone_pct).toBe((await liveScore('left', 'clinical')).last!.inZonePct);
    const text = await runCli(['replay', rec, '--speed', 'max', '--foot', 'right']);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n').filter((l) => l.startsWith('right foot, clinical target: loaded '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ % of it in the tripod zone; sway of the loaded samples: path \d+ mm, mean velocity [\d.]+ mm\/s/);
  });

  it('a recording with nobody on the board: zero loaded samples, no sway, and a line that says so', async () => {
    const empty = path.join(dir, 'empty.tripod');
    writePersonRecording(empty, { seed: 6, stepOnS: 100 }, 5); // steps on after the recording ends
    const j = await runCli(['replay', empty, '--json', '--foot', 'left']);
    expect(j.code, j.err).toBe(0);
    expect(JSON.parse(j.out).scoring).toMatchObject({ foot: 'left', loaded_samples: 0, loaded_s: 0, in_zone_pct: 0, sway: null });
    const t = await runCli(['replay', empty, '--speed', 'max', '--foot', 'left']);
    expect(t.out).toContain('left foot, clinical target: loaded 0.0 s (0 samples): nobody stood on the board (no sample with a CoP and 50 N or more)');
  });

  it('stance flags without --foot, a bad foot, length or layout fail with one line', async () => {
    const badLayout = path.join(dir, 'layout.json');
    fs.writeFileSync(badLayout, '{"cells": 3');
    const cases: Array<[string[], number, RegExp]> = [
      [['replay', rec, '--foot-length', '250'], 2, /--foot-length needs --foot left\|right/],
      [['replay', rec, '--target', 'clinical'], 2, /--target needs --foot/],
      [['replay', rec, '--foot', 'middle'], 2, /--foot must be left or right, got 'middle'/],
      [['replay', rec, '--foot', 'right', '--foot-length', '90'], 2, /--foot-length must be 100\.\.400 mm, got 90/],
      [['replay', rec, '--foot', 'right', '--target', 'easy'], 2, /--target must be clinical or physiological/],
      [['replay', rec, '--foot', 'right', '--layout', badLayout], 1, /--layout: layout file .* is not valid JSON/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });
});

describe('tripod analyze --foot (the same stance flags)', () => {
  it('adds time to boundary; --layout and --foot-length need --foot', async () => {
    const r = await runCli(['analyze', rec, '--json', '--foot', 'right']);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out.trim().split('\n')[0]!);
    expect(m.ttb_min_s).toBeGreaterThan(0);
    const none = JSON.parse((await runCli(['analyze', rec, '--json'])).out.trim().split('\n')[0]!);
    expect(none.ttb_min_s).toBeNull();
    for (const args of [['--foot-length', '250'], ['--layout', 'x.json']]) {
      const bad = await runCli(['analyze', rec, ...args]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(new RegExp(`${args[0]} needs --foot left\\|right`));
    }
  });
});
