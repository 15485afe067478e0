/**
 * The exports that need every sample before writing: C3D (one fixed frame rate) and any format with
 * --resample HZ (a uniform time grid, export/resample.ts). Used by commands/export.ts once the
 * recording is open; writes to the file descriptor export opened (or stdout for text formats).
 */
import { writeC3d } from '../export/c3d.ts';
import { resampleUniform } from '../export/resample.ts';
import { SampleExporter, type ExportFormat } from '../export/writers.ts';
import type { ForceSample } from '../pipeline/types.ts';
import type { BoardSession } from '../session.ts';
import type { CommandContext } from './command.ts';
import { UsageError } from './errors.ts';
import { headerFields, recordingMetadata } from './recording-info.ts';
import { escapeValue, headerComments } from '../export/header-comments.ts';

export interface CollectedExport {
  format: ExportFormat | 'c3d';
  /** Output rate, Hz; null: C3D at the recording's mean rate, text formats as received. */
  resampleHz: number | null;
  /** Where the bytes go (an atomic output file); null: standard output. */
  write: ((b: Buffer | string) => void) | null;
  /** The recording's path (for its metadata). */
  file: string;
  /** CSV: start with the recording's header as `#` lines. */
  comments: boolean;
}

/** Collects the session's samples, then writes them; returns rows written and how they were timed. */
export async function exportCollected(ctx: CommandContext, session: BoardSession, opts: CollectedExport): Promise<{ rows: number; rateHz: number | null; timing: string }> {
  const received: ForceSample[] = [];
  session.samples$.subscribe((s) => received.push(s));
  await session.finished;
  await session.close();
  const cells = session.calibration.layout.cells;
  const mean = session.stats().rateHz;
  const rate = opts.resampleHz ?? (opts.format === 'c3d' ? (mean === null ? null : Math.round(mean * 1000) / 1000) : null);
  if (rate === null) throw new UsageError('the recording has fewer than two samples: nothing to put on a time grid');
  const r = resampleUniform(received, rate, cells);
  if (r.bridged > 0) ctx.err.write(`tripod export: ${r.bridged} grid point(s) fall inside gaps (lost samples) and are interpolated across them\n`);
  const write = (b: Buffer | string): void => {
    if (opts.write !== null) opts.write(b);
    else ctx.out.write(b);
  };
  const meta = headerFields(recordingMetadata(opts.file, session), r.description);
  if (opts.format === 'c3d') {
    const xs = cells.map((c) => Math.abs(c.x));
    const ys = cells.map((c) => Math.abs(c.y));
    const a = xs.reduce((s, v) => s + v, 0) / 4;
    const b = ys.reduce((s, v) => s + v, 0) / 4;
    const off = Math.max(...cells.map((c, i) => Math.hypot(Math.abs(c.x) - a, Math.abs(c.y) - b) + (Math.sign(c.x) !== [1, -1, -1, 1][i] || Math.sign(c.y) !== [1, 1, -1, -1][i] ? Infinity : 0)));
    if (off > 1) ctx.err.write(`tripod export: the cells are not at (±${a.toFixed(1)}, ±${b.toFixed(1)}) mm (off by up to ${Number.isFinite(off) ? off.toFixed(1) : 'a quadrant'} mm): a C3D reader's TYPE 3 CoP will differ from Tripod's\n`);
    // The TRIPOD group: the same fields as a CSV's `#` lines, names in capitals (analyze reads them back).
    const tripod: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta)) if (k !== 'recording' && v !== null) tripod[k.toUpperCase()] = escapeValue(typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    const plate = session.calibration.layout.plate;
    write(writeC3d(r.samples, rate, { aMm: a, bMm: b, widthMm: plate.widthMm, depthMm: plate.depthMm }, { subject: meta.subject, date: meta.created, software: meta.software, tripod }));
    return { rows: r.samples.length, rateHz: rate, timing: r.description };
  }
  const exporter = new SampleExporter(opts.format);
  let buf = (opts.comments && opts.format === 'csv' ? headerComments(meta) : '') + exporter.header();
  for (const s of r.samples) {
    buf += exporter.line(s);
    if (buf.length > 1 << 16) {
      write(buf);
      buf = '';
    }
  }
  write(buf);
  return { rows: exporter.rows, rateHz: rate, timing: r.description };
}
