/** Writes a recording from a synthetic stream (protocol encoder frames) for replay/export tests. */
import { RecordingWriter } from '../../../host/recording/writer.ts';
import type { RecordingHeader } from '../../../host/recording/format.ts';
import { makeStream, type SyntheticOptions, type SyntheticStream } from './synthetic-stream.ts';
import type { SyntheticPersonOptions } from '../../../host/sim/person.ts';
import { writePersonRecording as writeSimPersonRecording } from '../../../host/sim/person-recording.ts';

export const TEST_CALIBRATION = {
  cells: [
    { offset: 41230, scale: 1 / 4379.6 },
    { offset: -23001, scale: 1 / 4379.6 },
    { offset: 15000, scale: 1 / 4379.6 },
    { offset: 70321, scale: 1 / 4379.6 },
  ],
  positionsMm: [
    { x: 180, y: 180 },
    { x: -180, y: 180 },
    { x: -180, y: -180 },
    { x: 180, y: -180 },
  ],
  source: 'test',
};

export function header(extra: Partial<RecordingHeader> = {}): RecordingHeader {
  return {
    format: 'tripod-recording',
    formatVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    software: { name: 'tripod', version: 'test' },
    source: { kind: 'sim', description: 'synthetic' },
    board: { sampleRateHz: 80 },
    calibration: TEST_CALIBRATION,
    subjectId: 'S07',
    notes: null,
    ...extra,
  };
}

/** Writes `stream` frames 12.5 ms * count apart; `drop` frame numbers are left out (as if lost). */
export function writeRecording(path: string, o: SyntheticOptions, drop: Set<number> = new Set(), close = true, headerExtra: Partial<RecordingHeader> = {}): SyntheticStream {
  const st = makeStream(o);
  const w = RecordingWriter.create(path, header(headerExtra), { overwrite: true, fsyncEveryMs: 0 });
  let t = 1_700_000_000_000;
  st.frames.forEach((f, i) => {
    t += f.count * 12.5;
    if (!drop.has(i)) w.writeMessage('data', t, f.bytes);
  });
  if (close) w.close('test');
  return st;
}

/** writePersonRecording (host/sim/person-recording.ts) with the test header and calibration. */
export function writePersonRecording(path: string, person: SyntheticPersonOptions, seconds: number, headerExtra: Partial<RecordingHeader> = {}): void {
  writeSimPersonRecording(path, person, seconds, header(headerExtra));
}
