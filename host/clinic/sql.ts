/**
 * The SQL seam: the clinic store speaks PostgreSQL's dialect to a driver, which is either PGlite
 * (PostgreSQL compiled to WebAssembly, embedded, files in a directory: the default) or a
 * PostgreSQL server through `pg` (a clinic with several rooms and one records server).
 */
export interface SqlDriver {
  readonly description: string;
  /** Runs one parameterised statement ($1, $2...); returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK on a throw); statements inside use `tx`. */
  transaction<T>(fn: (tx: Pick<SqlDriver, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Schema version 1. Plain PostgreSQL: both drivers run exactly this. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS tripod_schema (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS patients (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text,
  notes text,
  created_at text NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id serial PRIMARY KEY,
  patient_id integer NOT NULL REFERENCES patients(id),
  day text NOT NULL,
  UNIQUE (patient_id, day)
);
CREATE TABLE IF NOT EXISTS trials (
  id serial PRIMARY KEY,
  session_id integer NOT NULL REFERENCES sessions(id),
  patient_id integer NOT NULL REFERENCES patients(id),
  ended_at text NOT NULL,
  foot text NOT NULL CHECK (foot IN ('left', 'right')),
  eyes text NOT NULL CHECK (eyes IN ('open', 'closed')),
  surface text NOT NULL CHECK (surface IN ('firm', 'foam')),
  duration_s double precision NOT NULL,
  time_held_s double precision,
  errors integer,
  touch_downs integer,
  completed boolean NOT NULL,
  in_zone_pct double precision,
  heel_pct double precision,
  mt1_pct double precision,
  mt5_pct double precision,
  velocity_mm_s double precision,
  area95_mm2 double precision,
  recording text,
  from_index bigint NOT NULL,
  to_index bigint NOT NULL,
  board_label text NOT NULL,
  board jsonb NOT NULL,
  calibration jsonb,
  rows_json jsonb NOT NULL,
  result jsonb NOT NULL,
  trace jsonb NOT NULL,
  geometry jsonb
);
CREATE INDEX IF NOT EXISTS trials_patient ON trials (patient_id, id);
CREATE TABLE IF NOT EXISTS rules (
  patient_id integer PRIMARY KEY REFERENCES patients(id),
  rule jsonb NOT NULL
);
`;
