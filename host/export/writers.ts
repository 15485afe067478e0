/**
 * CSV and NDJSON writers over export rows. CSV: one header row, comma separated, '.' decimal point,
 * empty field for a missing CoP, LF line ends: `pandas.read_csv(path)` and spreadsheets read it with
 * default settings. NDJSON: one JSON object per line with the same keys (`pandas.read_json(path, lines=True)`).
 */
import { EXPORT_COLUMNS, toExportRow, type ExportRow } from './columns.ts';
import type { ForceSample } from '../pipeline/types.ts';

export type ExportFormat = 'csv' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

export function csvHeader(): string {
  return `${EXPORT_COLUMNS.join(',')}\n`;
}

export function csvLine(row: ExportRow): string {
  let line = '';
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) {
    const v = row[EXPORT_COLUMNS[i]!];
    if (i > 0) line += ',';
    if (v !== null) line += String(v);
  }
  return `${line}\n`;
}

export function ndjsonLine(row: ExportRow): string {
  return `${JSON.stringify(row)}\n`;
}

/** Turns samples into text lines of `format`; time is relative to the first sample seen. */
export class SampleExporter {
  private t0: number | null = null;
  rows = 0;
  constructor(readonly format: ExportFormat) {}

  /** Text that starts the file ('' for NDJSON). */
  header(): string {
    return this.format === 'csv' ? csvHeader() : '';
  }

  line(s: ForceSample): string {
    if (this.t0 === null) this.t0 = s.t;
    this.rows++;
    const row = toExportRow(s, this.t0);
    return this.format === 'csv' ? csvLine(row) : ndjsonLine(row);
  }
}
