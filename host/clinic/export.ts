/**
 * `tripod patients` / `tripod sessions` exports: what is stored, as CSV (RFC 4180, header row with
 * units in the column names) or JSON. Trials export one row per trial with its conditions and
 * headline numbers; the full result tables stay in the JSON of `tripod sessions --trials --format json`.
 */
import type { Patient, Session, StoredTrial } from './types.ts';

export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return /[",\r\n]/.test(v) || /^[=+\-@]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csv(header: string[], rows: Array<Array<string | number | boolean | null>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function patientsCsv(ps: Array<Patient & { sessions: number; trials: number; lastDate: string | null }>): string {
  return csv(
    ['code', 'name', 'notes', 'created_at', 'sessions', 'trials', 'last_session_date'],
    ps.map((p) => [p.code, p.name, p.notes, p.createdAt, p.sessions, p.trials, p.lastDate]),
  );
}

export function sessionsCsv(ss: Session[]): string {
  return csv(['session_id', 'patient', 'date', 'trials'], ss.map((s) => [s.id, s.patientCode, s.date, s.trials]));
}

export const TRIAL_COLUMNS = [
  'trial_id', 'patient', 'session_id', 'session_date', 'ended_at', 'foot', 'eyes', 'surface', 'duration_set_s',
  'time_held_s', 'errors_count', 'touch_downs_count', 'completed', 'in_zone_pct', 'heel_pct', 'mt1_pct', 'mt5_pct',
  'velocity_mm_s', 'area95_mm2', 'board', 'recording',
] as const;

export function trialsCsv(code: string, ts: StoredTrial[]): string {
  return csv(
    [...TRIAL_COLUMNS],
    ts.map((t) => {
      const s = t.summary;
      const c = t.conditions;
      return [t.id, code, t.sessionId, t.sessionDate, t.endedAt, c.foot, c.eyes, c.surface, c.durationS, s.timeHeldS, s.errors, s.touchDowns, s.completed,
        s.inZonePct, s.heelPct, s.mt1Pct, s.mt5Pct, s.velocityMmS, s.area95Mm2, t.boardLabel, t.recording];
    }),
  );
}
