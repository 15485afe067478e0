/**
 * A recording of the synthetic person (person.ts: stepping on, standing, stepping off) on a board
 * streaming at 80 Hz: raw counts through the header's calibration, frames from the protocol's
 * encoder, one frame each 100 ms of host time. For the bench and the tests of whole-recording
 * analysis (host/scoring/stances.ts).
 */
import { createFrameEncoder } from '../../protocol/frame-encoder.ts';
import type { RecordingHeader } from '../recording/format.ts';
import { RecordingWriter } from '../recording/writer.ts';
import { createSyntheticPerson, personLoadSource, type SyntheticPersonOptions } from './person.ts';

/** Writes `seconds` of `person` to `path`; the header must hold a calibration (counts = offset + N / scale). */
export function writePersonRecording(path: string, person: SyntheticPersonOptions, seconds: number, header: RecordingHeader): void {
  const cells = header.calibration?.cells;
  if (!cells || cells.length !== 4) throw new RangeError('writePersonRecording: the header needs a calibration of four cells');
  const load = personLoadSource(createSyntheticPerson(person));
  const enc = createFrameEncoder(20, 8, 80, true);
  const w = RecordingWriter.create(path, header, { overwrite: true, fsyncEveryMs: 0 });
  let host = 1_700_000_000_000;
  const take = (f: Uint8Array | null): void => {
    for (; f; f = enc.poll()) w.writeMessage('data', (host += 100), f);
  };
  for (let i = 0; i < seconds * 80; i++) {
    const f = load(i / 80);
    const c = cells.map((cell, k) => Math.round(cell.offset + f[k]! / cell.scale));
    take(enc.add(c[0]!, c[1]!, c[2]!, c[3]!, 0, (i / 80) * 1000));
  }
  take(enc.flush());
  w.close('synthetic person');
}
