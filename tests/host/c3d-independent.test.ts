/**
 * Our C3D read by a reader we did not write: py-c3d (the `c3d` package on PyPI) through
 * tests/host/tools/c3d-crosscheck.py. Its forces must equal the CSV export's on the same grid, and
 * `tripod analyze` of its CoP must give what `tripod analyze` of the C3D gives.
 * py-c3d is not packaged for Debian or npm (the registries this project installs from), so a copy of
 * its reader is kept in tests/host/tools/vendor/py-c3d (MIT, README there). It needs python3 with numpy
 * (.ci/run installs Debian's python3-numpy): without them this says so in one line and skips, except
 * in CI (CI=true), where it fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { writePersonRecording } from './helpers/synthetic-recording.ts';

const env = { ...process.env, PYTHONPATH: path.resolve('tests/host/tools/vendor/py-c3d') };
/** The Python to run (.ci/run sets TRIPOD_PYTHON when the first python3 on PATH lacks numpy but Debian's has it). */
const python = process.env.TRIPOD_PYTHON || 'python3';
const probe = spawnSync(python, ['-c', 'import numpy, c3d'], { env, encoding: 'utf8' });
const missing = probe.error ? `${python} is not installed` : probe.status !== 0 ? `${python} cannot import numpy or the vendored c3d (${(probe.stderr ?? '').trim().split('\n').pop()}); Debian: apt-get install python3-numpy` : null;
if (missing !== null && process.env.CI !== 'true') console.log(`c3d-independent: ${missing}: skipped`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripod-pyc3d-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rows = (file: string): string[][] => fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')).slice(1).map((l) => l.split(','));

describe.skipIf(missing !== null && process.env.CI !== 'true')('C3D export read by py-c3d', () => {
  it('has python3 with numpy and the vendored py-c3d (CI never skips this)', () => {
    expect(missing).toBeNull();
  });

  it('forces equal the CSV export on the same grid; analyze of its CoP equals analyze of the C3D', async () => {
    const rec = path.join(dir, 'p.tripod');
    writePersonRecording(rec, { seed: 11, stepOnS: 2, bipedalS: 30, stepOffS: 24 }, 27);
    const c3d = path.join(dir, 'p.c3d');
    const r = await runCli(['export', rec, '--format', 'c3d', '--out', c3d, '--json']);
    expect(r.code, r.err).toBe(0);
    const rate = JSON.parse(r.out).rate_hz as number;
    const csv = path.join(dir, 'p.csv');
    expect((await runCli(['export', rec, '--format', 'csv', '--out', csv, '--resample', String(rate)])).code).toBe(0);
    const py = spawnSync(python, [path.resolve('tests/host/tools/c3d-crosscheck.py'), c3d], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(py.status, py.stderr).toBe(0);
    const pyCsv = path.join(dir, 'pyc3d.csv');
    fs.writeFileSync(pyCsv, py.stdout);
    const a = rows(pyCsv);
    const b = rows(csv);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      // float32 in the C3D against 1 mN in the CSV.
      for (let k = 0; k < 4; k++) expect(Math.abs(Number(a[i]![1 + k]) - Number(b[i]![2 + k])), `row ${i} cell ${k}`).toBeLessThan(2e-3);
      expect(a[i]![6] === '', `row ${i} CoP present`).toBe(b[i]![7] === '');
      if (a[i]![6] !== '') expect(Math.abs(Number(a[i]![6]) - Number(b[i]![7]))).toBeLessThan(0.006);
    }
    const ours = JSON.parse((await runCli(['analyze', c3d, '--whole', '--json', '--no-filter'])).out);
    const theirs = JSON.parse((await runCli(['analyze', pyCsv, '--x-col', 'cop_x_mm', '--y-col', 'cop_y_mm', '--json', '--no-filter'])).out);
    expect(theirs.n).toBe(ours.n);
    for (const k of ['path_mm', 'velocity_mm_s', 'rms_ml_mm', 'rms_ap_mm', 'area95_mm2', 'mfreq_hz']) expect(Math.abs(theirs[k] - ours[k]) / Math.abs(ours[k]), k).toBeLessThan(1e-4);
  });
});
