/**
 * The four BDS trials reproduce the published COParea, COPvelo and COPmfreq (reference.tsv)
 * through `tripod analyze --no-filter --json`, to 4 significant digits (we reach about 12).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../host/helpers/cli.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const bdsDir = path.join(here, 'fixtures/bds');
const refRows = readFileSync(path.join(bdsDir, 'reference.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

function sig4(v: number): string {
  return v.toPrecision(4);
}

describe('tripod analyze on the BDS reference trials', () => {
  for (const row of refRows) {
    const [trial, , vision, surface] = row;
    const area = Number(row[10]);
    const velo = Number(row[11]);
    const mfreq = Number(row[12]);
    it(`${trial} (${vision}, ${surface}) matches COParea, COPvelo, COPmfreq`, async () => {
      const r = await runCli(['analyze', path.join(bdsDir, `${trial}.txt`), '--no-filter', '--json']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.n).toBe(6000);
      expect(j.fs_hz).toBe(100);
      expect(j.format).toBe('bds');
      // Units: reference in cm^2 and cm/s, ours in mm^2 and mm/s.
      expect(sig4(j.area95_mm2 / 100)).toBe(sig4(area));
      expect(sig4(j.velocity_mm_s / 10)).toBe(sig4(velo));
      expect(sig4(j.mfreq_hz)).toBe(sig4(mfreq));
      expect(Math.abs(j.area95_mm2 / 100 / area - 1)).toBeLessThan(1e-9);
      expect(Math.abs(j.velocity_mm_s / 10 / velo - 1)).toBeLessThan(1e-9);
      expect(Math.abs(j.mfreq_hz / mfreq - 1)).toBeLessThan(1e-9);
      // velocity is path / (N / fs)
      expect(j.velocity_mm_s).toBeCloseTo(j.path_mm / (j.n / j.fs_hz), 12);
      for (const k of ['rms_ml_mm', 'rms_ap_mm', 'range_ml_mm', 'range_ap_mm', 'sway_area_mm2_s', 'f50_hz', 'f95_hz']) {
        expect(Number.isFinite(j[k]), k).toBe(true);
      }
    });
  }

  it('BDS is already low-passed: not filtered again by default (published velocity), --cutoff filters anyway', async () => {
    const file = path.join(bdsDir, 'BDS00001.txt');
    const byDefault = JSON.parse((await runCli(['analyze', file, '--json'])).out);
    expect(byDefault.filtered).toBe(false);
    expect(byDefault.preprocessing).toMatch(/not filtered again: BDS data are low-passed at 10 Hz by the data set/);
    expect(byDefault.velocity_mm_s).toBeCloseTo(6.20189911656219, 3); // reference.tsv: 0.620 cm/s
    const again = JSON.parse((await runCli(['analyze', file, '--cutoff', '10', '--json'])).out);
    expect(again.filtered).toBe(true);
    expect(again.velocity_mm_s).toBeLessThan(6.1);
  });

  it('an explicit cut-off filters and says so; the filter lowers the path but hardly the area', async () => {
    const file = path.join(bdsDir, 'BDS00007.txt');
    const raw = JSON.parse((await runCli(['analyze', file, '--no-filter', '--json'])).out);
    const filt = JSON.parse((await runCli(['analyze', file, '--cutoff', '10', '--json'])).out);
    expect(raw.filtered).toBe(false);
    expect(filt.filtered).toBe(true);
    expect(filt.preprocessing).toMatch(/10 Hz/);
    expect(filt.path_mm).toBeLessThan(raw.path_mm);
    expect(Math.abs(filt.area95_mm2 / raw.area95_mm2 - 1)).toBeLessThan(0.01);
  });

  it('reads a CSV in mm with column numbers and --rate, giving the same metrics as the BDS file', async () => {
    const lines = readFileSync(path.join(bdsDir, 'BDS00004.txt'), 'utf8').trim().split('\n').slice(1);
    const csv = lines.map((l) => {
      const f = l.split('\t');
      return `${Number(f[7]) * 10},${Number(f[8]) * 10}`;
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'tripod-analyze-'));
    const file = path.join(dir, 'trace.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const r = await runCli(['analyze', file, '--x-col', '1', '--y-col', '2', '--unit', 'mm', '--rate', '100', '--no-filter', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const ref = refRows.find((x) => x[0] === 'BDS00004')!;
    expect(sig4(j.area95_mm2 / 100)).toBe(sig4(Number(ref[10])));
    expect(sig4(j.mfreq_hz)).toBe(sig4(Number(ref[12])));
    // Header names work too.
    writeFileSync(file, `time,ml (mm),ap (mm)\n${csv.map((l, i) => `${(i + 1) / 100},${l}`).join('\n')}\n`);
    const r2 = await runCli(['analyze', file, '--x-col', 'ml', '--y-col', 'ap', '--no-filter', '--json']);
    expect(r2.err).toBe('');
    expect(JSON.parse(r2.out).velocity_mm_s).toBeCloseTo(j.velocity_mm_s, 9);
  });

  it('resamples an uneven time column by window averaging (and says so)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tripod-analyze-'));
    const file = path.join(dir, 'wii.txt');
    // A Wii-like stream: about 60 Hz with jitter, a slow 0.5 Hz sway on both axes, in mm.
    const rows: string[] = ['t (s)\tcop_x (mm)\tcop_y (mm)'];
    let t = 0;
    for (let i = 0; i < 1800; i++) {
      t += (1 / 60) * (1 + 0.3 * Math.sin(i * 12.9898));
      rows.push(`${t.toFixed(5)}\t${(5 * Math.sin(Math.PI * t)).toFixed(4)}\t${(3 * Math.cos(Math.PI * t)).toFixed(4)}`);
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await runCli(['analyze', file, '--json']);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    expect(j.resampled).toBe(true);
    expect(j.preprocessing).toMatch(/resampled by window averaging/);
    expect(j.columns).toEqual({ x: 'cop_x (mm)', y: 'cop_y (mm)', t: 't (s)' });
    // The sway is an ellipse of semi-axes 5 and 3 mm at 0.5 Hz: RMS 5/sqrt 2 and 3/sqrt 2.
    expect(j.rms_ml_mm).toBeCloseTo(5 / Math.SQRT2, 1);
    expect(j.rms_ap_mm).toBeCloseTo(3 / Math.SQRT2, 1);
    expect(j.mfreq_hz).toBeGreaterThan(0.4);
    expect(j.mfreq_hz).toBeLessThan(0.6);
  });

  it('--from-moments derives the CoP from Fz, Mx, My and reproduces the COP columns', async () => {
    const file = path.join(bdsDir, 'BDS00007.txt');
    const cop = JSON.parse((await runCli(['analyze', file, '--no-filter', '--json'])).out);
    const mom = JSON.parse((await runCli(['analyze', file, '--from-moments', '--no-filter', '--json'])).out);
    expect(mom.columns.x).toBe('-My[Nm] / Fz[N]');
    expect(mom.unit_in_file).toBe('m');
    for (const k of ['path_mm', 'area95_mm2', 'mfreq_hz', 'rms_ml_mm', 'rms_ap_mm', 'mean_ml_mm']) {
      expect(Math.abs(mom[k] / cop[k] - 1), k).toBeLessThan(1e-5);
    }
    const r = await runCli(['analyze', path.join(bdsDir, 'reference.tsv'), '--from-moments']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--from-moments needs columns named Fz, Mx and My/);
  });

  it('--from/--to analyse a time window of the file', async () => {
    const file = path.join(bdsDir, 'BDS00001.txt');
    const j = JSON.parse((await runCli(['analyze', file, '--from', '10', '--to', '19.995', '--no-filter', '--json'])).out);
    expect(j.n).toBe(1000);
    expect(j.duration_s).toBe(10);
    const bad = await runCli(['analyze', file, '--from', '20', '--to', '10']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--to 10 must be after --from 20/);
    const empty = await runCli(['analyze', file, '--from', '100']);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/0 samples between 100 and the end s \(the file spans 0.01 to 60 s\)/);
  });

  it("reads Tripod's own CSV export with no flags, skipping the rows without a CoP", async () => {
    const { SampleExporter } = await import('../../host/export/writers.ts');
    const { scriptedSamples } = await import('./samples.ts');
    const samples = scriptedSamples((t) => (t < 1 || t > 11 ? { total: 0, cop: null } : { total: 700, cop: { x: 60 + 4 * Math.sin(3 * t), y: -20 + 5 * Math.cos(2 * t) } }), 12);
    const ex = new SampleExporter('csv');
    const dir = mkdtempSync(path.join(tmpdir(), 'tripod-analyze-'));
    const file = path.join(dir, 'export.csv');
    writeFileSync(file, ex.header() + samples.map((s) => ex.line(s)).join(''));
    const r = await runCli(['analyze', file, '--no-filter', '--json']);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    const onBoard = samples.filter((s) => s.cop);
    expect(j.n).toBe(onBoard.length);
    expect(j.skipped_rows).toBe(samples.length - onBoard.length);
    expect(j.fs_hz).toBe(80);
    expect(j.columns).toEqual({ x: 'cop_x_right_mm', y: 'cop_y_forward_mm', t: 'time_s' });
    // The export rounds the CoP to 0.01 mm.
    expect(j.mean_ml_mm).toBeCloseTo(onBoard.reduce((a, s) => a + s.cop!.x, 0) / onBoard.length, 2);
  });

  it('prints a human table without --json', async () => {
    const r = await runCli(['analyze', path.join(bdsDir, 'BDS00001.txt')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/95 % ellipse area\s+94\.\d mm²/);
    expect(r.out).toMatch(/mean velocity\s+6\.\d\d mm\/s/);
  });

  it('refuses bad files and flags with one line and the right exit code', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tripod-analyze-'));
    const cases: Array<[string[], number, RegExp]> = [
      [['analyze'], 2, /missing FILE/],
      [['analyze', path.join(dir, 'nope.txt')], 1, /cannot read .*no such file/],
      [['analyze', path.join(bdsDir, 'reference.tsv')], 2, /pass --x-col and --y-col/],
      [['analyze', path.join(bdsDir, 'BDS00001.txt'), '--unit', 'inch'], 2, /--unit inch: expected mm, cm or m/],
      [['analyze', path.join(bdsDir, 'BDS00001.txt'), '--rate', '0'], 2, /--rate 0: expected a number > 0/],
      [['analyze', path.join(bdsDir, 'BDS00001.txt'), '--unit', 'mm'], 2, /contradicts the header/],
      [['analyze', path.join(bdsDir, 'BDS00001.txt'), '--frobnicate'], 2, /Unknown option/],
    ];
    writeFileSync(path.join(dir, 'bad.csv'), 'x,y\n1,2\n3,abc\n');
    cases.push([['analyze', path.join(dir, 'bad.csv'), '--unit', 'mm', '--rate', '50'], 1, /line 3, column 'y': 'abc' is not a number/]);
    writeFileSync(path.join(dir, 'short.csv'), 'x,y\n1,2\n3,4\n');
    cases.push([['analyze', path.join(dir, 'short.csv'), '--x-col', 'x', '--y-col', 'y', '--unit', 'mm', '--rate', '50'], 1, /2 samples; need at least 8/]);
    writeFileSync(path.join(dir, 'nocol.csv'), '1,2\n3,4\n');
    cases.push([['analyze', path.join(dir, 'nocol.csv'), '--x-col', '1', '--y-col', '5', '--unit', 'mm', '--rate', '50'], 2, /--y-col 5: the file has columns 1..2/]);
    for (const [argv, code, re] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.err, argv.join(' ')).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('works through the real bin.mjs entry point (exit codes from the process)', () => {
    const bin = path.join(repoRoot, 'host/cli/bin.mjs');
    const out = execFileSync(process.execPath, [bin, 'analyze', path.join(bdsDir, 'BDS00010.txt'), '--no-filter', '--json'], { encoding: 'utf8' });
    const ref = refRows.find((x) => x[0] === 'BDS00010')!;
    expect(sig4(JSON.parse(out).area95_mm2 / 100)).toBe(sig4(Number(ref[10])));
    const bad = spawnSync(process.execPath, [bin, 'analyze'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
