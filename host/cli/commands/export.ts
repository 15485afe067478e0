/**
 * `tripod export FILE --format csv|ndjson`: a recording as a table of calibrated samples that
 * pandas and spreadsheets read as is. Columns and axis convention: host/export/columns.ts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { terminalJson } from '../../util/terminal-text.ts';
import { optionTable, type CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { exportCollected } from '../export-collected.ts';
import { headerFields, readRecordingMetadata, recordingMetadata, uncalibrated, writeSidecar } from '../recording-info.ts';
import { headerComments } from '../../export/header-comments.ts';
import { ProgressBar } from '../progress.ts';
import { parsePositive } from '../source-flags.ts';
import { openRecordingSession, replaySummary, stopOnBrokenPipe } from '../recording-input.ts';
import { EXPORT_FORMATS, SampleExporter, type ExportFormat } from '../../export/writers.ts';
import type { ReplayTransport } from '../../transport/replay.ts';
import { AtomicFile, checkWritable } from '../../util/atomic-write.ts';

const HELP = `Usage: tripod export FILE --format csv|ndjson|c3d [flags]

Writes every sample of a recording, calibrated, as CSV or NDJSON (one JSON object per line).
A CSV starts with the recording's header as '#' lines (recording, created, software, source, board,
firmware, calibration and whether it is calibrated, subject, notes, samples, gaps, timing; one
'# key: value' each), then one row of column names. pandas: pd.read_csv(path, comment='#'); R:
read.csv(path, comment.char='#'); --no-header-comments leaves them out. Columns, in order:
  time_s               device time since the first sample, s
  sample_index         sample index from the board (a jump = samples lost, see the gaps summary)
  force_front_right_n  force on cell 0 (+x,+y), N      force_front_left_n   cell 1 (-x,+y), N
  force_rear_left_n    force on cell 2 (-x,-y), N      force_rear_right_n   cell 3 (+x,-y), N
  total_n              sum of the four forces, N
  cop_x_right_mm       centre of pressure, medio-lateral, + = subject's right, mm
  cop_y_forward_mm     centre of pressure, antero-posterior, + = forward (toes), mm
                       (both empty / null when the total is below 20 N: nobody on the plate)
  flags                per-sample status flags from the board (protocol/SPEC.md)
Origin: plate centre. NDJSON in pandas: pd.read_json(path, lines=True).

C3D (--format c3d): one force platform of TYPE 3 (four vertical corner sensors; analog channels
FX12 FX34 FY14 FY23 = 0 and FZ1..FZ4 = the cells front right, front left, rear left, rear right,
N), plate corners and origin (a, b, az0) in the parameter section, subject, date, board and
calibration in SUBJECTS, TRIAL and TRIPOD. C3D has one fixed rate, so the samples are put on a
uniform grid at the recording's mean rate (or --resample HZ).

Timing: the board's clock gives about 77.9 Hz with uneven steps (the first second has one 39.5 ms
step; lost samples leave holes). --resample HZ puts every format on a uniform grid from the first
sample: each cell's force linearly interpolated between the received samples around the grid
point (across gaps too, counted on stderr), total and CoP computed from those forces.

Flags:
  --format csv|ndjson|c3d  output format (required)
  --out PATH           output file (default: FILE with .csv, .ndjson or .c3d; '-' = stdout, not for c3d)
  --resample HZ        uniform time grid at HZ (see Timing)
  --no-header-comments CSV without the '#' lines: the column names are the first line
  --no-sidecar         do not write OUT.json: the recording's metadata (created, board, firmware,
                       calibration and its source, subject, notes, samples, gaps; as tripod info
                       FILE --json) and how the export was made; written beside every file output
  --force              overwrite an existing output file (the recording is checked first, and the
                       file is written aside and renamed over the old one only when complete: a bad
                       recording or a full disk leaves the old file as it was)
  --calibration FILE   calibration JSON instead of the one stored in the recording
  --json               print a JSON summary (rows, output, samples, lost, ...) instead of a line
  --help               this text

Example:
  tripod export session.tripod --format csv`;

export const command: CliCommand = {
  name: 'export',
  summary: 'write a recording as CSV, NDJSON or C3D (forces N, total N, CoP mm)',
  help: HELP,
  options: optionTable(['format', 'resample', 'out', 'calibration'], ['no-sidecar', 'no-header-comments', 'force', 'json']),
  allowPositionals: true,
  async run(ctx) {
    const [file, ...extra] = ctx.positionals;
    if (file === undefined) throw new UsageError('name the recording to export: tripod export FILE --format csv|ndjson');
    if (extra.length) throw new UsageError(`export takes one file, got also '${extra[0]}'`);
    const format = ctx.values.format;
    if (format === undefined) throw new UsageError('--format is required: csv, ndjson or c3d');
    if (format !== 'c3d' && !EXPORT_FORMATS.includes(format as ExportFormat)) throw new UsageError(`--format must be csv, ndjson or c3d, got '${String(format)}'`);
    const resampleHz = parsePositive(ctx.values, 'resample', null);
    const comments = format === 'csv' && ctx.values['no-header-comments'] !== true;
    if (ctx.values['no-header-comments'] === true && format !== 'csv') throw new UsageError(`--no-header-comments goes with --format csv (a ${String(format)} export has no '#' lines)`);
    if (format === 'c3d' && ctx.values.out === '-') throw new UsageError('--format c3d writes a binary file: give --out FILE.c3d, not -');
    const out = typeof ctx.values.out === 'string' ? ctx.values.out : file.replace(/(\.tripod)?$/, `.${format}`);
    if (resolve(out) === resolve(file)) throw new UsageError(`--out ${out} would overwrite the recording itself`);
    const toStdout = out === '-';
    // The input first: a file that is not a recording must not cost the user an existing output.
    const calibrationFile = typeof ctx.values.calibration === 'string' ? ctx.values.calibration : null;
    // A streamed CSV's '#' lines need the gaps, known only at the end: a first replay (no output)
    // finds them, before the session that exports (a replay runs once opened).
    const prepass = comments && resampleHz === null ? await readRecordingMetadata(file, calibrationFile) : null;
    const session = await openRecordingSession(file, Infinity, calibrationFile);
    let target: AtomicFile | null = null;
    if (!toStdout) {
      try {
        checkWritable(out, { overwrite: ctx.values.force === true });
        target = new AtomicFile(out);
      } catch (e) {
        await session.close();
        if ((e as Error).message.includes('already exists')) throw new UsageError((e as Error).message);
        throw new RuntimeError((e as Error).message);
      }
    }
    const cal = session.calibration.source;
    if (uncalibrated(cal)) ctx.err.write(`tripod export: ${file} is not calibrated (calibration: ${cal}): forces are nominal values, not measured newtons; run tripod calibrate, or pass --calibration FILE\n`);
    if (format === 'c3d' || resampleHz !== null) {
      let r: Awaited<ReturnType<typeof exportCollected>>;
      try {
        r = await exportCollected(ctx, session, { format: format as ExportFormat | 'c3d', resampleHz, write: target ? (b) => target!.write(b) : null, file, comments });
        target?.commit();
      } catch (e) {
        target?.abort();
        if (e instanceof UsageError) throw e;
        throw new RuntimeError(`${(e as Error).message}; nothing was written${target && existsSync(out) ? ` (${out} is unchanged)` : ''}`);
      }
      if (!toStdout && ctx.values['no-sidecar'] !== true) writeSidecar(out, recordingMetadata(file, session), { file: out, format, rows: r.rows, timing: r.timing });
      const summary = { ...replaySummary(file, session, 0), output: toStdout ? '-' : out, format, rows: r.rows, rate_hz: r.rateHz };
      if (ctx.values.json === true && !toStdout) ctx.out.write(`${terminalJson(summary)}\n`);
      else if (!toStdout) ctx.out.write(`${out}: ${r.rows} rows (${format}, uniform ${r.rateHz} Hz); ${summary.lost} samples lost in ${summary.gaps} gap(s)\n`);
      return 0;
    }
    const exporter = new SampleExporter(format as ExportFormat);
    let broken = false;
    const timing = 'as received: device time of each sample (about 77.9 Hz, uneven steps)';
    let buf = (prepass ? headerComments(headerFields(prepass, timing)) : '') + exporter.header();
    const flush = (): void => {
      if (buf.length === 0) return;
      if (target) target.write(buf);
      else if (!broken) ctx.out.write(buf);
      buf = '';
    };
    let linkLosses = 0;
    const progress = new ProgressBar(ctx.err, { label: 'exporting', total: null, unit: 'rows' });
    session.events$.subscribe((e) => {
      if (e.type === 'link-lost') linkLosses++;
    });
    // A write error (full disk) stops the export: the partial output is removed, the target kept.
    let writeError: Error | null = null;
    session.samples$.subscribe((s) => {
      if (writeError) return;
      buf += exporter.line(s);
      if (buf.length > 1 << 16) {
        try {
          flush();
        } catch (e) {
          writeError = e as Error;
          void session.close();
          return;
        }
        progress.update(exporter.rows);
      }
    });
    const unhook = stopOnBrokenPipe(ctx.out, () => {
      broken = true;
      void session.close();
    });
    await session.finished;
    await session.close();
    if (broken) return 0;
    unhook();
    progress.done();
    try {
      if (writeError) throw writeError;
      flush();
      target?.commit();
    } catch (e) {
      target?.abort();
      throw new RuntimeError(`${(e as Error).message}; nothing was written${target && existsSync(out) ? ` (${out} is unchanged)` : ''}`);
    }
    if (!toStdout && ctx.values['no-sidecar'] !== true) writeSidecar(out, recordingMetadata(file, session), { file: out, format, rows: exporter.rows, timing });
    const damage = (session.transport as ReplayTransport).damageSummary();
    if (damage) ctx.err.write(`tripod export: ${damage}\n`);
    const summary = { ...replaySummary(file, session, linkLosses), output: toStdout ? '-' : out, format, rows: exporter.rows };
    if (ctx.values.json === true && !toStdout) ctx.out.write(`${terminalJson(summary)}\n`);
    else if (!toStdout) ctx.out.write(`${out}: ${exporter.rows} rows (${format}); ${summary.lost} samples lost in ${summary.gaps} gap(s)\n`);
    return 0;
  },
};
