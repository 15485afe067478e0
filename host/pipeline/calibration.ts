/**
 * Per-cell calibration: force_N = (counts - offset) * scale, scale in N per count.
 * The board reports its stored calibration at connect; a calibration JSON file overrides it:
 *
 *   {
 *     "cells": [ { "offset": 41230, "scale": 0.00022857 }, ... four entries, cell order 0..3 ... ],
 *     "positionsMm": [ { "x": 180, "y": 180 }, ... ]        (optional, plate frame, mm)
 *   }
 *
 * Cell order and axes as in types.ts. A realistic 100 kg, 2 mV/V cell on an HX711 at gain 128 with
 * AVDD 3.0 V gives about 4375 counts per N, so scale is near 2.29e-4 N/count.
 */
import * as fs from 'node:fs';
import { CELL_COUNT, DEFAULT_LAYOUT, type BoardLayout, type CellCalibration, type PointMm } from './types.ts';

/**
 * Counts per newton of the reference cell: 2 mV/V * 3.0 V full scale = 6 mV at 100 kg (980.665 N);
 * the HX711 at gain 128 maps +-(0.5 * AVDD / 128) = +-11.72 mV to +-2^23 counts, so 1 count = 1.397 nV
 * and 6 mV / 980.665 N / 1.397 nV = 4379.6 counts per N. Scale = 1 / that.
 */
export const REFERENCE_COUNTS_PER_N = 6e-3 / 980.665 / ((0.5 * 3.0) / 128 / 2 ** 23);
export const REFERENCE_SCALE_N_PER_COUNT = 1 / REFERENCE_COUNTS_PER_N;

export interface Calibration {
  cells: [CellCalibration, CellCalibration, CellCalibration, CellCalibration];
  layout: BoardLayout;
  /** 'board', 'file:PATH', or 'default' (offset 0, reference scale: only useful for shape, not newtons). */
  source: string;
}

export class CalibrationError extends Error {
  override readonly name = 'CalibrationError';
}

export function defaultCalibration(): Calibration {
  const cell = { offset: 0, scale: REFERENCE_SCALE_N_PER_COUNT };
  return { cells: [{ ...cell }, { ...cell }, { ...cell }, { ...cell }], layout: DEFAULT_LAYOUT, source: 'default' };
}

/**
 * Validates a parsed calibration object; `where` names the origin for error messages.
 * Throws CalibrationError naming the exact field, what was found and what is expected.
 */
export function parseCalibration(value: unknown, where: string): Calibration {
  const fail = (field: string, msg: string): never => {
    throw new CalibrationError(`${where}: ${field} ${msg}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('top level', `must be an object with "cells", got ${describe(value)}`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'cells' && key !== 'positionsMm' && key !== 'comment') fail(`"${key}"`, 'is not a calibration field (expected "cells", optional "positionsMm", "comment")');
  }
  const cells = obj.cells;
  if (!Array.isArray(cells)) fail('"cells"', `must be an array of ${CELL_COUNT} {offset, scale} objects, got ${describe(cells)}`);
  const arr = cells as unknown[];
  if (arr.length !== CELL_COUNT) fail('"cells"', `must have exactly ${CELL_COUNT} entries (cell 0..3), got ${arr.length}`);
  const parsed = arr.map((c, i) => {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return fail(`cells[${i}]`, `must be an object {offset, scale}, got ${describe(c)}`);
    const cell = c as Record<string, unknown>;
    const offset = cell.offset;
    const scale = cell.scale;
    if (typeof offset !== 'number' || !Number.isFinite(offset)) fail(`cells[${i}].offset`, `must be a finite number of counts, got ${describe(offset)}`);
    if (Math.abs(offset as number) >= 2 ** 23) fail(`cells[${i}].offset`, `must be within the HX711 range -8388608..8388607 counts, got ${offset}`);
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale === 0) fail(`cells[${i}].scale`, `must be a finite non-zero number of N per count, got ${describe(scale)}`);
    if (Math.abs(scale as number) > 1) fail(`cells[${i}].scale`, `is ${scale} N per count, implausibly large (a real cell is near 2e-4); did you give counts per N?`);
    return { offset: offset as number, scale: scale as number };
  }) as Calibration['cells'];
  let layout = DEFAULT_LAYOUT;
  if (obj.positionsMm !== undefined) {
    const pos = obj.positionsMm;
    if (!Array.isArray(pos) || pos.length !== CELL_COUNT) fail('"positionsMm"', `must be an array of ${CELL_COUNT} {x, y} points in mm, got ${describe(pos)}`);
    const points = (pos as unknown[]).map((p, i) => {
      const pt = p as Record<string, unknown> | null;
      if (pt === null || typeof pt !== 'object') return fail(`positionsMm[${i}]`, `must be an object {x, y} in mm, got ${describe(p)}`);
      for (const k of ['x', 'y'] as const) {
        if (typeof pt[k] !== 'number' || !Number.isFinite(pt[k])) fail(`positionsMm[${i}].${k}`, `must be a finite number of mm, got ${describe(pt[k])}`);
      }
      return { x: pt.x as number, y: pt.y as number };
    }) as [PointMm, PointMm, PointMm, PointMm];
    layout = { cells: points, plate: DEFAULT_LAYOUT.plate };
  }
  return { cells: parsed, layout, source: where };
}

/** Reads and validates a calibration JSON file. */
export function loadCalibrationFile(path: string): Calibration {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CalibrationError(code === 'ENOENT' ? `calibration file ${path}: no such file` : `calibration file ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CalibrationError(`calibration file ${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseCalibration(json, `calibration file ${path}`);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
