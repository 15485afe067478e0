/**
 * A recording's metadata, for `tripod info FILE` and the JSON sidecar of exports: its header
 * (created, software, source, board, calibration and where it came from, subject, notes) and what a
 * replay finds (samples, gaps, duration, rate, clean end or where it was cut, damage).
 */
import * as fs from 'node:fs';
import type { DeviceInfo } from '../../protocol/index.ts';
import type { BoardSession } from '../session.ts';
import type { ReplayTransport } from '../transport/replay.ts';
import type { CommandContext } from './command.ts';
import { boardModel } from './commands/info.ts';
import { openRecordingSession, replaySummary } from './recording-input.ts';
import type { HeaderFields } from '../export/header-comments.ts';

export interface RecordingMetadata {
  file: string;
  bytes: number;
  created_at: string;
  software: string;
  source: string;
  board: { model: string; firmware: string; protocol: string; sample_rate_hz: number } | null;
  calibration: { source: string; calibrated: boolean; cells: Array<{ offset: number; scale: number }>; positions_mm: Array<{ x: number; y: number }> };
  subject_id: string | null;
  notes: string | null;
  samples: number;
  lost: number;
  gaps: number;
  duration_s: number;
  rate_hz: number | null;
  clean_end: boolean;
  stopped_at_byte: number | null;
  damaged: Array<{ offset: number; length: number; reason: string }>;
}

/** Whether a calibration source means "not calibrated" (the board's defaults or the host's). */
export function uncalibrated(source: string): boolean {
  return /uncalibrated|^default$/.test(source);
}

/** The metadata of a recording whose replay session has finished. */
export function recordingMetadata(file: string, session: BoardSession): RecordingMetadata {
  const t = session.transport as ReplayTransport;
  const h = t.header;
  const b = h.board as Partial<DeviceInfo> | null;
  const sum = replaySummary(file, session, 0);
  const cal = session.calibration;
  return {
    file,
    bytes: t.report.fileBytes,
    created_at: h.createdAt,
    software: `${h.software.name} ${h.software.version}`,
    source: `${h.source.kind}: ${h.source.description}`,
    board:
      b && typeof b.firmwareMajor === 'number'
        ? { model: boardModel(b.boardId ?? -1), firmware: `${b.firmwareMajor}.${b.firmwareMinor}.${b.firmwarePatch}`, protocol: `${b.protocolMajor}.${b.protocolMinor}`, sample_rate_hz: b.sampleRateHz ?? 0 }
        : null,
    calibration: { source: cal.source, calibrated: !uncalibrated(cal.source), cells: cal.cells.map((c) => ({ offset: c.offset, scale: c.scale })), positions_mm: cal.layout.cells.map((p) => ({ x: p.x, y: p.y })) },
    subject_id: h.subjectId,
    notes: h.notes,
    samples: sum.samples,
    lost: sum.lost,
    gaps: sum.gaps,
    duration_s: sum.duration_s,
    rate_hz: sum.rate_hz,
    clean_end: sum.clean_end,
    stopped_at_byte: sum.stopped_at_byte,
    damaged: sum.damaged,
  };
}

/** Replays a recording to its end (no output) for its metadata: its header and what the replay finds. */
export async function readRecordingMetadata(file: string, calibrationFile: string | null = null): Promise<RecordingMetadata> {
  const session = await openRecordingSession(file, Infinity, calibrationFile);
  await session.finished;
  await session.close();
  return recordingMetadata(file, session);
}

/** The board line of `tripod info` and exports: model, firmware, protocol, rate. */
export function boardLine(m: RecordingMetadata): string {
  return m.board ? `${m.board.model}, firmware ${m.board.firmware}, protocol ${m.board.protocol}, ${m.board.sample_rate_hz} Hz` : 'unknown (not in the header)';
}

/** The header an export carries (CSV `#` lines, the C3D's TRIPOD group); `timing`: how rows are timed. */
export function headerFields(m: RecordingMetadata, timing: string): HeaderFields {
  return {
    recording: m.file,
    created: m.created_at,
    software: m.software,
    source: m.source,
    board: boardLine(m),
    firmware: m.board?.firmware ?? null,
    calibration: m.calibration.source,
    calibrated: m.calibration.calibrated,
    subject: m.subject_id,
    notes: m.notes,
    samples: m.samples,
    gaps: `${m.lost} samples lost in ${m.gaps} gap(s)`,
    timing,
  };
}

/** `tripod info FILE`. */
export async function printRecordingInfo(ctx: CommandContext, file: string): Promise<number> {
  const m = await readRecordingMetadata(file);
  if (ctx.values.json === true) {
    ctx.out.write(`${JSON.stringify(m)}\n`);
    return 0;
  }
  const lines = [
    `file        ${m.file} (${m.bytes} bytes)`,
    `created     ${m.created_at}`,
    `software    ${m.software}`,
    `source      ${m.source}`,
    `board       ${boardLine(m)}`,
    `calibration ${m.calibration.source}${m.calibration.calibrated ? '' : ' (not calibrated: forces are nominal)'}`,
    ...m.calibration.cells.map((c, i) => `  cell ${i}    offset ${String(c.offset).padStart(9)} counts   scale ${c.scale.toExponential(4)} N/count   at (${m.calibration.positions_mm[i]!.x}, ${m.calibration.positions_mm[i]!.y}) mm`),
    `subject     ${m.subject_id ?? '-'}`,
    `notes       ${m.notes ?? '-'}`,
    `samples     ${m.samples} in ${m.duration_s} s${m.rate_hz === null ? '' : ` at ${m.rate_hz} Hz`}; ${m.lost} lost in ${m.gaps} gap(s)`,
    `end         ${m.clean_end ? 'closed cleanly' : m.stopped_at_byte !== null ? `cut at byte ${m.stopped_at_byte} (replays up to there)` : 'no END record (the recorder did not close it)'}`,
    ...(m.damaged.length > 0 ? [`damaged     ${m.damaged.map((d) => `${d.length} bytes at ${d.offset} (${d.reason})`).join('; ')}`] : []),
  ];
  ctx.out.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Writes `metadata` as JSON beside an export (`OUT.json`); returns its path. */
export function writeSidecar(out: string, m: RecordingMetadata, extra: Record<string, unknown>): string {
  const path = `${out}.json`;
  fs.writeFileSync(path, `${JSON.stringify({ ...m, export: extra }, null, 2)}\n`);
  return path;
}
