/**
 * Labs' figures:
 * - cli.startup_ms: median wall time of `node host/cli/bin.cjs --version` (what the installed
 *   `tripod` command runs; the compiled CLI in dist/, built first when missing), 15 runs.
 * - cli.help_startup_ms: the same for `tripod --help` (the ES module CLI, no command loaded), and
 *   cli.command_startup_ms for `tripod analyze --help` (one command's modules loaded): what a
 *   command pays before doing anything.
 * - cli.node_baseline_ms: the same for `node -e ''`, to tell the CLI's cost from the machine's (a
 *   shared machine's load moves all of them); cli.startup_over_node_ms, cli.help_over_node_ms and
 *   cli.command_over_node_ms: the median of each run's difference from the bare Node run next to it.
 *   The runs are interleaved so that load changes hit every figure alike.
 * - lab.analyze_files_per_s: `tripod analyze DIR --out` over the BDS files in
 *   tests/scoring/fixtures/bds copied 8 times (60 s at 100 Hz each), with one process per core, in
 *   the compiled CLI: files per second of wall time including process start.
 * - lab.analyze_recordings_per_s: the same over 8 .tripod recordings of the synthetic person (60 s
 *   at 80 Hz, stepping on at 2 s and off at 55 s): replayed, cut to the stance and analysed.
 * - lab.c3d_write_ms_per_min: building the C3D of one minute of samples (78 Hz, four cells) put on a
 *   uniform grid first (export/resample.ts + export/c3d.ts), ms, median of 9.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../package-root.ts';
import type { BenchModule, Figures } from './types.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;

function compiledEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TRIPOD_FROM_SOURCE;
  return env;
}

export const bench: BenchModule = {
  name: 'lab',
  async run(log) {
    const figures: Figures = {};
    const bin = packagePath('host', 'cli', 'bin.cjs');
    if (!existsSync(packagePath('dist', 'host', 'cli', 'main.js'))) {
      log('dist/ missing: npm run build:host');
      execFileSync('npm', ['run', 'build:host'], { cwd: packagePath(), stdio: 'ignore' });
    }
    const runs: Record<string, string[]> = {
      startup: [packagePath('host', 'cli', 'bin.cjs'), '--version'],
      help: [packagePath('host', 'cli', 'bin.cjs'), '--help'],
      command: [packagePath('host', 'cli', 'bin.cjs'), 'analyze', '--help'],
      node: ['-e', ''],
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    for (let i = 0; i < 15; i++) {
      for (const [k, args] of Object.entries(runs)) {
        const t0 = performance.now();
        execFileSync(process.execPath, args, { env: compiledEnv(), stdio: 'ignore' });
        times[k]!.push(performance.now() - t0);
      }
    }
    const over = (k: string): number => median(times[k]!.map((v, i) => v - times.node![i]!));
    figures['cli.startup_ms'] = round(median(times.startup!), 1);
    figures['cli.help_startup_ms'] = round(median(times.help!), 1);
    figures['cli.command_startup_ms'] = round(median(times.command!), 1);
    figures['cli.node_baseline_ms'] = round(median(times.node!), 1);
    figures['cli.startup_over_node_ms'] = round(over('startup'), 1);
    figures['cli.help_over_node_ms'] = round(over('help'), 1);
    figures['cli.command_over_node_ms'] = round(over('command'), 1);

    const dir = mkdtempSync(join(tmpdir(), 'tripod-bench-lab-'));
    try {
      const src = packagePath('tests', 'scoring', 'fixtures', 'bds');
      const bds = readdirSync(src).filter((f) => f.endsWith('.txt'));
      for (let k = 0; k < 8; k++) for (const f of bds) copyFileSync(join(src, f), join(dir, `${k}-${f}`));
      const n = bds.length * 8;
      const t0 = performance.now();
      execFileSync(process.execPath, [bin, 'analyze', dir, '--out', join(tmpdir(), `tripod-bench-${process.pid}.csv`), '--force'], { env: compiledEnv(), stdio: 'ignore' });
      const s = (performance.now() - t0) / 1000;
      log(`${n} BDS files in ${s.toFixed(2)} s on ${availableParallelism()} core(s)`);
      figures['lab.analyze_files_per_s'] = round(n / s, 1);
      rmSync(join(tmpdir(), `tripod-bench-${process.pid}.csv`), { force: true });

      const { writePersonRecording } = await import('../sim/person-recording.ts');
      const recs = join(dir, 'recordings');
      mkdirSync(recs);
      const cells = [0, 1, 2, 3].map((c) => ({ offset: 10_000 * c, scale: 1 / 4379.6 }));
      for (let k = 0; k < 8; k++) {
        writePersonRecording(join(recs, `s${k}.tripod`), { seed: k + 1, stepOnS: 2, bipedalS: 60, stepOffS: 55 }, 60, {
          format: 'tripod-recording',
          formatVersion: 1,
          createdAt: new Date(0).toISOString(),
          software: { name: 'tripod', version: 'bench' },
          source: { kind: 'sim', description: 'synthetic person' },
          board: { sampleRateHz: 80 },
          calibration: { cells, source: 'bench' },
          subjectId: `S${k}`,
          notes: null,
        });
      }
      const t1 = performance.now();
      execFileSync(process.execPath, [bin, 'analyze', recs, '--out', join(tmpdir(), `tripod-bench-${process.pid}.csv`), '--force'], { env: compiledEnv(), stdio: 'ignore' });
      const s1 = (performance.now() - t1) / 1000;
      log(`8 recordings (60 s each) in ${s1.toFixed(2)} s on ${availableParallelism()} core(s)`);
      figures['lab.analyze_recordings_per_s'] = round(8 / s1, 1);
      rmSync(join(tmpdir(), `tripod-bench-${process.pid}.csv`), { force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const { resampleUniform } = await import('../export/resample.ts');
    const { writeC3d } = await import('../export/c3d.ts');
    const { DEFAULT_LAYOUT } = await import('../pipeline/types.ts');
    const rate = 77.92;
    const samples = Array.from({ length: Math.round(60 * rate) }, (_, i) => {
      const f = [200 + 10 * Math.sin(i / 50), 180, 190 + 5 * Math.cos(i / 30), 170] as [number, number, number, number];
      return { index: i, t: i / rate + (i > 40 ? 0.0005 : 0), hostTimeMs: 0, raw: [0, 0, 0, 0] as [number, number, number, number], forces: f, total: f[0] + f[1] + f[2] + f[3], cop: null, flags: 0 };
    });
    const c3d: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      const r = resampleUniform(samples, rate, DEFAULT_LAYOUT.cells);
      writeC3d(r.samples, rate, { aMm: 180, bMm: 180, widthMm: 420, depthMm: 420 }, { subject: 'S01', date: new Date(0).toISOString(), software: 'tripod bench', tripod: {} });
      c3d.push(performance.now() - t0);
    }
    figures['lab.c3d_write_ms_per_min'] = round(median(c3d), 2);
    return figures;
  },
};
