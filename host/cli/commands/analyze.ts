/**
 * `tripod analyze FILE`: sway metrics of a CoP trace from another device's text or CSV file (or
 * a Tripod export with CoP columns). BDS files need no flags; see host/scoring/cop-file.ts for the
 * format rules and host/scoring/README.md for every metric's definition.
 */
import { terminalJson } from '../../util/terminal-text.ts';
import { statSync } from 'node:fs';
import { optionTable, type CliCommand } from '../command.ts';
import { parseDecimal } from '../../util/strict-number.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { CopFileError, type CopFileOptions, type CopTrace, type LengthUnit } from '../../scoring/cop-file.ts';
import { measureWindow, traceWindows, type TraceWindow } from '../../scoring/analyze-file.ts';
import { swayMetricsJson, type SwayMetrics } from '../../scoring/sway.ts';
import { isRecordingFile, readAnalysisInput } from '../analyze-input.ts';
import { resolveStance } from '../../scoring/stance.ts';
import { parseStanceFlags } from '../stance-flags.ts';

const HELP = `Usage: tripod analyze FILE [flags]
       tripod analyze DIR|FILES... [--out table.csv] [--whole] [--no-filter] [--cutoff HZ] [--jobs N]

Computes sway metrics (path, velocity, RMS, range, 95 % prediction ellipse, sway area, mean power
frequency, F50/F95, time to boundary) from a CoP trace: a Tripod recording (.tripod), a Tripod
export (CSV or C3D), or another device's text, CSV or C3D file.

A Tripod recording or export needs no flags and is cut to each stance: the step onto the plate and
the step off it are left out (a stance starts once the load holds steady at 90 % of the body weight
or more for 0.5 s, and ends where the load falls towards zero; body weight: the first 3 s quiet
window; stances under 5 s are not trials). Each stance is a trial with its own metrics; the output
says which seconds were left out. --whole analyses everything instead.
A BDS file (Santos & Duarte 2016: Time[s] ... COPx[cm] COPy[cm], tab-separated) needs no flags
either. In tables, lines starting with '#' (a Tripod export's header) and rows with an empty CoP
(nobody on the plate) are skipped.
Other files: name the CoP columns, their unit and the rate (or a time column in seconds).

Flags:
  --json              print one JSON object per trial, one a line (snake_case keys with units:
                      path_mm, velocity_mm_s, area95_mm2, mfreq_hz, rms_ml_mm, ...; trial, trials,
                      from_s, to_s, trimming; metadata: subject, created, board, ... when known)
  --whole             a Tripod file: analyse all of it, stepping on and off included
  --no-filter         skip the 10 Hz low-pass (4th-order zero-lag Butterworth); uneven samples are
                      still resampled by window averaging. BDS files are already low-passed at
                      10 Hz by the data set and are not filtered again unless --cutoff is given
  --cutoff HZ         low-pass cut-off, Hz (default 10)
  --from S, --to S    analyse only the samples with time in [from, to] s (instead of the stances)
  --from-moments      force-plate file without CoP columns: CoP from Fz, Mx, My
                      (x = -My/Fz, y = Mx/Fz, moments about the plate surface centre)
  --x-col NAME|N      medio-lateral CoP column (header name or 1-based number)
  --y-col NAME|N      antero-posterior CoP column
  --t-col NAME|N      time column in seconds (default: a column named time or t)
  --unit mm|cm|m      CoP unit (with --from-moments: the moments' length unit) when the header
                      does not say it
  --rate HZ           sample rate; overrides the time column
  --foot left|right   stance foot on a Tripod board: adds time to boundary (CoP in the plate frame)
  --foot-length MM    foot length for --foot, 100..400 (default 260)
  --layout FILE       board layout JSON for --foot (default: the Tripod board)

Many files (a folder's .tripod, .txt, .csv, .tsv and .c3d files, recursively, or several FILEs):
one CSV row per file and trial (file, trial, trials, from_s, to_s, the metadata subject, created,
board, firmware, calibration, calibrated, notes, gaps (empty when the file does not say), format,
trimming, preprocessing, then the --json metrics), analysed on every core (--jobs N to use fewer),
progress on stderr, written to --out (or stdout). A file that cannot be analysed is skipped and
listed at the end; the exit code is then 1. Files must need no column flags.
  --out FILE          the table (default stdout); --force overwrites it
  --jobs N            processes to use (default: one per core)

Examples:
  tripod analyze BDS00001.txt --no-filter --json
  tripod analyze data/bds --out sway.csv
  tripod analyze wii.csv --x-col 2 --y-col 3 --unit mm --rate 60`;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseDecimal(v) ?? NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} ${v}: expected a number > 0`);
  return n;
}

function nonNegativeNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseDecimal(v) ?? NaN;
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} ${v}: expected a time >= 0 s`);
  return n;
}

function fmt(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function humanReport(file: string, m: SwayMetrics, preprocessing: string): string {
  const rows: Array<[string, string, string]> = [
    ['samples', String(m.n), ''],
    ['rate', fmt(m.fsHz, 2), 'Hz'],
    ['duration (N/fs)', fmt(m.durationS, 2), 's'],
    ['path length', fmt(m.pathMm, 1), 'mm'],
    ['mean velocity', fmt(m.velocityMmS, 2), 'mm/s'],
    ['mean velocity ML', fmt(m.velocityMlMmS, 2), 'mm/s'],
    ['mean velocity AP', fmt(m.velocityApMmS, 2), 'mm/s'],
    ['RMS ML', fmt(m.rmsMlMm, 2), 'mm'],
    ['RMS AP', fmt(m.rmsApMm, 2), 'mm'],
    ['range ML', fmt(m.rangeMlMm, 2), 'mm'],
    ['range AP', fmt(m.rangeApMm, 2), 'mm'],
    ['95 % ellipse area', fmt(m.area95Mm2, 1), 'mm²'],
    ['sway area', fmt(m.swayAreaMm2S, 2), 'mm²/s'],
    ['mean power frequency', fmt(m.mfreqHz, 3), 'Hz'],
    ['  ML / AP', `${fmt(m.mfreqMlHz, 3)} / ${fmt(m.mfreqApHz, 3)}`, 'Hz'],
    ['F50 / F95', `${fmt(m.f50Hz, 3)} / ${fmt(m.f95Hz, 3)}`, 'Hz'],
  ];
  if (m.ttb) {
    rows.push(['time to boundary min / mean of minima', `${fmt(m.ttb.minS, 2)} / ${fmt(m.ttb.meanMinimaS, 2)}`, 's']);
    if (m.ttb.ml) rows.push(['  ML only', `${fmt(m.ttb.ml.minS, 2)} / ${fmt(m.ttb.ml.meanMinimaS, 2)}`, 's']);
    if (m.ttb.ap) rows.push(['  AP only', `${fmt(m.ttb.ap.minS, 2)} / ${fmt(m.ttb.ap.meanMinimaS, 2)}`, 's']);
    if (m.ttb.insidePct < 50) rows.push(['  warning', `only ${fmt(m.ttb.insidePct, 0)} % of the CoP lies on the foot: not in the Tripod plate frame?`, '']);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  return `${file}\n${preprocessing}\n${rows.map(([k, v, u]) => `  ${k.padEnd(w)}  ${v}${u ? ` ${u}` : ''}`).join('\n')}\n`;
}

export const command: CliCommand = {
  name: 'analyze',
  summary: "sway metrics per stance of a recording, an export or another device's CoP file",
  help: HELP,
  allowPositionals: true,
  options: optionTable(['from', 'to', 'cutoff', 'x-col', 'y-col', 't-col', 'unit', 'rate', 'foot', 'foot-length', 'layout', 'out', 'jobs'], ['json', 'whole', 'no-filter', 'from-moments', 'force']),
  async run(ctx) {
    const { values, positionals } = ctx;
    if (positionals.length > 1 || values.out !== undefined || (positionals.length === 1 && isDirectory(positionals[0]!))) {
      const perFile = ['x-col', 'y-col', 't-col', 'unit', 'rate', 'from-moments', 'from', 'to', 'foot', 'foot-length', 'layout', 'json'].filter((k) => values[k] !== undefined);
      if (perFile.length > 0) throw new UsageError(`--${perFile[0]} applies to one FILE; analysing many reads files that need no column flags (BDS, Tripod CSV, C3D)`);
      const { runBatch } = await import('../analyze-batch.ts');
      const jobs = positiveNumber(str(values.jobs), '--jobs');
      if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError(`--jobs ${String(values.jobs)}: expected a whole number of processes`);
      const cutoffHz = positiveNumber(str(values.cutoff), '--cutoff');
      return runBatch(ctx, positionals, { filter: values['no-filter'] !== true, whole: values.whole === true, ...(cutoffHz !== undefined ? { cutoffHz } : {}), out: str(values.out) ?? null, jobs: jobs ?? null, force: values.force === true });
    }
    if (values.jobs !== undefined || values.force !== undefined) throw new UsageError('--jobs and --force go with many files or --out');
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? "missing FILE; usage: tripod analyze FILE [--json] [--no-filter]" : `expected one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
    }
    const file = positionals[0]!;
    const unit = str(values.unit);
    if (unit !== undefined && unit !== 'mm' && unit !== 'cm' && unit !== 'm') throw new UsageError(`--unit ${unit}: expected mm, cm or m`);
    const opts: CopFileOptions = {};
    const xCol = str(values['x-col']);
    const yCol = str(values['y-col']);
    const tCol = str(values['t-col']);
    if (xCol !== undefined) opts.xCol = xCol;
    if (yCol !== undefined) opts.yCol = yCol;
    if (tCol !== undefined) opts.tCol = tCol;
    if (unit !== undefined) opts.unit = unit as LengthUnit;
    if (values['from-moments'] === true) opts.fromMoments = true;
    const rate = positiveNumber(str(values.rate), '--rate');
    if (rate !== undefined) opts.rateHz = rate;
    const cutoff = positiveNumber(str(values.cutoff), '--cutoff');
    const stance = await parseStanceFlags(values, null);
    const outline = stance === null ? undefined : resolveStance(stance).landmarks.outline;

    const from = nonNegativeNumber(str(values.from), '--from');
    const to = nonNegativeNumber(str(values.to), '--to');
    if (from !== undefined && to !== undefined && !(to > from)) throw new UsageError(`--to ${to} must be after --from ${from}`);
    if (from !== undefined || to !== undefined) {
      if (values.whole === true) throw new UsageError('--whole and --from/--to: choose one (--from/--to already set what is analysed)');
    }
    const columnFlags = ['x-col', 'y-col', 't-col', 'unit', 'rate', 'from-moments'].filter((k) => values[k] !== undefined);
    if (columnFlags.length > 0 && isRecordingFile(file)) throw new UsageError(`--${columnFlags[0]}: ${file} is a Tripod recording, which needs no column flags`);
    let trace: CopTrace;
    try {
      trace = await readAnalysisInput(file, opts);
    } catch (e) {
      if (e instanceof CopFileError) throw e.kind === 'usage' ? new UsageError(e.message) : new RuntimeError(e.message);
      if (e instanceof UsageError || e instanceof RuntimeError) throw e;
      throw new RuntimeError((e as Error).message);
    }
    if (trace.metadata?.calibrated === 'no') ctx.err.write(`tripod analyze: ${file} is not calibrated (calibration: ${trace.metadata.calibration ?? 'unknown'}): the CoP rests on nominal cell scales; run tripod calibrate, or export with --calibration FILE\n`);
    let windows: TraceWindow[];
    if (from !== undefined || to !== undefined) {
      const t = trace.t;
      const lo = from ?? t[0]!;
      const hi = to ?? t[t.length - 1]!;
      let inside = 0;
      for (const ti of t) if (ti >= lo && ti <= hi) inside++;
      if (inside < 8) {
        throw new RuntimeError(`${file}: ${inside} samples between ${from ?? 'the start'} and ${to ?? 'the end'} s (the file spans ${t[0]} to ${t[t.length - 1]} s); need at least 8`);
      }
      windows = [{ trial: null, trials: 0, from: lo, to: hi, trimming: `--from/--to: ${lo}-${hi} s` }];
    } else windows = traceWindows(trace, values.whole === true);
    for (const w of windows) {
      let measured;
      try {
        measured = measureWindow(trace, w, { filter: values['no-filter'] !== true, ...(cutoff !== undefined ? { cutoffHz: cutoff } : {}) }, outline ? { outline } : {});
      } catch (e) {
        throw new RuntimeError(`${file}: ${(e as Error).message}`);
      }
      const { pre, metrics } = measured;
      // Every time-domain metric must be a number: an overflow is an error, not a null. (The frequency
      // metrics are null for an axis without sway: no spectrum. cop-file.ts bounds the values read.)
      const frequency = new Set(['mfreqHz', 'mfreqMlHz', 'mfreqApHz', 'f50Hz', 'f95Hz', 'ttb']);
      const notFinite = Object.entries(metrics)
        .filter(([k, v]) => !frequency.has(k) && (typeof v !== 'number' || !Number.isFinite(v)))
        .map(([k]) => k);
      if (notFinite.length) {
        throw new RuntimeError(`${file}: the values overflow the arithmetic (${notFinite.slice(0, 3).join(', ')} not finite): check the unit and the columns`);
      }
      const skipped = trace.skippedRows && w.trial === null ? `; ${trace.skippedRows} rows without a CoP skipped` : '';
      if (values.json === true) {
        const obj = {
          file,
          trial: w.trial,
          trials: w.trials,
          from_s: Math.round(w.from * 1000) / 1000,
          to_s: Math.round(w.to * 1000) / 1000,
          trimming: w.trimming,
          format: trace.format,
          columns: trace.columns,
          unit_in_file: trace.unit,
          skipped_rows: trace.skippedRows,
          ...(trace.metadata ? { metadata: trace.metadata } : {}),
          filtered: pre.filtered,
          resampled: pre.resampled,
          preprocessing: `${pre.description}${skipped}`,
          ...swayMetricsJson(metrics),
        };
        ctx.out.write(`${terminalJson(obj)}\n`);
      } else {
        ctx.out.write(humanReport(w.trial === null ? file : `${file}, trial ${w.trial} of ${w.trials}`, metrics, `${w.trimming}\n${pre.description}${skipped}`));
      }
    }
    return 0;
  },
};
