/**
 * The batched replay path (ForceBlocks of typed arrays, no object per sample) gives exactly what the
 * per-sample path gives: the same samples (every field, bit for bit), the same events in the same
 * places among the samples, on a recording with lost, repeated and swapped frames, a link loss, a
 * device event and a calibration change half-way.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEvent, EVT_OVERFLOW } from '../../protocol/index.ts';
import { forceSampleAt, type ForceBlock } from '../../host/pipeline/block.ts';
import { ForcePipeline } from '../../host/pipeline/pipeline.ts';
import { REPLAY_REORDER_WINDOW } from '../../host/pipeline/reorder.ts';
import type { ForceSample, PipelineEvent } from '../../host/pipeline/types.ts';
import { openRecording } from '../../host/recording/reader.ts';
import { RecordingWriter } from '../../host/recording/writer.ts';
import { fromRecordedCalibration, openBoard } from '../../host/session.ts';
import { header, TEST_CALIBRATION } from './helpers/synthetic-recording.ts';
import { makeStream } from './helpers/synthetic-stream.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-blocks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TARED = { ...TEST_CALIBRATION, cells: TEST_CALIBRATION.cells.map((c, i) => ({ offset: c.offset + 1000 * (i + 1), scale: c.scale * 1.01 })), source: 'tare' };

/** A recording with every kind of trouble a replay meets (1.1 frames of 4 samples, or 1.2 frames of 2 as boards stream today). */
function troubledRecording(file: string, v12 = false): void {
  const st = v12 ? makeStream({ samples: 6000, seed: 11, payload: 50, samplesPerFrame: 2, v12 }) : makeStream({ samples: 6000, seed: 11, payload: 50, samplesPerFrame: 4 });
  const w = RecordingWriter.create(file, header(), { overwrite: true, fsyncEveryMs: 0 });
  let t = 1_700_000_000_000;
  const frames = st.frames;
  for (let i = 0; i < frames.length; i++) {
    t += frames[i]!.count * 12.5;
    if (i === 40 || i === 41 || i === 300) continue; // lost
    if (i === 100) w.writeMessage('data', t, frames[i]!.bytes); // repeated
    if (i === 200) {
      // swapped with the next
      w.writeMessage('data', t, frames[201]!.bytes);
      w.writeMessage('data', t, frames[200]!.bytes);
      i++;
      continue;
    }
    if (i === 500) w.writeMessage('control', t, encodeEvent({ seq: 1, code: EVT_OVERFLOW, dropped: 3 }));
    if (i === 700) w.writeNote({ kind: 'tare', hostTimeMs: t, calibration: TARED });
    if (i === 900) {
      w.writeLink({ event: 'link-lost', hostTimeMs: t, detail: 'test' });
      w.writeLink({ event: 'link-restored', hostTimeMs: t + 1 });
      i += 30; // the frames sent while the link was down
      continue;
    }
    w.writeMessage('data', t, frames[i]!.bytes);
  }
  w.close('test');
}

type Item = { s: ForceSample } | { e: PipelineEvent };

/** Drives one ForcePipeline over the file's records, per sample or in blocks of `blockSamples`. */
function run(file: string, blockSamples: number | null): Item[] {
  const out: Item[] = [];
  const onBlock = (b: ForceBlock): void => {
    for (let k = 0; k < b.count; k++) out.push({ s: forceSampleAt(b, k) });
  };
  const opts = { rateHz: 80, reorderWindow: REPLAY_REORDER_WINDOW, ...(blockSamples === null ? {} : { onBlock, blockSamples }) };
  const p = new ForcePipeline(fromRecordedCalibration(TEST_CALIBRATION), (s) => out.push({ s }), (e) => out.push({ e }), opts);
  for (const r of openRecording(file).records()) {
    if (r.type === 'message') p.push({ channel: r.channel, bytes: r.bytes, hostTimeMs: r.hostTimeMs });
    else if (r.type === 'note' && r.note.calibration) p.setCalibration(fromRecordedCalibration(r.note.calibration as never));
    else if (r.type === 'link' && r.link.event === 'link-lost') p.linkLost(r.link.hostTimeMs, r.link.detail ?? '');
    else if (r.type === 'link') p.linkRestored(r.link.hostTimeMs);
  }
  p.flush();
  return out;
}

/** What a reader gives, comparable across batches() and feed(): frames by their bytes, the rest without offsets. */
function readerItems(file: string, how: 'batches' | 'feed'): { items: unknown[]; report: unknown } {
  const rec = openRecording(file);
  const items: unknown[] = [];
  const frame = (bytes: Uint8Array, hostTimeMs: number): number => items.push(`data ${hostTimeMs} ${Buffer.from(bytes).toString('hex')}`);
  if (how === 'batches') {
    for (const batch of rec.batches()) {
      for (const r of batch) {
        if (r.type === 'message' && r.channel === 'data') frame(r.bytes, r.hostTimeMs);
        else items.push(r.type === 'message' ? { ...r, offset: 0, bytes: Buffer.from(r.bytes).toString('hex') } : { ...r, offset: 0 });
      }
    }
  } else {
    for (const _ of rec.feed({
      frames: (buf, b) => {
        for (let i = 0; i < b.count; i++) frame(buf.subarray(b.start[i]!, b.end[i]!), b.hostTimeMs[i]!);
      },
      record: (r) => items.push(r.type === 'message' ? { ...r, offset: 0, bytes: Buffer.from(r.bytes).toString('hex') } : { ...r, offset: 0 }),
    }));
  }
  return { items, report: rec.report };
}

describe('recording reader: feed() (frames as ranges of large chunks) gives what batches() gives', () => {
  const file = path.join(dir, 'feed.tripod');
  troubledRecording(file);
  const bytes = fs.readFileSync(file);
  const damaged = Buffer.from(bytes);
  damaged[Math.floor(bytes.length / 3)]! ^= 0x10; // one record's CRC fails
  damaged[Math.floor(bytes.length / 2)] = 0; // another one
  const noHeader = Buffer.from(bytes);
  noHeader[12]! ^= 0xff; // the header record and (next) its copy damaged
  noHeader[bytes.indexOf('header-copy') + 3]! ^= 0xff;
  const cases: Array<[string, Buffer]> = [
    ['whole', bytes],
    ['damaged in two places and cut', damaged.subarray(0, damaged.length - 25)],
    ['header and its copy damaged', noHeader],
  ];
  for (const [name, content] of cases) {
    it(name, () => {
      const f = path.join(dir, `feed-${name.replace(/ /g, '-')}.tripod`);
      fs.writeFileSync(f, content);
      const a = readerItems(f, 'batches');
      const b = readerItems(f, 'feed');
      expect(b.items.length).toBe(a.items.length);
      expect(b).toEqual(a);
      const report = b.report as { damaged: unknown[]; headerRecovery: string | null; truncatedAt: number | null };
      if (name.startsWith('damaged')) expect(report.damaged.length).toBeGreaterThanOrEqual(2);
      if (name.startsWith('damaged')) expect(report.truncatedAt).not.toBeNull();
      if (name.startsWith('header')) expect(report.headerRecovery).toBe('missing');
    });
  }
});

describe.each([
  ['1.1 frames', false],
  ['1.2 frames', true],
])('batched replay path (%s)', (_, v12) => {
  const file = path.join(dir, `troubled-${v12 ? 'v12' : 'v11'}.tripod`);
  troubledRecording(file, v12);
  const perSample = run(file, null);

  it('the recording exercises gaps, duplicates, reordering, a link loss, a device event and a calibration change', () => {
    const types = new Set(perSample.flatMap((x) => ('e' in x ? [x.e.type] : [])));
    for (const t of ['gap', 'duplicate', 'device-overflow', 'link-lost', 'link-restored', 'stream-start']) expect(types).toContain(t);
    const samples = perSample.flatMap((x) => ('s' in x ? [x.s] : []));
    expect(samples.length).toBeGreaterThan(5500);
    expect(samples.every((s) => s.cop !== null)).toBe(true);
  });

  for (const size of [4096, 7, 1, 0]) {
    it(`blocks of ${size === 0 ? 'one frame' : `${size} rows`}: the same samples and events in the same order`, () => {
      const batched = run(file, size);
      expect(batched.length).toBe(perSample.length);
      expect(batched).toEqual(perSample); // numbers compared with Object.is: bit for bit
    });
  }

  it('a replay session: samples$ (made from blocks) and blocks$ agree with the per-sample pipeline', async () => {
    const s = await openBoard({ kind: 'replay', file, speed: Infinity });
    const fromSamples: Item[] = [];
    const fromBlocks: ForceSample[] = [];
    s.samples$.subscribe((x) => fromSamples.push({ s: x }));
    s.events$.subscribe((e) => fromSamples.push({ e }));
    s.blocks$.subscribe((b) => {
      for (let k = 0; k < b.count; k++) fromBlocks.push(forceSampleAt(b, k));
    });
    await s.finished;
    await s.close();
    // The session's events add nothing here: the same items as the bare pipeline.
    expect(fromSamples).toEqual(perSample);
    expect(fromBlocks).toEqual(perSample.flatMap((x) => ('s' in x ? [x.s] : [])));
    expect(s.stats().samples).toBe(fromBlocks.length);
  });

  it('a replay closed from a subscriber stops at that frame: the rest of the batch of frames is not taken', async () => {
    const s = await openBoard({ kind: 'replay', file, speed: Infinity });
    let delivered = 0;
    s.blocks$.subscribe((b) => {
      delivered += b.count;
      void s.close();
    });
    await s.finished;
    await s.close();
    const st = s.stats();
    expect(delivered).toBeGreaterThan(0);
    // The frame whose samples were being added when the block went out is counted, none after it.
    expect(st.samples - delivered).toBeGreaterThanOrEqual(0);
    expect(st.samples - delivered).toBeLessThanOrEqual(v12 ? 2 : 4);
  });

  it('frames played straight to the pipeline still reach another subscriber of the transport, in order with control messages', async () => {
    const want = [...openRecording(file).records()].flatMap((r) => (r.type === 'message' ? [`${r.channel}:${Buffer.from(r.bytes).toString('hex')}`] : []));
    const s = await openBoard({ kind: 'replay', file, speed: Infinity });
    const got: string[] = [];
    s.transport.messages$.subscribe((m) => got.push(`${m.channel}:${Buffer.from(m.bytes).toString('hex')}`));
    let samples = 0;
    s.blocks$.subscribe((b) => (samples += b.count));
    await s.finished;
    await s.close();
    expect(got).toEqual(want);
    expect(samples).toBe(perSample.filter((x) => 's' in x).length);
  });
});
