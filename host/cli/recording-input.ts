/**
 * Shared by `replay` and `export`: opens a recording as a session, maps its failures to one-line CLI
 * errors, and builds the summary both commands print.
 */
import { RecordingFormatError } from '../recording/reader.ts';
import { CalibrationError } from '../pipeline/calibration.ts';
import { openBoard, type BoardSession, type SessionStats } from '../session.ts';
import type { ReplayTransport } from '../transport/replay.ts';
import { RuntimeError, UsageError } from './errors.ts';

export async function openRecordingSession(file: string, speed: number, calibrationFile: string | null): Promise<BoardSession> {
  try {
    return await openBoard({ kind: 'replay', file, speed }, { calibrationFile });
  } catch (e) {
    if (e instanceof CalibrationError) throw new UsageError(e.message);
    if (e instanceof RecordingFormatError) throw new RuntimeError(e.message);
    throw new RuntimeError((e as Error).message);
  }
}

/** Parses --speed: a factor > 0, or 'max' (as fast as possible). */
export function parseSpeed(v: unknown): number {
  if (v === undefined) return 1;
  if (v === 'max' || v === 'inf') return Infinity;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--speed must be a factor > 0 (1 = real time) or 'max', got '${String(v)}'`);
  }
  return n;
}

export interface ReplaySummary {
  file: string;
  samples: number;
  lost: number;
  duplicates: number;
  /** Frames that were out of order in the file and were put back in place. */
  reordered: number;
  gaps: number;
  duration_s: number;
  rate_hz: number | null;
  rejected_frames: number;
  device_dropped: number;
  link_losses: number;
  /** True when the file ends with its END record (closed cleanly). */
  clean_end: boolean;
  /** Byte offset where a cut last record starts (the recording stopped there), or null. */
  stopped_at_byte: number | null;
  damaged: Array<{ offset: number; length: number; reason: string }>;
  /** 'copy' or 'missing' when the header record was damaged (host/recording/reader.ts), else null. */
  header_recovery: 'copy' | 'missing' | null;
  subject_id: string | null;
}

export function replaySummary(file: string, session: BoardSession, linkLosses: number): ReplaySummary {
  const st: SessionStats = session.stats();
  const t = session.transport as ReplayTransport;
  const r = t.report;
  return {
    file,
    samples: st.samples,
    lost: st.lost,
    duplicates: st.duplicates,
    reordered: st.reordered,
    gaps: st.gaps,
    duration_s: round(st.durationS, 4),
    rate_hz: st.rateHz === null ? null : round(st.rateHz, 3),
    rejected_frames: st.rejectedFrames,
    device_dropped: st.deviceDropped,
    link_losses: linkLosses,
    clean_end: r.end !== null,
    stopped_at_byte: r.truncatedAt,
    damaged: r.damaged,
    header_recovery: r.headerRecovery,
    subject_id: t.header.subjectId,
  };
}

function round(v: number, d: number): number {
  const k = 10 ** d;
  return Math.round(v * k) / k;
}

/**
 * `tripod replay FILE | head`: when the reader of our stdout goes away, stop quietly (exit 0)
 * instead of dying on EPIPE. Returns a function that removes the handler.
 */
export function stopOnBrokenPipe(out: NodeJS.WritableStream, stop: () => void): () => void {
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') stop();
  };
  out.on('error', onError);
  return () => out.removeListener('error', onError);
}
