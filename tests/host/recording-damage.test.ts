/**
 * Damage a careless disk or tool does to a recording (issue 12): one flipped bit anywhere in the
 * magic or the header is recovered from the records that follow (the header copy); a file from
 * before the copy still replays every sample; duplicated and swapped records are counted as
 * duplicates and reordering, never as lost; a directory is named as one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeJsonRecord, encodeMessageRecord } from '../../host/recording/codec.ts';
import { RECORD_HEADER, RECORDING_MAGIC } from '../../host/recording/format.ts';
import { createFrameEncoder2 } from '../../protocol/frame-encoder2.ts';
import { openRecording } from '../../host/recording/reader.ts';
import { runCli } from './helpers/cli.ts';
import { header, writeRecording } from './helpers/synthetic-recording.ts';
import { makeStream } from './helpers/synthetic-stream.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-damage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function messages(file: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of openRecording(file).records()) if (r.type === 'message') out.push(r.bytes);
  return out;
}

/** A recording (without the header copy) of `order`, one MESSAGE record per frame, 50 ms apart. */
function write(name: string, order: Uint8Array[]): string {
  const f = path.join(dir, name);
  const parts: Uint8Array[] = [RECORDING_MAGIC, encodeJsonRecord(RECORD_HEADER, header())];
  let t = 1_700_000_000_000;
  for (const fr of order) parts.push(encodeMessageRecord('data', (t += 50), fr));
  fs.writeFileSync(f, Buffer.concat(parts));
  return f;
}

async function exportCsv(file: string): Promise<string> {
  const out = `${file}.csv`;
  // The samples only: the '#' header names the file and its damage, which differ on purpose.
  const r = await runCli(['export', file, '--format', 'csv', '--out', out, '--force', '--no-header-comments']);
  expect(r.code, r.err).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

describe('a flipped bit in the magic or the header', () => {
  const good = path.join(dir, 'good.tripod');
  writeRecording(good, { samples: 400, seed: 3 });
  const bytes = fs.readFileSync(good);
  // the header record ends where the header-copy note starts: the second record
  const headerEnd = RECORDING_MAGIC.length + encodeJsonRecord(RECORD_HEADER, header()).length;
  const want = messages(good);

  it('one bit flipped in bytes 0..end of the header record (each bit of the first 24 bytes, every 5th after): same header, every message', () => {
    const f = path.join(dir, 'flip.tripod');
    expect(headerEnd).toBeGreaterThan(300);
    for (let bit = 0; bit < headerEnd * 8; bit += bit < 24 * 8 ? 1 : 5) {
      const b = Buffer.from(bytes);
      b[bit >> 3]! ^= 1 << (bit & 7);
      fs.writeFileSync(f, b);
      const rec = openRecording(f);
      const all = [...rec.records()];
      expect(all[0]!.type, `bit ${bit}`).toBe('header');
      expect(rec.report.header, `bit ${bit}`).toEqual(header());
      expect(rec.report.headerRecovery, `bit ${bit}`).toBe(bit < 64 ? null : 'copy');
      const got = all.filter((r) => r.type === 'message');
      expect(got.length, `bit ${bit}`).toBe(want.length);
      expect(all.some((r) => r.type === 'note'), `bit ${bit}: the copy is never returned as a note`).toBe(false);
      expect(rec.report.damaged, `bit ${bit}`).toHaveLength(1);
    }
  });

  it('replay and export of such a file give the same samples as the intact one, and say what happened', async () => {
    const f = path.join(dir, 'flip-cli.tripod');
    const b = Buffer.from(bytes);
    b[100]! ^= 0x10;
    fs.writeFileSync(f, b);
    const r = await runCli(['replay', f, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ samples: 400, lost: 0, header_recovery: 'copy', subject_id: 'S07' });
    expect(r.err).toMatch(/^tripod replay: .*the header record is damaged: read from its copy \(nothing lost\)/);
    expect(await exportCsv(f)).toBe(await exportCsv(good));
  });

  it('two bits off in the magic is not a recording', async () => {
    const f = path.join(dir, 'two-bits.tripod');
    const b = Buffer.from(bytes);
    b[0]! ^= 0x03;
    fs.writeFileSync(f, b);
    const r = await runCli(['replay', f, '--speed', 'max']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a Tripod recording: the file starts with 57 52 49 50/);
  });

  it('a file written before the header copy: every sample still replays, with the default calibration, and it says so', async () => {
    const st = makeStream({ samples: 240, seed: 5 });
    const parts: Uint8Array[] = [RECORDING_MAGIC, encodeJsonRecord(RECORD_HEADER, header())];
    let t = 1_700_000_000_000;
    for (const fr of st.frames) parts.push(encodeMessageRecord('data', (t += 50), fr.bytes));
    const b = Buffer.concat(parts);
    b[60]! ^= 0x04;
    const f = path.join(dir, 'old.tripod');
    fs.writeFileSync(f, b);
    const r = await runCli(['replay', f, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ samples: 240, lost: 0, header_recovery: 'missing', subject_id: null });
    expect(r.err).toMatch(/the header record is damaged and has no copy: .*forces use the default calibration \(give --calibration FILE/);
  });
});

describe('duplicated and swapped records', () => {
  it('are counted as duplicates and reordering, not as lost, and the samples come out whole and in order', async () => {
    const st = makeStream({ samples: 800, seed: 9 });
    const frames = st.frames.map((f) => f.bytes);
    const clean = write('clean.tripod', frames);
    const mangled = [...frames];
    // frame 20 twice, frames 31/32 swapped, frames 60..62 reversed, frame 90 repeated after 91
    mangled.splice(21, 0, frames[20]!);
    [mangled[32], mangled[33]] = [mangled[33]!, mangled[32]!];
    mangled.splice(61, 3, frames[62]!, frames[61]!, frames[60]!);
    mangled.splice(93, 0, frames[90]!);
    const bad = write('mangled.tripod', mangled);
    const decodeCount = (b: Uint8Array): number => st.frames.find((f) => f.bytes === b)!.count;
    const r = await runCli(['replay', bad, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ samples: 800, lost: 0, gaps: 0, reordered: 3, duplicates: decodeCount(frames[20]!) + decodeCount(frames[90]!) });
    const human = await runCli(['replay', bad, '--speed', 'max']);
    expect(human.out).toMatch(/800 samples .* 0 lost in 0 gap\(s\), \d+ duplicate\(s\), 3 frame\(s\) out of order put back/);
    expect(await exportCsv(bad)).toBe(await exportCsv(clean));
  });
});

describe('1.2 frames (KEY2/DELTA2) swapped and repeated', () => {
  it('are put back in order by their sequence numbers and counted as reordered and duplicates', async () => {
    const enc = createFrameEncoder2(20, 8, 80);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 640; i++) {
      const v = (c: number): number => 100_000 * (c + 1) + Math.round(3000 * Math.sin(i / (7 + c)));
      let f = enc.add(v(0), v(1), v(2), v(3), i === 0 ? 0x40 : 0, 1000 + i * 12.5);
      while (f) {
        frames.push(f);
        f = enc.poll();
      }
    }
    expect(frames[5]![0]).toBe(0x16);
    const clean = write('v12-clean.tripod', frames);
    const mangled = [...frames];
    [mangled[10], mangled[11]] = [mangled[11]!, mangled[10]!];
    mangled.splice(40, 0, frames[38]!);
    const bad = write('v12-mangled.tripod', mangled);
    const ok = JSON.parse((await runCli(['replay', clean, '--speed', 'max', '--json'])).out);
    // the encoder still holds the last few samples (no frame closed them): all the frames carry
    expect(ok.samples).toBeGreaterThan(630);
    expect(ok).toMatchObject({ lost: 0, duplicates: 0, reordered: 0 });
    const r = JSON.parse((await runCli(['replay', bad, '--speed', 'max', '--json'])).out);
    expect(r).toMatchObject({ samples: ok.samples, lost: 0, gaps: 0, reordered: 1 });
    expect(r.duplicates).toBeGreaterThan(0);
    expect(await exportCsv(bad)).toBe(await exportCsv(clean));
  });
});

describe('replay of a directory', () => {
  it('names the path and says it is a directory', async () => {
    for (const cmd of ['replay', 'export']) {
      const r = await runCli(cmd === 'replay' ? ['replay', dir] : ['export', dir, '--format', 'csv', '--out', path.join(dir, 'x.csv')]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`tripod ${cmd}: ${dir} is a directory, not a recording: name a .tripod file in it\n`);
    }
  });
});
