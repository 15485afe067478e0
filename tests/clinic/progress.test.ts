/** Progress across sessions: per-condition series, asymmetry, and the progression ladder under the rule. */
import { describe, expect, it } from 'vitest';
import { buildProgress, footProgress, LEVELS } from '../../host/clinic/progress.ts';
import { DEFAULT_RULE, type StoredTrial } from '../../host/clinic/types.ts';
import { csvHeader, unitSlug } from '../../host/live/results-store.ts';
import { trialsCsv, csvCell } from '../../host/clinic/export.ts';

let id = 0;
function trial(session: number, o: Partial<StoredTrial['conditions']> & { held?: number; td?: number; zone?: number; vel?: number } = {}): StoredTrial {
  return {
    id: ++id,
    patientId: 1,
    sessionId: session,
    sessionDate: `2026-03-${String(session).padStart(2, '0')}`,
    endedAt: `2026-03-${String(session).padStart(2, '0')}T10:00:00.000Z`,
    conditions: { foot: o.foot ?? 'left', eyes: o.eyes ?? 'open', surface: o.surface ?? 'firm', durationS: o.durationS ?? 10 },
    summary: { timeHeldS: o.held ?? 10, errors: o.td ?? 0, touchDowns: o.td ?? 0, completed: true, inZonePct: o.zone ?? 80, heelPct: 40, mt1Pct: 30, mt5Pct: 30, velocityMmS: o.vel ?? 30, area95Mm2: 300 },
    recording: null,
    boardLabel: 'sim',
  };
}

describe('progression ladder', () => {
  it('meets a level after three sessions in a row that meet it, and names the next', () => {
    id = 0;
    const ts = [trial(1), trial(2), trial(3, { td: 2 }), trial(4), trial(5), trial(6, { zone: 75 })];
    const p = footProgress(ts, 'left', DEFAULT_RULE);
    expect(p.met.map((m) => m.level.n)).toEqual([1]);
    expect(p.met[0]!.dates).toEqual(['2026-03-04', '2026-03-05', '2026-03-06']);
    expect(p.next).toEqual(LEVELS[1]);
    expect(p.text).toBe('Left foot: next level 2: eyes open, firm surface, hold 20 s (0 of 3 sessions in a row met)');
    // a stricter rule: 80 % in zone; session 6 (75 %) breaks the run
    const strict = footProgress(ts, 'left', { ...DEFAULT_RULE, minInZonePct: 80 });
    expect(strict.next).toEqual(LEVELS[0]);
    expect(strict.streak).toBe(0);
    // a settable hold: with 8 s asked, the 10 s holds meet levels 2 and 3 too (same eyes and surface)
    expect(footProgress(ts, 'left', { ...DEFAULT_RULE, holdS: 8 }).next!.n).toBe(4);
    expect(footProgress(ts, 'right', DEFAULT_RULE).text).toBe('Right foot: next level 1: eyes open, firm surface, hold 10 s (0 of 3 sessions in a row met)');
  });

  it('separates feet and conditions (eyes closed, foam) in the series, with left/right asymmetry', () => {
    id = 0;
    const ts = [trial(1, { held: 10 }), trial(1, { foot: 'right', held: 5 }), trial(1, { eyes: 'closed', held: 4 }), trial(2, { surface: 'foam', held: 7 }), trial(2, { held: 12 }), trial(2, { held: 14 })];
    const p = buildProgress(ts, DEFAULT_RULE);
    expect(p.sessions.map((s) => s.date)).toEqual(['2026-03-01', '2026-03-02']);
    const held = p.charts.find((c) => c.metric.key === 'timeHeldS')!;
    expect(Object.fromEntries(held.series.map((s) => [s.label, s.y]))).toEqual({
      'L · eyes closed · firm': [4, null],
      'L · eyes open · firm': [10, 13],
      'L · eyes open · foam': [null, 7],
      'R · eyes open · firm': [5, null],
    });
    const asym = p.asymmetry.find((c) => c.metric.key === 'timeHeldS')!;
    expect(asym.series).toEqual([{ key: { foot: 'left', eyes: 'open', surface: 'firm' }, label: 'eyes open · firm', y: [-50, null] }]);
  });
});

describe('CSV column names carry the right units', () => {
  it('maps result keys and units to names', () => {
    expect(csvHeader('area95Mm2', 'mm²')).toBe('area95_mm2');
    expect(csvHeader('velocityMmS', 'mm/s')).toBe('velocity_mm_s');
    expect(csvHeader('bodyWeightN', 'N')).toBe('bodyWeight_N');
    expect(csvHeader('timeHeldS', 's')).toBe('timeHeld_s');
    expect(csvHeader('swayAreaMm2S', 'mm²/s')).toBe('swayArea_mm2_s');
    expect(csvHeader('inZonePct', '%')).toBe('inZone_pct');
    expect(csvHeader('mlIndexPct', '% pts')).toBe('mlIndex_pct_pts');
    expect(csvHeader('errors', 'count')).toBe('errors_count');
    expect(unitSlug('Hz')).toBe('Hz');
  });

  it('exports trials with conditions and units in the header; cells that a spreadsheet would run are quoted', () => {
    id = 0;
    const csv = trialsCsv('P-1', [trial(1, { eyes: 'closed', surface: 'foam' })]).split('\r\n');
    expect(csv[0]).toBe('trial_id,patient,session_id,session_date,ended_at,foot,eyes,surface,duration_set_s,time_held_s,errors_count,touch_downs_count,completed,in_zone_pct,heel_pct,mt1_pct,mt5_pct,velocity_mm_s,area95_mm2,board,recording');
    expect(csv[1]).toBe('1,P-1,1,2026-03-01,2026-03-01T10:00:00.000Z,left,closed,foam,10,10,0,0,true,80,40,30,30,30,300,sim,');
    expect(csvCell('=cmd()')).toBe('"=cmd()"');
  });
});
