/**
 * The big cue's pace and honesty (host/live/cue.ts): one instruction for a wrong foot, an empty
 * board or a CoP off the foot; changes at most once a second however the input flickers; never
 * "good" while the score is below the good band.
 */
import { describe, expect, it } from 'vitest';
import { candidateCue, CueGovernor, CUE_HOLD_S, GOOD_CUE, type CueInput } from '../../host/live/cue.ts';
import { GOOD_SCORE } from '../../host/live/messages.ts';

const base: CueInput = {
  t: 0,
  foot: 'right',
  meanCop: { x: 80, y: 0 },
  rollingScore: 70,
  meanInZone: true,
  outside: null,
  scorerCue: 'More weight toward the big toe',
  insideFoot: (p) => p.x > 0,
  insideOtherFoot: (p) => p.x < 0,
};

describe('cue', () => {
  it('says one clear instruction for an empty board, the wrong foot, a CoP off the foot', () => {
    expect(candidateCue({ ...base, meanCop: null })).toEqual({ cue: 'Step onto the board: right foot on the right outline', kind: 'step-on' });
    expect(candidateCue({ ...base, meanCop: { x: -80, y: 0 } })).toEqual({ cue: 'Wrong foot: that is the left foot. Stand on your RIGHT foot', kind: 'wrong-foot' });
    expect(candidateCue({ ...base, insideFoot: () => false, insideOtherFoot: () => false })).toEqual({ cue: 'Move onto the right foot outline', kind: 'off-foot' });
    expect(candidateCue({ ...base, outside: 'forefoot', scorerCue: 'On your toes: sink back toward the heel' }).kind).toBe('off-tripod');
    expect(candidateCue(base)).toEqual({ cue: GOOD_CUE, kind: 'good' });
    // in the zone by the mean shares, but the mean score below the band: not "good"
    expect(candidateCue({ ...base, rollingScore: GOOD_SCORE - 5 }).kind).toBe('correct');
    expect(candidateCue({ ...base, meanInZone: false }).cue).toBe('More weight toward the big toe');
  });

  it('changes at most once a second on a flickering input, and never shows good below the band', () => {
    const g = new CueGovernor();
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let goodBelow = 0;
    // the input jumps every 0.1-0.8 s (a swaying person), the score wanders every sample
    let r = rnd();
    let nextJump = 0;
    let score = 50;
    for (let i = 0; i < 80 * 60; i++) {
      const t = i / 80;
      if (t >= nextJump) {
        r = rnd();
        nextJump = t + 0.1 + 0.7 * rnd();
      }
      score = Math.max(0, Math.min(100, score + (rnd() - 0.5) * 4));
      const input: CueInput = {
        ...base,
        t,
        rollingScore: score,
        meanInZone: r < 0.5,
        scorerCue: r < 0.75 ? 'More weight toward the big toe' : 'Sit back a little onto the heel',
        meanCop: r > 0.97 ? { x: -80, y: 0 } : base.meanCop,
      };
      const out = g.push(input);
      if (out.kind === 'good' && score < GOOD_SCORE) goodBelow++;
    }
    expect(goodBelow).toBe(0);
    expect(g.changes.length).toBeGreaterThan(5);
    const gaps = g.changes.slice(1).map((t, i) => t - g.changes[i]!);
    // a gap under CUE_HOLD_S only where "good" was withdrawn because the score left the band
    const short = gaps.filter((d) => d < CUE_HOLD_S - 1e-9);
    expect(short.length).toBeLessThan(gaps.length / 4);
  });

  it('holds a steady cue: a change needs the new cue for a while and a second since the last', () => {
    const g = new CueGovernor();
    expect(g.push({ ...base, t: 0, meanInZone: false }).cue).toBe('More weight toward the big toe');
    expect(g.push({ ...base, t: 0.5, meanInZone: false, scorerCue: 'Sit back a little onto the heel' }).cue).toBe('More weight toward the big toe');
    expect(g.push({ ...base, t: 0.9, meanInZone: false, scorerCue: 'Sit back a little onto the heel' }).cue).toBe('More weight toward the big toe');
    expect(g.push({ ...base, t: 1.0, meanInZone: false, scorerCue: 'Sit back a little onto the heel' }).cue).toBe('Sit back a little onto the heel');
    expect(g.push({ ...base, t: 2.2 }).cue).toBe('Sit back a little onto the heel'); // good only since 2.2 s
    expect(g.push({ ...base, t: 2.6 }).cue).toBe(GOOD_CUE);
    // the score drops below the band 0.1 s later: good goes at once
    expect(g.push({ ...base, t: 2.7, rollingScore: 45 }).kind).toBe('correct');
  });
});
