/**
 * Sway metrics of a centre-of-pressure series, as `tripod analyze` computes them: uneven samples
 * resampled by window averaging, a 10 Hz zero-lag low-pass (unless switched off), then every metric
 * of scoring/sway.ts. Accepts plain arrays (t in s, x/y in mm) or the samples of a session (CoP in
 * the plate frame; samples with nobody on the plate are skipped).
 */
import { preprocessCop, type Preprocessed } from './scoring/filter.ts';
import { computeSwayMetrics, type SwayMetrics, type SwayOptions } from './scoring/sway.ts';
import type { ForceSample } from './pipeline/types.ts';

export interface CopSeries {
  /** Time of each sample, s. */
  t: ArrayLike<number>;
  /** Medio-lateral CoP, mm. */
  x: ArrayLike<number>;
  /** Antero-posterior CoP, mm. */
  y: ArrayLike<number>;
}

export interface AnalyseOptions extends SwayOptions {
  /** Low-pass the series first (default true; switch off for data that is already filtered). */
  filter?: boolean;
  /** Low-pass cut-off, Hz (default 10). */
  cutoffHz?: number;
  /** Rate to analyse at, Hz (default: 1 / the median interval). */
  rateHz?: number;
}

export interface CopAnalysis {
  metrics: SwayMetrics;
  /** What was done to the series before the metrics (resampling, filter), one line. */
  preprocessing: string;
}

/** The CoP series of some samples: those with a CoP (someone on the plate), in order. */
export function copSeries(samples: Iterable<ForceSample>): CopSeries {
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  for (const s of samples) {
    if (!s.cop) continue;
    t.push(s.t);
    x.push(s.cop.x);
    y.push(s.cop.y);
  }
  return { t, x, y };
}

/** Sway metrics of a CoP series (needs at least 4 samples; throws RangeError saying what is wrong). */
export function analyseCop(series: CopSeries | Iterable<ForceSample>, opts: AnalyseOptions = {}): CopAnalysis {
  const cop = 't' in series && 'x' in series ? (series as CopSeries) : copSeries(series as Iterable<ForceSample>);
  const pre: Preprocessed = preprocessCop(cop.t, cop.x, cop.y, {
    filter: opts.filter !== false,
    ...(opts.cutoffHz !== undefined ? { cutoffHz: opts.cutoffHz } : {}),
    ...(opts.rateHz !== undefined ? { rateHz: opts.rateHz } : {}),
  });
  const { filter: _f, cutoffHz: _c, rateHz: _r, ...sway } = opts;
  return { metrics: computeSwayMetrics({ x: pre.x, y: pre.y }, pre.fs, sway), preprocessing: pre.description };
}
