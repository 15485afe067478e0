/**
 * Raw counts -> forces (N) -> total (N) -> centre of pressure (mm). Pure functions, no allocation
 * beyond the record they return.
 *
 * CoP = sum(F_i * p_i) / sum(F_i) over the four cells, p_i the cell centres (plate frame, mm).
 * Below MIN_COP_LOAD_N of total force nobody is standing on the plate and the ratio is noise, so the
 * CoP is null (never reported as 0,0).
 */
import type { Calibration } from './calibration.ts';
import type { ForceSample, PointMm } from './types.ts';

/** Minimum total vertical force for a CoP, N (about 2 kg: far below any person, well above noise). */
export const MIN_COP_LOAD_N = 20;

/** Centre of pressure in mm, or null when the total force is below `minLoadN`. */
export function centreOfPressure(forces: ArrayLike<number>, cells: readonly PointMm[], minLoadN = MIN_COP_LOAD_N): PointMm | null {
  let total = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 4; i++) {
    const f = forces[i]!;
    const p = cells[i]!;
    total += f;
    mx += f * p.x;
    my += f * p.y;
  }
  if (!(total >= minLoadN)) return null;
  return { x: mx / total, y: my / total };
}

/** Builds one calibrated sample from raw counts (cells 0..3). */
export function toForceSample(
  index: number,
  t: number,
  hostTimeMs: number,
  raw: [number, number, number, number],
  flags: number,
  cal: Calibration,
  minLoadN = MIN_COP_LOAD_N,
): ForceSample {
  const c = cal.cells;
  const forces: [number, number, number, number] = [
    (raw[0] - c[0].offset) * c[0].scale,
    (raw[1] - c[1].offset) * c[1].scale,
    (raw[2] - c[2].offset) * c[2].scale,
    (raw[3] - c[3].offset) * c[3].scale,
  ];
  const total = forces[0] + forces[1] + forces[2] + forces[3];
  return { index, t, hostTimeMs, raw, forces, total, cop: centreOfPressure(forces, cal.layout.cells, minLoadN), flags };
}
