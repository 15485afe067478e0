/**
 * Where an accepted calibration goes: the board (SET_CALIBRATION per cell, stored in its flash) and
 * a calibration file in the format host/pipeline/calibration.ts reads (`--calibration FILE` on every
 * board command). The JSON report (`tripod calibrate --json`) is built here too.
 */
import type { CellCalibrationRecord } from '../../protocol/index.ts';
import { parseCalibration } from '../pipeline/calibration.ts';
import type { CellCalibration, PointMm } from '../pipeline/types.ts';
import type { CalibrationOutcome } from './wizard.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';

/** Default calibration file, relative to the current directory. */
export const DEFAULT_CALIBRATION_FILE = 'tripod-calibration.json';

/** The per-cell records SET_CALIBRATION carries (offset rounded to int32 counts, scale float32 on the board). */
export function boardRecords(cells: readonly CellCalibration[], positions: readonly PointMm[]): CellCalibrationRecord[] {
  return cells.map((c, i) => ({ cell: i, offset: Math.round(c.offset), scale: c.scale, xMm: positions[i]!.x, yMm: positions[i]!.y }));
}

export interface CalibrationFileContent {
  cells: Array<{ offset: number; scale: number }>;
  positionsMm: PointMm[];
  comment: string;
}

export function calibrationFileContent(outcome: CalibrationOutcome, when = new Date()): CalibrationFileContent {
  if (!outcome.cells || !outcome.solution) throw new TypeError('calibrationFileContent: the outcome has no solution');
  const s = outcome.solution;
  return {
    cells: outcome.cells.map((c) => ({ offset: Number(c.offset.toFixed(2)), scale: c.scale })),
    positionsMm: outcome.layoutCells.map((p) => ({ x: p.x, y: p.y })),
    comment: `tripod calibrate ${when.toISOString()}: ${outcome.massKg} kg at ${s.positions.length} positions; worst CoP error ${s.copErrorMm.toFixed(2)} mm, worst total error ${s.maxResidualN.toFixed(3)} N`,
  };
}

/** Writes the file (temporary file + rename: never half-written) after checking that the pipeline's own parser accepts it. */
export function writeCalibrationFile(path: string, content: CalibrationFileContent): void {
  parseCalibration(content, `calibration for ${path}`);
  writeFileAtomic(path, `${JSON.stringify(content, null, 2)}\n`);
}

/** The `--json` report. `cop_error_mm` is the largest CoP error over the positions after calibration. */
export function calibrationReport(outcome: CalibrationOutcome, extra: { written_to_board: boolean; file: string | null }): Record<string, unknown> {
  const s = outcome.solution;
  return {
    accepted: outcome.accepted,
    refusals: outcome.refusals,
    warnings: outcome.warnings,
    mass_kg: outcome.massKg,
    cop_error_mm: s ? round(s.copErrorMm, 3) : null,
    max_residual_n: s ? round(s.maxResidualN, 4) : null,
    rms_residual_n: s ? round(s.rmsResidualN, 4) : null,
    condition: s ? round(s.condition, 2) : null,
    cells: outcome.cells ? outcome.cells.map((c, i) => ({ cell: i, offset: round(c.offset, 2), scale: c.scale })) : null,
    offsets: outcome.offsets.map((o) => round(o, 2)),
    positions: s
      ? s.positions.map((p) => ({
          name: p.name,
          x_mm: p.position.x,
          y_mm: p.position.y,
          residual_n: round(p.residualN, 4),
          cop_x_mm: round(p.copMm.x, 2),
          cop_y_mm: round(p.copMm.y, 2),
          cop_error_mm: round(p.copErrorMm, 3),
        }))
      : outcome.measurements.map((m) => ({ name: m.name, x_mm: m.position.x, y_mm: m.position.y })),
    ...extra,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
