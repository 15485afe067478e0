/**
 * What the clinic stores: patients (a pseudonymous code, optional name and notes), sessions (one
 * per patient and calendar day) and trials (every finished trial, stored the moment it ends, with
 * its result table, the full scorer result, the CoP trace, the foot drawn, the recording file it
 * came from, the board and its calibration). Units: s, N, mm, % as the names say.
 */
import type { ResultRow } from '../live/messages.ts';
import type { PointMm } from '../pipeline/types.ts';

export type Foot = 'left' | 'right';
export type Eyes = 'open' | 'closed';
/** Standing surface: the plate itself, or a foam pad on it (an unstable surface). */
export type Surface = 'firm' | 'foam';

export const SURFACES: readonly Surface[] = ['firm', 'foam'];

export interface Patient {
  id: number;
  /** Pseudonymous code, unique, 1-32 characters of letters, digits, '-', '_', '.'. */
  code: string;
  name: string | null;
  notes: string | null;
  /** ISO 8601. */
  createdAt: string;
}

export interface NewPatient {
  code: string;
  name?: string | null;
  notes?: string | null;
}

export interface Session {
  id: number;
  patientId: number;
  patientCode: string;
  /** Calendar day of the session, YYYY-MM-DD (local time of the host). */
  date: string;
  trials: number;
}

/** The conditions a trial was run under; the progress charts separate them. */
export interface TrialConditions {
  foot: Foot;
  eyes: Eyes;
  surface: Surface;
  /** Set duration, s. */
  durationS: number;
}

/** The board a trial was run on. */
export interface BoardInfo {
  /** e.g. "simulated board", "BLE Tripod-3F2A". */
  label: string;
  /** Transport kind: sim, ble, serial, replay. */
  kind: string | null;
  /** Firmware version / device name the board reported, when known. */
  firmware: string | null;
  name: string | null;
}

/** The headline numbers of a trial, as columns (what the history and the charts read). */
export interface TrialSummary {
  timeHeldS: number | null;
  errors: number | null;
  touchDowns: number | null;
  completed: boolean;
  inZonePct: number | null;
  heelPct: number | null;
  mt1Pct: number | null;
  mt5Pct: number | null;
  velocityMmS: number | null;
  area95Mm2: number | null;
}

/** A finished trial as it is handed to the store. */
export interface NewTrial {
  patientId: number;
  /** Wall-clock end, ISO 8601. */
  endedAt: string;
  conditions: TrialConditions;
  summary: TrialSummary;
  rows: ResultRow[];
  /** The scorer's full result record (JSON). */
  result: unknown;
  /** CoP trace of the trial, mm, device time s (decimated to at most TRACE_MAX points). */
  trace: { t: number[]; x: number[]; y: number[] };
  /** The stance foot as drawn: outline, tripod, target zone (plate mm). */
  geometry: { outline: PointMm[]; tripod: { heel: PointMm; mt1: PointMm; mt5: PointMm }; zone: PointMm[]; target: PointMm } | null;
  /** The recording file the samples were written to (lossless), or null when not recording. */
  recording: string | null;
  /** Sample index range the trial saw (inclusive). */
  fromIndex: number;
  toIndex: number;
  board: BoardInfo;
  /** The calibration in force (per-cell offsets and scales, layout), JSON. */
  calibration: unknown;
}

/** A stored trial with its history fields (no trace, result or calibration: see StoredTrialDetail). */
export interface StoredTrial {
  id: number;
  patientId: number;
  sessionId: number;
  sessionDate: string;
  endedAt: string;
  conditions: TrialConditions;
  summary: TrialSummary;
  recording: string | null;
  boardLabel: string;
}

export interface StoredTrialDetail extends StoredTrial {
  rows: ResultRow[];
  result: unknown;
  trace: NewTrial['trace'];
  geometry: NewTrial['geometry'];
  fromIndex: number;
  toIndex: number;
  board: BoardInfo;
  calibration: unknown;
}

/** The therapist's progression rule (per patient). */
export interface ProgressionRule {
  /** A trial meets the level when it is held this long, s (default: the level's duration). */
  holdS: number | null;
  /** At most this many touch-downs (errors) in the trial (default 1). */
  maxTouchDowns: number;
  /** At least this much time in zone, % (default 70). */
  minInZonePct: number;
  /** In this many sessions in a row (default 3). */
  sessionsInRow: number;
}

export const DEFAULT_RULE: ProgressionRule = { holdS: null, maxTouchDowns: 1, minInZonePct: 70, sessionsInRow: 3 };

/** Maximum CoP points stored per trial (a 120 s trial at 80 Hz decimated to about 20 Hz). */
export const TRACE_MAX = 2400;

/** The storage interface: one implementation over SQL, two drivers (embedded, PostgreSQL server). */
export interface ClinicStore {
  /** 'embedded (PGlite, DIR)' or 'postgresql (HOST/DB)'. */
  readonly description: string;
  createPatient(p: NewPatient): Promise<Patient>;
  updatePatient(code: string, p: { name?: string | null; notes?: string | null }): Promise<Patient>;
  patient(code: string): Promise<Patient | null>;
  patients(): Promise<Array<Patient & { sessions: number; trials: number; lastDate: string | null }>>;
  /** Stores a finished trial in the patient's session of its day (created when needed), in one transaction. */
  addTrial(t: NewTrial): Promise<StoredTrial>;
  sessions(patientCode?: string): Promise<Session[]>;
  /** A patient's trials, oldest first (history fields only). */
  trials(patientId: number, sessionId?: number): Promise<StoredTrial[]>;
  trial(id: number): Promise<StoredTrialDetail | null>;
  rule(patientId: number): Promise<ProgressionRule>;
  setRule(patientId: number, rule: ProgressionRule): Promise<void>;
  close(): Promise<void>;
}

/** A store refused something the user gave it (bad code, duplicate, unknown patient). */
export class ClinicInputError extends Error {
  override name = 'ClinicInputError';
}
