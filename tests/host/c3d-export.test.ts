/**
 * tripod export --format c3d and --resample: the C3D's header and parameters (force platform TYPE 3,
 * corners, origin, channels, rates, subject, date), its forces against the CSV export on the same
 * grid, and `tripod analyze` on the C3D itself against the CSV. Also analyze's error on a recording.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readC3dAnalog, readC3dCop } from '../../host/scoring/c3d-cop.ts';
import { runCli } from './helpers/cli.ts';
import { writeRecording } from './helpers/synthetic-recording.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-c3d-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function csvRows(file: string): number[][] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#'));
  return lines.slice(1).map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v))));
}

describe('C3D export', () => {
  const rec = path.join(dir, 's07.tripod');
  writeRecording(rec, { samples: 2400, seed: 2 }, new Set([10, 11]));

  it('writes a TYPE 3 force platform with corners, origin, channels, subject and date; analog rate = frame rate', async () => {
    const out = path.join(dir, 's07.c3d');
    const r = await runCli(['export', rec, '--format', 'c3d', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/grid point\(s\) fall inside gaps \(lost samples\) and are interpolated across them/);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ format: 'c3d', output: out });
    const buf = fs.readFileSync(out);
    expect(buf.length % 512).toBe(0);
    expect(buf[1]).toBe(0x50);
    expect(buf.readInt16LE(2)).toBe(0); // no 3D points
    expect(buf.readInt16LE(4)).toBe(8); // analog samples per frame
    expect(buf.readFloatLE(12)).toBe(-1); // float data
    expect(buf.readFloatLE(20)).toBeCloseTo(summary.rate_hz, 3);
    expect(buf.readUInt16LE(8)).toBe(summary.rows);
    const c3d = readC3dAnalog(buf, out);
    const p = (g: string, n: string): unknown => c3d.params.get(g, n);
    expect(p('FORCE_PLATFORM', 'USED')).toEqual([1]);
    expect(p('FORCE_PLATFORM', 'TYPE')).toEqual([3]);
    expect(p('FORCE_PLATFORM', 'CHANNEL')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(p('FORCE_PLATFORM', 'ORIGIN')).toEqual([180, 180, 0]);
    expect(p('FORCE_PLATFORM', 'CORNERS')).toEqual([210, 210, 0, -210, 210, 0, -210, -210, 0, 210, -210, 0]);
    expect(p('ANALOG', 'LABELS')).toEqual(['FX12', 'FX34', 'FY14', 'FY23', 'FZ1', 'FZ2', 'FZ3', 'FZ4']);
    expect(p('ANALOG', 'UNITS')).toEqual(new Array(8).fill('N'));
    expect((p('ANALOG', 'RATE') as number[])[0]).toBeCloseTo(summary.rate_hz, 3);
    expect((p('POINT', 'RATE') as number[])[0]).toBeCloseTo(summary.rate_hz, 3);
    expect(p('SUBJECTS', 'NAMES')).toEqual(['S07']);
    expect(p('TRIAL', 'DATE')).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(p('TRIPOD', 'CALIBRATION')).toEqual(['test']);
    expect(String((p('TRIPOD', 'TIMING') as string[])[0])).toMatch(/^resampled to a uniform/);

    // The same grid as CSV: the four cell forces agree (float32 in the C3D, 1 mN in the CSV).
    const csv = path.join(dir, 's07.csv');
    const c = await runCli(['export', rec, '--format', 'csv', '--out', csv, '--resample', String(summary.rate_hz)]);
    expect(c.code).toBe(0);
    const rows = csvRows(csv);
    expect(rows.length).toBe(summary.rows);
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < 4; k++) expect(Math.abs(c3d.channels[4 + k]![i]! - rows[i]![2 + k]!)).toBeLessThan(2e-3 + 1e-6 * Math.abs(rows[i]![2 + k]!));
      for (let k = 0; k < 4; k++) expect(c3d.channels[k]![i]).toBe(0);
    }
    // Uniform time grid in the CSV.
    for (let i = 1; i < rows.length; i++) expect(rows[i]![0]! - rows[i - 1]![0]!).toBeCloseTo(1 / summary.rate_hz, 5);

    // tripod analyze on the C3D itself: the TYPE 3 CoP gives the CSV's sway metrics.
    const a = JSON.parse((await runCli(['analyze', out, '--json', '--no-filter'])).out);
    const b = JSON.parse((await runCli(['analyze', csv, '--json', '--no-filter'])).out);
    expect(a.n).toBe(b.n);
    expect(a.columns.x).toBe('force platform 1 (TYPE 3) CoP x');
    // The CSV's CoP is rounded to 0.01 mm, which adds up along the path (1e-3 relative) and hides
    // this synthetic stream's medio-lateral sway (0.007 mm RMS): compare what rounding leaves.
    for (const k of ['path_mm', 'velocity_mm_s', 'velocity_ap_mm_s', 'rms_ap_mm', 'range_ap_mm']) expect(Math.abs(a[k] - b[k]) / Math.abs(b[k]), k).toBeLessThan(1e-3);
    for (const k of ['mean_ml_mm', 'mean_ap_mm', 'rms_ml_mm']) expect(Math.abs(a[k] - b[k]), k).toBeLessThan(0.005);
    // Row by row, the TYPE 3 CoP from the C3D is the CSV's CoP.
    const cop = readC3dCop(out);
    const withCop = rows.filter((row) => Number.isFinite(row[7]));
    expect(cop.x.length).toBe(withCop.length);
    withCop.forEach((row, i) => {
      expect(Math.abs(cop.x[i]! - row[7]!)).toBeLessThan(0.006);
      expect(Math.abs(cop.y[i]! - row[8]!)).toBeLessThan(0.006);
    });
  });

  it('--resample on csv: a uniform grid at that rate; a bad value is a usage error; c3d to stdout refused', async () => {
    const csv = path.join(dir, 'r100.csv');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', csv, '--resample', '100'])).code).toBe(0);
    const rows = csvRows(csv);
    expect(rows[1]![0]! - rows[0]![0]!).toBeCloseTo(0.01, 6);
    expect(rows.map((r) => r[1])).toEqual(rows.map((_, i) => i));
    const bad = await runCli(['export', rec, '--format', 'csv', '--out', path.join(dir, 'x.csv'), '--resample', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--resample must be a positive number, got 'fast'/);
    expect((await runCli(['export', rec, '--format', 'c3d', '--out', '-'])).err).toMatch(/binary file: give --out FILE\.c3d/);
  });

  it('analyze on a recording reads it as its CSV export; column flags are refused in one line', async () => {
    const csv = path.join(dir, 'same.csv');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', csv])).code).toBe(0);
    const a = JSON.parse((await runCli(['analyze', rec, '--json'])).out);
    const b = JSON.parse((await runCli(['analyze', csv, '--json'])).out);
    expect(a.format).toBe('recording');
    for (const k of ['n', 'from_s', 'to_s']) expect(a[k], k).toBeCloseTo(b[k], 3);
    // The CSV's CoP is rounded to 0.01 mm (see above): what rounding leaves.
    for (const k of ['path_mm', 'rms_ap_mm']) expect(Math.abs(a[k] - b[k]) / b[k], k).toBeLessThan(2e-3);
    expect(a.metadata).toEqual(b.metadata);
    const r = await runCli(['analyze', rec, '--x-col', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`tripod analyze: --x-col: ${rec} is a Tripod recording, which needs no column flags\n`);
  });
});
