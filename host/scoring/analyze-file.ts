/**
 * One CoP trace's sway metrics, as `tripod analyze` computes them: the stances of a Tripod file
 * (trimmed to where the person stood, stances.ts; `whole` keeps everything), then per stance the
 * one preprocessing (resampling, the low-pass unless switched off) and every metric, in the
 * snake_case form of `--json`. Used by analyze for one file and by the batch (cli/analyze-batch.ts).
 */
import type { CopTrace, FileMetadata } from './cop-file.ts';
import { preprocessCop, type Preprocessed } from './filter.ts';
import { findStances } from './stances.ts';
import { computeSwayMetrics, swayMetricsJson, type SwayMetrics, type SwayOptions } from './sway.ts';

export interface AnalyzeFileOptions {
  filter: boolean;
  cutoffHz?: number;
  /** Analyse the whole file, stepping on and off included (default: each stance of a Tripod file). */
  whole?: boolean;
}

/** One analysed stretch of a file: a stance (trial), or the whole file. */
export interface AnalyzedTrial {
  file: string;
  format: string;
  /** 1-based stance number; null when the whole file was analysed. */
  trial: number | null;
  /** Stances found (0 when the whole file was analysed). */
  trials: number;
  /** The stretch analysed, s in the file's time; and the file's first and last time, s. */
  fromS: number;
  toS: number;
  fileFromS: number;
  fileToS: number;
  /** What was left out and why, one line. */
  trimming: string;
  preprocessing: string;
  metadata: FileMetadata | null;
  metrics: Record<string, number | null>;
}

/** A stretch of a trace to analyse. */
export interface TraceWindow {
  trial: number | null;
  trials: number;
  from: number;
  to: number;
  trimming: string;
}

const f2 = (v: number): string => v.toFixed(2);

/**
 * Where to analyse a trace: each stance of a Tripod file (its load includes stepping on and off),
 * else (another device's file, `whole`, or no stance found) the whole trace, saying why.
 */
export function traceWindows(trace: CopTrace, whole: boolean): TraceWindow[] {
  const t = trace.load?.t.length ? trace.load.t : trace.t;
  const first = Math.min(t[0]!, trace.t[0]!);
  const last = Math.max(t[t.length - 1]!, trace.t[trace.t.length - 1]!);
  const all = (trimming: string): TraceWindow[] => [{ trial: null, trials: 0, from: first, to: last, trimming }];
  if (!trace.tripod || !trace.load) return all('whole file (not a Tripod file: no stance detection)');
  if (whole) return all('whole file (--whole: stepping on and off included)');
  const found = findStances(trace.load);
  const short = found.shortStances ? `; ${found.shortStances} stance(s) under ${found.minHeldS} s left out` : '';
  if (found.bodyWeightN === null) return all('whole file: no stance found (the load never held within 2 % for 3 s above 200 N), stepping on and off included');
  if (found.stances.length === 0) return all(`whole file: no stance held ${found.minHeldS} s or more${short}, stepping on and off included`);
  const n = found.stances.length;
  return found.stances.map((s, i) => ({
    trial: i + 1,
    trials: n,
    from: s.startT,
    to: s.endT,
    trimming: `stance ${i + 1} of ${n} at ${f2(s.startT)}-${f2(s.endT)} s of ${f2(first)}-${f2(last)} s: ${f2(s.startT - first)} s before (stepping on) and ${f2(last - s.endT)} s after (${s.end === 'step-off' ? 'stepping off' : 'the end'}) left out${short}`,
  }));
}

/** The samples of `trace` with time in [from, to]. */
export function cutTrace(trace: CopTrace, from: number, to: number): CopTrace {
  const keep: number[] = [];
  for (let i = 0; i < trace.t.length; i++) if (trace.t[i]! >= from - 1e-9 && trace.t[i]! <= to + 1e-9) keep.push(i);
  return { ...trace, t: Float64Array.from(keep, (i) => trace.t[i]!), x: Float64Array.from(keep, (i) => trace.x[i]!), y: Float64Array.from(keep, (i) => trace.y[i]!) };
}

/**
 * Resampling and the low-pass as `tripod analyze` applies them. BDS files (Santos & Duarte 2016) are
 * low-passed at 10 Hz by the data set's authors, so by default they are not filtered again (that
 * would lower the velocity below the published figures: 6.03 against 6.20 mm/s for BDS00001); an
 * explicit cut-off filters them anyway.
 */
export function preprocessTrace(trace: CopTrace, opts: AnalyzeFileOptions): Preprocessed {
  const prefiltered = trace.format === 'bds' && opts.filter && opts.cutoffHz === undefined;
  const pre = preprocessCop(trace.t, trace.x, trace.y, { filter: opts.filter && !prefiltered, rateHz: trace.rateHz, ...(opts.cutoffHz !== undefined ? { cutoffHz: opts.cutoffHz } : {}) });
  if (prefiltered) pre.description = pre.description.replace('not filtered (--no-filter)', 'not filtered again: BDS data are low-passed at 10 Hz by the data set (--cutoff HZ filters anyway)');
  return pre;
}

/** Preprocesses and measures one stretch; throws RangeError (too few samples) with the stretch named. */
export function measureWindow(trace: CopTrace, w: TraceWindow, opts: AnalyzeFileOptions, sway: SwayOptions = {}): { pre: Preprocessed; metrics: SwayMetrics; cut: CopTrace } {
  const cut = cutTrace(trace, w.from, w.to);
  if (cut.t.length < 8) throw new RangeError(`${w.trimming}: ${cut.t.length} samples with a CoP; need at least 8`);
  const pre = preprocessTrace(cut, opts);
  return { pre, metrics: computeSwayMetrics({ x: pre.x, y: pre.y }, pre.fs, sway), cut };
}

/** Every stance of a read trace (or the whole trace), analysed. */
export function analyzeTrace(file: string, trace: CopTrace, opts: AnalyzeFileOptions): AnalyzedTrial[] {
  const windows = traceWindows(trace, opts.whole === true);
  const t = trace.load?.t.length ? trace.load.t : trace.t;
  return windows.map((w) => {
    const { pre, metrics } = measureWindow(trace, w, opts);
    const skipped = trace.skippedRows && w.trial === null ? `; ${trace.skippedRows} rows without a CoP skipped` : '';
    return {
      file,
      format: trace.format,
      trial: w.trial,
      trials: w.trials,
      fromS: w.from,
      toS: w.to,
      fileFromS: t[0]!,
      fileToS: t[t.length - 1]!,
      trimming: w.trimming,
      preprocessing: `${pre.description}${skipped}`,
      metadata: trace.metadata ?? null,
      metrics: swayMetricsJson(metrics),
    };
  });
}
