/**
 * The board layout file: where the four cells sit, the plate outline, and where the left and right
 * foot outlines are printed on the plate (the "marks": the midpoint of each foot's axis). JSON:
 *
 *   { "cells": [{"x":180,"y":180},{"x":-180,"y":180},{"x":-180,"y":-180},{"x":180,"y":-180}],
 *     "plate": {"widthMm":420,"depthMm":420},
 *     "footMarks": {"left":{"x":-60,"y":0},"right":{"x":60,"y":0}} }
 *
 * mm, plate frame (x right, y forward, origin plate centre); cells in C3D quadrant order
 * 0 = (+x,+y), 1 = (-x,+y), 2 = (-x,-y), 3 = (+x,-y). footMarks is optional (defaults below).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LAYOUT, type BoardLayout, type PointMm } from '../pipeline/types.ts';
import type { FootSide } from './geometry.ts';

export interface ScoringLayout extends BoardLayout {
  /** Printed foot marks: midpoint of each foot's heel-to-toe axis, mm. */
  footMarks: Record<FootSide, PointMm>;
}

/** Our board's marks: the two outlines 120 mm apart, centred front to back. */
export const DEFAULT_FOOT_MARKS: Record<FootSide, PointMm> = { left: { x: -60, y: 0 }, right: { x: 60, y: 0 } };

export const DEFAULT_SCORING_LAYOUT: ScoringLayout = {
  cells: DEFAULT_LAYOUT.cells.map((c) => ({ ...c })) as BoardLayout['cells'],
  plate: { ...DEFAULT_LAYOUT.plate },
  footMarks: { left: { ...DEFAULT_FOOT_MARKS.left }, right: { ...DEFAULT_FOOT_MARKS.right } },
};

/** A layout file that does not describe a usable board; the message names the field. */
export class LayoutError extends Error {
  override readonly name = 'LayoutError';
}

const QUADRANT = [
  [1, 1, 'front-right (+x,+y)'],
  [-1, 1, 'front-left (-x,+y)'],
  [-1, -1, 'rear-left (-x,-y)'],
  [1, -1, 'rear-right (+x,-y)'],
] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LayoutError(`${where}: expected a finite number (mm), got ${JSON.stringify(v)}`);
  }
  return v;
}

function point(v: unknown, where: string): PointMm {
  if (!isObject(v)) throw new LayoutError(`${where}: expected an object {"x": mm, "y": mm}, got ${JSON.stringify(v)}`);
  return { x: num(v.x, `${where}.x`), y: num(v.y, `${where}.y`) };
}

/** Validates a parsed layout object; throws LayoutError naming the first bad field. */
export function validateLayout(value: unknown, source = 'layout'): ScoringLayout {
  if (!isObject(value)) throw new LayoutError(`${source}: expected a JSON object with "cells" and "plate"`);
  const cellsRaw = value.cells;
  if (!Array.isArray(cellsRaw) || cellsRaw.length !== 4) {
    throw new LayoutError(`${source}.cells: expected an array of 4 cell positions, got ${Array.isArray(cellsRaw) ? `${cellsRaw.length} entries` : JSON.stringify(cellsRaw)}`);
  }
  const cells = cellsRaw.map((c, i) => point(c, `${source}.cells[${i}]`)) as BoardLayout['cells'];
  if (!isObject(value.plate)) throw new LayoutError(`${source}.plate: expected {"widthMm": mm, "depthMm": mm}`);
  const widthMm = num(value.plate.widthMm, `${source}.plate.widthMm`);
  const depthMm = num(value.plate.depthMm, `${source}.plate.depthMm`);
  if (widthMm <= 0 || depthMm <= 0) throw new LayoutError(`${source}.plate: width and depth must be > 0 mm, got ${widthMm} x ${depthMm}`);
  cells.forEach((c, i) => {
    const q = QUADRANT[i]!;
    if (Math.sign(c.x) !== q[0] || Math.sign(c.y) !== q[1]) {
      throw new LayoutError(`${source}.cells[${i}]: cell ${i} must be ${q[2]} of the plate centre, got (${c.x}, ${c.y}) mm`);
    }
    if (Math.abs(c.x) > widthMm / 2 || Math.abs(c.y) > depthMm / 2) {
      throw new LayoutError(`${source}.cells[${i}]: (${c.x}, ${c.y}) mm lies outside the ${widthMm} x ${depthMm} mm plate`);
    }
  });
  let footMarks = { left: { ...DEFAULT_FOOT_MARKS.left }, right: { ...DEFAULT_FOOT_MARKS.right } };
  if (value.footMarks !== undefined) {
    if (!isObject(value.footMarks)) throw new LayoutError(`${source}.footMarks: expected {"left": {x,y}, "right": {x,y}}`);
    footMarks = { left: point(value.footMarks.left, `${source}.footMarks.left`), right: point(value.footMarks.right, `${source}.footMarks.right`) };
    for (const side of ['left', 'right'] as const) {
      const m = footMarks[side];
      if (Math.abs(m.x) > widthMm / 2 || Math.abs(m.y) > depthMm / 2) {
        throw new LayoutError(`${source}.footMarks.${side}: (${m.x}, ${m.y}) mm lies outside the plate`);
      }
    }
  }
  for (const key of Object.keys(value)) {
    if (key !== 'cells' && key !== 'plate' && key !== 'footMarks') {
      throw new LayoutError(`${source}: unknown field "${key}" (expected cells, plate, footMarks)`);
    }
  }
  return { cells, plate: { widthMm, depthMm }, footMarks };
}

/** Reads and validates a layout JSON file. */
export function loadLayoutFile(file: string): ScoringLayout {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LayoutError(`cannot read layout file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new LayoutError(`layout file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return validateLayout(parsed, file);
}
