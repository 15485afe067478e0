/** A recording's metadata: tripod info FILE, the JSON sidecar of exports, the uncalibrated warning. */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingWriter } from '../../host/recording/writer.ts';
import { runCli } from './helpers/cli.ts';
import { header, writeRecording } from './helpers/synthetic-recording.ts';
import { makeStream } from './helpers/synthetic-stream.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-meta-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('recording metadata', () => {
  const rec = path.join(dir, 's07.tripod');
  writeRecording(rec, { samples: 800, seed: 5 }, new Set([7]));

  it('tripod info FILE prints the header and what a replay finds; --json has the same', async () => {
    const r = await runCli(['info', rec]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^file        .*s07\.tripod \(\d+ bytes\)$/m);
    expect(r.out).toMatch(/^created     2026-01-01T00:00:00\.000Z$/m);
    expect(r.out).toMatch(/^calibration test$/m);
    expect(r.out).toMatch(/^subject     S07$/m);
    expect(r.out).toMatch(/^samples     \d+ in [\d.]+ s at [\d.]+ Hz; [1-9]\d* lost in 1 gap\(s\)$/m);
    expect(r.out).toMatch(/^end         closed cleanly$/m);
    const j = JSON.parse((await runCli(['info', rec, '--json'])).out);
    expect(j).toMatchObject({ created_at: '2026-01-01T00:00:00.000Z', subject_id: 'S07', gaps: 1, clean_end: true, calibration: { source: 'test', calibrated: true } });
    expect(j.lost).toBeGreaterThan(0);
  });

  it('an export writes OUT.json beside it (the same metadata and how it was made); --no-sidecar does not', async () => {
    const out = path.join(dir, 'a.csv');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', out])).code).toBe(0);
    const side = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'));
    const info = JSON.parse((await runCli(['info', rec, '--json'])).out);
    expect(side).toMatchObject({ ...info, export: { file: out, format: 'csv' } });
    expect(side.export.rows).toBe(info.samples);
    const bare = path.join(dir, 'b.csv');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', bare, '--no-sidecar'])).code).toBe(0);
    expect(fs.existsSync(`${bare}.json`)).toBe(false);
  });

  it('an export of uncalibrated data says so on stderr; calibrated data does not', async () => {
    const raw = path.join(dir, 'raw.tripod');
    const st = makeStream({ samples: 200, seed: 6 });
    const w = RecordingWriter.create(raw, header({ calibration: { cells: new Array(4).fill({ offset: 0, scale: 2.28e-4 }), source: 'board (uncalibrated defaults)' } }), { overwrite: true, fsyncEveryMs: 0 });
    st.frames.forEach((f, i) => w.writeMessage('data', 1_700_000_000_000 + i * 25, f.bytes));
    w.close('test');
    const r = await runCli(['export', raw, '--format', 'csv', '--out', path.join(dir, 'raw.csv')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^tripod export: .*raw\.tripod is not calibrated \(calibration: board \(uncalibrated defaults\)\): forces are nominal values/m);
    expect((await runCli(['export', rec, '--format', 'csv', '--out', path.join(dir, 'c.csv')])).err).not.toMatch(/not calibrated/);
  });
});
