/**
 * One CoP file's sway metrics, as `tripod analyze` computes them (read, low-pass unless switched off,
 * every metric), in the snake_case form of `--json`; used by the batch (cli/analyze-batch.ts).
 */
import { readCopFile } from './cop-file.ts';
import { preprocessCop } from './filter.ts';
import { computeSwayMetrics, swayMetricsJson } from './sway.ts';

export interface AnalyzeFileOptions {
  filter: boolean;
  cutoffHz?: number;
}

export interface AnalyzedFile {
  file: string;
  format: string;
  preprocessing: string;
  metrics: Record<string, number | null>;
}

/** Throws CopFileError (the file) or RangeError (too few samples), one line each. */
export function analyzeCopFile(file: string, opts: AnalyzeFileOptions): AnalyzedFile {
  const trace = readCopFile(file);
  const pre = preprocessCop(trace.t, trace.x, trace.y, { filter: opts.filter, rateHz: trace.rateHz, ...(opts.cutoffHz !== undefined ? { cutoffHz: opts.cutoffHz } : {}) });
  const metrics = computeSwayMetrics({ x: pre.x, y: pre.y }, pre.fs);
  const skipped = trace.skippedRows ? `; ${trace.skippedRows} rows without a CoP skipped` : '';
  return { file, format: trace.format, preprocessing: `${pre.description}${skipped}`, metrics: swayMetricsJson(metrics) };
}
