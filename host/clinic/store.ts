/**
 * The clinic store over SQL (sql.ts): one implementation of ClinicStore for both drivers, so the
 * embedded store and a PostgreSQL server behave the same (tests/clinic/store.test.ts runs its
 * suite on both). A trial goes in with its session in one transaction.
 */
import type { ResultRow } from '../live/messages.ts';
import { SCHEMA_SQL, type SqlDriver } from './sql.ts';
import {
  ClinicInputError,
  DEFAULT_RULE,
  type BoardInfo,
  type ClinicStore,
  type NewPatient,
  type NewTrial,
  type Patient,
  type ProgressionRule,
  type Session,
  type StoredTrial,
  type StoredTrialDetail,
} from './types.ts';

export const PATIENT_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** Local calendar day of an ISO time, YYYY-MM-DD. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

type Row = Record<string, unknown>;

const HISTORY_COLUMNS = `t.id, t.patient_id, t.session_id, s.day, t.ended_at, t.foot, t.eyes, t.surface, t.duration_s,
  t.time_held_s, t.errors, t.touch_downs, t.completed, t.in_zone_pct, t.heel_pct, t.mt1_pct, t.mt5_pct,
  t.velocity_mm_s, t.area95_mm2, t.recording, t.board_label`;

/** The history columns as (SQL expression, row field) pairs, for the JSON form of trials(). */
const HISTORY_FIELDS = HISTORY_COLUMNS.split(',').map((c) => {
  const sql = c.trim();
  return { sql, name: sql.slice(sql.indexOf('.') + 1) };
});

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** jsonb comes back parsed from both drivers; text (never used here) would need a parse. */
function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function toPatient(r: Row): Patient {
  return { id: Number(r.id), code: String(r.code), name: (r.name as string | null) ?? null, notes: (r.notes as string | null) ?? null, createdAt: String(r.created_at) };
}

function toTrial(r: Row): StoredTrial {
  return {
    id: Number(r.id),
    patientId: Number(r.patient_id),
    sessionId: Number(r.session_id),
    sessionDate: String(r.day),
    endedAt: String(r.ended_at),
    conditions: { foot: r.foot as 'left' | 'right', eyes: r.eyes as 'open' | 'closed', surface: r.surface as 'firm' | 'foam', durationS: Number(r.duration_s) },
    summary: {
      timeHeldS: num(r.time_held_s),
      errors: num(r.errors),
      touchDowns: num(r.touch_downs),
      completed: r.completed === true,
      inZonePct: num(r.in_zone_pct),
      heelPct: num(r.heel_pct),
      mt1Pct: num(r.mt1_pct),
      mt5Pct: num(r.mt5_pct),
      velocityMmS: num(r.velocity_mm_s),
      area95Mm2: num(r.area95_mm2),
    },
    recording: (r.recording as string | null) ?? null,
    boardLabel: String(r.board_label),
  };
}

function checkText(what: string, v: string | null | undefined, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ClinicInputError(`${what} must be text`);
  const t = v.trim();
  if (t.length > max) throw new ClinicInputError(`${what} is ${t.length} characters; at most ${max}`);
  return t === '' ? null : t;
}

export function checkRule(r: unknown): ProgressionRule {
  const o = (r ?? {}) as Record<string, unknown>;
  const int = (k: string, lo: number, hi: number, d: number): number => {
    const v = o[k] ?? d;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ClinicInputError(`rule ${k} must be a whole number ${lo}..${hi}, got ${JSON.stringify(v)}`);
    return v;
  };
  const hold = o.holdS ?? null;
  if (hold !== null && (typeof hold !== 'number' || !Number.isFinite(hold) || hold < 1 || hold > 120)) {
    throw new ClinicInputError(`rule holdS must be 1..120 s or null (the level's duration), got ${JSON.stringify(hold)}`);
  }
  const zone = o.minInZonePct ?? DEFAULT_RULE.minInZonePct;
  if (typeof zone !== 'number' || !Number.isFinite(zone) || zone < 0 || zone > 100) throw new ClinicInputError(`rule minInZonePct must be 0..100 %, got ${JSON.stringify(zone)}`);
  return {
    holdS: hold as number | null,
    maxTouchDowns: int('maxTouchDowns', 0, 10, DEFAULT_RULE.maxTouchDowns),
    minInZonePct: zone,
    sessionsInRow: int('sessionsInRow', 1, 10, DEFAULT_RULE.sessionsInRow),
  };
}

export class SqlClinicStore implements ClinicStore {
  private constructor(private readonly db: SqlDriver) {}

  static async open(db: SqlDriver): Promise<SqlClinicStore> {
    for (const stmt of SCHEMA_SQL.split(';').map((s) => s.trim()).filter(Boolean)) await db.query(stmt);
    const v = await db.query<{ version: number }>('SELECT version FROM tripod_schema');
    if (v.length === 0) await db.query('INSERT INTO tripod_schema (version) VALUES (1)');
    else if (v[0]!.version !== 1) throw new Error(`clinic store schema version ${v[0]!.version} is newer than this tripod knows (1): update tripod`);
    return new SqlClinicStore(db);
  }

  get description(): string {
    return this.db.description;
  }

  async createPatient(p: NewPatient): Promise<Patient> {
    const code = typeof p.code === 'string' ? p.code.trim() : '';
    if (!PATIENT_CODE.test(code)) {
      throw new ClinicInputError(`patient code must be 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit (a pseudonym, not a name), got '${String(p.code)}'`);
    }
    const name = checkText('name', p.name, 120);
    const notes = checkText('notes', p.notes, 4000);
    const exists = await this.db.query('SELECT 1 FROM patients WHERE lower(code) = lower($1)', [code]);
    if (exists.length) throw new ClinicInputError(`patient ${code} already exists`);
    const rows = await this.db.query('INSERT INTO patients (code, name, notes, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [code, name, notes, new Date().toISOString()]);
    return toPatient(rows[0]!);
  }

  async updatePatient(code: string, p: { name?: string | null; notes?: string | null }): Promise<Patient> {
    const cur = await this.mustPatient(code);
    const name = p.name === undefined ? cur.name : checkText('name', p.name, 120);
    const notes = p.notes === undefined ? cur.notes : checkText('notes', p.notes, 4000);
    const rows = await this.db.query('UPDATE patients SET name = $2, notes = $3 WHERE id = $1 RETURNING *', [cur.id, name, notes]);
    return toPatient(rows[0]!);
  }

  async patient(code: string): Promise<Patient | null> {
    const rows = await this.db.query('SELECT * FROM patients WHERE lower(code) = lower($1)', [code]);
    return rows[0] ? toPatient(rows[0]) : null;
  }

  async patients(): Promise<Array<Patient & { sessions: number; trials: number; lastDate: string | null }>> {
    const rows = await this.db.query(`SELECT p.*,
        (SELECT count(*)::int FROM sessions s WHERE s.patient_id = p.id) AS n_sessions,
        (SELECT count(*)::int FROM trials t WHERE t.patient_id = p.id) AS n_trials,
        (SELECT max(s.day) FROM sessions s WHERE s.patient_id = p.id) AS last_day
      FROM patients p ORDER BY p.code`);
    return rows.map((r) => ({ ...toPatient(r), sessions: Number(r.n_sessions), trials: Number(r.n_trials), lastDate: (r.last_day as string | null) ?? null }));
  }

  async addTrial(t: NewTrial): Promise<StoredTrial> {
    const day = localDay(t.endedAt);
    const c = t.conditions;
    const s = t.summary;
    const id = await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO sessions (patient_id, day) VALUES ($1, $2) ON CONFLICT (patient_id, day) DO NOTHING', [t.patientId, day]);
      const sess = await tx.query<{ id: number }>('SELECT id FROM sessions WHERE patient_id = $1 AND day = $2', [t.patientId, day]);
      if (!sess[0]) throw new ClinicInputError(`no patient with id ${t.patientId}`);
      const rows = await tx.query<{ id: number }>(
        `INSERT INTO trials (session_id, patient_id, ended_at, foot, eyes, surface, duration_s, time_held_s, errors, touch_downs,
           completed, in_zone_pct, heel_pct, mt1_pct, mt5_pct, velocity_mm_s, area95_mm2, recording, from_index, to_index,
           board_label, board, calibration, rows_json, result, trace, geometry)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22::jsonb,$23::jsonb,$24::jsonb,$25::jsonb,$26::jsonb,$27::jsonb)
         RETURNING id`,
        [
          sess[0].id, t.patientId, t.endedAt, c.foot, c.eyes, c.surface, c.durationS, s.timeHeldS, s.errors, s.touchDowns,
          s.completed, s.inZonePct, s.heelPct, s.mt1Pct, s.mt5Pct, s.velocityMmS, s.area95Mm2, t.recording, t.fromIndex, t.toIndex,
          t.board.label, JSON.stringify(t.board), JSON.stringify(t.calibration ?? null), JSON.stringify(t.rows), JSON.stringify(t.result ?? null),
          JSON.stringify(t.trace), JSON.stringify(t.geometry),
        ],
      );
      return rows[0]!.id;
    });
    const out = await this.db.query(`SELECT ${HISTORY_COLUMNS} FROM trials t JOIN sessions s ON s.id = t.session_id WHERE t.id = $1`, [id]);
    return toTrial(out[0]!);
  }

  async sessions(patientCode?: string): Promise<Session[]> {
    const rows = await this.db.query(
      `SELECT s.id, s.patient_id, p.code, s.day, (SELECT count(*)::int FROM trials t WHERE t.session_id = s.id) AS n
       FROM sessions s JOIN patients p ON p.id = s.patient_id
       ${patientCode === undefined ? '' : 'WHERE lower(p.code) = lower($1)'} ORDER BY p.code, s.day, s.id`,
      patientCode === undefined ? [] : [patientCode],
    );
    return rows.map((r) => ({ id: Number(r.id), patientId: Number(r.patient_id), patientCode: String(r.code), date: String(r.day), trials: Number(r.n) }));
  }

  async trials(patientId: number, sessionId?: number): Promise<StoredTrial[]> {
    // One row, one JSON text: the drivers' per-cell decoding (PGlite's especially) costs more than
    // the query itself for a long history; JSON.parse of one string is fast.
    const rows = await this.db.query<{ j: string }>(
      `SELECT coalesce(json_agg(json_build_array(${HISTORY_FIELDS.map((f) => f.sql).join(', ')}) ORDER BY t.id), '[]')::text AS j
       FROM trials t JOIN sessions s ON s.id = t.session_id WHERE t.patient_id = $1 ${sessionId === undefined ? '' : 'AND t.session_id = $2'}`,
      sessionId === undefined ? [patientId] : [patientId, sessionId],
    );
    const list = JSON.parse(rows[0]?.j ?? '[]') as unknown[][];
    return list.map((a) => {
      const r: Row = {};
      HISTORY_FIELDS.forEach((f, i) => (r[f.name] = a[i]));
      return toTrial(r);
    });
  }

  async trial(id: number): Promise<StoredTrialDetail | null> {
    const rows = await this.db.query(
      `SELECT ${HISTORY_COLUMNS}, t.rows_json, t.result, t.trace, t.geometry, t.from_index, t.to_index, t.board, t.calibration
       FROM trials t JOIN sessions s ON s.id = t.session_id WHERE t.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      ...toTrial(r),
      rows: json<ResultRow[]>(r.rows_json),
      result: json<unknown>(r.result),
      trace: json<StoredTrialDetail['trace']>(r.trace),
      geometry: json<StoredTrialDetail['geometry']>(r.geometry),
      fromIndex: Number(r.from_index),
      toIndex: Number(r.to_index),
      board: json<BoardInfo>(r.board),
      calibration: json<unknown>(r.calibration),
    };
  }

  async rule(patientId: number): Promise<ProgressionRule> {
    const rows = await this.db.query<{ rule: unknown }>('SELECT rule FROM rules WHERE patient_id = $1', [patientId]);
    return rows[0] ? checkRule(json(rows[0].rule)) : { ...DEFAULT_RULE };
  }

  async setRule(patientId: number, rule: ProgressionRule): Promise<void> {
    const r = checkRule(rule);
    await this.db.query('INSERT INTO rules (patient_id, rule) VALUES ($1, $2::jsonb) ON CONFLICT (patient_id) DO UPDATE SET rule = EXCLUDED.rule', [patientId, JSON.stringify(r)]);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async mustPatient(code: string): Promise<Patient> {
    const p = await this.patient(code);
    if (!p) throw new ClinicInputError(`no patient with code '${code}' (tripod patients lists them)`);
    return p;
  }
}
