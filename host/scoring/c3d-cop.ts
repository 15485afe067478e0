/**
 * The CoP of a C3D file's first force platform, for `tripod analyze FILE.c3d`: the header, the
 * parameter section (any group and parameter, Intel byte order) and the analog frames (float or
 * 16-bit integer, with ANALOG:SCALE, OFFSET and GEN_SCALE). Force platforms of TYPE 2 (Fx Fy Fz Mx My
 * Mz about the surface centre... as AMTI) and TYPE 3 (four corner sensors, ORIGIN = a, b, az0) are
 * read; CoP from the platform's own formulas, frames with Fz below 20 N skipped (nobody on the plate).
 */
import { readFileSync } from 'node:fs';
import { CopFileError, METADATA_KEYS, type CopTrace, type FileMetadata } from './cop-file.ts';
import { unescapeValue } from '../export/header-comments.ts';

type Value = number[] | string[];

export interface C3dParameters {
  get(group: string, name: string): Value | undefined;
  /** A character parameter's rows joined as stored (spaces at a row's end kept), trailing padding trimmed. */
  text(group: string, name: string): string | undefined;
}

function fail(file: string, what: string): never {
  throw new CopFileError('data', `${file}: not a C3D file this reader understands (${what})`);
}

/** Whether the bytes start like a C3D file (parameter block pointer and the 0x50 key). */
export function looksLikeC3d(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && bytes[1] === 0x50 && bytes[0]! >= 2;
}

function parseParameters(buf: Buffer, start: number, file: string): C3dParameters {
  if (buf[start + 3] !== 84) fail(file, `processor type ${buf[start + 3]}: only Intel byte order is read`);
  const groups = new Map<number, string>();
  const raw: Array<{ group: number; name: string; value: Value; text?: string }> = [];
  let o = start + 4;
  for (;;) {
    if (o + 2 > buf.length) break;
    const nameLen = Math.abs(buf.readInt8(o));
    const id = buf.readInt8(o + 1);
    if (nameLen === 0) break;
    const name = buf.toString('latin1', o + 2, o + 2 + nameLen).toUpperCase();
    const offAt = o + 2 + nameLen;
    const next = buf.readInt16LE(offAt);
    if (id < 0) groups.set(-id, name);
    else {
      const type = buf.readInt8(offAt + 2);
      const nd = buf.readUInt8(offAt + 3);
      const dims = Array.from({ length: nd }, (_, i) => buf.readUInt8(offAt + 4 + i));
      const d0 = offAt + 4 + nd;
      const count = dims.reduce((a, b) => a * b, 1);
      let value: Value;
      let text: string | undefined;
      if (type === -1) {
        const w = dims[0] ?? 1;
        const n = nd <= 1 ? 1 : count / w;
        value = Array.from({ length: n }, (_, i) => buf.toString('latin1', d0 + i * w, d0 + (i + 1) * w).trimEnd());
        text = buf.toString('latin1', d0, d0 + count).trimEnd();
      } else {
        const size = Math.abs(type);
        value = Array.from({ length: count }, (_, i) => (size === 4 ? buf.readFloatLE(d0 + i * 4) : size === 2 ? buf.readInt16LE(d0 + i * 2) : buf.readInt8(d0 + i)));
      }
      raw.push({ group: id, name, value, ...(text !== undefined ? { text } : {}) });
    }
    if (next === 0) break;
    o = offAt + next;
  }
  const key = (g: string | number, n: string): string => `${String(g).toUpperCase()}:${n.toUpperCase()}`;
  const map = new Map(raw.map((p) => [key(groups.get(p.group) ?? p.group, p.name), p]));
  return { get: (g, n) => map.get(key(g, n))?.value, text: (g, n) => map.get(key(g, n))?.text };
}

export interface C3dAnalog {
  params: C3dParameters;
  rateHz: number;
  labels: string[];
  /** Per channel, scaled values. */
  channels: Float64Array[];
}

export function readC3dAnalog(buf: Buffer, file: string): C3dAnalog {
  if (!looksLikeC3d(buf)) fail(file, 'no C3D header');
  const params = parseParameters(buf, (buf[0]! - 1) * 512, file);
  const num = (g: string, n: string, d?: number): number => {
    const v = params.get(g, n)?.[0];
    if (typeof v === 'number') return v;
    if (d !== undefined) return d;
    return fail(file, `no ${g}:${n}`);
  };
  const points = num('POINT', 'USED', 0);
  const channels = num('ANALOG', 'USED');
  const scale = num('POINT', 'SCALE', buf.readFloatLE(12));
  const float = scale < 0;
  const pointRate = num('POINT', 'RATE', buf.readFloatLE(20));
  const analogRate = num('ANALOG', 'RATE', pointRate);
  const perFrame = Math.max(1, Math.round(analogRate / pointRate));
  const dataStart = num('POINT', 'DATA_START', buf.readInt16LE(16));
  const frames = buf.readUInt16LE(8) - buf.readInt16LE(6) + 1;
  const endField = params.get('TRIAL', 'ACTUAL_END_FIELD') as number[] | undefined;
  const nFrames = endField && endField.length === 2 ? ((endField[0]! & 0xffff) + (endField[1]! << 16)) : num('POINT', 'FRAMES', frames);
  const size = float ? 4 : 2;
  const frameBytes = (points * 4 + channels * perFrame) * size;
  const o0 = (dataStart - 1) * 512;
  if (o0 + nFrames * frameBytes > buf.length) fail(file, `the data section is shorter than ${nFrames} frames`);
  const gen = num('ANALOG', 'GEN_SCALE', 1);
  const sc = (params.get('ANALOG', 'SCALE') as number[] | undefined) ?? [];
  const off = (params.get('ANALOG', 'OFFSET') as number[] | undefined) ?? [];
  const out = Array.from({ length: channels }, () => new Float64Array(nFrames * perFrame));
  for (let f = 0; f < nFrames; f++) {
    let o = o0 + f * frameBytes + points * 4 * size;
    for (let s = 0; s < perFrame; s++) {
      for (let c = 0; c < channels; c++, o += size) {
        const v = float ? buf.readFloatLE(o) : buf.readInt16LE(o);
        out[c]![f * perFrame + s] = (v - (off[c] ?? 0)) * (sc[c] ?? 1) * gen;
      }
    }
  }
  return { params, rateHz: analogRate, labels: ((params.get('ANALOG', 'LABELS') as string[] | undefined) ?? []).map(String), channels: out };
}

/** The CoP (mm, the platform's frame) of the first force platform; frames under 20 N skipped. */
export function readC3dCop(file: string): CopTrace {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CopFileError('data', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const a = readC3dAnalog(buf, file);
  const type = (a.params.get('FORCE_PLATFORM', 'TYPE') as number[] | undefined)?.[0];
  const chan = ((a.params.get('FORCE_PLATFORM', 'CHANNEL') as number[] | undefined) ?? []).map((c) => a.channels[c - 1]);
  if (type === undefined) fail(file, 'no force platform (FORCE_PLATFORM:TYPE)');
  const origin = (a.params.get('FORCE_PLATFORM', 'ORIGIN') as number[] | undefined) ?? [0, 0, 0];
  const n = a.channels[0]?.length ?? 0;
  const load = { t: new Float64Array(n), total: new Float64Array(n) };
  const t: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  let skipped = 0;
  const ch = (i: number): Float64Array => chan[i] ?? fail(file, `FORCE_PLATFORM:CHANNEL names ${chan.length} channels, TYPE ${type} needs more`);
  for (let i = 0; i < n; i++) {
    let fz: number;
    let cx: number;
    let cy: number;
    if (type === 3) {
      const [a0, b0, az0] = [origin[0] ?? 0, origin[1] ?? 0, origin[2] ?? 0];
      const fx = ch(0)[i]! + ch(1)[i]!;
      const fy = ch(2)[i]! + ch(3)[i]!;
      const [f1, f2, f3, f4] = [ch(4)[i]!, ch(5)[i]!, ch(6)[i]!, ch(7)[i]!];
      fz = f1 + f2 + f3 + f4;
      const mx = b0 * (f1 + f2 - f3 - f4) + fy * az0;
      const my = a0 * (-f1 + f2 + f3 - f4) - fx * az0;
      cx = -my / fz;
      cy = mx / fz;
    } else if (type === 2) {
      const [fx, fy] = [ch(0)[i]!, ch(1)[i]!];
      fz = ch(2)[i]!;
      const [mx, my] = [ch(3)[i]!, ch(4)[i]!];
      const dz = -(origin[2] ?? 0);
      cx = (-my - fx * dz) / fz;
      cy = (mx - fy * dz) / fz;
    } else return fail(file, `force platform TYPE ${type}: only TYPE 2 and 3 are read`);
    load.t[i] = i / a.rateHz;
    load.total[i] = Math.abs(fz);
    if (!(Math.abs(fz) >= 20)) {
      skipped++;
      continue;
    }
    t.push(i / a.rateHz);
    x.push(cx);
    y.push(cy);
  }
  const trace: CopTrace = {
    t: Float64Array.from(t),
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    rateHz: a.rateHz,
    format: 'table',
    skippedRows: skipped,
    columns: { x: `force platform 1 (TYPE ${type}) CoP x`, y: `force platform 1 (TYPE ${type}) CoP y`, t: null },
    unit: 'mm',
    load,
  };
  const tripod = tripodMetadata(a.params);
  if (tripod) {
    trace.metadata = tripod;
    trace.tripod = true;
  }
  return trace;
}

/** A Tripod export's metadata from its SUBJECTS, TRIAL and TRIPOD parameters (host/cli/export-collected.ts), or null. */
function tripodMetadata(p: C3dParameters): FileMetadata | null {
  // The TRIPOD texts are escaped as a CSV's '#' lines are (export-collected.ts).
  const text = (g: string, n: string): string | null => {
    const v = p.text(g, n);
    if (v === undefined || v === '') return null;
    return g === 'TRIPOD' ? unescapeValue(v) : v;
  };
  if (text('TRIPOD', 'CREATED') === null) return null;
  const m: Record<string, string | null> = Object.fromEntries(METADATA_KEYS.map((k) => [k, text('TRIPOD', k)]));
  m.subject = text('SUBJECTS', 'NAMES');
  m.created = text('TRIPOD', 'CREATED');
  return m as FileMetadata;
}
