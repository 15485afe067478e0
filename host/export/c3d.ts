/**
 * C3D (c3d.org, "The C3D File Format User Guide") for labs' motion and force software: no 3D points,
 * one force platform of TYPE 3 (four vertical corner sensors, the Kistler layout) whose eight analog
 * channels are FX12 FX34 FY14 FY23 (zero: the board measures vertical force only) and FZ1..FZ4 (the
 * four cells, N, 32-bit float). Sensor 1 is at (+a, +b), 2 (-a, +b), 3 (-a, -b), 4 (+a, -b) in the
 * plate frame, which is the order of the Tripod cells (front right, front left, rear left, rear
 * right); FORCE_PLATFORM:ORIGIN holds (a, b, az0 = 0) as TYPE 3 defines, CORNERS the plate's top
 * corners (mm, z = 0, lab frame = plate frame: x right, y forward, z up). A reader computes
 * Fz = FZ1+FZ2+FZ3+FZ4, Mx = b (FZ1+FZ2-FZ3-FZ4), My = a (-FZ1+FZ2+FZ3-FZ4), CoP = (-My/Fz, Mx/Fz):
 * the Tripod CoP when the cells sit at (±a, ±b). Frames are at one rate (POINT:RATE = ANALOG:RATE,
 * one analog sample per frame), so samples must be on a uniform grid first (export/resample.ts).
 * Intel byte order, float data (POINT:SCALE -1). Subject, date, board and calibration go in
 * SUBJECTS, TRIAL and a TRIPOD group.
 */
import type { ForceSample } from '../pipeline/types.ts';

export interface C3dPlate {
  /** Half the cell spacing along x (a) and y (b), mm. */
  aMm: number;
  bMm: number;
  /** Plate size, mm. */
  widthMm: number;
  depthMm: number;
}

export interface C3dMeta {
  subject: string | null;
  /** ISO 8601 time the recording started. */
  date: string;
  software: string;
  /** Free text kept in the TRIPOD group (board, calibration source, resampling, notes). */
  tripod: Record<string, string>;
}

const BLOCK = 512;
export const C3D_ANALOG_LABELS = ['FX12', 'FX34', 'FY14', 'FY23', 'FZ1', 'FZ2', 'FZ3', 'FZ4'] as const;

type ParamValue =
  | { type: 'i16'; dims: number[]; values: number[] }
  | { type: 'f32'; dims: number[]; values: number[] }
  | { type: 'char'; strings: string[]; scalar?: boolean };

interface Param {
  name: string;
  value: ParamValue;
  desc?: string;
}

interface Group {
  name: string;
  desc: string;
  params: Param[];
}

const ascii = (s: string): Buffer => Buffer.from(s.replace(/[^\x20-\x7e]/g, '?'), 'latin1');

function encodeParam(p: Param, groupId: number, last: boolean): Buffer {
  const name = ascii(p.name.toUpperCase());
  const desc = ascii(p.desc ?? '').subarray(0, 255);
  let typeByte: number;
  let dims: number[];
  let data: Buffer;
  const v = p.value;
  if (v.type === 'char') {
    const width = Math.max(1, ...v.strings.map((s) => ascii(s).length));
    typeByte = -1;
    dims = v.scalar ? [width] : [width, v.strings.length];
    data = Buffer.concat(v.strings.map((s) => Buffer.concat([ascii(s), Buffer.alloc(width - ascii(s).length, 0x20)])));
  } else {
    typeByte = v.type === 'i16' ? 2 : 4;
    dims = v.dims;
    data = Buffer.alloc(v.values.length * typeByte);
    v.values.forEach((x, i) => (v.type === 'i16' ? data.writeInt16LE(x, i * 2) : data.writeFloatLE(x, i * 4)));
  }
  const head = Buffer.alloc(2 + name.length + 2 + 2 + dims.length);
  head.writeInt8(name.length, 0);
  head.writeInt8(groupId, 1);
  name.copy(head, 2);
  const offsetAt = 2 + name.length;
  // Offset from this field to the next record: itself, type, dims count, dims, data, desc length, desc.
  head.writeInt16LE(last ? 0 : 2 + 1 + 1 + dims.length + data.length + 1 + desc.length, offsetAt);
  head.writeInt8(typeByte, offsetAt + 2);
  head.writeUInt8(dims.length, offsetAt + 3);
  dims.forEach((d, i) => head.writeUInt8(d, offsetAt + 4 + i));
  return Buffer.concat([head, data, Buffer.from([desc.length]), desc]);
}

function encodeGroup(g: Group, id: number): Buffer {
  const name = ascii(g.name.toUpperCase());
  const desc = ascii(g.desc).subarray(0, 255);
  const b = Buffer.alloc(2 + name.length + 2 + 1);
  b.writeInt8(name.length, 0);
  b.writeInt8(-id, 1);
  name.copy(b, 2);
  b.writeInt16LE(2 + 1 + desc.length, 2 + name.length);
  b.writeUInt8(desc.length, 2 + name.length + 2);
  return Buffer.concat([b, desc]);
}

const i16 = (values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): ParamValue => ({ type: 'i16', dims, values });
const f32 = (values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): ParamValue => ({ type: 'f32', dims, values });
/** One text: a scalar up to 255 characters (a dimension is one byte); longer text (notes) is split
 *  into rows of 255, at most 40 (a parameter record is under 32 KB): readers join the rows. */
const text = (s: string): ParamValue => {
  if (s.length <= 255) return { type: 'char', strings: [s], scalar: true };
  const rows: string[] = [];
  for (let i = 0; i < Math.min(s.length, 255 * 40); i += 255) rows.push(s.slice(i, i + 255));
  return { type: 'char', strings: rows };
};
const texts = (s: string[]): ParamValue => ({ type: 'char', strings: s });

function parameterSection(groups: Group[]): Buffer {
  const parts: Buffer[] = [];
  groups.forEach((g, gi) => parts.push(encodeGroup(g, gi + 1)));
  const params = groups.flatMap((g, gi) => g.params.map((p) => ({ p, id: gi + 1 })));
  params.forEach(({ p, id }, i) => parts.push(encodeParam(p, id, i === params.length - 1)));
  const body = Buffer.concat(parts);
  const blocks = Math.ceil((4 + body.length) / BLOCK);
  const out = Buffer.alloc(blocks * BLOCK);
  out.writeUInt8(1, 0);
  out.writeUInt8(0x50, 1);
  out.writeUInt8(blocks, 2);
  out.writeUInt8(84, 3); // Intel
  body.copy(out, 4);
  return out;
}

/** The whole C3D file for samples on a uniform grid at rateHz (forces N). */
export function writeC3d(samples: readonly ForceSample[], rateHz: number, plate: C3dPlate, meta: C3dMeta): Buffer {
  const frames = samples.length;
  if (frames === 0) throw new RangeError('C3D export: no samples to write');
  const channels = C3D_ANALOG_LABELS.length;
  const build = (dataStart: number): Group[] => [
    {
      name: 'POINT',
      desc: 'no 3D points: force platform only',
      params: [
        { name: 'USED', value: i16([0]) },
        { name: 'SCALE', value: f32([-1]), desc: 'negative: float data' },
        { name: 'RATE', value: f32([rateHz]), desc: 'frames per second' },
        { name: 'DATA_START', value: i16([dataStart]) },
        { name: 'FRAMES', value: frames <= 32767 ? i16([frames]) : f32([frames]) },
        { name: 'UNITS', value: text('mm') },
      ],
    },
    {
      name: 'ANALOG',
      desc: 'force platform channels',
      params: [
        { name: 'USED', value: i16([channels]) },
        { name: 'LABELS', value: texts([...C3D_ANALOG_LABELS]) },
        { name: 'DESCRIPTIONS', value: texts(['Fx sensors 1+2 (not measured: 0)', 'Fx sensors 3+4 (not measured: 0)', 'Fy sensors 1+4 (not measured: 0)', 'Fy sensors 2+3 (not measured: 0)', 'Fz cell front right', 'Fz cell front left', 'Fz cell rear left', 'Fz cell rear right']) },
        { name: 'SCALE', value: f32(new Array(channels).fill(1)) },
        { name: 'OFFSET', value: i16(new Array(channels).fill(0)) },
        { name: 'UNITS', value: texts(new Array(channels).fill('N')) },
        { name: 'GEN_SCALE', value: f32([1]) },
        { name: 'RATE', value: f32([rateHz]), desc: 'samples per second (one per frame)' },
        { name: 'FORMAT', value: text('SIGNED') },
        { name: 'BITS', value: i16([16]) },
      ],
    },
    {
      name: 'FORCE_PLATFORM',
      desc: 'Tripod board: four vertical load cells',
      params: [
        { name: 'USED', value: i16([1]) },
        { name: 'TYPE', value: i16([3], [1]) },
        { name: 'ZERO', value: i16([0, 0]), desc: 'no baseline subtraction (the board is tared)' },
        {
          name: 'CORNERS',
          value: f32(
            [
              [plate.widthMm / 2, plate.depthMm / 2],
              [-plate.widthMm / 2, plate.depthMm / 2],
              [-plate.widthMm / 2, -plate.depthMm / 2],
              [plate.widthMm / 2, -plate.depthMm / 2],
            ].flatMap(([x, y]) => [x!, y!, 0]),
            [3, 4, 1],
          ),
          desc: 'plate top corners, mm',
        },
        { name: 'ORIGIN', value: f32([plate.aMm, plate.bMm, 0], [3, 1]), desc: 'TYPE 3: a, b, az0 (mm)' },
        { name: 'CHANNEL', value: i16([1, 2, 3, 4, 5, 6, 7, 8], [8, 1]) },
      ],
    },
    { name: 'SUBJECTS', desc: 'who stood on the plate', params: [{ name: 'USED', value: i16([meta.subject ? 1 : 0]) }, { name: 'NAMES', value: texts([meta.subject ?? '']) }] },
    {
      name: 'TRIAL',
      desc: 'the recording',
      params: [
        { name: 'ACTUAL_START_FIELD', value: i16([1, 0]) },
        { name: 'ACTUAL_END_FIELD', value: i16([toI16(frames & 0xffff), frames >>> 16]) },
        { name: 'DATE', value: text(meta.date), desc: 'recording start, ISO 8601' },
      ],
    },
    { name: 'MANUFACTURER', desc: 'what wrote this file', params: [{ name: 'COMPANY', value: text('Tripod') }, { name: 'SOFTWARE', value: text(meta.software) }] },
    { name: 'TRIPOD', desc: 'Tripod recording metadata', params: Object.entries(meta.tripod).map(([k, v]) => ({ name: k, value: text(v) })) },
  ];
  // The data start depends on the parameter section's size, which does not depend on the value.
  const paramBlocks = parameterSection(build(0)).length / BLOCK;
  const dataStart = 2 + paramBlocks;
  const params = parameterSection(build(dataStart));

  const header = Buffer.alloc(BLOCK);
  header.writeUInt8(2, 0);
  header.writeUInt8(0x50, 1);
  header.writeInt16LE(0, 2); // 3D points
  header.writeInt16LE(channels, 4); // analog samples per frame, all channels
  header.writeInt16LE(1, 6); // first frame
  header.writeUInt16LE(Math.min(frames, 65535), 8); // last frame (TRIAL:ACTUAL_END_FIELD beyond)
  header.writeInt16LE(0, 10); // max interpolation gap
  header.writeFloatLE(-1, 12); // scale: float data
  header.writeInt16LE(dataStart, 16);
  header.writeInt16LE(1, 18); // analog samples per frame per channel
  header.writeFloatLE(rateHz, 20);

  const data = Buffer.alloc(Math.ceil((frames * channels * 4) / BLOCK) * BLOCK);
  let o = 0;
  for (const s of samples) {
    o += 16; // FX12 FX34 FY14 FY23: 0
    for (let c = 0; c < 4; c++, o += 4) data.writeFloatLE(s.forces[c]!, o);
  }
  return Buffer.concat([header, params, data]);
}

function toI16(u: number): number {
  return u > 32767 ? u - 65536 : u;
}
