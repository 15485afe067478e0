/**
 * Reads a CoP trace from another device's text or CSV file.
 *
 * - Delimiter: tab, comma, semicolon or runs of spaces, from the first data line. Lines starting
 *   with '#' and blank lines are skipped.
 * - Header: the first line, when any of its fields is not a number. A unit in brackets or
 *   parentheses after a name ("COPx[cm]", "cop_y (mm)") is read.
 * - BDS files (Santos & Duarte 2016: Time[s] ... COPx[cm] COPy[cm]) need no options: the CoP columns
 *   and their unit come from the header, the rate from the time column.
 * - Force-plate files without CoP columns: fromMoments takes Fz [N], Mx and My [Nm or N.mm] and
 *   computes x = -My / Fz, y = Mx / Fz (moments about the plate surface centre, the AMTI / BDS
 *   convention; on the BDS files it reproduces their COP columns to 0.01 mm). Fz below 10 N is an
 *   error (nobody on the plate).
 * - Tripod's own CSV export (time_s, cop_x_right_mm, cop_y_forward_mm) needs no options either;
 *   its rows with an empty CoP (nobody on the plate) are skipped.
 * - Other files: xCol / yCol (a header name, case-insensitive, or a 1-based column number), unit
 *   (mm, cm, m) when the header does not say it, and either a time column (tCol, or a column named
 *   time / t) or rateHz. rateHz wins over the time column.
 * Errors: CopFileError with kind 'usage' (the options cannot pick the columns / unit / rate: the
 * user must pass a flag) or 'data' (the file cannot be read or a value is bad), naming the line.
 */
import { readFileSync, statSync } from 'node:fs';
import { looksLikeC3d, readC3dCop } from './c3d-cop.ts';
import { splitDelimited, unquoted } from './csv-line.ts';
import { isDecimal, parseDecimal } from '../util/strict-number.ts';
import { parseHeaderComments } from '../export/header-comments.ts';

/** Largest file readCopFile reads, bytes: about 1 million rows, 2.8 h at 100 Hz. */
export const MAX_COP_FILE_BYTES = 32 * 1024 * 1024;
/** A CoP coordinate further than this from the origin is not a position on a plate, mm (100 m). */
export const MAX_COP_MM = 1e5;
/** Largest magnitude of any field read (a time column in Unix seconds stays far below it). */
export const MAX_FIELD_ABS = 1e12;

export type LengthUnit = 'mm' | 'cm' | 'm';
const UNIT_MM: Record<LengthUnit, number> = { mm: 1, cm: 10, m: 1000 };

export class CopFileError extends Error {
  override readonly name = 'CopFileError';
  constructor(
    readonly kind: 'usage' | 'data',
    message: string,
  ) {
    super(message);
  }
}

export interface CopFileOptions {
  xCol?: string;
  yCol?: string;
  tCol?: string;
  unit?: LengthUnit;
  rateHz?: number;
  /** Compute the CoP from force-plate columns Fz, Mx, My (moments about the plate's surface
   *  centre): x = -My / Fz, y = Mx / Fz (the AMTI / BDS convention). */
  fromMoments?: boolean;
}

export interface CopTrace {
  /** Sample times, s (from the time column, or i / rate). */
  t: Float64Array;
  /** CoP, mm. */
  x: Float64Array;
  y: Float64Array;
  /** Rate from the flag, or 1 / median interval of the time column, Hz. */
  rateHz: number;
  format: 'bds' | 'table' | 'recording';
  /** Rows skipped because their CoP fields were empty (nobody on the plate). */
  skippedRows: number;
  columns: { x: string; y: string; t: string | null };
  unit: LengthUnit;
  /** Total vertical load of every row (also those without a CoP), when the file has it (a Tripod
   *  export's total_n, a C3D's Fz): what finds the stance (stances.ts). */
  load?: { t: Float64Array; total: Float64Array };
  /** What the file says of its recording (a Tripod export's `#` lines or C3D parameters, a
   *  recording's header); absent for other files. */
  metadata?: FileMetadata;
  /** A Tripod recording or export (its load includes stepping on and off the plate). */
  tripod?: boolean;
}

/** The metadata columns of `tripod analyze` (null: the file does not say). */
export const METADATA_KEYS = ['subject', 'created', 'board', 'firmware', 'calibration', 'calibrated', 'notes', 'gaps'] as const;
export type FileMetadata = Record<(typeof METADATA_KEYS)[number], string | null>;

/** The metadata of a Tripod CSV export's `#` lines (host/export/header-comments.ts), or undefined. */
function metadataOfComments(text: string): FileMetadata | undefined {
  const c = parseHeaderComments(text);
  if (c.size === 0) return undefined;
  return Object.fromEntries(METADATA_KEYS.map((k) => [k, c.get(k) ?? null])) as FileMetadata;
}

interface Column {
  name: string;
  unit: string | null;
}

function splitLine(line: string, delim: string | null): string[] {
  return delim ? splitDelimited(line, delim) : line.trim().split(/\s+/).map((s) => s.trim());
}

function detectDelimiter(line: string): string | null {
  const bare = unquoted(line);
  if (bare.includes('\t')) return '\t';
  if (bare.includes(',')) return ',';
  if (bare.includes(';')) return ';';
  return null;
}

function parseColumn(raw: string): Column {
  const m = /^(.*?)\s*[[(]\s*([^\])]+?)\s*[\])]\s*$/.exec(raw);
  if (m) return { name: m[1]!.trim(), unit: m[2]!.trim() };
  // "CoP X, mm": the unit after a comma (a quoted CSV header).
  const comma = /^(.+?),\s*([A-Za-z][\w.*·/]*)\s*$/.exec(raw);
  if (comma) return { name: comma[1]!.trim(), unit: comma[2]!.trim() };
  // A unit suffix in snake case, as Tripod's own exports write it: cop_x_right_mm, time_s.
  const sfx = /^(.+?)_(mm|cm|m|s)$/i.exec(raw.trim());
  return sfx ? { name: sfx[1]!, unit: sfx[2]! } : { name: raw.trim(), unit: null };
}

function asUnit(u: string | null): LengthUnit | null {
  if (!u) return null;
  const k = u.toLowerCase();
  return k === 'mm' || k === 'cm' || k === 'm' ? k : null;
}

/** Below this vertical force (N) the CoP from moments is undefined. */
const MIN_FZ_N = 10;

/** Length unit of a moment column's unit: Nm / N.m / N*m -> m, Nmm / N.mm -> mm, Ncm -> cm. */
function momentLengthUnit(u: string | null): LengthUnit | null {
  if (!u) return null;
  const m = /^n\s*[.*·]?\s*(mm|cm|m)$/i.exec(u.trim());
  return m ? (m[1]!.toLowerCase() as LengthUnit) : null;
}

function pickColumn(spec: string, cols: Column[], raw: string[], flag: string): number {
  if (/^\d+$/.test(spec)) {
    const i = Number(spec) - 1;
    if (i < 0 || i >= cols.length) throw new CopFileError('usage', `${flag} ${spec}: the file has columns 1..${cols.length}`);
    return i;
  }
  const want = spec.toLowerCase();
  let i = raw.findIndex((r) => r.toLowerCase() === want);
  if (i < 0) i = cols.findIndex((c) => c.name.toLowerCase() === want);
  if (i < 0) throw new CopFileError('usage', `${flag} ${spec}: no such column (columns: ${raw.join(', ')})`);
  return i;
}

/** Parses CoP text (see the file comment). `source` names the file in messages. */
export function parseCopText(text: string, opts: CopFileOptions = {}, source = 'input'): CopTrace {
  const lines: Array<[number, string]> = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== '' && !l.trimStart().startsWith('#')) lines.push([i + 1, l]);
  });
  if (lines.length === 0) throw new CopFileError('data', `${source}: no data lines`);
  const delim = detectDelimiter(lines[0]![1]);
  const firstFields = splitLine(lines[0]![1], delim);
  const hasHeader = firstFields.some((f) => f !== '' && !isDecimal(f));
  const raw = hasHeader ? firstFields : firstFields.map((_, i) => `column ${i + 1}`);
  const cols = raw.map(parseColumn);
  const body = hasHeader ? lines.slice(1) : lines;

  const findNamed = (re: RegExp): number => cols.findIndex((c) => re.test(c.name));
  const isBds = hasHeader && raw.includes('COPx[cm]') && raw.includes('COPy[cm]') && raw.includes('Time[s]');
  let xi = -1;
  let yi = -1;
  let fzi = -1;
  let mxi = -1;
  let myi = -1;
  if (opts.fromMoments) {
    if (opts.xCol !== undefined || opts.yCol !== undefined) throw new CopFileError('usage', '--from-moments computes the CoP from Fz, Mx, My: drop --x-col and --y-col');
    fzi = findNamed(/^fz$/i);
    mxi = findNamed(/^mx$/i);
    myi = findNamed(/^my$/i);
    if (fzi < 0 || mxi < 0 || myi < 0) {
      throw new CopFileError('usage', `${source}: --from-moments needs columns named Fz, Mx and My (columns: ${raw.join(', ')})`);
    }
    const fu = cols[fzi]!.unit;
    if (fu && fu.toLowerCase() !== 'n') throw new CopFileError('usage', `${source}: column '${raw[fzi]}' is not in N`);
  } else if (opts.xCol !== undefined || opts.yCol !== undefined) {
    if (opts.xCol === undefined || opts.yCol === undefined) throw new CopFileError('usage', 'pass both --x-col and --y-col');
    xi = pickColumn(opts.xCol, cols, raw, '--x-col');
    yi = pickColumn(opts.yCol, cols, raw, '--y-col');
  } else {
    xi = findNamed(/^(cop[_ ]?)?x(_right)?$/i);
    yi = findNamed(/^(cop[_ ]?)?y(_forward)?$/i);
    if (xi < 0 || yi < 0) {
      throw new CopFileError('usage', `${source}: cannot tell which columns hold the CoP; pass --x-col and --y-col, or --from-moments (columns: ${raw.join(', ')})`);
    }
  }
  let ti = -1;
  if (opts.tCol !== undefined) ti = pickColumn(opts.tCol, cols, raw, '--t-col');
  else if (hasHeader) ti = findNamed(/^(t|time)$/i);

  // Length unit: of the CoP columns, or of the moment arm (Nm -> m, N.mm -> mm).
  const lengthCol = opts.fromMoments ? mxi : xi;
  const headerUnit = opts.fromMoments ? momentLengthUnit(cols[mxi]!.unit) : asUnit(cols[xi]!.unit);
  const unit = opts.unit ?? headerUnit;
  if (!unit) {
    throw new CopFileError('usage', `${source}: cannot tell the ${opts.fromMoments ? 'moment' : 'CoP'} unit from column '${raw[lengthCol]}'; pass --unit mm, cm or m`);
  }
  if (opts.unit && headerUnit && opts.unit !== headerUnit) {
    throw new CopFileError('usage', `--unit ${opts.unit} contradicts the header '${raw[lengthCol]}' (${headerUnit}); drop --unit or fix the file`);
  }
  if (ti >= 0 && cols[ti]!.unit && !['s', 'sec', 'seconds'].includes(cols[ti]!.unit!.toLowerCase())) {
    throw new CopFileError('usage', `${source}: time column '${raw[ti]}' is not in seconds; pass --rate HZ instead`);
  }
  if (ti < 0 && opts.rateHz === undefined) {
    throw new CopFileError('usage', `${source}: no time column; pass --rate HZ (or --t-col) (columns: ${raw.join(', ')})`);
  }
  const k = UNIT_MM[unit];
  const n = body.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  const value = (fields: string[], i: number, lineNo: number): number => {
    const s = fields[i];
    const v = s === undefined || s === '' ? null : parseDecimal(s);
    if (v === null) {
      throw new CopFileError('data', `${source} line ${lineNo}, column '${raw[i]}': ${s === undefined ? 'missing' : `'${s}' is not a number`}`);
    }
    if (Math.abs(v) > MAX_FIELD_ABS) throw new CopFileError('data', `${source} line ${lineNo}, column '${raw[i]}': ${s} is out of range (more than ${MAX_FIELD_ABS} in magnitude)`);
    return v;
  };
  // Rows with an EMPTY CoP field are skipped (Tripod exports leave the CoP empty while nobody is
  // on the plate); anything else that is not a number is an error.
  const rowOf: number[] = [];
  // A Tripod export: the total load of every row (with or without a CoP) finds the stance.
  const li = ti >= 0 && !opts.fromMoments ? raw.findIndex((r) => r.toLowerCase() === 'total_n') : -1;
  const loadT: number[] = [];
  const loadTotal: number[] = [];
  let w = 0;
  for (let r = 0; r < n; r++) {
    const [lineNo, line] = body[r]!;
    const fields = splitLine(line, delim);
    if (li >= 0 && fields[li] !== '') {
      loadT.push(value(fields, ti, lineNo));
      loadTotal.push(value(fields, li, lineNo));
    }
    if (opts.fromMoments) {
      const fz = value(fields, fzi, lineNo);
      if (!(Math.abs(fz) >= MIN_FZ_N)) {
        throw new CopFileError('data', `${source} line ${lineNo}: Fz ${fz} N is below ${MIN_FZ_N} N (nobody on the plate): trim the file to the stance`);
      }
      x[w] = (-value(fields, myi, lineNo) / fz) * k;
      y[w] = (value(fields, mxi, lineNo) / fz) * k;
    } else {
      if (fields[xi] === '' && fields[yi] === '') continue;
      x[w] = value(fields, xi, lineNo) * k;
      y[w] = value(fields, yi, lineNo) * k;
    }
    if (!(Math.abs(x[w]!) <= MAX_COP_MM && Math.abs(y[w]!) <= MAX_COP_MM)) {
      throw new CopFileError('data', `${source} line ${lineNo}: CoP (${x[w]}, ${y[w]}) mm is not a position on a plate (more than ${MAX_COP_MM / 1000} m from the origin): check the unit and the columns`);
    }
    if (ti >= 0) {
      t[w] = value(fields, ti, lineNo);
      if (w > 0 && !(t[w]! > t[w - 1]!)) throw new CopFileError('data', `${source} line ${lineNo}: time ${t[w]} s does not increase (previous ${t[w - 1]} s)`);
    }
    rowOf.push(r);
    w++;
  }
  const skippedRows = n - w;
  if (w < 8) throw new CopFileError('data', `${source}: ${w} samples${skippedRows ? ` with a CoP (${skippedRows} rows without one)` : ''}; need at least 8`);
  const tOut = t.slice(0, w);
  const xOut = x.slice(0, w);
  const yOut = y.slice(0, w);
  let rateHz: number;
  if (opts.rateHz !== undefined) {
    if (!(opts.rateHz > 0) || !Number.isFinite(opts.rateHz)) throw new CopFileError('usage', `--rate ${opts.rateHz}: expected a rate > 0 Hz`);
    rateHz = opts.rateHz;
    if (ti < 0) for (let i = 0; i < w; i++) tOut[i] = rowOf[i]! / rateHz;
  } else {
    const d: number[] = [];
    for (let i = 1; i < w; i++) d.push(tOut[i]! - tOut[i - 1]!);
    d.sort((a, b) => a - b);
    const med = d[d.length >> 1]!;
    rateHz = 1 / med;
    // Times printed with few decimals (0.010, 0.020, ...) give 99.99999999 Hz: snap to the integer.
    if (Math.abs(rateHz - Math.round(rateHz)) < 1e-6 * rateHz) rateHz = Math.round(rateHz);
  }
  const columns = opts.fromMoments ? { x: `-${raw[myi]} / ${raw[fzi]}`, y: `${raw[mxi]} / ${raw[fzi]}`, t: ti >= 0 ? raw[ti]! : null } : { x: raw[xi]!, y: raw[yi]!, t: ti >= 0 ? raw[ti]! : null };
  const trace: CopTrace = { t: tOut, x: xOut, y: yOut, rateHz, format: isBds ? 'bds' : 'table', columns, unit, skippedRows };
  if (li >= 0) {
    trace.load = { t: Float64Array.from(loadT), total: Float64Array.from(loadTotal) };
    trace.tripod = xi >= 0 && /^cop_x_right_mm$/i.test(raw[xi]!);
  }
  const metadata = metadataOfComments(text);
  if (metadata) trace.metadata = metadata;
  return trace;
}

/** Reads a CoP file; an unreadable file is a 'data' CopFileError. */
export function readCopFile(file: string, opts: CopFileOptions = {}): CopTrace {
  let bytes: Buffer;
  try {
    // Refused before reading: the parser holds the whole text and its rows in memory.
    const size = statSync(file).size;
    if (size > MAX_COP_FILE_BYTES) {
      throw new CopFileError('data', `${file} is ${(size / 1048576).toFixed(0)} MB; analyze reads at most ${MAX_COP_FILE_BYTES / 1048576} MB (about 1 million rows): cut it to the trial first (e.g. head -n 1000000 FILE > trial.txt)`);
    }
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof CopFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CopFileError('data', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (e as Error).message)}`);
  }
  const binary = binaryKind(bytes);
  if (binary === 'tripod') throw new CopFileError('usage', `${file} is a Tripod recording, not a CoP table: export it first (tripod export ${file} --format csv) and analyze the CSV`);
  if (binary === 'c3d') return readC3dCop(file);
  if (binary === 'other') throw new CopFileError('data', `${file} is not a text file (binary bytes in its first 4 KB); analyze reads text/CSV CoP tables and C3D files`);
  return parseCopText(bytes.toString('utf8'), opts, file);
}

/** What a file's first bytes say it is, when it is not text. */
function binaryKind(bytes: Buffer): 'tripod' | 'c3d' | 'other' | null {
  if (bytes.subarray(0, 7).toString('latin1') === 'TRIPODR') return 'tripod';
  if (looksLikeC3d(bytes) && bytes.readInt16LE(2) >= 0 && bytes.subarray(0, 512).includes(0)) return 'c3d';
  return bytes.subarray(0, 4096).includes(0) ? 'other' : null;
}
