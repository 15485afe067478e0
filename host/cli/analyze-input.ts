/**
 * What `tripod analyze` reads: a CoP table or C3D file (scoring/cop-file.ts), or a Tripod recording
 * itself, replayed as fast as it goes (every sample calibrated with the recording's calibration, its
 * header as the metadata). Also the whole analysis of one file for the batch's processes.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { readCopFile, type CopFileOptions, type CopTrace, type FileMetadata } from '../scoring/cop-file.ts';
import { analyzeTrace, type AnalyzeFileOptions, type AnalyzedTrial } from '../scoring/analyze-file.ts';
import type { ForceSample } from '../pipeline/types.ts';

/** Whether the file starts as a Tripod recording (host/recording/FORMAT.md). */
export function isRecordingFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false; // readCopFile names the problem
  }
  try {
    const b = Buffer.alloc(7);
    return readSync(fd, b, 0, 7, 0) === 7 && b.toString('latin1') === 'TRIPODR';
  } finally {
    closeSync(fd);
  }
}

/** A recording as a CoP trace: CoP of the samples with one (20 N and more), load of every sample. */
export async function readRecordingTrace(file: string): Promise<CopTrace> {
  // Loaded here: a CoP table or C3D needs no session (nor rxjs) and starts faster without.
  const { openRecordingSession } = await import('./recording-input.ts');
  const { headerFields, recordingMetadata } = await import('./recording-info.ts');
  const session = await openRecordingSession(file, Infinity, null);
  const samples: ForceSample[] = [];
  session.samples$.subscribe((s) => samples.push(s));
  await session.finished;
  await session.close();
  if (samples.length === 0) throw new Error(`${file}: the recording has no samples`);
  const t0 = samples[0]!.t;
  const withCop = samples.filter((s) => s.cop !== null);
  const h = headerFields(recordingMetadata(file, session), 'as received');
  const metadata: FileMetadata = { subject: h.subject, created: h.created, board: h.board, firmware: h.firmware, calibration: h.calibration, calibrated: h.calibrated ? 'yes' : 'no', notes: h.notes, gaps: h.gaps };
  const rate = session.stats().rateHz;
  if (rate === null) throw new Error(`${file}: the recording has fewer than two samples`);
  return {
    t: Float64Array.from(withCop, (s) => s.t - t0),
    x: Float64Array.from(withCop, (s) => s.cop!.x),
    y: Float64Array.from(withCop, (s) => s.cop!.y),
    rateHz: rate,
    format: 'recording',
    skippedRows: samples.length - withCop.length,
    columns: { x: 'cop_x_right_mm', y: 'cop_y_forward_mm', t: 'time_s' },
    unit: 'mm',
    load: { t: Float64Array.from(samples, (s) => s.t - t0), total: Float64Array.from(samples, (s) => s.total) },
    metadata,
    tripod: true,
  };
}

/** Reads any file analyze takes. Column options apply to CoP tables only. */
export async function readAnalysisInput(file: string, opts: CopFileOptions = {}): Promise<CopTrace> {
  return isRecordingFile(file) ? readRecordingTrace(file) : readCopFile(file, opts);
}

/** One file of the batch, read and analysed: a row per stance. */
export async function analyzeFile(file: string, opts: AnalyzeFileOptions): Promise<AnalyzedTrial[]> {
  return analyzeTrace(file, await readAnalysisInput(file), opts);
}
