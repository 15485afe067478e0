import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from './helpers/cli.ts';
import { writeRecording } from './helpers/synthetic-recording.ts';
import { EXPORT_COLUMNS } from '../../host/export/columns.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tripod replay', () => {
  it('--json summarises samples, gaps and rate exactly', async () => {
    const file = path.join(dir, 'a.tripod');
    const st = writeRecording(file, { samples: 2400, seed: 2 }, new Set([10, 11, 50]));
    const lost = [10, 11, 50].reduce((a, i) => a + st.frames[i]!.count, 0);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const s = JSON.parse(r.out);
    // Lost frames cost their own samples and the rest of their delta chain up to the next KEY.
    expect(s.samples + s.lost).toBe(2400);
    expect(s.lost).toBeGreaterThanOrEqual(lost);
    expect(s.duplicates).toBe(0);
    expect(s.clean_end).toBe(true);
    expect(s.stopped_at_byte).toBeNull();
    expect(s.duration_s).toBeCloseTo(2399 / 80, 1);
    expect(s.rate_hz).toBeCloseTo(80, 0);
    expect(s.subject_id).toBe('S07');
  });

  it('a recording cut mid-record replays what is intact and says where it stopped', async () => {
    const file = path.join(dir, 'cut.tripod');
    writeRecording(file, { samples: 800, seed: 4 }, new Set(), false);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 7);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.clean_end).toBe(false);
    expect(s.stopped_at_byte).toBeGreaterThan(0);
    expect(s.stopped_at_byte).toBeLessThan(size);
    expect(s.samples).toBeGreaterThan(780);
    expect(r.err).toMatch(new RegExp(`^tripod replay: .*stopped at byte offset ${s.stopped_at_byte} of ${size - 7}`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a corrupted byte skips one record, reports its range and keeps the rest', async () => {
    const file = path.join(dir, 'bad.tripod');
    writeRecording(file, { samples: 800, seed: 4 });
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    const r = await runCli(['replay', file, '--speed', 'max', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.damaged).toHaveLength(1);
    expect(s.samples + s.lost).toBe(800);
    expect(s.lost).toBeGreaterThan(0);
    expect(r.err).toMatch(/^tripod replay: .*: skipped \d+ damaged bytes at offset \d+ \((record CRC mismatch|no record sync|record length .*|unknown record type \d+)\)\n$/);
  });

  it('replays at a speed factor in about the right wall time', async () => {
    const file = path.join(dir, 'speed.tripod');
    writeRecording(file, { samples: 160, seed: 1 }); // 2 s of data
    const t0 = Date.now();
    const r = await runCli(['replay', file, '--speed', '8', '--json']);
    const wall = Date.now() - t0;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).samples).toBe(160);
    expect(wall).toBeGreaterThanOrEqual(200); // 2 s / 8 = 250 ms, minus the first frame's offset
  });

  it('wrong flags and files fail with one line and the right exit code', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['replay'], 2, /^tripod replay: name the recording/],
      [['replay', 'x.tripod', '--speed', 'fast'], 2, /--speed must be a factor > 0/],
      [['replay', 'x.tripod', '--bogus'], 2, /Unknown option '--bogus'/],
      [['replay', path.join(dir, 'missing.tripod')], 1, /no such file/],
      [['export', path.join(dir, 'a.tripod')], 2, /--format is required/],
      [['export', path.join(dir, 'a.tripod'), '--format', 'xlsx'], 2, /--format must be csv, ndjson or c3d/],
    ];
    fs.writeFileSync(path.join(dir, 'not.tripod'), 'time,x\n1,2\n');
    cases.push([['replay', path.join(dir, 'not.tripod')], 1, /not a Tripod recording/]);
    for (const [args, code, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('tripod export', () => {
  it("CSV: '#' lines, one header row, exact forces from the calibration, CoP empty below 20 N", async () => {
    const file = path.join(dir, 'e.tripod');
    const st = writeRecording(file, { samples: 400, seed: 8 });
    const out = path.join(dir, 'e.csv');
    const r = await runCli(['export', file, '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    const lines = text.trimEnd().split('\n').filter((l) => !l.startsWith('#'));
    expect(text.startsWith(`# tripod export of ${file}\n# created: 2026-01-01T00:00:00.000Z\n`)).toBe(true);
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(401);
    const row = lines[11]!.split(',');
    const i = 10;
    const f = [41230, -23001, 15000, 70321].map((off, c) => (st.counts[i * 4 + c]! - off) / 4379.6);
    expect(Number(row[1])).toBe(10);
    expect(Number(row[0])).toBeCloseTo(10 / 80, 3);
    for (let c = 0; c < 4; c++) expect(Number(row[2 + c])).toBeCloseTo(f[c]!, 3);
    const total = f.reduce((a, b) => a + b, 0);
    expect(Number(row[6])).toBeCloseTo(total, 2);
    expect(Number(row[7])).toBeCloseTo((180 * (f[0]! - f[1]! - f[2]! + f[3]!)) / total, 1);
    expect(Number(row[8])).toBeCloseTo((180 * (f[0]! + f[1]! - f[2]! - f[3]!)) / total, 1);
    // every row has the same number of fields, all numeric or empty
    for (const l of lines.slice(1)) {
      const cells = l.split(',');
      expect(cells).toHaveLength(EXPORT_COLUMNS.length);
      for (const c of cells) expect(c === '' || Number.isFinite(Number(c))).toBe(true);
    }
    const again = await runCli(['export', file, '--format', 'csv', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists; add --force/);
  });

  it('NDJSON to stdout: one object per sample with the CSV keys, null CoP on an empty plate', async () => {
    const file = path.join(dir, 'n.tripod');
    writeRecording(file, { samples: 100, seed: 9 });
    const cal = path.join(dir, 'zero.json');
    // A calibration whose offsets are the loaded values: the plate reads ~0 N, so CoP must be null.
    fs.writeFileSync(cal, JSON.stringify({ cells: [{ offset: 800000, scale: 1e-9 }, { offset: 0, scale: 1e-9 }, { offset: 0, scale: 1e-9 }, { offset: 0, scale: 1e-9 }] }));
    const r = await runCli(['export', file, '--format', 'ndjson', '--out', '-', '--calibration', cal]);
    expect(r.code).toBe(0);
    const rows = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(100);
    expect(Object.keys(rows[0])).toEqual([...EXPORT_COLUMNS]);
    expect(rows.every((x) => x.cop_x_right_mm === null && x.cop_y_forward_mm === null)).toBe(true);
  });

  it('export to a pipe that closes early (| head) exits 0 quietly', async () => {
    const file = path.join(dir, 'pipe.tripod');
    writeRecording(file, { samples: 20000, seed: 3 });
    const child = spawn(process.execPath, [path.resolve('host/cli/bin.mjs'), 'export', file, '--format', 'ndjson', '--out', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += String(b)));
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('a bad calibration file is a usage error naming the field', async () => {
    const file = path.join(dir, 'n.tripod');
    const cal = path.join(dir, 'bad.json');
    fs.writeFileSync(cal, JSON.stringify({ cells: [{ offset: 1, scale: 1e-4 }, { offset: 1, scale: 'x' }, { offset: 1, scale: 1e-4 }, { offset: 1, scale: 1e-4 }] }));
    const r = await runCli(['export', file, '--format', 'csv', '--out', path.join(dir, 'bad.csv'), '--calibration', cal]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`tripod export: calibration file ${cal}: cells[1].scale must be a finite non-zero number of N per count, got the string "x"\n`);
    expect(fs.existsSync(path.join(dir, 'bad.csv'))).toBe(false);
  });
});
