/**
 * Starting a recording of a live session: the header (who the board is, how it is calibrated, who
 * stands on it) and the recorder's subscriptions to the transport, made before anything else looks
 * at a message so every received message is on disk first, whatever a consumer does.
 */
import type { Subscription } from 'rxjs';
import type { Transport } from '../transport/transport.ts';
import { RECORDING_FORMAT_VERSION, type RecordedCalibration, type RecordingHeader } from './format.ts';
import { RecordingWriter } from './writer.ts';

export interface RecordOptions {
  path: string;
  subjectId?: string | null;
  notes?: string | null;
  /** Replace an existing file (otherwise an existing file is an error with code EEXIST). */
  overwrite?: boolean;
}

export interface RecordingStart {
  software: { name: string; version: string };
  /** The board's GET_INFO answer (or what else is known about it). */
  board: Record<string, unknown> | null;
  calibration: RecordedCalibration;
}

/** The header of a recording started now. */
export function recordingHeader(transport: Pick<Transport, 'kind' | 'description'>, start: RecordingStart, opts: RecordOptions): RecordingHeader {
  return {
    format: 'tripod-recording',
    formatVersion: RECORDING_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    software: start.software,
    source: { kind: transport.kind, description: transport.description },
    board: start.board,
    calibration: start.calibration,
    subjectId: opts.subjectId ?? null,
    notes: opts.notes ?? null,
  };
}

/** Creates the file (throws before any subscription when it cannot). */
export function createRecording(transport: Pick<Transport, 'kind' | 'description'>, start: RecordingStart, opts: RecordOptions): RecordingWriter {
  return RecordingWriter.create(opts.path, recordingHeader(transport, start, opts), { overwrite: opts.overwrite });
}

/** Writes every message and link change the transport reports from now on; returns the subscriptions. */
export function recordTransport(transport: Transport, writer: RecordingWriter): Subscription[] {
  return [
    transport.messages$.subscribe((m) => writer.writeMessage(m.channel, m.hostTimeMs, m.bytes)),
    transport.link$.subscribe((l) => {
      if (l.type === 'link-lost') writer.writeLink({ event: 'link-lost', hostTimeMs: l.hostTimeMs, detail: l.reason });
      else if (l.type === 'link-restored') writer.writeLink({ event: 'link-restored', hostTimeMs: l.hostTimeMs });
      else writer.writeNote({ kind: 'rx-errors', hostTimeMs: l.hostTimeMs, count: l.count, detail: l.detail });
    }),
  ];
}
