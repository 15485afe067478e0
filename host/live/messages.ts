/**
 * The live page's WebSocket protocol: JSON text messages, one object each, discriminated by `type`.
 * The page imports only this file (and host/pipeline/types.ts) from the host, so both sides agree
 * by the type-checker. Units: forces N, positions mm (plate frame, see host/pipeline/types.ts),
 * times s of device time unless a name says otherwise.
 *
 * Server -> page messages come in two classes:
 * - display frames (`frame`): droppable; a slow or hidden page skips them, nothing recorded is lost;
 * - everything else (state, trial, results): never dropped, sent in order.
 */
import type { BoardLayout, PointMm } from '../pipeline/types.ts';

export const LIVE_PROTOCOL_VERSION = 1;

export type Foot = 'left' | 'right';
export type Eyes = 'open' | 'closed';
/** Standing surface: the plate itself, or a foam pad on it (unstable). */
export type Surface = 'firm' | 'foam';

/** What the therapist sets before a trial. */
export interface TrialSetup {
  foot: Foot;
  eyes: Eyes;
  surface: Surface;
  /** Trial duration once the stance has started, s (1..120). */
  durationS: number;
}

/** The stance foot drawn on the plate: outline, tripod landmarks and the target zone, all mm. */
export interface FootGeometry {
  foot: Foot;
  /** Closed polygon of the foot outline. */
  outline: PointMm[];
  /** Tripod landmarks: heel centre, 1st metatarsal head, 5th metatarsal head. */
  tripod: { heel: PointMm; mt1: PointMm; mt5: PointMm };
  /** The target point of the CoP (where the target shares put it). */
  target: PointMm;
  /** Closed polygon of the target zone (CoP positions whose shares are within tolerance). */
  zone: PointMm[];
}

/** Tripod shares as fractions 0..1 summing to 1 (may leave 0..1 when the CoP is outside the triangle). */
export interface TripodShares {
  heel: number;
  mt1: number;
  mt5: number;
}

/** The live score at and above which the page shows green and the cue may say "Good" (the zone's edge scores 50). */
export const GOOD_SCORE = 50;

/** What the big cue is about: step on, wrong foot, off the foot, off the tripod, a correction, good. */
export type CueKind = 'step-on' | 'wrong-foot' | 'off-foot' | 'off-tripod' | 'correct' | 'good';

/** The live scorer's view of the latest sample. */
export interface LiveScoreView {
  /** Shares of the latest sample; null when no CoP (nobody on the board). */
  shares: TripodShares | null;
  /** Mean shares over the scorer's rolling window (2 s): steadier, what the bars show. */
  rollingShares: TripodShares | null;
  /** Mean score over the rolling window, 0..100: the big number on the page. */
  rollingScore: number | null;
  /** Whether the rolling mean shares are in the zone (the cue's colour); null when nobody stands. */
  cueGood: boolean | null;
  /** Target shares (for the bars' target marks). */
  targetShares: TripodShares;
  /** Tolerance around each target share, as a fraction (e.g. 0.1 = +/-10 points). */
  tolerance: number;
  /** Live score 0..100, null when no CoP. */
  score: number | null;
  /** Whether the latest sample is in the target zone. */
  inZone: boolean;
  /** % of time in zone since the score was last reset (trial start or page setup change), 0..100. */
  inZonePct: number;
  /** The cue a therapist would say, in words (changes at most once a second: host/live/cue.ts). */
  cue: string;
  cueKind: CueKind;
  /** Device time the cue took its current text, s (host/live/cue.ts): the page's record of changes, which frames that merge or arrive late would otherwise date later. */
  cueSince: number;
  /** Which edge of the tripod the CoP left by, when outside; null inside. */
  outside: string | null;
}

export type ConnectionPhase = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

/** Board and stream health, sent on change and at least once a second. */
export interface StatusMessage {
  type: 'status';
  connection: ConnectionPhase;
  /** Source label, e.g. "simulated board", "BLE Tripod-3F2A", "serial /dev/ttyACM0". */
  source: string;
  /** Battery %, null when the board does not report it. */
  batteryPct: number | null;
  /** Battery voltage, mV, null when unknown (shown when the percentage is unknown: MDBT42Q). */
  batteryMv: number | null;
  /** Achieved sample rate over the last 2 s of device time, Hz; null before 2 samples. */
  rateHz: number | null;
  /** Samples received since the page connected to the host (the host's count). */
  samples: number;
  /** Samples lost on the way (gaps, device and consumer overflow), counted by the host. */
  lost: number;
  /** Duplicate samples dropped by the host. */
  duplicates: number;
  /** Display frames this page skipped because it was slow or hidden (no recorded data lost). */
  droppedFrames: number;
  /** File the host records every received frame to, or null when not recording. */
  recording: string | null;
  /** Why the recording stopped early (a write error such as a full disk, one line), or null. */
  recordingError: string | null;
}

/**
 * A batch of samples for the charts, columnar. `cx`/`cy` hold null where the CoP is absent.
 * `first` is the index of the first sample; a jump from the previous frame means frames were skipped.
 */
export interface FrameMessage {
  type: 'frame';
  first: number;
  t: number[];
  f0: number[];
  f1: number[];
  f2: number[];
  f3: number[];
  total: number[];
  cx: (number | null)[];
  cy: (number | null)[];
  /** Live score after the last sample of the batch (null before any scorer output). */
  live: LiveScoreView | null;
}

export type TrialPhase = 'idle' | 'countdown' | 'waiting' | 'running' | 'done';

export interface TouchdownMark {
  /** Device time of the touch-down, s. */
  t: number;
  /** Time into the trial, s. */
  trialS: number;
  /** How long it lasted, s (null while it lasts). */
  durationS: number | null;
}

/** Trial controller state, sent on every change and ~4 times a second while running. */
export interface TrialStateMessage {
  type: 'trial';
  phase: TrialPhase;
  setup: TrialSetup;
  /** Countdown remaining, s (phase 'countdown'). */
  countdownS: number | null;
  /** Time into the stance, s (phase 'running'). */
  elapsedS: number | null;
  /** Device time the stance started, s. */
  startT: number | null;
  touchdowns: TouchdownMark[];
  /** One line for the therapist: why the trial is waiting, how it ended. */
  note: string;
}

/** One row of a result table; `value` is the host's number, `text` its display form. */
export interface ResultRow {
  /** Section of the table the row belongs to (e.g. 'Stance', 'Tripod', 'Sway'). */
  group?: string;
  key: string;
  label: string;
  unit: string;
  value: number | null;
  text: string;
  /** One line saying what the number means (hover on the page, legend in the report). */
  help?: string;
}

export interface TrialResultView {
  /** Sequence number within this `tripod live` run, 1, 2, ... */
  id: number;
  setup: TrialSetup;
  /** Wall-clock end of the trial, ISO 8601. */
  endedAt: string;
  /** Index range of the samples that went into the trial detector (inclusive). */
  fromIndex: number;
  toIndex: number;
  rows: ResultRow[];
  /** The scorer's full result record, as JSON. */
  result: unknown;
}

/** Left/right comparison of the latest trial of each foot with the same eyes condition. */
export interface ComparisonView {
  eyes: Eyes;
  leftId: number;
  rightId: number;
  rows: Array<{ key: string; label: string; unit: string; left: number | null; right: number | null; asymmetryPct: number | null }>;
}

export interface ResultsMessage {
  type: 'results';
  trials: TrialResultView[];
  comparisons: ComparisonView[];
}

export interface HelloMessage {
  type: 'hello';
  version: number;
  layout: BoardLayout;
  /** Width of the live charts, s of device time. */
  windowS: number;
  /** Nominal sample rate, Hz (sizes the page's ring buffers). */
  nominalRateHz: number;
  /** Fixed y range of the force charts, N. */
  cellForceMaxN: number;
  totalForceMaxN: number;
  geometry: FootGeometry;
  setup: TrialSetup;
}

export interface GeometryMessage {
  type: 'geometry';
  geometry: FootGeometry;
}

/** The host refused a command that needs the user's confirmation; the page asks and resends it confirmed. */
export interface ConfirmMessage {
  type: 'confirm';
  action: 'tare';
  /** The question, in words (why it needs confirming). */
  text: string;
}

export interface NoticeMessage {
  type: 'notice';
  level: 'info' | 'error';
  text: string;
}

/** The clinic store's word on a finished trial: stored for a patient, or why not. */
export interface ClinicMessage {
  type: 'clinic';
  /** Stored trial id and patient code, or null when nothing was stored. */
  stored: { trialId: number; patient: string } | null;
  /** Why the trial was not stored (no patient chosen, store error), when it was not. */
  error: string | null;
}

export type ServerMessage =
  | ClinicMessage
  | HelloMessage
  | GeometryMessage
  | StatusMessage
  | FrameMessage
  | TrialStateMessage
  | ResultsMessage
  | NoticeMessage
  | ConfirmMessage;

/** Page -> server. */
export type ClientMessage =
  | { type: 'setup'; setup: TrialSetup }
  | { type: 'tare'; confirmed?: boolean }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'visibility'; hidden: boolean };

export const DURATION_RANGE_S = { min: 1, max: 120 } as const;

/** Validates a page message; returns an error line instead of throwing (pages are untrusted input). */
export function parseClientMessage(text: string): ClientMessage | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'message is not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'message is not an object';
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'tare':
      if (m.confirmed !== undefined && typeof m.confirmed !== 'boolean') return 'tare.confirmed must be a boolean';
      return m.confirmed === true ? { type: 'tare', confirmed: true } : { type: 'tare' };
    case 'start':
    case 'stop':
      return { type: m.type };
    case 'visibility':
      if (typeof m.hidden !== 'boolean') return 'visibility.hidden must be a boolean';
      return { type: 'visibility', hidden: m.hidden };
    case 'setup': {
      const s = m.setup as Record<string, unknown> | undefined;
      if (!s || typeof s !== 'object') return 'setup.setup must be an object';
      if (s.foot !== 'left' && s.foot !== 'right') return `setup.foot must be 'left' or 'right', got ${JSON.stringify(s.foot)}`;
      if (s.eyes !== 'open' && s.eyes !== 'closed') return `setup.eyes must be 'open' or 'closed', got ${JSON.stringify(s.eyes)}`;
      const d = s.durationS;
      if (typeof d !== 'number' || !Number.isFinite(d) || d < DURATION_RANGE_S.min || d > DURATION_RANGE_S.max) {
        return `setup.durationS must be a number of seconds in ${DURATION_RANGE_S.min}..${DURATION_RANGE_S.max}, got ${JSON.stringify(d)}`;
      }
      const surface = s.surface ?? 'firm';
      if (surface !== 'firm' && surface !== 'foam') return `setup.surface must be 'firm' or 'foam', got ${JSON.stringify(s.surface)}`;
      return { type: 'setup', setup: { foot: s.foot, eyes: s.eyes, surface, durationS: d } };
    }
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}
