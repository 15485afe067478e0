/**
 * Progress over sessions (pure functions of the stored history): per-session series of each metric
 * for every foot and condition (eyes open/closed x firm/foam), left/right asymmetry, and the
 * progression ladder with the therapist's rule: which levels each foot has met and which comes next.
 */
import { asymmetryPct } from '../scoring/asymmetry.ts';
import type { Eyes, Foot, ProgressionRule, StoredTrial, Surface, TrialSummary } from './types.ts';

/** One step of the ladder: harder conditions and longer holds. */
export interface Level {
  n: number;
  eyes: Eyes;
  surface: Surface;
  /** Target hold, s (the trial's set duration for this level). */
  durationS: number;
}

/** The default ladder: longer holds, then eyes closed, then the foam pad, then both. */
export const LEVELS: readonly Level[] = [
  { n: 1, eyes: 'open', surface: 'firm', durationS: 10 },
  { n: 2, eyes: 'open', surface: 'firm', durationS: 20 },
  { n: 3, eyes: 'open', surface: 'firm', durationS: 30 },
  { n: 4, eyes: 'closed', surface: 'firm', durationS: 10 },
  { n: 5, eyes: 'closed', surface: 'firm', durationS: 20 },
  { n: 6, eyes: 'open', surface: 'foam', durationS: 20 },
  { n: 7, eyes: 'open', surface: 'foam', durationS: 30 },
  { n: 8, eyes: 'closed', surface: 'foam', durationS: 20 },
];

export function levelText(l: Level): string {
  return `level ${l.n}: eyes ${l.eyes}, ${l.surface === 'foam' ? 'foam pad' : 'firm surface'}, hold ${l.durationS} s`;
}

/** Whether one trial meets a level under the rule. */
export function trialMeets(t: StoredTrial, level: Level, rule: ProgressionRule): boolean {
  const c = t.conditions;
  const s = t.summary;
  if (c.eyes !== level.eyes || c.surface !== level.surface) return false;
  const hold = rule.holdS ?? level.durationS;
  return (s.timeHeldS ?? 0) >= hold - 1e-9 && (s.touchDowns ?? Infinity) <= rule.maxTouchDowns && (s.inZonePct ?? -1) >= rule.minInZonePct;
}

export interface FootProgress {
  foot: Foot;
  /** Levels met (in order), each with the session dates of the streak that met it. */
  met: Array<{ level: Level; dates: string[] }>;
  /** The first level not met yet, null when all are met. */
  next: Level | null;
  /** Sessions in a row (up to the latest attempt) that met the next level. */
  streak: number;
  /** One line for the page and the report. */
  text: string;
}

/**
 * The ladder for one foot. A session "meets" a level when one of its trials of that foot does;
 * a level is met when `rule.sessionsInRow` consecutive sessions that attempted it (a trial of that
 * foot with the level's eyes and surface) met it. Trials oldest first.
 */
export function footProgress(trials: StoredTrial[], foot: Foot, rule: ProgressionRule): FootProgress {
  const met: FootProgress['met'] = [];
  let next: Level | null = null;
  let streak = 0;
  for (const level of LEVELS) {
    const bySession = new Map<number, { date: string; ok: boolean }>();
    for (const t of trials) {
      if (t.conditions.foot !== foot || t.conditions.eyes !== level.eyes || t.conditions.surface !== level.surface) continue;
      const cur = bySession.get(t.sessionId) ?? { date: t.sessionDate, ok: false };
      cur.ok ||= trialMeets(t, level, rule);
      bySession.set(t.sessionId, cur);
    }
    let run: string[] = [];
    let done: string[] | null = null;
    for (const s of bySession.values()) {
      run = s.ok ? [...run, s.date] : [];
      if (run.length >= rule.sessionsInRow && !done) done = run.slice();
    }
    if (done) {
      met.push({ level, dates: done });
      continue;
    }
    next = level;
    streak = run.length;
    break;
  }
  const side = foot === 'left' ? 'Left' : 'Right';
  const text = next
    ? `${side} foot: next ${levelText(next)} (${streak} of ${rule.sessionsInRow} sessions in a row met)`
    : `${side} foot: every level met`;
  return { foot, met, next, streak, text };
}

export type MetricKey = keyof Pick<TrialSummary, 'timeHeldS' | 'errors' | 'inZonePct' | 'heelPct' | 'mt1Pct' | 'mt5Pct' | 'velocityMmS' | 'area95Mm2'>;

export interface Metric {
  key: MetricKey;
  label: string;
  unit: string;
  help: string;
}

export const METRICS: readonly Metric[] = [
  { key: 'timeHeldS', label: 'Time held', unit: 's', help: 'time on one leg from the steady start to the end or step-off' },
  { key: 'errors', label: 'Errors', unit: 'count', help: 'touch-downs of the other foot plus a step-off (BESS errors)' },
  { key: 'inZonePct', label: 'Time in zone', unit: '%', help: 'share of the trial with all three tripod shares within the tolerance' },
  { key: 'heelPct', label: 'Heel share', unit: '%', help: 'mean share of the load on the heel' },
  { key: 'mt1Pct', label: '1st MT share', unit: '%', help: 'mean share on the big-toe ball (1st metatarsal head)' },
  { key: 'mt5Pct', label: '5th MT share', unit: '%', help: 'mean share on the little-toe ball (5th metatarsal head)' },
  { key: 'velocityMmS', label: 'Sway velocity', unit: 'mm/s', help: 'mean speed of the centre of pressure (lower is steadier)' },
  { key: 'area95Mm2', label: 'Sway area', unit: 'mm²', help: '95 % confidence ellipse of the CoP (lower is steadier)' },
];

/** A condition of a series: foot, eyes, surface. */
export interface SeriesKey {
  foot: Foot;
  eyes: Eyes;
  surface: Surface;
}

export function seriesLabel(k: SeriesKey): string {
  return `${k.foot === 'left' ? 'L' : 'R'} · eyes ${k.eyes} · ${k.surface}`;
}

/** Chart data: x = session dates (s since 1970, noon local), one y series per condition (null where no trial). */
export interface ProgressChart {
  metric: Metric;
  x: number[];
  dates: string[];
  series: Array<{ key: SeriesKey; label: string; y: Array<number | null> }>;
}

export interface Progress {
  sessions: Array<{ id: number; date: string }>;
  charts: ProgressChart[];
  /** Left/right asymmetry of time held and of time in zone per session and eyes/surface, % (+ right larger). */
  asymmetry: ProgressChart[];
  feet: FootProgress[];
}

function dayToEpochS(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12).getTime() / 1000;
}

/** Per-session means of every metric for every condition that has trials; trials oldest first. */
export function buildProgress(trials: StoredTrial[], rule: ProgressionRule): Progress {
  const sessionIdx = new Map<number, number>();
  const sessions: Progress['sessions'] = [];
  for (const t of trials) {
    if (sessionIdx.has(t.sessionId)) continue;
    sessionIdx.set(t.sessionId, sessions.length);
    sessions.push({ id: t.sessionId, date: t.sessionDate });
  }
  const n = sessions.length;
  const keys = new Map<string, SeriesKey>();
  // sums[cond][metric][session] and counts
  const sums = new Map<string, Float64Array[]>();
  const counts = new Map<string, Uint32Array[]>();
  for (const t of trials) {
    const k = `${t.conditions.foot}|${t.conditions.eyes}|${t.conditions.surface}`;
    if (!keys.has(k)) {
      keys.set(k, { foot: t.conditions.foot, eyes: t.conditions.eyes, surface: t.conditions.surface });
      sums.set(k, METRICS.map(() => new Float64Array(n)));
      counts.set(k, METRICS.map(() => new Uint32Array(n)));
    }
    const si = sessionIdx.get(t.sessionId)!;
    const s = sums.get(k)!;
    const c = counts.get(k)!;
    METRICS.forEach((m, mi) => {
      const v = t.summary[m.key];
      if (v === null || !Number.isFinite(v)) return;
      s[mi]![si]! += v;
      c[mi]![si]!++;
    });
  }
  const order = [...keys.entries()].sort(([a], [b]) => a.localeCompare(b));
  const x = sessions.map((s) => dayToEpochS(s.date));
  const dates = sessions.map((s) => s.date);
  const mean = (k: string, mi: number): Array<number | null> => {
    const s = sums.get(k)![mi]!;
    const c = counts.get(k)![mi]!;
    return Array.from({ length: n }, (_, i) => (c[i]! > 0 ? s[i]! / c[i]! : null));
  };
  const charts = METRICS.map((metric, mi) => ({
    metric,
    x,
    dates,
    series: order.map(([k, key]) => ({ key, label: seriesLabel(key), y: mean(k, mi) })),
  }));
  const asymmetry: ProgressChart[] = [];
  for (const mk of ['timeHeldS', 'inZonePct'] as const) {
    const mi = METRICS.findIndex((m) => m.key === mk);
    const base = METRICS[mi]!;
    const series: ProgressChart['series'] = [];
    for (const eyes of ['open', 'closed'] as const) {
      for (const surface of ['firm', 'foam'] as const) {
        const l = `left|${eyes}|${surface}`;
        const r = `right|${eyes}|${surface}`;
        if (!keys.has(l) || !keys.has(r)) continue;
        const lv = mean(l, mi);
        const rv = mean(r, mi);
        series.push({ key: { foot: 'left', eyes, surface }, label: `eyes ${eyes} · ${surface}`, y: lv.map((v, i) => asymmetryPct(v, rv[i] ?? null)) });
      }
    }
    asymmetry.push({
      metric: { key: mk, label: `${base.label}, right vs left`, unit: '%', help: `asymmetry of ${base.label.toLowerCase()}: 100 × (right − left) / the larger; 0 = symmetric, + = right larger` },
      x,
      dates,
      series,
    });
  }
  return { sessions, charts, asymmetry, feet: [footProgress(trials, 'left', rule), footProgress(trials, 'right', rule)] };
}
