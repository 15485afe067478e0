/**
 * Export columns, shared by CSV and NDJSON so both carry the same names and units.
 *
 * Axis convention (also in the names): x medio-lateral, positive to the subject's right; y
 * antero-posterior, positive forward (towards the toes); origin the plate centre; mm. Cells by
 * quadrant: front_right (+x,+y), front_left (-x,+y), rear_left (-x,-y), rear_right (+x,-y).
 * CoP is empty (CSV) or null (NDJSON) when the total force is below the minimum load (20 N): nobody
 * is on the plate and a CoP would be noise.
 */
import type { ForceSample } from '../pipeline/types.ts';

export const EXPORT_COLUMNS = [
  'time_s',
  'sample_index',
  'force_front_right_n',
  'force_front_left_n',
  'force_rear_left_n',
  'force_rear_right_n',
  'total_n',
  'cop_x_right_mm',
  'cop_y_forward_mm',
  'flags',
] as const;

export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], number | null>;

/** Rounding: time to 1 us, forces to 1 mN, CoP to 0.01 mm (far below the instrument's noise). */
export function toExportRow(s: ForceSample, t0: number): ExportRow {
  return {
    time_s: round(s.t - t0, 6),
    sample_index: s.index,
    force_front_right_n: round(s.forces[0], 3),
    force_front_left_n: round(s.forces[1], 3),
    force_rear_left_n: round(s.forces[2], 3),
    force_rear_right_n: round(s.forces[3], 3),
    total_n: round(s.total, 3),
    cop_x_right_mm: s.cop ? round(s.cop.x, 2) : null,
    cop_y_forward_mm: s.cop ? round(s.cop.y, 2) : null,
    flags: s.flags,
  };
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  const r = Math.round(v * k) / k;
  return r === 0 ? 0 : r; // no "-0"
}
