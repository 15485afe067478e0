/** A recording's metadata: tripod info FILE, CSV '#' lines, the JSON sidecar of exports, the uncalibrated warning. */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingWriter } from '../../host/recording/writer.ts';
import { runCli } from './helpers/cli.ts';
import { parseHeaderComments } from '../../host/export/header-comments.ts';
import { EXPORT_COLUMNS } from '../../host/export/columns.ts';
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

  it("a CSV export starts with the header as '#' lines (as info says it), then the column names; --no-header-comments leaves them out", async () => {
    const noted = path.join(dir, 'noted.tripod');
    writeRecording(noted, { samples: 400, seed: 5 }, new Set([3]), true, { notes: 'line one\nback\\slash', board: { sampleRateHz: 80, boardId: 1, firmwareMajor: 1, firmwareMinor: 4, firmwarePatch: 2, protocolMajor: 1, protocolMinor: 2 } as never });
    const out = path.join(dir, 'noted.csv');
    expect((await runCli(['export', noted, '--format', 'csv', '--out', out])).code).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    expect(text.split('\n')[comments.length]).toBe(EXPORT_COLUMNS.join(','));
    expect(text.split('\n').slice(comments.length).some((l) => l.startsWith('#'))).toBe(false);
    const info = JSON.parse((await runCli(['info', noted, '--json'])).out);
    const h = parseHeaderComments(text);
    expect(Object.fromEntries(h)).toEqual({
      recording: noted,
      created: info.created_at,
      software: info.software,
      source: info.source,
      board: `${info.board.model}, firmware 1.4.2, protocol 1.2, 80 Hz`,
      firmware: '1.4.2',
      calibration: 'test',
      calibrated: 'yes',
      subject: 'S07',
      notes: 'line one\nback\\slash',
      samples: String(info.samples),
      gaps: `${info.lost} samples lost in 1 gap(s)`,
      timing: 'as received: device time of each sample (about 77.9 Hz, uneven steps)',
    });
    expect(comments.find((l) => l.startsWith('# notes:'))).toBe('# notes: line one\\nback\\\\slash');
    const bare = path.join(dir, 'bare.csv');
    expect((await runCli(['export', noted, '--format', 'csv', '--out', bare, '--no-header-comments'])).code).toBe(0);
    expect(fs.readFileSync(bare, 'utf8').split('\n')[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(fs.readFileSync(bare, 'utf8')).toBe(text.split('\n').slice(comments.length).join('\n'));
    const nd = await runCli(['export', noted, '--format', 'ndjson', '--out', path.join(dir, 'x.ndjson'), '--no-header-comments']);
    expect(nd.code).toBe(2);
    expect(nd.err).toMatch(/--no-header-comments goes with --format csv/);
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
    // The CSV's '#' lines say so too, and analyze of it (or of the recording) repeats it.
    expect(fs.readFileSync(path.join(dir, 'raw.csv'), 'utf8')).toMatch(/^# calibrated: no$/m);
    for (const f of [raw, path.join(dir, 'raw.csv')]) expect((await runCli(['analyze', f])).err, f).toMatch(/^tripod analyze: .* is not calibrated \(calibration: board \(uncalibrated defaults\)\)/m);
    expect((await runCli(['analyze', path.join(dir, 'c.csv')])).err).not.toMatch(/not calibrated/);
  });
});
